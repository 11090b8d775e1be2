#include "store_internal.hpp"

#include <authflow/core/log.hpp>
#include <authflow/store/redis_token_store.hpp>

#include <hiredis.h>

#include <condition_variable>
#include <mutex>
#include <sys/time.h>
#include <thread>
#include <vector>

namespace authflow {

namespace {

using store_detail::fail;

constexpr std::string_view backend_name_text = "redis";

// Redis keeps lease time itself: renew and release must check the holder atomically.
constexpr std::string_view renew_script =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";
constexpr std::string_view release_script = "if redis.call('GET', KEYS[1]) == ARGV[1] then "
                                            "return redis.call('DEL', KEYS[1]) else return 0 end";

struct ContextFree {
    void operator()(redisContext* context) const noexcept { redisFree(context); }
};
struct ReplyFree {
    void operator()(redisReply* reply) const noexcept { freeReplyObject(reply); }
};
using Connection = std::unique_ptr<redisContext, ContextFree>;
using Reply = std::unique_ptr<redisReply, ReplyFree>;

timeval to_timeval(std::chrono::milliseconds ms) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
    return tv;
}

// Escapes glob characters so that SCAN MATCH takes the prefix literally.
std::string glob_escape(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out;
}

std::string_view reply_text(const redisReply& reply) {
    return {reply.str, reply.len};
}

// Sends one command (binary-safe arguments) on one connection. Null when the connection failed.
Reply send(redisContext* context, const std::vector<std::string_view>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (auto arg : args) {
        argv.push_back(arg.data());
        lengths.push_back(arg.size());
    }
    return Reply{static_cast<redisReply*>(
        redisCommandArgv(context, static_cast<int>(args.size()), argv.data(), lengths.data()))};
}

} // namespace

class RedisTokenStore::Impl final : public detail::LeaseBackend {
public:
    explicit Impl(RedisTokenStoreOptions options)
        : endpoint_(parse_redis_url(options.url)), prefix_(std::move(options.prefix)),
          pool_size_(options.pool_size),
          codec_(std::string{backend_name_text}, options.key, nullptr, RecordEncoding::binary),
          record_ttl_(options.record_ttl), connect_timeout_(options.connect_timeout),
          command_timeout_(options.command_timeout) {
        if (pool_size_ == 0 || pool_size_ > 1024) {
            throw ConfigError(errc::config_invalid,
                              "redis token store: pool_size must be between 1 and 1024");
        }
        if (prefix_.empty() || prefix_.size() > 128 ||
            prefix_.find_first_of(" \t\r\n") != std::string::npos) {
            throw ConfigError(errc::config_invalid,
                              "redis token store: the prefix must be 1 to 128 characters "
                              "without spaces");
        }
        if (connect_timeout_.count() <= 0 || command_timeout_.count() <= 0) {
            throw ConfigError(errc::config_invalid, "redis token store: timeouts must be positive");
        }
        if (record_ttl_) {
            store_detail::positive_ms(*record_ttl_, backend_name_text, "record_ttl");
        }
        if (!options.key) {
            if (!options.insecure_plaintext_store) {
                throw ConfigError(errc::config_missing,
                                  "redis token store: tokens in Redis are always encrypted, and "
                                  "no store key is configured. Set AUTHFLOW_STORE_KEY (base64 of "
                                  "32 random bytes: `openssl rand -base64 32`) or store_key_file; "
                                  "insecure_plaintext_store would store plain tokens instead");
            }
            log(LogLevel::warning,
                "redis token store: insecure_plaintext_store is on: tokens are stored in Redis "
                "WITHOUT encryption at " +
                    endpoint_.to_string());
        }
        tokens_prefix_ = prefix_ + ":oauth:tokens:";
        lease_prefix_ = prefix_ + ":oauth:lease:";
    }

    // --- connection pool ---

    Connection connect() {
        auto timeout = to_timeval(connect_timeout_);
        Connection connection{
            endpoint_.socket_path.empty()
                ? redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, timeout)
                : redisConnectUnixWithTimeout(endpoint_.socket_path.c_str(), timeout)};
        if (!connection || connection->err != 0) {
            std::string why = connection ? connection->errstr : "out of memory";
            fail(errc::store_unavailable, backend_name_text,
                 "cannot connect to " + endpoint_.to_string() + ": " + why);
        }
        redisSetTimeout(connection.get(), to_timeval(command_timeout_));
        if (endpoint_.socket_path.empty()) {
            redisEnableKeepAlive(connection.get());
        }
        if (!endpoint_.password.empty()) {
            Reply reply =
                endpoint_.username.empty()
                    ? send(connection.get(), {"AUTH", endpoint_.password})
                    : send(connection.get(), {"AUTH", endpoint_.username, endpoint_.password});
            check_setup_reply(connection.get(), reply, "authentication");
        }
        if (endpoint_.db != 0) {
            std::string db = std::to_string(endpoint_.db);
            Reply reply = send(connection.get(), {"SELECT", db});
            check_setup_reply(connection.get(), reply, "selecting database " + db);
        }
        return connection;
    }

    void check_setup_reply(redisContext* context, const Reply& reply, const std::string& what) {
        if (!reply) {
            fail(errc::store_unavailable, backend_name_text,
                 what + " at " + endpoint_.to_string() + " failed: " + context->errstr);
        }
        if (reply->type == REDIS_REPLY_ERROR) {
            // Server error texts (e.g. WRONGPASS ...) never contain the password.
            fail(errc::store_unavailable, backend_name_text,
                 what + " at " + endpoint_.to_string() +
                     " failed: " + std::string{reply_text(*reply)});
        }
    }

    Connection take() {
        std::unique_lock lock(pool_mutex_);
        bool free_slot = pool_cv_.wait_for(lock, command_timeout_,
                                           [&] { return !idle_.empty() || open_ < pool_size_; });
        if (!free_slot) {
            fail(errc::store_unavailable, backend_name_text,
                 "all " + std::to_string(pool_size_) + " connections stayed busy for " +
                     std::to_string(command_timeout_.count()) + " ms");
        }
        if (!idle_.empty()) {
            Connection connection = std::move(idle_.back());
            idle_.pop_back();
            return connection;
        }
        ++open_;
        lock.unlock();
        try {
            return connect();
        } catch (...) {
            lock.lock();
            --open_;
            pool_cv_.notify_one();
            throw;
        }
    }

    void give_back(Connection connection) {
        std::lock_guard lock(pool_mutex_);
        idle_.push_back(std::move(connection));
        pool_cv_.notify_one();
    }

    // After an I/O error the server probably restarted: every idle connection is stale.
    void discard(Connection connection) {
        std::vector<Connection> stale;
        {
            std::lock_guard lock(pool_mutex_);
            stale.swap(idle_);
            open_ -= stale.size() + 1;
            pool_cv_.notify_all();
        }
        connection.reset();
        stale.clear();
    }

    /// Runs a command, reconnecting once when the connection broke (a server restart) and
    /// waiting while the server loads its data. Returns a reply that is not an error.
    Reply command(const std::vector<std::string_view>& args, std::string_view what) {
        auto deadline = std::chrono::steady_clock::now() + command_timeout_;
        bool reconnected = false;
        while (true) {
            Connection connection = take();
            Reply reply = send(connection.get(), args);
            if (!reply) {
                std::string why = connection->errstr;
                discard(std::move(connection));
                if (!reconnected) {
                    reconnected = true;
                    continue;
                }
                fail(errc::store_unavailable, backend_name_text,
                     std::string{what} + " at " + endpoint_.to_string() + " failed: " + why);
            }
            give_back(std::move(connection));
            if (reply->type != REDIS_REPLY_ERROR) {
                return reply;
            }
            std::string_view error = reply_text(*reply);
            if (error.substr(0, 7) == "LOADING" && std::chrono::steady_clock::now() < deadline) {
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
                continue;
            }
            // WRONGTYPE: the key holds something other than a string, i.e. not our record.
            errc code = error.substr(0, 7) == "LOADING"     ? errc::store_unavailable
                        : error.substr(0, 9) == "WRONGTYPE" ? errc::store_corrupt
                                                            : errc::store_failed;
            fail(code, backend_name_text,
                 std::string{what} + ": the server answered " + std::string{error.substr(0, 200)});
        }
    }

    [[noreturn]] void unexpected(std::string_view what) const {
        fail(errc::store_failed, backend_name_text,
             std::string{what} + ": unexpected reply type from the server");
    }

    std::int64_t integer(const Reply& reply, std::string_view what) const {
        if (reply->type != REDIS_REPLY_INTEGER) {
            unexpected(what);
        }
        return reply->integer;
    }

    // --- leases ---

    bool acquire(const std::string& name, const std::string& holder,
                 std::chrono::milliseconds ttl) override {
        std::string key = lease_prefix_ + name;
        std::string ms = std::to_string(ttl.count());
        Reply reply = command({"SET", key, holder, "NX", "PX", ms}, "acquiring a lease");
        if (reply->type == REDIS_REPLY_STATUS) {
            return true;
        }
        if (reply->type != REDIS_REPLY_NIL) {
            unexpected("acquiring a lease");
        }
        // When the first attempt's answer was lost to a reconnect, the lease may be ours.
        Reply current = command({"GET", key}, "acquiring a lease");
        return current->type == REDIS_REPLY_STRING && reply_text(*current) == holder;
    }

    bool renew(const std::string& name, const std::string& holder,
               std::chrono::milliseconds ttl) override {
        std::string key = lease_prefix_ + name;
        std::string ms = std::to_string(ttl.count());
        Reply reply = command({"EVAL", renew_script, "1", key, holder, ms}, "renewing a lease");
        return integer(reply, "renewing a lease") == 1;
    }

    bool release(const std::string& name, const std::string& holder) override {
        std::string key = lease_prefix_ + name;
        Reply reply = command({"EVAL", release_script, "1", key, holder}, "releasing a lease");
        return integer(reply, "releasing a lease") == 1;
    }

    std::string_view backend_name() const noexcept override { return backend_name_text; }

    RedisEndpoint endpoint_;
    std::string prefix_;
    std::string tokens_prefix_;
    std::string lease_prefix_;
    std::size_t pool_size_;
    store_detail::RecordCodec codec_;
    std::optional<std::chrono::milliseconds> record_ttl_;
    std::chrono::milliseconds connect_timeout_;
    std::chrono::milliseconds command_timeout_;

    std::mutex pool_mutex_;
    std::condition_variable pool_cv_;
    std::vector<Connection> idle_;
    std::size_t open_ = 0; ///< connections idle or in use
};

RedisTokenStore::RedisTokenStore(RedisTokenStoreOptions options)
    : impl_(std::make_shared<Impl>(std::move(options))) {}

RedisTokenStore::~RedisTokenStore() = default;

void RedisTokenStore::ping() {
    Reply reply = impl_->command({"PING"}, "PING");
    if (reply->type != REDIS_REPLY_STATUS) {
        impl_->unexpected("PING");
    }
}

std::string RedisTokenStore::record_key(std::string_view key) const {
    return impl_->tokens_prefix_ + std::string{key};
}

void RedisTokenStore::do_save(const std::string& key, const OAuthTokenSet& tokens,
                              std::optional<std::chrono::milliseconds> ttl) {
    std::string redis_key = record_key(key);
    std::string record = impl_->codec_.encode(redis_key, tokens);
    if (!ttl) {
        ttl = impl_->record_ttl_;
    }
    if (ttl) {
        std::string ms = std::to_string(ttl->count());
        impl_->command({"SET", redis_key, record, "PX", ms}, "saving a record");
    } else {
        // A plain SET also drops any TTL an earlier save gave the key.
        impl_->command({"SET", redis_key, record}, "saving a record");
    }
}

std::optional<OAuthTokenSet> RedisTokenStore::do_load(const std::string& key) {
    std::string redis_key = record_key(key);
    Reply reply = impl_->command({"GET", redis_key}, "loading a record");
    if (reply->type == REDIS_REPLY_NIL) {
        return std::nullopt;
    }
    if (reply->type != REDIS_REPLY_STRING) {
        fail(errc::store_corrupt, backend_name_text,
             "record '" + key.substr(0, 128) + "' is not a string value");
    }
    return impl_->codec_.decode(redis_key, key, reply_text(*reply));
}

bool RedisTokenStore::do_remove(const std::string& key) {
    std::string redis_key = record_key(key);
    impl_->codec_.forget(redis_key);
    Reply reply = impl_->command({"DEL", redis_key}, "removing a record");
    return impl_->integer(reply, "removing a record") > 0;
}

bool RedisTokenStore::do_exists(const std::string& key) {
    Reply reply = impl_->command({"EXISTS", record_key(key)}, "checking a record");
    return impl_->integer(reply, "checking a record") > 0;
}

std::vector<std::string> RedisTokenStore::do_list_keys() {
    std::vector<std::string> keys;
    std::string pattern = glob_escape(impl_->tokens_prefix_) + "*";
    std::string cursor = "0";
    std::size_t prefix_size = impl_->tokens_prefix_.size();
    do {
        Reply reply =
            impl_->command({"SCAN", cursor, "MATCH", pattern, "COUNT", "512"}, "listing records");
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
            reply->element[0]->type != REDIS_REPLY_STRING ||
            reply->element[1]->type != REDIS_REPLY_ARRAY) {
            impl_->unexpected("listing records");
        }
        cursor = std::string{reply_text(*reply->element[0])};
        const redisReply* batch = reply->element[1];
        for (std::size_t i = 0; i < batch->elements; ++i) {
            const redisReply* item = batch->element[i];
            if (item->type == REDIS_REPLY_STRING && item->len > prefix_size) {
                keys.emplace_back(item->str + prefix_size, item->len - prefix_size);
            }
        }
    } while (cursor != "0");
    return keys;
}

std::shared_ptr<detail::LeaseBackend> RedisTokenStore::lease_backend() {
    return impl_;
}

} // namespace authflow

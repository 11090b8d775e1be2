#include "internal/redis_connection.hpp"
#include "internal/store_internal.hpp"

#include <authflow/core/log.hpp>
#include <authflow/store/redis_token_store.hpp>

#include <vector>

namespace authflow {

namespace {

using store_detail::fail;

constexpr std::string_view redis_backend = "redis";

// Redis keeps lease time itself: renew and release must check the holder atomically.
constexpr std::string_view renew_script =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";
constexpr std::string_view release_script = "if redis.call('GET', KEYS[1]) == ARGV[1] then "
                                            "return redis.call('DEL', KEYS[1]) else return 0 end";

// The fenced save: the lease's value is compared with the holder and the record written in one
// script, which Redis runs atomically. ARGV[3] is the record TTL in ms, or "" for none (a plain
// SET, which also drops a TTL an earlier save gave the key).
constexpr std::string_view put_if_held_script =
    "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end "
    "if ARGV[3] == '' then redis.call('SET', KEYS[2], ARGV[2]) "
    "else redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3]) end "
    "return 1";

using store_detail::RedisReply;
using store_detail::reply_text;
using Reply = RedisReply;

} // namespace

class RedisTokenStore::Impl final : public detail::LeaseBackend {
public:
    explicit Impl(RedisTokenStoreOptions options)
        : pool_(parse_redis_url(options.url), "redis", options.pool_size, options.connect_timeout,
                options.command_timeout),
          prefix_(std::move(options.prefix)), record_ttl_(options.record_ttl) {
        if (prefix_.empty() || prefix_.size() > 128 ||
            prefix_.find_first_of(" \t\r\n") != std::string::npos) {
            throw ConfigError(errc::config_invalid,
                              "redis token store: the prefix must be 1 to 128 characters "
                              "without spaces");
        }
        if (record_ttl_) {
            store_detail::positive_ms(*record_ttl_, redis_backend, "record_ttl");
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
                    pool_.endpoint().to_string());
        }
        lease_prefix_ = prefix_ + ":oauth:lease:";
    }

    Reply command(const std::vector<std::string_view>& args, std::string_view what) {
        return pool_.command(args, what);
    }

    [[noreturn]] void unexpected(std::string_view what) const { pool_.unexpected(what); }

    std::int64_t integer(const Reply& reply, std::string_view what) const {
        return pool_.integer(reply, what);
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

    bool put_if_held(const std::string& name, const std::string& holder, RecordKind kind,
                     const std::string& key, std::string_view value,
                     std::optional<std::chrono::milliseconds> ttl) override {
        std::string lease_key = lease_prefix_ + name;
        std::string record_key = kind_prefix(kind) + key;
        if (!ttl) {
            ttl = record_ttl_;
        }
        std::string ms = ttl ? std::to_string(ttl->count()) : std::string{};
        Reply reply =
            command({"EVAL", put_if_held_script, "2", lease_key, record_key, holder, value, ms},
                    "saving a record under a lease");
        return integer(reply, "saving a record under a lease") == 1;
    }

    std::string_view backend_name() const noexcept override { return redis_backend; }

    // `{prefix}:oauth:{kind}:`: token sets keep the `tokens` segment of earlier versions.
    std::string kind_prefix(RecordKind kind) const {
        std::string text = prefix_;
        text += ":oauth:";
        text += record_kind_name(kind);
        text += ':';
        return text;
    }

    store_detail::RedisConnectionPool pool_;
    std::string prefix_;
    std::string lease_prefix_;
    std::optional<std::chrono::milliseconds> record_ttl_;
};

RedisTokenStore::RedisTokenStore(RedisTokenStoreOptions options)
    : TokenStore(redis_backend, RecordSealing{options.key, RecordEncoding::binary, nullptr}),
      impl_(std::make_shared<Impl>(std::move(options))) {}

RedisTokenStore::~RedisTokenStore() = default;

void RedisTokenStore::ping() {
    Reply reply = impl_->command({"PING"}, "PING");
    if (reply->type != REDIS_REPLY_STATUS) {
        impl_->unexpected("PING");
    }
}

std::string RedisTokenStore::record_key(std::string_view key) const {
    return record_name(RecordKind::token_set, key);
}

std::string RedisTokenStore::record_name(RecordKind kind, std::string_view key) const {
    return impl_->kind_prefix(kind) + std::string{key};
}

void RedisTokenStore::do_put(RecordKind kind, const std::string& key, std::string_view value,
                             std::optional<std::chrono::milliseconds> ttl) {
    std::string redis_key = record_name(kind, key);
    if (!ttl) {
        ttl = impl_->record_ttl_;
    }
    if (ttl) {
        std::string ms = std::to_string(ttl->count());
        impl_->command({"SET", redis_key, value, "PX", ms}, "saving a record");
    } else {
        // A plain SET also drops any TTL an earlier save gave the key.
        impl_->command({"SET", redis_key, value}, "saving a record");
    }
}

std::optional<std::string> RedisTokenStore::do_get(RecordKind kind, const std::string& key) {
    Reply reply = impl_->command({"GET", record_name(kind, key)}, "loading a record");
    if (reply->type == REDIS_REPLY_NIL) {
        return std::nullopt;
    }
    if (reply->type != REDIS_REPLY_STRING) {
        fail(errc::store_corrupt, redis_backend,
             "record '" + key.substr(0, 128) + "' is not a string value");
    }
    return std::string{reply_text(*reply)};
}

bool RedisTokenStore::do_erase(RecordKind kind, const std::string& key) {
    Reply reply = impl_->command({"DEL", record_name(kind, key)}, "removing a record");
    return impl_->integer(reply, "removing a record") > 0;
}

bool RedisTokenStore::do_contains(RecordKind kind, const std::string& key) {
    Reply reply = impl_->command({"EXISTS", record_name(kind, key)}, "checking a record");
    return impl_->integer(reply, "checking a record") > 0;
}

std::vector<std::string> RedisTokenStore::do_keys(RecordKind kind) {
    std::vector<std::string> keys;
    std::string kind_prefix = impl_->kind_prefix(kind);
    std::string pattern = store_detail::redis_glob_escape(kind_prefix) + "*";
    std::string cursor = "0";
    std::size_t prefix_size = kind_prefix.size();
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

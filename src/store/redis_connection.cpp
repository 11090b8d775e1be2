#include "internal/redis_connection.hpp"

#include "internal/store_internal.hpp"

#include <authflow/core/errors.hpp>

#include <sys/time.h>
#include <thread>

namespace authflow::store_detail {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
    return tv;
}

// Sends one command (binary-safe arguments) on one connection. Null when the connection failed.
RedisReply send(redisContext* context, const std::vector<std::string_view>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (auto arg : args) {
        argv.push_back(arg.data());
        lengths.push_back(arg.size());
    }
    return RedisReply{static_cast<redisReply*>(
        redisCommandArgv(context, static_cast<int>(args.size()), argv.data(), lengths.data()))};
}

} // namespace

std::string redis_glob_escape(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out;
}

RedisConnectionPool::RedisConnectionPool(RedisEndpoint endpoint, std::string backend,
                                         std::size_t pool_size,
                                         std::chrono::milliseconds connect_timeout,
                                         std::chrono::milliseconds command_timeout)
    : endpoint_(std::move(endpoint)), backend_(std::move(backend)), pool_size_(pool_size),
      connect_timeout_(connect_timeout), command_timeout_(command_timeout) {
    if (pool_size_ == 0 || pool_size_ > 1024) {
        throw ConfigError(errc::config_invalid,
                          backend_ + " store: pool_size must be between 1 and 1024");
    }
    if (connect_timeout_.count() <= 0 || command_timeout_.count() <= 0) {
        throw ConfigError(errc::config_invalid, backend_ + " store: timeouts must be positive");
    }
}

RedisConnectionPool::Connection RedisConnectionPool::connect() {
    auto timeout = to_timeval(connect_timeout_);
    Connection connection{
        endpoint_.socket_path.empty()
            ? redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, timeout)
            : redisConnectUnixWithTimeout(endpoint_.socket_path.c_str(), timeout)};
    if (!connection || connection->err != 0) {
        std::string why = connection ? connection->errstr : "out of memory";
        fail(errc::store_unavailable, backend_,
             "cannot connect to " + endpoint_.to_string() + ": " + why);
    }
    redisSetTimeout(connection.get(), to_timeval(command_timeout_));
    if (endpoint_.socket_path.empty()) {
        redisEnableKeepAlive(connection.get());
    }
    if (!endpoint_.password.empty()) {
        RedisReply reply =
            endpoint_.username.empty()
                ? send(connection.get(), {"AUTH", endpoint_.password})
                : send(connection.get(), {"AUTH", endpoint_.username, endpoint_.password});
        check_setup_reply(connection.get(), reply, "authentication");
    }
    if (endpoint_.db != 0) {
        std::string db = std::to_string(endpoint_.db);
        RedisReply reply = send(connection.get(), {"SELECT", db});
        check_setup_reply(connection.get(), reply, "selecting database " + db);
    }
    return connection;
}

void RedisConnectionPool::check_setup_reply(redisContext* context, const RedisReply& reply,
                                            const std::string& what) {
    if (!reply) {
        fail(errc::store_unavailable, backend_,
             what + " at " + endpoint_.to_string() + " failed: " + context->errstr);
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        // Server error texts (e.g. WRONGPASS ...) never contain the password.
        fail(errc::store_unavailable, backend_,
             what + " at " + endpoint_.to_string() + " failed: " + std::string{reply_text(*reply)});
    }
}

RedisConnectionPool::Connection RedisConnectionPool::take() {
    std::unique_lock lock(pool_mutex_);
    bool free_slot = pool_cv_.wait_for(lock, command_timeout_,
                                       [&] { return !idle_.empty() || open_ < pool_size_; });
    if (!free_slot) {
        fail(errc::store_unavailable, backend_,
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

void RedisConnectionPool::give_back(Connection connection) {
    std::lock_guard lock(pool_mutex_);
    idle_.push_back(std::move(connection));
    pool_cv_.notify_one();
}

// After an I/O error the server probably restarted: every idle connection is stale.
void RedisConnectionPool::discard(Connection connection) {
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

RedisReply RedisConnectionPool::command(const std::vector<std::string_view>& args,
                                        std::string_view what) {
    auto deadline = std::chrono::steady_clock::now() + command_timeout_;
    bool reconnected = false;
    while (true) {
        Connection connection = take();
        RedisReply reply = send(connection.get(), args);
        if (!reply) {
            std::string why = connection->errstr;
            discard(std::move(connection));
            if (!reconnected) {
                reconnected = true;
                continue;
            }
            fail(errc::store_unavailable, backend_,
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
        // WRONGTYPE: the key holds something other than what this backend writes there.
        errc code = error.substr(0, 7) == "LOADING"     ? errc::store_unavailable
                    : error.substr(0, 9) == "WRONGTYPE" ? errc::store_corrupt
                                                        : errc::store_failed;
        fail(code, backend_,
             std::string{what} + ": the server answered " + std::string{error.substr(0, 200)});
    }
}

void RedisConnectionPool::unexpected(std::string_view what) const {
    fail(errc::store_failed, backend_,
         std::string{what} + ": unexpected reply type from the server");
}

std::int64_t RedisConnectionPool::integer(const RedisReply& reply, std::string_view what) const {
    if (reply->type != REDIS_REPLY_INTEGER) {
        unexpected(what);
    }
    return reply->integer;
}

} // namespace authflow::store_detail

#pragma once
// The Redis connection code shared by every Redis backend (token store, deploy-mode stores): a
// small pool of hiredis connections, one command at a time with StoreError on failure, and
// reconnection after a server restart (not installed).

#include <authflow/store/redis_token_store.hpp>

#include <hiredis.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace authflow::store_detail {

struct RedisContextFree {
    void operator()(redisContext* context) const noexcept { redisFree(context); }
};
struct RedisReplyFree {
    void operator()(redisReply* reply) const noexcept { freeReplyObject(reply); }
};
using RedisReply = std::unique_ptr<redisReply, RedisReplyFree>;

/// The text of a string, status or error reply.
inline std::string_view reply_text(const redisReply& reply) {
    return {reply.str, reply.len};
}

/// Escapes glob characters so that SCAN MATCH takes a prefix literally.
std::string redis_glob_escape(std::string_view text);

/// A pool of at most `pool_size` connections to one Redis server. Errors are StoreError naming
/// `backend`. Safe to use from several threads.
class RedisConnectionPool {
public:
    /// Checks the sizes and timeouts (ConfigError config_invalid, naming `backend`); does not
    /// connect yet.
    RedisConnectionPool(RedisEndpoint endpoint, std::string backend, std::size_t pool_size,
                        std::chrono::milliseconds connect_timeout,
                        std::chrono::milliseconds command_timeout);
    RedisConnectionPool(const RedisConnectionPool&) = delete;
    RedisConnectionPool& operator=(const RedisConnectionPool&) = delete;

    /// Runs a command (binary-safe arguments), reconnecting once when the connection broke (a
    /// server restart) and waiting while the server loads its data. Returns a reply that is not
    /// an error. Throws StoreError: store_unavailable (no connection, timeout, still loading),
    /// store_corrupt (WRONGTYPE), store_failed (another server error).
    RedisReply command(const std::vector<std::string_view>& args, std::string_view what);

    /// Throws StoreError (store_failed) for a reply of an unexpected type.
    [[noreturn]] void unexpected(std::string_view what) const;
    /// The integer of an integer reply, else unexpected().
    std::int64_t integer(const RedisReply& reply, std::string_view what) const;

    const RedisEndpoint& endpoint() const noexcept { return endpoint_; }
    const std::string& backend() const noexcept { return backend_; }

private:
    using Connection = std::unique_ptr<redisContext, RedisContextFree>;
    Connection connect();
    void check_setup_reply(redisContext* context, const RedisReply& reply, const std::string& what);
    Connection take();
    void give_back(Connection connection);
    void discard(Connection connection);

    RedisEndpoint endpoint_;
    std::string backend_;
    std::size_t pool_size_;
    std::chrono::milliseconds connect_timeout_;
    std::chrono::milliseconds command_timeout_;

    std::mutex pool_mutex_;
    std::condition_variable pool_cv_;
    std::vector<Connection> idle_;
    std::size_t open_ = 0; ///< connections idle or in use
};

} // namespace authflow::store_detail

#pragma once
// RedisTokenStore: tokens shared by every worker process on every machine, always
// encrypted.

#include <authflow/config.hpp>
#include <authflow/store/encryption.hpp>
#include <authflow/store/token_store.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace authflow {

/// Where a Redis server is, as parsed from a URL. Holds the password: never print it whole;
/// to_string() leaves the password out.
struct RedisEndpoint {
    std::string host; ///< empty for a unix socket
    int port = 6379;
    std::string socket_path; ///< set for unix sockets
    std::string username;    ///< ACL user (Redis 6+); empty: the default user
    std::string password;    ///< empty: no AUTH
    int db = 0;

    /// The URL without the password, e.g. "redis://alice:***@10.0.0.5:6379/2".
    std::string to_string() const;
};

/// Parses `redis://[[user]:password@]host[:port][/db]` (host may be `[IPv6]`; user and password
/// percent-decoded) and `unix:/path/to/socket[?db=N]` (also `unix:///path`). Throws ConfigError
/// (config_invalid) for anything else, including `rediss://`: Debian 12's hiredis (0.14) has no
/// TLS, so reach Redis over a private network or through a TLS tunnel (stunnel, spiped, ssh).
/// The password never appears in an error.
RedisEndpoint parse_redis_url(std::string_view url);

/// Options of RedisTokenStore.
struct RedisTokenStoreOptions {
    /// See parse_redis_url().
    std::string url = "redis://127.0.0.1:6379/0";
    /// Token sets are `{prefix}:oauth:tokens:{key}`, documents `{prefix}:oauth:documents:{key}`,
    /// leases `{prefix}:oauth:lease:{name}`.
    std::string prefix = "authflow";
    /// Connections kept open at most; callers beyond that wait for a free one.
    std::size_t pool_size = 4;
    /// The store key; required unless insecure_plaintext_store is set.
    std::optional<StoreKey> key;
    /// Stores tokens as plain JSON when no key is given (logs a warning). Off.
    bool insecure_plaintext_store = false;
    /// Lifetime of records saved without a TTL; unset: they live until removed.
    std::optional<std::chrono::milliseconds> record_ttl;
    std::chrono::milliseconds connect_timeout{2000};
    /// Per command, and how long a caller waits for a pooled connection.
    std::chrono::milliseconds command_timeout{2000};
};

#if AUTHFLOW_WITH_REDIS

/// Records in Redis through hiredis: one string per kind and key (SET, optionally with PX), SCAN
/// for the keys of a kind, a small connection pool that reconnects after a server restart. Leases
/// are `SET NX PX` with a random holder token; renew and release run a Lua script that checks the
/// token. No TLS and no Cluster (hiredis 0.14). Safe to use from several threads.
class RedisTokenStore final : public TokenStore {
public:
    /// Checks the options; does not connect yet. Throws ConfigError: config_invalid for a bad URL
    /// (see parse_redis_url) or pool size, config_missing when there is no store key and
    /// insecure_plaintext_store is off.
    explicit RedisTokenStore(RedisTokenStoreOptions options);
    ~RedisTokenStore() override;

    std::string_view backend() const noexcept override { return "redis"; }
    /// Sends PING. Throws StoreError (store_unavailable) when the server does not answer.
    void ping();
    /// The full Redis key of the token set `key`.
    std::string record_key(std::string_view key) const;
    /// The full Redis key of (kind, key): `{prefix}:oauth:{record_kind_name(kind)}:{key}`; it is
    /// also the name an encrypted record binds.
    std::string record_name(RecordKind kind, std::string_view key) const override;

protected:
    void do_put(RecordKind kind, const std::string& key, std::string_view value,
                std::optional<std::chrono::milliseconds> ttl) override;
    std::optional<std::string> do_get(RecordKind kind, const std::string& key) override;
    bool do_erase(RecordKind kind, const std::string& key) override;
    bool do_contains(RecordKind kind, const std::string& key) override;
    std::vector<std::string> do_keys(RecordKind kind) override;
    std::shared_ptr<detail::LeaseBackend> lease_backend() override;

private:
    class Impl;
    std::shared_ptr<Impl> impl_;
};

#endif

} // namespace authflow

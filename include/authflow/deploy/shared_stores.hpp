#pragma once
// Deploy-mode stores shared by several workers: sessions, pending logins and login rate limits
// in SQLite (one machine) or Redis (any number of machines), and make_deploy_stores, which picks
// them (with the token store) from DeploySettings::state_backend.

#include <authflow/config.hpp>
#include <authflow/core/clock.hpp>
#include <authflow/deploy/auth_routes.hpp>
#include <authflow/deploy/pending_login.hpp>
#include <authflow/deploy/rate_limit.hpp>
#include <authflow/deploy/replay_store.hpp>
#include <authflow/deploy/session_store.hpp>
#include <authflow/deploy/settings.hpp>
#include <authflow/store/encryption.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace authflow {

/// Options of the SQLite deploy stores. Several processes on one machine may share the file.
struct SqliteDeployStoreOptions {
    /// The database file; empty: default_deploy_sqlite_path().
    std::filesystem::path path;
    /// When set, sessions and pending logins are encrypted with it (AES-256-GCM, the record's
    /// name as associated data); without it they are kept as JSON in a file only the user can
    /// read (mode 0600).
    std::optional<StoreKey> key;
    /// How long a call waits for another process's write lock before failing.
    std::chrono::milliseconds busy_timeout{5000};
    /// Bounds of SqlitePendingLoginStore (see PendingLoginLimits).
    PendingLoginLimits pending_limits;
};

/// $XDG_STATE_HOME/authflow/deploy.db, else ~/.local/state/authflow/deploy.db.
std::filesystem::path default_deploy_sqlite_path();

/// Options of the Redis deploy stores. Keys: `{prefix}:session:{session_key}`,
/// `{prefix}:user_sessions:{hex SHA-256 of the user id}` (a set),
/// `{prefix}:sid_sessions:{hex SHA-256 of the provider's sid}` (a set), `{prefix}:pending:{key}`,
/// `{prefix}:logout_jti:{hex SHA-256 of iss and jti}`,
/// `{prefix}:ratelimit:{client key}`; every key has a TTL.
struct RedisDeployStoreOptions {
    std::string url = "redis://127.0.0.1:6379/0"; ///< see parse_redis_url()
    std::string prefix = "authflow";
    std::size_t pool_size = 8;
    /// The store key. Required: sessions and pending logins in Redis are always encrypted,
    /// unless insecure_plaintext_store is set.
    std::optional<StoreKey> key;
    bool insecure_plaintext_store = false;
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds command_timeout{2000};
    /// Bounds of RedisPendingLoginStore (see PendingLoginLimits).
    PendingLoginLimits pending_limits;
};

#if AUTHFLOW_WITH_SQLITE

/// Sessions in an SQLite table keyed by session_key(id). Expiry by the Clock's wall time.
/// Safe to use from several threads and processes.
class SqliteSessionStore final : public SessionStore {
public:
    /// Opens (creating if needed) the database. Throws StoreError as SqliteTokenStore's
    /// constructor. An empty `clock`: the system clock.
    explicit SqliteSessionStore(SqliteDeployStoreOptions options = {},
                                std::shared_ptr<Clock> clock = nullptr);
    ~SqliteSessionStore() override;

    void create(const UserSession& session) override;
    std::optional<UserSession> get(std::string_view session_id) override;
    bool touch(std::string_view session_id, std::chrono::seconds ttl) override;
    bool remove(std::string_view session_id) override;
    bool remove_by_key(std::string_view key) override;
    std::vector<UserSession> list_user_sessions(std::string_view user_id) override;
    std::size_t remove_user_sessions(std::string_view user_id) override;
    std::vector<UserSession> list_sid_sessions(std::string_view sid) override;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

/// Pending logins in an SQLite table; take() is one DELETE ... RETURNING, so a state is used
/// once even across processes. put() keeps SqliteDeployStoreOptions::pending_limits in one
/// write transaction (expired rows, then the client's own oldest, then the oldest of all go).
/// Safe to use from several threads and processes.
class SqlitePendingLoginStore final : public PendingLoginStore {
public:
    /// Throws StoreError as SqliteSessionStore. An empty `clock`: the system clock.
    explicit SqlitePendingLoginStore(SqliteDeployStoreOptions options = {},
                                     std::shared_ptr<Clock> clock = nullptr);
    ~SqlitePendingLoginStore() override;

    void put(std::string_view state, const PendingLogin& record,
             std::chrono::seconds ttl = pending_login_ttl) override;
    std::optional<PendingLogin> take(std::string_view state) override;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

/// Single-use identifiers in an SQLite table (`deploy_replay`, keyed by replay_key): one
/// INSERT ... ON CONFLICT that takes over only an expired row, so an identifier is accepted once
/// even across processes. Safe to use from several threads and processes.
class SqliteReplayStore final : public ReplayStore {
public:
    /// Throws StoreError as SqliteSessionStore. An empty `clock`: the system clock.
    explicit SqliteReplayStore(SqliteDeployStoreOptions options = {},
                               std::shared_ptr<Clock> clock = nullptr);
    ~SqliteReplayStore() override;

    bool first_use(std::string_view id, std::chrono::seconds ttl) override;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

/// Fixed-window login counters in an SQLite table, one UPSERT per attempt. Windows by the
/// Clock's wall time. Safe to use from several threads and processes.
class SqliteLoginRateLimiter final : public LoginRateLimiter {
public:
    /// Throws Error (invalid_argument) for non-positive limits, StoreError as
    /// SqliteSessionStore. An empty `clock`: the system clock.
    explicit SqliteLoginRateLimiter(SqliteDeployStoreOptions options = {},
                                    RateLimitOptions limits = {},
                                    std::shared_ptr<Clock> clock = nullptr);
    ~SqliteLoginRateLimiter() override;

    RateLimitDecision check(std::string_view client_key) override;
    void reset() override;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

#endif

#if AUTHFLOW_WITH_REDIS

/// Sessions in Redis, encrypted (the full key as associated data), each key expiring with its
/// session; a per-user set lists a user's sessions. Expiry is also checked against the Clock's
/// wall time. Safe to use from several threads.
class RedisSessionStore final : public SessionStore {
public:
    /// Checks the options; does not connect yet. Throws ConfigError: config_invalid for a bad
    /// URL, prefix or pool size, config_missing without a store key (unless
    /// insecure_plaintext_store). An empty `clock`: the system clock.
    explicit RedisSessionStore(RedisDeployStoreOptions options,
                               std::shared_ptr<Clock> clock = nullptr);
    ~RedisSessionStore() override;

    void create(const UserSession& session) override;
    std::optional<UserSession> get(std::string_view session_id) override;
    bool touch(std::string_view session_id, std::chrono::seconds ttl) override;
    bool remove(std::string_view session_id) override;
    bool remove_by_key(std::string_view key) override;
    std::vector<UserSession> list_user_sessions(std::string_view user_id) override;
    std::size_t remove_user_sessions(std::string_view user_id) override;
    std::vector<UserSession> list_sid_sessions(std::string_view sid) override;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

/// Pending logins in Redis: put = one script (SET NX PX, then the bounds of
/// RedisDeployStoreOptions::pending_limits kept with two sorted sets by deadline,
/// `{prefix}:pending_all` and `{prefix}:pending_client:{client hash}`), take = GETDEL (single
/// use across every worker).
/// Records are encrypted. Safe to use from several threads.
class RedisPendingLoginStore final : public PendingLoginStore {
public:
    /// Throws ConfigError as RedisSessionStore. An empty `clock`: the system clock.
    explicit RedisPendingLoginStore(RedisDeployStoreOptions options,
                                    std::shared_ptr<Clock> clock = nullptr);
    ~RedisPendingLoginStore() override;

    void put(std::string_view state, const PendingLogin& record,
             std::chrono::seconds ttl = pending_login_ttl) override;
    std::optional<PendingLogin> take(std::string_view state) override;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

/// Single-use identifiers in Redis: `SET {prefix}:logout_jti:{replay_key} 1 NX EX ttl`, atomic
/// across every worker. Holds no secret, so no store key is needed. Safe to use from several
/// threads.
class RedisReplayStore final : public ReplayStore {
public:
    /// Throws ConfigError (config_invalid) for a bad URL, prefix or pool size.
    explicit RedisReplayStore(RedisDeployStoreOptions options);
    ~RedisReplayStore() override;

    bool first_use(std::string_view id, std::chrono::seconds ttl) override;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

/// Login counters in Redis: one Lua script does INCR, PEXPIRE when the count is 1, and PTTL, so
/// the window is the server's and shared by every worker. Safe to use from several threads.
class RedisLoginRateLimiter final : public LoginRateLimiter {
public:
    /// Throws Error (invalid_argument) for non-positive limits, ConfigError as
    /// RedisSessionStore (a store key is not needed: counters hold no secret).
    explicit RedisLoginRateLimiter(RedisDeployStoreOptions options, RateLimitOptions limits = {});
    ~RedisLoginRateLimiter() override;

    RateLimitDecision check(std::string_view client_key) override;
    /// Deletes every counter under the prefix (SCAN + DEL).
    void reset() override;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

#endif

/// What make_deploy_stores needs beyond DeploySettings.
struct DeployStoreOptions {
    /// SQLite file of the sqlite backend (sessions, pending logins, rate limits and tokens);
    /// empty: default_deploy_sqlite_path().
    std::filesystem::path sqlite_path;
    /// The store key; unset: load_store_key(settings.store_key_file) (AUTHFLOW_STORE_KEY first).
    std::optional<StoreKey> key;
    /// Sign-in rate limits; max_requests and window come from the settings
    /// (login_rate_limit, login_rate_window), the rest from here.
    RateLimitOptions rate_limit;
    /// Connections per Redis store.
    std::size_t redis_pool_size = 8;
    std::chrono::milliseconds redis_timeout{2000};
};

/// The stores of settings.state_backend: "memory" (in-process), "sqlite" or "redis", with the
/// token store of the same backend (tokens under session_key(id), kept as long as the session:
/// record TTL = session_ttl). Redis without a store key (and without insecure_plaintext_store)
/// refuses: a ConfigError (config_missing). Throws ConfigError for an unknown backend or one this
/// build lacks, or an invalid key; StoreError when an SQLite file cannot be opened. An empty
/// `clock`: the system clock.
AuthRouteStores make_deploy_stores(const DeploySettings& settings,
                                   const DeployStoreOptions& options = {},
                                   std::shared_ptr<Clock> clock = nullptr);

} // namespace authflow

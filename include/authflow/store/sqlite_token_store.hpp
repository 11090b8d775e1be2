#pragma once
// SqliteTokenStore: the embedded persistent store, safe for several processes at once.

#include <authflow/config.hpp>
#include <authflow/core/clock.hpp>
#include <authflow/store/encryption.hpp>
#include <authflow/store/token_store.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>

namespace authflow {

/// Options of SqliteTokenStore.
struct SqliteTokenStoreOptions {
    /// The database file; empty: default_sqlite_token_store_path().
    std::filesystem::path path;
    /// When set, records are encrypted with it (AES-256-GCM); without it they are stored as
    /// JSON in a file only the user can read, and the store logs that once.
    std::optional<StoreKey> key;
    /// How long a call waits for another process's write lock before failing.
    std::chrono::milliseconds busy_timeout{5000};
    /// Lifetime of records saved without a TTL; unset: they live until removed.
    std::optional<std::chrono::milliseconds> record_ttl;
    /// Wall time for record TTLs and lease expiry (shared by every process through the file);
    /// null: the system clock.
    std::shared_ptr<Clock> clock;
};

/// $XDG_STATE_HOME/authflow/tokens.db, else ~/.local/state/authflow/tokens.db.
std::filesystem::path default_sqlite_token_store_path();

#if AUTHFLOW_WITH_SQLITE

/// Tokens in an SQLite database: the file (and its directory, when created here) is made with
/// mode 0600 (0700), the journal is WAL, the schema is versioned (PRAGMA user_version), and a
/// lease is a row with its holder's random token and expiry, taken in one transaction. Several
/// processes may use the same file at once. Safe to use from several threads.
class SqliteTokenStore final : public TokenStore {
public:
    /// Opens (creating if needed) the database. Throws StoreError: store_unavailable when the
    /// file cannot be created or opened, store_corrupt when it is not an SQLite database,
    /// store_failed when its schema is newer than this version of authflow understands.
    explicit SqliteTokenStore(SqliteTokenStoreOptions options = {});
    ~SqliteTokenStore() override;

    std::string_view backend() const noexcept override { return "sqlite"; }
    /// The database file in use.
    const std::filesystem::path& path() const noexcept;
    /// The schema version this code writes (PRAGMA user_version).
    static constexpr int schema_version = 1;

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

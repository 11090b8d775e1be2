#include "internal/store_internal.hpp"

#include <authflow/core/log.hpp>
#include <authflow/store/sqlite_token_store.hpp>

#if AUTHFLOW_WITH_SQLITE
#include "internal/sqlite_database.hpp"
#endif

#include <array>
#include <atomic>
#include <iterator>
#include <mutex>
#include <pwd.h>
#include <unistd.h>

namespace authflow {

namespace {

constexpr std::string_view sqlite_backend = "sqlite";

// The home directory: $HOME, else the password database.
std::filesystem::path home_directory() {
    if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') {
        return home;
    }
    struct passwd entry {};
    struct passwd* found = nullptr;
    std::string buffer(16384, '\0');
    if (::getpwuid_r(::getuid(), &entry, buffer.data(), buffer.size(), &found) == 0 &&
        found != nullptr && found->pw_dir != nullptr) {
        return found->pw_dir;
    }
    store_detail::fail(errc::store_unavailable, sqlite_backend,
                       "cannot find the home directory (set HOME or XDG_STATE_HOME, or give a "
                       "path)");
}

} // namespace

std::filesystem::path default_sqlite_token_store_path() {
    if (const char* state = std::getenv("XDG_STATE_HOME"); state != nullptr && *state == '/') {
        return std::filesystem::path{state} / "authflow" / "tokens.db";
    }
    return home_directory() / ".local" / "state" / "authflow" / "tokens.db";
}

#if AUTHFLOW_WITH_SQLITE

namespace {

using store_detail::fail;
using Statement = store_detail::SqliteStatement;
using Use = store_detail::SqliteUse;

} // namespace

class SqliteTokenStore::Impl final : public detail::LeaseBackend {
public:
    explicit Impl(SqliteTokenStoreOptions options)
        : path_(options.path.empty() ? default_sqlite_token_store_path() : options.path),
          clock_(store_detail::clock_or_system(options.clock)),
          is_encrypting_(options.key.has_value()), record_ttl_(options.record_ttl) {
        if (record_ttl_) {
            store_detail::positive_ms(*record_ttl_, sqlite_backend, "record_ttl");
        }
        db_ = store_detail::open_sqlite_database(path_, options.busy_timeout, sqlite_backend);
        set_up_schema();
        prepare_statements();
        purge_expired();
        if (!is_encrypting_) {
            store_detail::note_unencrypted_once(sqlite_backend, path_.string());
        }
    }

    // --- helpers (call with mutex_ held, except during construction) ---

    [[noreturn]] void fail_rc(int rc, std::string_view what) const {
        store_detail::sqlite_fail(db_.get(), rc, what, path_, sqlite_backend);
    }

    void exec(const char* sql, std::string_view what) {
        store_detail::sqlite_exec(db_.get(), sql, what, path_, sqlite_backend);
    }

    std::int64_t pragma_int(const char* sql, std::string_view what) {
        auto stmt = prepare(sql);
        int rc = sqlite3_step(stmt.get());
        if (rc != SQLITE_ROW) {
            fail_rc(rc, what);
        }
        return sqlite3_column_int64(stmt.get(), 0);
    }

    Statement prepare(const char* sql) {
        return store_detail::sqlite_prepare(db_.get(), sql, path_, sqlite_backend);
    }

    void set_up_schema() {
        // A file that is not a database already failed when it was opened.
        std::int64_t version = pragma_int("PRAGMA user_version", "reading the schema version");
        if (version > SqliteTokenStore::schema_version) {
            fail(errc::store_failed, sqlite_backend,
                 path_.string() + " has schema version " + std::to_string(version) +
                     ", newer than this authflow understands (" +
                     std::to_string(SqliteTokenStore::schema_version) + ")");
        }
        if (version == SqliteTokenStore::schema_version && has_records_table()) {
            return;
        }
        // Several processes may open a new file at once: create the schema in one write
        // transaction and look at the version again inside it.
        exec("BEGIN IMMEDIATE", "starting the schema transaction");
        try {
            version = pragma_int("PRAGMA user_version", "reading the schema version");
            if (version == 0) {
                exec("CREATE TABLE IF NOT EXISTS tokens ("
                     " key TEXT PRIMARY KEY NOT NULL,"
                     " record TEXT NOT NULL,"
                     " expires_at INTEGER,"
                     " updated_at INTEGER NOT NULL"
                     ") WITHOUT ROWID;"
                     "CREATE TABLE IF NOT EXISTS leases ("
                     " name TEXT PRIMARY KEY NOT NULL,"
                     " holder TEXT NOT NULL,"
                     " expires_at INTEGER NOT NULL"
                     ") WITHOUT ROWID;"
                     "PRAGMA user_version=1;",
                     "creating the schema");
            }
            // Records of kinds other than token sets (the tokens table keeps its layout, so
            // files written before are read as they are). Added to version 1 files on open.
            exec("CREATE TABLE IF NOT EXISTS records ("
                 " kind TEXT NOT NULL,"
                 " key TEXT NOT NULL,"
                 " record TEXT NOT NULL,"
                 " expires_at INTEGER,"
                 " updated_at INTEGER NOT NULL,"
                 " PRIMARY KEY(kind, key)"
                 ") WITHOUT ROWID",
                 "creating the records table");
            exec("COMMIT", "committing the schema");
        } catch (...) {
            sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
    }

    bool has_records_table() {
        auto stmt =
            prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'records'");
        return row(stmt.get(), "reading the schema");
    }

    // The statements of one kind's records: token sets in the tokens table, every other kind in
    // the records table under its name (a constant, never input).
    struct KindStatements {
        Statement save, load, remove, exists, list, purge;
    };

    KindStatements prepare_kind(RecordKind kind) {
        std::string table = "tokens";
        std::string where;
        std::string columns = "key";
        std::string values = "?1";
        if (kind != RecordKind::token_set) {
            std::string name{record_kind_name(kind)};
            table = "records";
            where = "kind = '" + name + "' AND ";
            columns = "kind, key";
            values = "'" + name + "', ?1";
        }
        auto make = [&](const std::string& sql) { return prepare(sql.c_str()); };
        KindStatements statements;
        statements.save = make("INSERT INTO " + table + "(" + columns +
                               ", record, expires_at, updated_at) VALUES(" + values +
                               ", ?2, ?3, ?4) ON CONFLICT(" + columns +
                               ") DO UPDATE SET record = excluded.record,"
                               " expires_at = excluded.expires_at,"
                               " updated_at = excluded.updated_at");
        statements.load = make("SELECT record FROM " + table + " WHERE " + where +
                               "key = ?1 AND (expires_at IS NULL OR expires_at > ?2)");
        statements.remove =
            make("DELETE FROM " + table + " WHERE " + where + "key = ?1 RETURNING expires_at");
        statements.exists = make("SELECT 1 FROM " + table + " WHERE " + where +
                                 "key = ?1 AND (expires_at IS NULL OR expires_at > ?2)");
        statements.list = make("SELECT key FROM " + table + " WHERE " + where +
                               "(expires_at IS NULL OR expires_at > ?1)");
        statements.purge = make("DELETE FROM " + table + " WHERE " + where +
                                "expires_at IS NOT NULL AND expires_at <= ?1");
        return statements;
    }

    KindStatements& statements(RecordKind kind) { return kinds_[static_cast<std::size_t>(kind)]; }

    void prepare_statements() {
        for (RecordKind kind : record_kinds) {
            statements(kind) = prepare_kind(kind);
        }
        // One statement is one transaction: the lease is taken only if absent or expired.
        acquire_ = prepare("INSERT INTO leases(name, holder, expires_at) VALUES(?1, ?2, ?3)"
                           " ON CONFLICT(name) DO UPDATE SET holder = excluded.holder,"
                           " expires_at = excluded.expires_at WHERE leases.expires_at <= ?4");
        renew_ = prepare("UPDATE leases SET expires_at = ?3"
                         " WHERE name = ?1 AND holder = ?2 AND expires_at > ?4");
        release_ = prepare("DELETE FROM leases WHERE name = ?1 AND holder = ?2"
                           " RETURNING expires_at");
        is_held_ = prepare("SELECT 1 FROM leases WHERE name = ?1 AND holder = ?2"
                           " AND expires_at > ?3");
    }

    void bind_text(sqlite3_stmt* stmt, int index, std::string_view text) {
        store_detail::sqlite_bind(stmt, index, text, path_, sqlite_backend);
    }

    void bind_int(sqlite3_stmt* stmt, int index, std::int64_t value) {
        store_detail::sqlite_bind(stmt, index, value, path_, sqlite_backend);
    }

    // Steps a statement that returns no rows; returns the number of changed rows.
    int run(sqlite3_stmt* stmt, std::string_view what) {
        return store_detail::sqlite_run(stmt, what, path_, sqlite_backend);
    }

    // Steps a statement that gives a row or none; true for a row.
    bool row(sqlite3_stmt* stmt, std::string_view what) {
        return store_detail::sqlite_row(stmt, what, path_, sqlite_backend);
    }

    void purge_expired() {
        std::int64_t now = store_detail::wall_ms(*clock_);
        std::lock_guard lock(mutex_);
        for (RecordKind kind : record_kinds) {
            Use use{statements(kind).purge};
            bind_int(use.get(), 1, now);
            run(use.get(), "removing expired records");
        }
    }

    // --- leases ---

    bool acquire(const std::string& name, const std::string& holder,
                 std::chrono::milliseconds ttl) override {
        std::int64_t now = store_detail::wall_ms(*clock_);
        std::lock_guard lock(mutex_);
        Use use{acquire_};
        bind_text(use.get(), 1, name);
        bind_text(use.get(), 2, holder);
        bind_int(use.get(), 3, now + ttl.count());
        bind_int(use.get(), 4, now);
        return run(use.get(), "acquiring a lease") == 1;
    }

    bool renew(const std::string& name, const std::string& holder,
               std::chrono::milliseconds ttl) override {
        std::int64_t now = store_detail::wall_ms(*clock_);
        std::lock_guard lock(mutex_);
        Use use{renew_};
        bind_text(use.get(), 1, name);
        bind_text(use.get(), 2, holder);
        bind_int(use.get(), 3, now + ttl.count());
        bind_int(use.get(), 4, now);
        return run(use.get(), "renewing a lease") == 1;
    }

    bool release(const std::string& name, const std::string& holder) override {
        std::int64_t now = store_detail::wall_ms(*clock_);
        std::lock_guard lock(mutex_);
        Use use{release_};
        bind_text(use.get(), 1, name);
        bind_text(use.get(), 2, holder);
        bool was_live = false;
        int rc = 0;
        while ((rc = sqlite3_step(use.get())) == SQLITE_ROW) {
            was_live = sqlite3_column_int64(use.get(), 0) > now;
        }
        if (rc != SQLITE_DONE) {
            fail_rc(rc, "releasing a lease");
        }
        return was_live;
    }

    bool put_if_held(const std::string& name, const std::string& holder, RecordKind kind,
                     const std::string& key, std::string_view value,
                     std::optional<std::chrono::milliseconds> ttl) override {
        std::int64_t now = store_detail::wall_ms(*clock_);
        std::lock_guard lock(mutex_);
        // BEGIN IMMEDIATE takes the write lock first: no other connection can take the lease
        // between the check and the write.
        exec("BEGIN IMMEDIATE", "starting a fenced save");
        try {
            bool is_held = false;
            {
                Use use{is_held_};
                bind_text(use.get(), 1, name);
                bind_text(use.get(), 2, holder);
                bind_int(use.get(), 3, now);
                is_held = row(use.get(), "checking a lease");
            }
            if (is_held) {
                save_locked(kind, key, value, ttl, now);
            }
            exec(is_held ? "COMMIT" : "ROLLBACK", "ending a fenced save");
            return is_held;
        } catch (...) {
            sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
    }

    // Writes a record (the store's record TTL without `ttl`).
    void save_locked(RecordKind kind, const std::string& key, std::string_view value,
                     std::optional<std::chrono::milliseconds> ttl, std::int64_t now) {
        if (!ttl) {
            ttl = record_ttl_;
        }
        Use use{statements(kind).save};
        bind_text(use.get(), 1, key);
        bind_text(use.get(), 2, value);
        if (ttl) {
            bind_int(use.get(), 3, now + ttl->count());
        }
        bind_int(use.get(), 4, now);
        run(use.get(), "saving a record");
    }

    std::string_view backend_name() const noexcept override { return sqlite_backend; }

    std::filesystem::path path_;
    std::shared_ptr<const Clock> clock_;
    bool is_encrypting_;
    std::optional<std::chrono::milliseconds> record_ttl_;
    std::mutex mutex_;
    store_detail::SqliteDatabase db_;
    std::array<KindStatements, std::size(record_kinds)> kinds_; ///< by RecordKind
    Statement acquire_, renew_, release_, is_held_;
    std::atomic<std::uint32_t> saves_since_purge_{0};
};

SqliteTokenStore::SqliteTokenStore(SqliteTokenStoreOptions options)
    : TokenStore(sqlite_backend, RecordSealing{options.key, RecordEncoding::text, options.clock}),
      impl_(std::make_shared<Impl>(std::move(options))) {}

SqliteTokenStore::~SqliteTokenStore() = default;

const std::filesystem::path& SqliteTokenStore::path() const noexcept {
    return impl_->path_;
}

void SqliteTokenStore::do_put(RecordKind kind, const std::string& key, std::string_view value,
                              std::optional<std::chrono::milliseconds> ttl) {
    std::int64_t now = store_detail::wall_ms(*impl_->clock_);
    {
        std::lock_guard lock(impl_->mutex_);
        impl_->save_locked(kind, key, value, ttl, now);
    }
    if (++impl_->saves_since_purge_ % 1024 == 0) {
        impl_->purge_expired();
    }
}

std::optional<std::string> SqliteTokenStore::do_get(RecordKind kind, const std::string& key) {
    std::lock_guard lock(impl_->mutex_);
    Use use{impl_->statements(kind).load};
    impl_->bind_text(use.get(), 1, key);
    impl_->bind_int(use.get(), 2, store_detail::wall_ms(*impl_->clock_));
    if (!impl_->row(use.get(), "loading a record")) {
        return std::nullopt;
    }
    return store_detail::sqlite_column_text(use.get(), 0);
}

bool SqliteTokenStore::do_erase(RecordKind kind, const std::string& key) {
    std::int64_t now = store_detail::wall_ms(*impl_->clock_);
    std::lock_guard lock(impl_->mutex_);
    Use use{impl_->statements(kind).remove};
    impl_->bind_text(use.get(), 1, key);
    bool was_live = false;
    int rc = 0;
    while ((rc = sqlite3_step(use.get())) == SQLITE_ROW) {
        was_live = sqlite3_column_type(use.get(), 0) == SQLITE_NULL ||
                   sqlite3_column_int64(use.get(), 0) > now;
    }
    if (rc != SQLITE_DONE) {
        impl_->fail_rc(rc, "removing a record");
    }
    return was_live;
}

bool SqliteTokenStore::do_contains(RecordKind kind, const std::string& key) {
    std::lock_guard lock(impl_->mutex_);
    Use use{impl_->statements(kind).exists};
    impl_->bind_text(use.get(), 1, key);
    impl_->bind_int(use.get(), 2, store_detail::wall_ms(*impl_->clock_));
    return impl_->row(use.get(), "checking a record");
}

std::vector<std::string> SqliteTokenStore::do_keys(RecordKind kind) {
    std::vector<std::string> keys;
    std::lock_guard lock(impl_->mutex_);
    Use use{impl_->statements(kind).list};
    impl_->bind_int(use.get(), 1, store_detail::wall_ms(*impl_->clock_));
    int rc = 0;
    while ((rc = sqlite3_step(use.get())) == SQLITE_ROW) {
        const auto* text = sqlite3_column_text(use.get(), 0);
        int size = sqlite3_column_bytes(use.get(), 0);
        if (text != nullptr) {
            keys.emplace_back(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
        }
    }
    if (rc != SQLITE_DONE) {
        impl_->fail_rc(rc, "listing records");
    }
    return keys;
}

std::shared_ptr<detail::LeaseBackend> SqliteTokenStore::lease_backend() {
    return impl_;
}

#endif // AUTHFLOW_WITH_SQLITE

} // namespace authflow

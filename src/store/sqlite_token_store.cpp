#include "store_internal.hpp"

#include <authflow/core/log.hpp>
#include <authflow/store/sqlite_token_store.hpp>

#if AUTHFLOW_WITH_SQLITE
#include <sqlite3.h>
#endif

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

namespace authflow {

namespace {

constexpr std::string_view backend_name_text = "sqlite";

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
    store_detail::fail(errc::store_unavailable, backend_name_text,
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

struct DbClose {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct StmtFinalize {
    void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};
using Database = std::unique_ptr<sqlite3, DbClose>;
using Statement = std::unique_ptr<sqlite3_stmt, StmtFinalize>;

// Resets a statement when a call is done with it, whatever happened.
class Use {
public:
    explicit Use(const Statement& stmt) : stmt_(stmt.get()) {}
    ~Use() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    sqlite3_stmt* get() const { return stmt_; }

private:
    sqlite3_stmt* stmt_;
};

errc code_for(int rc) {
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return errc::store_unavailable;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return errc::store_corrupt;
    default:
        return errc::store_failed;
    }
}

// Creates each missing directory of `dir` with mode 0700.
void make_private_directories(const std::filesystem::path& dir) {
    std::filesystem::path partial;
    for (const auto& part : dir) {
        partial /= part;
        if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
            fail(errc::store_unavailable, backend_name_text,
                 "cannot create directory " + partial.string() + ": " + std::strerror(errno));
        }
    }
}

// Creates the database file with mode 0600 before SQLite opens it (SQLite would use 0644 less
// the umask), and tightens an existing file that others could read.
void prepare_file(const std::filesystem::path& path) {
    if (path.has_parent_path()) {
        make_private_directories(path.parent_path());
    }
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        fail(errc::store_unavailable, backend_name_text,
             "cannot open " + path.string() + ": " + std::strerror(errno));
    }
    struct stat info {};
    bool ok = ::fstat(fd, &info) == 0;
    if (ok && !S_ISREG(info.st_mode)) {
        ::close(fd);
        fail(errc::store_unavailable, backend_name_text, path.string() + " is not a regular file");
    }
    if (ok && (info.st_mode & 077) != 0) {
        if (::fchmod(fd, 0600) == 0) {
            log(LogLevel::warning, "sqlite token store: " + path.string() +
                                       " could be read by other users; its mode is now 0600");
        } else {
            log(LogLevel::warning, "sqlite token store: " + path.string() +
                                       " can be read by other users and chmod failed");
        }
    }
    ::close(fd);
}

} // namespace

class SqliteTokenStore::Impl final : public detail::LeaseBackend {
public:
    explicit Impl(SqliteTokenStoreOptions options)
        : path_(options.path.empty() ? default_sqlite_token_store_path() : options.path),
          clock_(store_detail::clock_or_system(options.clock)),
          codec_(std::string{backend_name_text}, options.key, options.clock),
          record_ttl_(options.record_ttl) {
        if (record_ttl_) {
            store_detail::positive_ms(*record_ttl_, backend_name_text, "record_ttl");
        }
        if (options.busy_timeout.count() < 0 || options.busy_timeout.count() > 3600000) {
            fail(errc::invalid_argument, backend_name_text,
                 "busy_timeout must be between 0 and 3600000 ms");
        }
        prepare_file(path_);
        sqlite3* raw = nullptr;
        int rc = sqlite3_open_v2(path_.c_str(), &raw,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
        db_.reset(raw);
        if (rc != SQLITE_OK) {
            fail(errc::store_unavailable, backend_name_text,
                 "cannot open " + path_.string() + ": " +
                     (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
        }
        sqlite3_busy_timeout(db_.get(), static_cast<int>(options.busy_timeout.count()));
        set_up_schema();
        prepare_statements();
        purge_expired();
        if (!codec_.is_encrypting()) {
            store_detail::note_unencrypted_once(backend_name_text, path_.string());
        }
    }

    // --- helpers (call with mutex_ held, except during construction) ---

    [[noreturn]] void fail_rc(int rc, std::string_view what) const {
        std::string text{what};
        text += " failed: ";
        text += sqlite3_errmsg(db_.get());
        text += " (";
        text += path_.string();
        text += ")";
        if ((rc & 0xff) == SQLITE_BUSY) {
            text += "; another process held the database longer than busy_timeout";
        }
        if ((rc & 0xff) == SQLITE_NOTADB) {
            text = path_.string() + " is not an SQLite database";
        }
        fail(code_for(rc), backend_name_text, text);
    }

    void exec(const char* sql, std::string_view what) {
        int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK) {
            fail_rc(rc, what);
        }
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
        sqlite3_stmt* raw = nullptr;
        int rc = sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
        Statement stmt{raw};
        if (rc != SQLITE_OK) {
            fail_rc(rc, "preparing a statement");
        }
        return stmt;
    }

    void set_up_schema() {
        // Reading the version is the first access: a file that is not a database fails here.
        std::int64_t version = pragma_int("PRAGMA user_version", "reading the schema version");
        if (version > SqliteTokenStore::schema_version) {
            fail(errc::store_failed, backend_name_text,
                 path_.string() + " has schema version " + std::to_string(version) +
                     ", newer than this authflow understands (" +
                     std::to_string(SqliteTokenStore::schema_version) + ")");
        }
        // WAL lets readers in other processes proceed while one writes.
        {
            auto stmt = prepare("PRAGMA journal_mode=WAL");
            int rc = sqlite3_step(stmt.get());
            if (rc != SQLITE_ROW) {
                fail_rc(rc, "switching to WAL");
            }
            const auto* mode = sqlite3_column_text(stmt.get(), 0);
            if (mode == nullptr || std::string_view{reinterpret_cast<const char*>(mode)} != "wal") {
                log(LogLevel::warning,
                    "sqlite token store: " + path_.string() + " could not use WAL journaling");
            }
        }
        exec("PRAGMA synchronous=NORMAL", "setting synchronous");
        if (version == SqliteTokenStore::schema_version) {
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
            exec("COMMIT", "committing the schema");
        } catch (...) {
            sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
    }

    void prepare_statements() {
        save_ = prepare("INSERT INTO tokens(key, record, expires_at, updated_at)"
                        " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(key) DO UPDATE SET"
                        " record = excluded.record, expires_at = excluded.expires_at,"
                        " updated_at = excluded.updated_at");
        load_ = prepare("SELECT record FROM tokens WHERE key = ?1"
                        " AND (expires_at IS NULL OR expires_at > ?2)");
        remove_ = prepare("DELETE FROM tokens WHERE key = ?1 RETURNING expires_at");
        exists_ = prepare("SELECT 1 FROM tokens WHERE key = ?1"
                          " AND (expires_at IS NULL OR expires_at > ?2)");
        list_ = prepare("SELECT key FROM tokens WHERE expires_at IS NULL OR expires_at > ?1");
        purge_ = prepare("DELETE FROM tokens WHERE expires_at IS NOT NULL AND expires_at <= ?1");
        // One statement is one transaction: the lease is taken only if absent or expired.
        acquire_ = prepare("INSERT INTO leases(name, holder, expires_at) VALUES(?1, ?2, ?3)"
                           " ON CONFLICT(name) DO UPDATE SET holder = excluded.holder,"
                           " expires_at = excluded.expires_at WHERE leases.expires_at <= ?4");
        renew_ = prepare("UPDATE leases SET expires_at = ?3"
                         " WHERE name = ?1 AND holder = ?2 AND expires_at > ?4");
        release_ = prepare("DELETE FROM leases WHERE name = ?1 AND holder = ?2"
                           " RETURNING expires_at");
    }

    void bind_text(sqlite3_stmt* stmt, int index, std::string_view text) {
        int rc = sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()),
                                   SQLITE_TRANSIENT);
        if (rc != SQLITE_OK) {
            fail_rc(rc, "binding a value");
        }
    }

    void bind_int(sqlite3_stmt* stmt, int index, std::int64_t value) {
        int rc = sqlite3_bind_int64(stmt, index, value);
        if (rc != SQLITE_OK) {
            fail_rc(rc, "binding a value");
        }
    }

    // Steps a statement that returns no rows; returns the number of changed rows.
    int run(sqlite3_stmt* stmt, std::string_view what) {
        int rc = sqlite3_step(stmt);
        if (rc != SQLITE_DONE) {
            fail_rc(rc, what);
        }
        return sqlite3_changes(db_.get());
    }

    void purge_expired() {
        std::lock_guard lock(mutex_);
        Use use{purge_};
        bind_int(use.get(), 1, store_detail::wall_ms(*clock_));
        run(use.get(), "removing expired records");
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

    std::string_view backend_name() const noexcept override { return backend_name_text; }

    std::filesystem::path path_;
    std::shared_ptr<const Clock> clock_;
    store_detail::RecordCodec codec_;
    std::optional<std::chrono::milliseconds> record_ttl_;
    std::mutex mutex_;
    Database db_;
    Statement save_, load_, remove_, exists_, list_, purge_, acquire_, renew_, release_;
    std::atomic<std::uint32_t> saves_since_purge_{0};
};

SqliteTokenStore::SqliteTokenStore(SqliteTokenStoreOptions options)
    : impl_(std::make_shared<Impl>(std::move(options))) {}

SqliteTokenStore::~SqliteTokenStore() = default;

const std::filesystem::path& SqliteTokenStore::path() const noexcept {
    return impl_->path_;
}

void SqliteTokenStore::do_save(const std::string& key, const OAuthTokenSet& tokens,
                               std::optional<std::chrono::milliseconds> ttl) {
    // Encrypt outside the lock: it is the costly part.
    std::string record = impl_->codec_.encode(key, tokens);
    if (!ttl) {
        ttl = impl_->record_ttl_;
    }
    std::int64_t now = store_detail::wall_ms(*impl_->clock_);
    {
        std::lock_guard lock(impl_->mutex_);
        Use use{impl_->save_};
        impl_->bind_text(use.get(), 1, key);
        impl_->bind_text(use.get(), 2, record);
        if (ttl) {
            impl_->bind_int(use.get(), 3, now + ttl->count());
        }
        impl_->bind_int(use.get(), 4, now);
        impl_->run(use.get(), "saving a record");
    }
    if (++impl_->saves_since_purge_ % 1024 == 0) {
        impl_->purge_expired();
    }
}

std::optional<OAuthTokenSet> SqliteTokenStore::do_load(const std::string& key) {
    std::string record;
    {
        std::lock_guard lock(impl_->mutex_);
        Use use{impl_->load_};
        impl_->bind_text(use.get(), 1, key);
        impl_->bind_int(use.get(), 2, store_detail::wall_ms(*impl_->clock_));
        int rc = sqlite3_step(use.get());
        if (rc == SQLITE_DONE) {
            return std::nullopt;
        }
        if (rc != SQLITE_ROW) {
            impl_->fail_rc(rc, "loading a record");
        }
        const auto* text = sqlite3_column_text(use.get(), 0);
        int size = sqlite3_column_bytes(use.get(), 0);
        if (text != nullptr) {
            record.assign(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
        }
    }
    return impl_->codec_.decode(key, key, record);
}

bool SqliteTokenStore::do_remove(const std::string& key) {
    impl_->codec_.forget(key);
    std::int64_t now = store_detail::wall_ms(*impl_->clock_);
    std::lock_guard lock(impl_->mutex_);
    Use use{impl_->remove_};
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

bool SqliteTokenStore::do_exists(const std::string& key) {
    std::lock_guard lock(impl_->mutex_);
    Use use{impl_->exists_};
    impl_->bind_text(use.get(), 1, key);
    impl_->bind_int(use.get(), 2, store_detail::wall_ms(*impl_->clock_));
    int rc = sqlite3_step(use.get());
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        impl_->fail_rc(rc, "checking a record");
    }
    return rc == SQLITE_ROW;
}

std::vector<std::string> SqliteTokenStore::do_list_keys() {
    std::vector<std::string> keys;
    std::lock_guard lock(impl_->mutex_);
    Use use{impl_->list_};
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

// Deploy stores in SQLite: sessions, pending logins and login rate limits, in tables beside the
// token store's (the same file may hold both; the token store's schema version is not touched).
#include <authflow/config.hpp>

#if AUTHFLOW_WITH_SQLITE

#include "../store/internal/sqlite_database.hpp"
#include "../store/internal/store_internal.hpp"
#include "shared_store_codec.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/deploy/shared_stores.hpp>

#include <mutex>

namespace authflow {
namespace {

using deploy_detail::from_ms;
using deploy_detail::to_ms;
using store_detail::SqliteStatement;
using store_detail::SqliteUse;

constexpr std::string_view sqlite_backend = "sqlite";

/// One connection to the deploy database with its statements' helpers; every use holds mutex.
class SqliteDb {
public:
    explicit SqliteDb(const SqliteDeployStoreOptions& options)
        : path_(options.path.empty() ? default_deploy_sqlite_path() : options.path),
          db_(store_detail::open_sqlite_database(path_, options.busy_timeout, sqlite_backend)) {
        // Several processes may open a new file at once: IF NOT EXISTS in one transaction.
        exec("BEGIN IMMEDIATE", "starting the schema transaction");
        try {
            exec("CREATE TABLE IF NOT EXISTS deploy_sessions ("
                 " key TEXT PRIMARY KEY NOT NULL,"
                 " user_hash TEXT NOT NULL,"
                 " record TEXT NOT NULL,"
                 " expires_at INTEGER NOT NULL"
                 ") WITHOUT ROWID;"
                 "CREATE INDEX IF NOT EXISTS deploy_sessions_user ON deploy_sessions(user_hash);"
                 "CREATE TABLE IF NOT EXISTS deploy_session_sids ("
                 " sid_hash TEXT NOT NULL,"
                 " key TEXT NOT NULL,"
                 " PRIMARY KEY (sid_hash, key)"
                 ") WITHOUT ROWID;"
                 "CREATE INDEX IF NOT EXISTS deploy_session_sids_key ON deploy_session_sids(key);"
                 "CREATE TABLE IF NOT EXISTS deploy_replay ("
                 " key TEXT PRIMARY KEY NOT NULL,"
                 " expires_at INTEGER NOT NULL"
                 ") WITHOUT ROWID;"
                 "CREATE TABLE IF NOT EXISTS deploy_pending ("
                 " key TEXT PRIMARY KEY NOT NULL,"
                 " record TEXT NOT NULL,"
                 " expires_at INTEGER NOT NULL,"
                 " client TEXT NOT NULL DEFAULT ''"
                 ") WITHOUT ROWID;"
                 "CREATE TABLE IF NOT EXISTS deploy_ratelimit ("
                 " key TEXT PRIMARY KEY NOT NULL,"
                 " window_start INTEGER NOT NULL,"
                 " count INTEGER NOT NULL"
                 ") WITHOUT ROWID;",
                 "creating the deploy tables");
            // Files made before logins were bounded per client lack the column.
            if (!has_column("deploy_pending", "client")) {
                exec("ALTER TABLE deploy_pending ADD COLUMN client TEXT NOT NULL DEFAULT ''",
                     "adding the client of pending logins");
            }
            exec("CREATE INDEX IF NOT EXISTS deploy_pending_expiry ON deploy_pending(expires_at);"
                 "CREATE INDEX IF NOT EXISTS deploy_pending_client"
                 " ON deploy_pending(client, expires_at);",
                 "indexing pending logins");
            exec("COMMIT", "committing the schema");
        } catch (...) {
            sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
    }

    [[noreturn]] void fail_rc(int rc, std::string_view what) const {
        store_detail::sqlite_fail(db_.get(), rc, what, path_, sqlite_backend);
    }

    void exec(const char* sql, std::string_view what) {
        store_detail::sqlite_exec(db_.get(), sql, what, path_, sqlite_backend);
    }

    /// For ROLLBACK after a failure: its own failure must not hide the first one.
    void exec_quietly(const char* sql) { sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr); }

    bool has_column(const char* table, const char* column) {
        SqliteStatement info = prepare("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2");
        SqliteUse use{info};
        bind(use.get(), 1, std::string_view{table});
        bind(use.get(), 2, std::string_view{column});
        bool found = false;
        while (row(use.get(), "reading the deploy schema")) {
            found = true;
        }
        return found;
    }

    SqliteStatement prepare(const char* sql) {
        return store_detail::sqlite_prepare(db_.get(), sql, path_, sqlite_backend);
    }

    void bind(sqlite3_stmt* stmt, int index, std::string_view text) {
        store_detail::sqlite_bind(stmt, index, text, path_, sqlite_backend);
    }

    void bind(sqlite3_stmt* stmt, int index, std::int64_t value) {
        store_detail::sqlite_bind(stmt, index, value, path_, sqlite_backend);
    }

    /// Steps a statement that returns no rows; returns the number of changed rows.
    int run(sqlite3_stmt* stmt, std::string_view what) {
        return store_detail::sqlite_run(stmt, what, path_, sqlite_backend);
    }

    /// Steps a statement expected to give a row or none; true for a row.
    bool row(sqlite3_stmt* stmt, std::string_view what) {
        return store_detail::sqlite_row(stmt, what, path_, sqlite_backend);
    }

    static std::string text(sqlite3_stmt* stmt, int column) {
        return store_detail::sqlite_column_text(stmt, column);
    }

    std::mutex mutex;

private:
    std::filesystem::path path_;
    store_detail::SqliteDatabase db_;
};

std::string session_name(std::string_view key) {
    return "session:" + std::string{key};
}

std::string pending_name(std::string_view key) {
    return "pending:" + std::string{key};
}

} // namespace

// --- sessions ---

class SqliteSessionStore::Impl {
public:
    Impl(const SqliteDeployStoreOptions& options, std::shared_ptr<Clock> clock_ref)
        : db(options), codec(std::string{sqlite_backend}, options.key, RecordEncoding::text),
          clock(std::move(clock_ref)) {
        create = db.prepare("INSERT INTO deploy_sessions(key, user_hash, record, expires_at)"
                            " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(key) DO UPDATE SET"
                            " user_hash = excluded.user_hash, record = excluded.record,"
                            " expires_at = excluded.expires_at"
                            " WHERE deploy_sessions.expires_at <= ?5");
        get = db.prepare("SELECT record, expires_at FROM deploy_sessions"
                         " WHERE key = ?1 AND expires_at > ?2");
        touch = db.prepare("UPDATE deploy_sessions SET expires_at = max(expires_at, ?2)"
                           " WHERE key = ?1 AND expires_at > ?3");
        remove = db.prepare("DELETE FROM deploy_sessions WHERE key = ?1 RETURNING expires_at");
        list = db.prepare("SELECT key, record, expires_at FROM deploy_sessions"
                          " WHERE user_hash = ?1 AND expires_at > ?2");
        remove_user = db.prepare("DELETE FROM deploy_sessions WHERE user_hash = ?1"
                                 " RETURNING expires_at");
        purge = db.prepare("DELETE FROM deploy_sessions WHERE expires_at <= ?1");
        add_sid = db.prepare("INSERT OR REPLACE INTO deploy_session_sids(sid_hash, key)"
                             " VALUES(?1, ?2)");
        list_sid = db.prepare("SELECT s.key, s.record, s.expires_at FROM deploy_sessions s"
                              " JOIN deploy_session_sids i ON i.key = s.key"
                              " WHERE i.sid_hash = ?1 AND s.expires_at > ?2");
        remove_sid = db.prepare("DELETE FROM deploy_session_sids WHERE key = ?1");
        remove_user_sids = db.prepare("DELETE FROM deploy_session_sids WHERE key IN"
                                      " (SELECT key FROM deploy_sessions WHERE user_hash = ?1)");
        purge_sids = db.prepare("DELETE FROM deploy_session_sids WHERE key NOT IN"
                                " (SELECT key FROM deploy_sessions)");
    }

    SqliteDb db;
    deploy_detail::SharedRecordCodec codec;
    std::shared_ptr<Clock> clock;
    SqliteStatement create, get, touch, remove, list, remove_user, purge;
    SqliteStatement add_sid, list_sid, remove_sid, remove_user_sids, purge_sids;
    std::uint32_t creates = 0; ///< under db.mutex: expired rows are purged every 256 creates

    /// The live sessions a listing statement (?1 an index hash, ?2 now; columns key, record,
    /// expires_at) gives for `hash`, decoded outside the lock; those `belongs` refuses are left
    /// out.
    template <class Belongs>
    std::vector<UserSession> list_live(const SqliteStatement& statement, std::string_view hash,
                                       Belongs belongs) {
        std::vector<std::pair<std::string, std::pair<std::string, std::int64_t>>> rows;
        {
            std::lock_guard lock{db.mutex};
            SqliteUse use{statement};
            db.bind(use.get(), 1, hash);
            db.bind(use.get(), 2, to_ms(clock->now()));
            while (db.row(use.get(), "listing sessions")) {
                rows.push_back(
                    {SqliteDb::text(use.get(), 0),
                     {SqliteDb::text(use.get(), 1), sqlite3_column_int64(use.get(), 2)}});
            }
        }
        std::vector<UserSession> sessions;
        for (const auto& [key, value] : rows) {
            UserSession session = codec.decode_session(session_name(key), value.first);
            if (!belongs(session)) {
                continue;
            }
            session.session_key = key;
            session.expires_at = from_ms(value.second);
            sessions.push_back(std::move(session));
        }
        return sessions;
    }
};

SqliteSessionStore::SqliteSessionStore(SqliteDeployStoreOptions options,
                                       std::shared_ptr<Clock> clock)
    : impl_(std::make_unique<Impl>(options, clock_or_system(std::move(clock)))) {}

SqliteSessionStore::~SqliteSessionStore() = default;

void SqliteSessionStore::create(const UserSession& session) {
    const auto now = impl_->clock->now();
    deploy_detail::check_new_session(session, now);
    const std::string key = session_key(session.session_id);
    const std::string record = impl_->codec.encode_session(session_name(key), session);
    std::lock_guard lock{impl_->db.mutex};
    if (++impl_->creates % 256 == 0) {
        SqliteUse use{impl_->purge};
        impl_->db.bind(use.get(), 1, to_ms(now));
        impl_->db.run(use.get(), "removing expired sessions");
        SqliteUse sids{impl_->purge_sids};
        impl_->db.run(sids.get(), "removing expired sessions");
    }
    SqliteUse use{impl_->create};
    impl_->db.bind(use.get(), 1, key);
    impl_->db.bind(use.get(), 2, deploy_detail::user_hash(session.user_id));
    impl_->db.bind(use.get(), 3, record);
    impl_->db.bind(use.get(), 4, to_ms(session.expires_at));
    impl_->db.bind(use.get(), 5, to_ms(now));
    if (impl_->db.run(use.get(), "creating a session") != 1) {
        throw Error(errc::invalid_argument, "session id already in use");
    }
    if (!session.sid.empty()) {
        SqliteUse sid{impl_->add_sid};
        impl_->db.bind(sid.get(), 1, deploy_detail::sid_hash(session.sid));
        impl_->db.bind(sid.get(), 2, key);
        impl_->db.run(sid.get(), "creating a session");
    }
}

std::optional<UserSession> SqliteSessionStore::get(std::string_view session_id) {
    if (session_id.empty()) {
        return std::nullopt;
    }
    const std::string key = session_key(session_id);
    std::string record;
    std::int64_t expires_ms = 0;
    {
        std::lock_guard lock{impl_->db.mutex};
        SqliteUse use{impl_->get};
        impl_->db.bind(use.get(), 1, key);
        impl_->db.bind(use.get(), 2, to_ms(impl_->clock->now()));
        if (!impl_->db.row(use.get(), "reading a session")) {
            return std::nullopt;
        }
        record = SqliteDb::text(use.get(), 0);
        expires_ms = sqlite3_column_int64(use.get(), 1);
    }
    UserSession session = impl_->codec.decode_session(session_name(key), record);
    session.session_id = std::string{session_id};
    session.session_key = key;
    session.expires_at = from_ms(expires_ms);
    return session;
}

bool SqliteSessionStore::touch(std::string_view session_id, std::chrono::seconds ttl) {
    if (session_id.empty() || ttl.count() <= 0) {
        return false;
    }
    const auto now = impl_->clock->now();
    std::lock_guard lock{impl_->db.mutex};
    SqliteUse use{impl_->touch};
    impl_->db.bind(use.get(), 1, session_key(session_id));
    impl_->db.bind(use.get(), 2, to_ms(now + ttl));
    impl_->db.bind(use.get(), 3, to_ms(now));
    return impl_->db.run(use.get(), "extending a session") == 1;
}

bool SqliteSessionStore::remove(std::string_view session_id) {
    if (session_id.empty()) {
        return false;
    }
    return remove_by_key(session_key(session_id));
}

bool SqliteSessionStore::remove_by_key(std::string_view key) {
    const std::int64_t now = to_ms(impl_->clock->now());
    std::lock_guard lock{impl_->db.mutex};
    SqliteUse use{impl_->remove};
    impl_->db.bind(use.get(), 1, key);
    bool was_live = false;
    while (impl_->db.row(use.get(), "removing a session")) {
        was_live = sqlite3_column_int64(use.get(), 0) > now;
    }
    SqliteUse sid{impl_->remove_sid};
    impl_->db.bind(sid.get(), 1, key);
    impl_->db.run(sid.get(), "removing a session");
    return was_live;
}

std::vector<UserSession> SqliteSessionStore::list_user_sessions(std::string_view user_id) {
    // A hash collision cannot happen; a row moved since the query is not this user's.
    return impl_->list_live(impl_->list, deploy_detail::user_hash(user_id),
                            [&](const UserSession& session) { return session.user_id == user_id; });
}

std::size_t SqliteSessionStore::remove_user_sessions(std::string_view user_id) {
    const std::int64_t now = to_ms(impl_->clock->now());
    std::lock_guard lock{impl_->db.mutex};
    {
        SqliteUse sids{impl_->remove_user_sids};
        impl_->db.bind(sids.get(), 1, deploy_detail::user_hash(user_id));
        impl_->db.run(sids.get(), "removing a user's sessions");
    }
    SqliteUse use{impl_->remove_user};
    impl_->db.bind(use.get(), 1, deploy_detail::user_hash(user_id));
    std::size_t removed = 0;
    while (impl_->db.row(use.get(), "removing a user's sessions")) {
        removed += sqlite3_column_int64(use.get(), 0) > now ? 1 : 0;
    }
    return removed;
}

std::vector<UserSession> SqliteSessionStore::list_sid_sessions(std::string_view sid) {
    if (sid.empty()) {
        return {};
    }
    return impl_->list_live(impl_->list_sid, deploy_detail::sid_hash(sid),
                            [&](const UserSession& session) { return session.sid == sid; });
}

// --- single-use identifiers ---

class SqliteReplayStore::Impl {
public:
    Impl(const SqliteDeployStoreOptions& options, std::shared_ptr<Clock> clock_ref)
        : db(options), clock(std::move(clock_ref)) {
        // A row whose time is up may be taken over: one statement, atomic across processes.
        record = db.prepare("INSERT INTO deploy_replay(key, expires_at) VALUES(?1, ?2)"
                            " ON CONFLICT(key) DO UPDATE SET expires_at = excluded.expires_at"
                            " WHERE deploy_replay.expires_at <= ?3");
        purge = db.prepare("DELETE FROM deploy_replay WHERE expires_at <= ?1");
    }

    SqliteDb db;
    std::shared_ptr<Clock> clock;
    SqliteStatement record, purge;
    std::uint32_t records = 0;
};

SqliteReplayStore::SqliteReplayStore(SqliteDeployStoreOptions options, std::shared_ptr<Clock> clock)
    : impl_(std::make_unique<Impl>(options, clock_or_system(std::move(clock)))) {}

SqliteReplayStore::~SqliteReplayStore() = default;

bool SqliteReplayStore::first_use(std::string_view id, std::chrono::seconds ttl) {
    check_replay_ttl(id, ttl);
    const auto now = impl_->clock->now();
    std::lock_guard lock{impl_->db.mutex};
    if (++impl_->records % 256 == 0) {
        SqliteUse use{impl_->purge};
        impl_->db.bind(use.get(), 1, to_ms(now));
        impl_->db.run(use.get(), "removing expired identifiers");
    }
    SqliteUse use{impl_->record};
    impl_->db.bind(use.get(), 1, replay_key(id));
    impl_->db.bind(use.get(), 2, to_ms(now + ttl));
    impl_->db.bind(use.get(), 3, to_ms(now));
    return impl_->db.run(use.get(), "recording a single-use identifier") == 1;
}

// --- pending logins ---

class SqlitePendingLoginStore::Impl {
public:
    Impl(const SqliteDeployStoreOptions& options, std::shared_ptr<Clock> clock_ref)
        : db(options), codec(std::string{sqlite_backend}, options.key, RecordEncoding::text),
          clock(std::move(clock_ref)), limits(options.pending_limits) {
        if (limits.capacity == 0) {
            throw Error(errc::invalid_argument, "pending login store capacity must be positive");
        }
        put = db.prepare("INSERT INTO deploy_pending(key, record, expires_at, client)"
                         " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(key) DO NOTHING");
        take = db.prepare("DELETE FROM deploy_pending WHERE key = ?1 RETURNING record");
        purge = db.prepare("DELETE FROM deploy_pending WHERE expires_at <= ?1");
        exists = db.prepare("SELECT 1 FROM deploy_pending WHERE key = ?1");
        // Keeps the client's ?2 newest, deletes the rest.
        trim_client = db.prepare("DELETE FROM deploy_pending WHERE key IN (SELECT key FROM"
                                 " deploy_pending WHERE client = ?1 ORDER BY expires_at DESC"
                                 " LIMIT -1 OFFSET ?2)");
        count = db.prepare("SELECT count(*) FROM deploy_pending");
        trim_oldest = db.prepare("DELETE FROM deploy_pending WHERE key IN (SELECT key FROM"
                                 " deploy_pending ORDER BY expires_at LIMIT ?1)");
    }

    /// Makes room for one more record of `client` (the store's lock and a write transaction
    /// held): expired records, then the client's own oldest, then the oldest of all.
    void make_room(const std::string& client, std::int64_t now_ms) {
        {
            SqliteUse use{purge};
            db.bind(use.get(), 1, now_ms);
            db.run(use.get(), "removing expired logins");
        }
        if (limits.per_client > 0 && !client.empty()) {
            SqliteUse use{trim_client};
            db.bind(use.get(), 1, client);
            db.bind(use.get(), 2, static_cast<std::int64_t>(limits.per_client - 1));
            db.run(use.get(), "evicting a client's oldest login");
        }
        std::int64_t held = 0;
        {
            SqliteUse use{count};
            while (db.row(use.get(), "counting pending logins")) {
                held = sqlite3_column_int64(use.get(), 0);
            }
        }
        const auto capacity = static_cast<std::int64_t>(limits.capacity);
        if (held >= capacity) {
            SqliteUse use{trim_oldest};
            db.bind(use.get(), 1, held - capacity + 1);
            db.run(use.get(), "evicting the oldest logins");
        }
    }

    SqliteDb db;
    deploy_detail::SharedRecordCodec codec;
    std::shared_ptr<Clock> clock;
    PendingLoginLimits limits;
    SqliteStatement put, take, purge, exists, trim_client, count, trim_oldest;
};

SqlitePendingLoginStore::SqlitePendingLoginStore(SqliteDeployStoreOptions options,
                                                 std::shared_ptr<Clock> clock)
    : impl_(std::make_unique<Impl>(options, clock_or_system(std::move(clock)))) {}

SqlitePendingLoginStore::~SqlitePendingLoginStore() = default;

void SqlitePendingLoginStore::put(std::string_view state, const PendingLogin& record,
                                  std::chrono::seconds ttl) {
    if (state.empty()) {
        throw Error(errc::invalid_argument, "pending login without a state");
    }
    if (ttl.count() <= 0 || ttl > std::chrono::hours{1}) {
        throw Error(errc::invalid_argument, "pending login ttl must be from 1 s to 1 h");
    }
    const std::string key = pending_login_key(state);
    const std::string client =
        record.client.empty() ? std::string{} : deploy_detail::client_hash(record.client);
    const auto now = impl_->clock->now();
    const std::string text = impl_->codec.encode_pending(pending_name(key), record, now + ttl);
    std::lock_guard lock{impl_->db.mutex};
    // One write transaction: no other process sees the store over its bounds.
    impl_->db.exec("BEGIN IMMEDIATE", "starting to store a pending login");
    try {
        impl_->make_room(client, to_ms(now));
        {
            SqliteUse use{impl_->exists};
            impl_->db.bind(use.get(), 1, key);
            bool found = false;
            while (impl_->db.row(use.get(), "looking up a pending login")) {
                found = true;
            }
            if (found) {
                throw Error(errc::invalid_argument, "a login with this state is already pending");
            }
        }
        SqliteUse use{impl_->put};
        impl_->db.bind(use.get(), 1, key);
        impl_->db.bind(use.get(), 2, text);
        impl_->db.bind(use.get(), 3, to_ms(now + ttl));
        impl_->db.bind(use.get(), 4, client);
        impl_->db.run(use.get(), "storing a pending login");
        impl_->db.exec("COMMIT", "committing a pending login");
    } catch (...) {
        impl_->db.exec_quietly("ROLLBACK");
        throw;
    }
}

std::optional<PendingLogin> SqlitePendingLoginStore::take(std::string_view state) {
    if (state.empty()) {
        return std::nullopt;
    }
    const std::string key = pending_login_key(state);
    std::optional<std::string> text;
    {
        std::lock_guard lock{impl_->db.mutex};
        SqliteUse use{impl_->take};
        impl_->db.bind(use.get(), 1, key);
        while (impl_->db.row(use.get(), "taking a pending login")) {
            text = SqliteDb::text(use.get(), 0);
        }
    }
    if (!text) {
        return std::nullopt;
    }
    Clock::wall_time deadline{};
    PendingLogin record = impl_->codec.decode_pending(pending_name(key), *text, deadline);
    if (deadline <= impl_->clock->now()) {
        return std::nullopt;
    }
    record.state = std::string{state};
    return record;
}

// --- rate limits ---

class SqliteLoginRateLimiter::Impl {
public:
    Impl(const SqliteDeployStoreOptions& options, RateLimitOptions limit_options,
         std::shared_ptr<Clock> clock_ref)
        : db(options), limits(limit_options), clock(std::move(clock_ref)) {
        // One statement, one transaction: a new window when the old one has ended; the count
        // stops at limit + 1 so refused attempts cannot overflow it.
        check = db.prepare(
            "INSERT INTO deploy_ratelimit(key, window_start, count) VALUES(?1, ?2, 1)"
            " ON CONFLICT(key) DO UPDATE SET"
            " count = CASE WHEN ?2 - window_start >= ?3 THEN 1 ELSE min(count + 1, ?4) END,"
            " window_start = CASE WHEN ?2 - window_start >= ?3 THEN ?2 ELSE window_start END"
            " RETURNING window_start, count");
        purge = db.prepare("DELETE FROM deploy_ratelimit WHERE window_start <= ?1");
        clear = db.prepare("DELETE FROM deploy_ratelimit");
    }

    SqliteDb db;
    RateLimitOptions limits;
    std::shared_ptr<Clock> clock;
    SqliteStatement check, purge, clear;
    std::uint32_t checks = 0;
};

SqliteLoginRateLimiter::SqliteLoginRateLimiter(SqliteDeployStoreOptions options,
                                               RateLimitOptions limits,
                                               std::shared_ptr<Clock> clock) {
    if (limits.max_requests <= 0 || limits.window.count() <= 0) {
        throw Error(errc::invalid_argument, "rate limit options need positive limits and window");
    }
    impl_ = std::make_unique<Impl>(options, limits, clock_or_system(std::move(clock)));
}

SqliteLoginRateLimiter::~SqliteLoginRateLimiter() = default;

RateLimitDecision SqliteLoginRateLimiter::check(std::string_view client_key) {
    const std::int64_t now = to_ms(impl_->clock->now());
    const std::int64_t window =
        std::chrono::duration_cast<std::chrono::milliseconds>(impl_->limits.window).count();
    std::lock_guard lock{impl_->db.mutex};
    if (++impl_->checks % 1024 == 0) {
        SqliteUse use{impl_->purge};
        impl_->db.bind(use.get(), 1, now - window);
        impl_->db.run(use.get(), "removing ended windows");
    }
    SqliteUse use{impl_->check};
    impl_->db.bind(use.get(), 1, client_key);
    impl_->db.bind(use.get(), 2, now);
    impl_->db.bind(use.get(), 3, window);
    impl_->db.bind(use.get(), 4, std::int64_t{impl_->limits.max_requests} + 1);
    if (!impl_->db.row(use.get(), "counting a login attempt")) {
        impl_->db.fail_rc(SQLITE_ERROR, "counting a login attempt");
    }
    const std::int64_t start = sqlite3_column_int64(use.get(), 0);
    const std::int64_t count = sqlite3_column_int64(use.get(), 1);
    while (impl_->db.row(use.get(), "counting a login attempt")) {
    }
    if (count <= impl_->limits.max_requests) {
        return {true, std::chrono::seconds{0}};
    }
    const std::int64_t left_ms = std::max<std::int64_t>(start + window - now, 0);
    return {false, std::chrono::seconds{(left_ms + 999) / 1000}};
}

void SqliteLoginRateLimiter::reset() {
    std::lock_guard lock{impl_->db.mutex};
    SqliteUse use{impl_->clear};
    impl_->db.run(use.get(), "forgetting every count");
}

} // namespace authflow

#endif // AUTHFLOW_WITH_SQLITE

#pragma once
// The SQLite code shared by every SQLite backend (token store, deploy-mode stores): opening a
// database file privately (mode 0600 in 0700 directories, WAL, busy timeout), statements with
// RAII, and StoreError for SQLite failures (not installed).

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace authflow::store_detail {

struct SqliteClose {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct SqliteFinalize {
    void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};
using SqliteDatabase = std::unique_ptr<sqlite3, SqliteClose>;
using SqliteStatement = std::unique_ptr<sqlite3_stmt, SqliteFinalize>;

/// Resets a statement (and clears its bindings) when a call is done with it, whatever happened.
class SqliteUse {
public:
    explicit SqliteUse(const SqliteStatement& stmt) : stmt_(stmt.get()) {}
    ~SqliteUse() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    SqliteUse(const SqliteUse&) = delete;
    SqliteUse& operator=(const SqliteUse&) = delete;
    sqlite3_stmt* get() const { return stmt_; }

private:
    sqlite3_stmt* stmt_;
};

/// Opens (creating if needed) `path` for `backend`: the file is made with mode 0600 (an existing
/// one readable by others is tightened, with a warning), missing directories with 0700; then the
/// busy timeout, WAL journaling (a warning when refused) and synchronous=NORMAL. Throws
/// StoreError: store_unavailable (cannot create or open), store_corrupt (not a database).
SqliteDatabase open_sqlite_database(const std::filesystem::path& path,
                                    std::chrono::milliseconds busy_timeout,
                                    std::string_view backend);

/// Throws StoreError for SQLite result `rc` of `what` on `db` (the file named; for SQLITE_BUSY,
/// that another process held the database too long).
[[noreturn]] void sqlite_fail(sqlite3* db, int rc, std::string_view what,
                              const std::filesystem::path& path, std::string_view backend);

/// A persistent prepared statement. Throws as sqlite_fail.
SqliteStatement sqlite_prepare(sqlite3* db, const char* sql, const std::filesystem::path& path,
                               std::string_view backend);

/// Runs `sql` (one or more statements without parameters) on `db`. Throws as sqlite_fail, with
/// `what` saying what was being done.
void sqlite_exec(sqlite3* db, const char* sql, std::string_view what,
                 const std::filesystem::path& path, std::string_view backend);

/// Binds a copy of `text` to the parameter `index` (from 1) of `stmt`. Throws as sqlite_fail.
void sqlite_bind(sqlite3_stmt* stmt, int index, std::string_view text,
                 const std::filesystem::path& path, std::string_view backend);

/// Binds `value` to the parameter `index` (from 1) of `stmt`. Throws as sqlite_fail.
void sqlite_bind(sqlite3_stmt* stmt, int index, std::int64_t value,
                 const std::filesystem::path& path, std::string_view backend);

/// Steps a statement that returns no rows; returns the number of rows it changed. Throws as
/// sqlite_fail, with `what` saying what was being done.
int sqlite_run(sqlite3_stmt* stmt, std::string_view what, const std::filesystem::path& path,
               std::string_view backend);

/// Steps a statement that gives a row or none; true for a row. Throws as sqlite_run.
bool sqlite_row(sqlite3_stmt* stmt, std::string_view what, const std::filesystem::path& path,
                std::string_view backend);

/// The text in `column` of the current row ("" for NULL).
std::string sqlite_column_text(sqlite3_stmt* stmt, int column);

} // namespace authflow::store_detail

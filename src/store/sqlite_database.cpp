#include "internal/sqlite_database.hpp"

#include "internal/store_internal.hpp"

#include <authflow/core/log.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace authflow::store_detail {
namespace {

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

// Steps `stmt`, "PRAGMA journal_mode=WAL", and returns SQLite's result code. Two processes that
// open a new database at the same moment both read it, then both ask for the exclusive lock the
// switch needs; SQLite refuses one of them at once (SQLITE_BUSY without calling the busy handler,
// since waiting could deadlock), so that one steps back and tries again until `busy_timeout` has
// passed.
int switch_to_wal(sqlite3_stmt* stmt, std::chrono::milliseconds busy_timeout) {
    const auto deadline = std::chrono::steady_clock::now() + busy_timeout;
    for (;;) {
        const int rc = sqlite3_step(stmt);
        if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline) {
            return rc;
        }
        sqlite3_reset(stmt);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

// Creates each missing directory of `dir` with mode 0700.
void make_private_directories(const std::filesystem::path& dir, std::string_view backend) {
    std::filesystem::path partial;
    for (const auto& part : dir) {
        partial /= part;
        if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
            fail(errc::store_unavailable, backend,
                 "cannot create directory " + partial.string() + ": " + std::strerror(errno));
        }
    }
}

// Creates the database file with mode 0600 before SQLite opens it (SQLite would use 0644 less
// the umask), and tightens an existing file that others could read.
void prepare_file(const std::filesystem::path& path, std::string_view backend) {
    if (path.has_parent_path()) {
        make_private_directories(path.parent_path(), backend);
    }
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        fail(errc::store_unavailable, backend,
             "cannot open " + path.string() + ": " + std::strerror(errno));
    }
    struct stat info {};
    bool ok = ::fstat(fd, &info) == 0;
    if (ok && !S_ISREG(info.st_mode)) {
        ::close(fd);
        fail(errc::store_unavailable, backend, path.string() + " is not a regular file");
    }
    if (ok && (info.st_mode & 077) != 0) {
        if (::fchmod(fd, 0600) == 0) {
            log(LogLevel::warning, std::string{backend} + " store: " + path.string() +
                                       " could be read by other users; its mode is now 0600");
        } else {
            log(LogLevel::warning, std::string{backend} + " store: " + path.string() +
                                       " can be read by other users and chmod failed");
        }
    }
    ::close(fd);
}

} // namespace

void sqlite_fail(sqlite3* db, int rc, std::string_view what, const std::filesystem::path& path,
                 std::string_view backend) {
    std::string text{what};
    text += " failed: ";
    text += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    text += " (";
    text += path.string();
    text += ")";
    if ((rc & 0xff) == SQLITE_BUSY) {
        text += "; another process held the database longer than busy_timeout";
    }
    if ((rc & 0xff) == SQLITE_NOTADB) {
        text = path.string() + " is not an SQLite database";
    }
    fail(code_for(rc), backend, text);
}

SqliteStatement sqlite_prepare(sqlite3* db, const char* sql, const std::filesystem::path& path,
                               std::string_view backend) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    SqliteStatement stmt{raw};
    if (rc != SQLITE_OK) {
        sqlite_fail(db, rc, "preparing a statement", path, backend);
    }
    return stmt;
}

void sqlite_exec(sqlite3* db, const char* sql, std::string_view what,
                 const std::filesystem::path& path, std::string_view backend) {
    int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
        sqlite_fail(db, rc, what, path, backend);
    }
}

void sqlite_bind(sqlite3_stmt* stmt, int index, std::string_view text,
                 const std::filesystem::path& path, std::string_view backend) {
    int rc = sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()),
                               SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) {
        sqlite_fail(sqlite3_db_handle(stmt), rc, "binding a value", path, backend);
    }
}

void sqlite_bind(sqlite3_stmt* stmt, int index, std::int64_t value,
                 const std::filesystem::path& path, std::string_view backend) {
    int rc = sqlite3_bind_int64(stmt, index, value);
    if (rc != SQLITE_OK) {
        sqlite_fail(sqlite3_db_handle(stmt), rc, "binding a value", path, backend);
    }
}

int sqlite_run(sqlite3_stmt* stmt, std::string_view what, const std::filesystem::path& path,
               std::string_view backend) {
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) {
        sqlite_fail(sqlite3_db_handle(stmt), rc, what, path, backend);
    }
    return sqlite3_changes(sqlite3_db_handle(stmt));
}

bool sqlite_row(sqlite3_stmt* stmt, std::string_view what, const std::filesystem::path& path,
                std::string_view backend) {
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        sqlite_fail(sqlite3_db_handle(stmt), rc, what, path, backend);
    }
    return rc == SQLITE_ROW;
}

std::string sqlite_column_text(sqlite3_stmt* stmt, int column) {
    const auto* data = sqlite3_column_text(stmt, column);
    const int size = sqlite3_column_bytes(stmt, column);
    return data == nullptr
               ? std::string{}
               : std::string{reinterpret_cast<const char*>(data), static_cast<std::size_t>(size)};
}

SqliteDatabase open_sqlite_database(const std::filesystem::path& path,
                                    std::chrono::milliseconds busy_timeout,
                                    std::string_view backend) {
    if (busy_timeout.count() < 0 || busy_timeout.count() > 3600000) {
        fail(errc::invalid_argument, backend, "busy_timeout must be between 0 and 3600000 ms");
    }
    prepare_file(path, backend);
    sqlite3* raw = nullptr;
    int rc =
        sqlite3_open_v2(path.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    SqliteDatabase db{raw};
    if (rc != SQLITE_OK) {
        fail(errc::store_unavailable, backend,
             "cannot open " + path.string() + ": " +
                 (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    }
    sqlite3_busy_timeout(db.get(), static_cast<int>(busy_timeout.count()));
    // WAL lets readers in other processes proceed while one writes. This is the first access:
    // a file that is not a database fails here.
    {
        auto stmt = sqlite_prepare(db.get(), "PRAGMA journal_mode=WAL", path, backend);
        rc = switch_to_wal(stmt.get(), busy_timeout);
        if (rc != SQLITE_ROW) {
            sqlite_fail(db.get(), rc, "switching to WAL", path, backend);
        }
        const auto* mode = sqlite3_column_text(stmt.get(), 0);
        if (mode == nullptr || std::string_view{reinterpret_cast<const char*>(mode)} != "wal") {
            log(LogLevel::warning, std::string{backend} + " store: " + path.string() +
                                       " could not use WAL journaling");
        }
    }
    rc = sqlite3_exec(db.get(), "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
        sqlite_fail(db.get(), rc, "setting synchronous", path, backend);
    }
    return db;
}

} // namespace authflow::store_detail

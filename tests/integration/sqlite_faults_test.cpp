// SqliteTokenStore on a full disk and on a read-only disk: every failing call is a StoreError
// with a stable code, records saved before the fault still load (and the database passes
// PRAGMA integrity_check) once the fault is gone, and the same store object works again
// without being reopened.
//
// Full disk: a small tmpfs filled up (needs root and mount(8), as in CI; skipped otherwise), and
// RLIMIT_FSIZE in a child process (SIGXFSZ ignored), which works for any user. Read-only: root
// ignores file permissions, so the read-only disk is a read-only bind mount (root), and the
// permission cases (directory 0500, file 0400) run in a child process that drops to the user
// nobody (or directly, when not root).
#include "support/process.hpp"
#include "support/test_env.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/store/encryption.hpp>
#include <authflow/store/sqlite_token_store.hpp>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <grp.h>
#include <memory>
#include <optional>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace authflow {
namespace {

namespace fs = std::filesystem;

constexpr uid_t nobody = 65534;

bool is_root() {
    return ::geteuid() == 0;
}

/// Tokens whose access token is `size` bytes (the record grows with it).
OAuthTokenSet tokens(int n, std::size_t size = 64) {
    OAuthTokenSet t;
    t.access_token = "at-" + std::to_string(n) + "-";
    while (t.access_token.size() < size) {
        t.access_token += std::to_string(t.access_token.size() * 7919 % 1000003);
    }
    t.refresh_token = "rt-" + std::to_string(n);
    t.expires_in = 3600;
    t.issued_at = 1.8e9;
    t.scope = "openid email";
    return t;
}

std::unique_ptr<SqliteTokenStore> open_store(const fs::path& path, const StoreKey& key) {
    SqliteTokenStoreOptions options;
    options.path = path;
    options.key = key;
    options.busy_timeout = std::chrono::milliseconds{200};
    return std::make_unique<SqliteTokenStore>(options);
}

/// PRAGMA integrity_check of the file, opened read-only: "ok" for a sound database.
std::string integrity_of(const fs::path& path) {
    sqlite3* raw = nullptr;
    std::string result = "cannot open";
    if (sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(raw, "PRAGMA integrity_check", -1, &stmt, nullptr) == SQLITE_OK &&
            sqlite3_step(stmt) == SQLITE_ROW) {
            result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        }
        sqlite3_finalize(stmt);
    }
    sqlite3_close_v2(raw);
    return result;
}

/// Every record saved before the fault loads unchanged, and the file is sound.
void expect_intact(const fs::path& path, const StoreKey& key, int count) {
    auto store = open_store(path, key);
    for (int i = 0; i < count; ++i) {
        auto loaded = store->load("kept-" + std::to_string(i));
        ASSERT_TRUE(loaded) << "kept-" << i;
        EXPECT_EQ(loaded->access_token, tokens(i).access_token);
        EXPECT_EQ(loaded->refresh_token, tokens(i).refresh_token);
    }
    store.reset();
    EXPECT_EQ(integrity_of(path), "ok");
}

void save_kept(TokenStore& store, int count) {
    for (int i = 0; i < count; ++i) {
        store.save("kept-" + std::to_string(i), tokens(i));
    }
}

/// Saves big records until one fails; returns its error code (nothing if none failed).
std::optional<errc> fill_until_failure(TokenStore& store, int max_records = 400) {
    for (int i = 0; i < max_records; ++i) {
        try {
            store.save("filler-" + std::to_string(i), tokens(1000 + i, 32 * 1024));
        } catch (const StoreError& e) {
            return e.code();
        }
    }
    return std::nullopt;
}

/// A small tmpfs mounted on a directory (root and mount(8) only); unmounted when it goes.
class SmallTmpfs {
public:
    SmallTmpfs(fs::path dir, const std::string& size) : dir_(std::move(dir)) {
        fs::create_directories(dir_);
        if (!is_root() || !test::have_program("mount")) {
            return;
        }
        mounted_ = test::run_command({"mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0700",
                                      "tmpfs", dir_.string()})
                       .exit_code == 0;
    }
    ~SmallTmpfs() {
        if (mounted_) {
            test::run_command({"umount", "-l", dir_.string()});
        }
    }
    SmallTmpfs(const SmallTmpfs&) = delete;
    SmallTmpfs& operator=(const SmallTmpfs&) = delete;
    bool mounted() const { return mounted_; }

private:
    fs::path dir_;
    bool mounted_ = false;
};

/// Runs `body` in a forked child; returns what it wrote to the pipe (its verdict).
template <typename F> std::string in_child(F&& body) {
    int fds[2];
    if (::pipe(fds) != 0) {
        return "pipe failed";
    }
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[0]);
        std::string verdict;
        try {
            verdict = body();
        } catch (const Error& e) {
            verdict = std::string{"unexpected "} + std::string{to_string(e.code())};
        } catch (const std::exception& e) {
            verdict = std::string{"exception "} + e.what();
        }
        [[maybe_unused]] auto written = ::write(fds[1], verdict.data(), verdict.size());
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string out;
    char buffer[256];
    ssize_t n = 0;
    while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0) {
        out.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return out;
}

/// The code of the StoreError `call` throws, or "no error".
template <typename F> std::string store_error_of(F&& call) {
    try {
        call();
    } catch (const StoreError& e) {
        return std::string{to_string(e.code())};
    }
    return "no error";
}

// ---- full disk -----------------------------------------------------------------------------

TEST(SqliteFaults, FullDiskOnASmallTmpfs) {
    test::TempDir temp;
    SmallTmpfs disk(temp.path() / "disk", "1m");
    if (!disk.mounted()) {
        GTEST_SKIP() << "needs root and mount(8) for a small tmpfs; FileSizeLimit covers a full "
                        "disk for any user";
    }
    const fs::path path = temp.path() / "disk" / "tokens.db";
    const StoreKey key = StoreKey::generate();
    auto store = open_store(path, key);
    save_kept(*store, 5);

    // Fill what is left of the disk, then save.
    const fs::path filler = temp.path() / "disk" / "filler";
    {
        std::ofstream out(filler, std::ios::binary);
        const std::string chunk(4096, 'x');
        while (out.write(chunk.data(), static_cast<std::streamsize>(chunk.size())) && out.flush()) {
        }
    }
    const auto failure = fill_until_failure(*store);
    ASSERT_TRUE(failure) << "the disk never filled up";
    EXPECT_EQ(*failure, errc::store_failed) << to_string(*failure); // SQLITE_FULL
    // Reads still work while the disk is full.
    EXPECT_EQ(store->load("kept-3").value().access_token, tokens(3).access_token);

    // Space again: the same store object saves without being reopened; nothing was lost.
    fs::remove(filler);
    store->save("after", tokens(77));
    EXPECT_EQ(store->load("after").value().access_token, tokens(77).access_token);
    store.reset();
    expect_intact(path, key, 5);
}

TEST(SqliteFaults, FileSizeLimit) {
    test::TempDir temp;
    const fs::path path = temp.path() / "tokens.db";
    const StoreKey key = StoreKey::generate();
    {
        auto store = open_store(path, key);
        save_kept(*store, 5);
    }
    // A child whose files may not grow past 256 KiB (RLIMIT_FSIZE applies to root too): the
    // write fails with EFBIG instead of raising SIGXFSZ.
    const std::string verdict = in_child([&]() -> std::string {
        std::signal(SIGXFSZ, SIG_IGN);
        rlimit limit{256 * 1024, 256 * 1024};
        if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) {
            return "setrlimit failed";
        }
        auto store = open_store(path, key);
        const auto failure = fill_until_failure(*store);
        if (!failure) {
            return "no error";
        }
        // Reads still work.
        if (store->load("kept-2").value().access_token != tokens(2).access_token) {
            return "kept-2 changed";
        }
        return std::string{to_string(*failure)};
    });
    EXPECT_EQ(verdict, "store_unavailable"); // SQLITE_IOERR_WRITE (EFBIG)

    // Without the limit: the records saved before load, the file is sound, saves work again.
    expect_intact(path, key, 5);
    auto store = open_store(path, key);
    EXPECT_NO_THROW(store->save("after", tokens(78, 64 * 1024)));
}

// ---- read-only disk ------------------------------------------------------------------------

TEST(SqliteFaults, ReadOnlyMount) {
    test::TempDir temp;
    const fs::path rw = temp.path() / "rw";
    const fs::path ro = temp.path() / "ro";
    fs::create_directories(rw);
    fs::create_directories(ro);
    const StoreKey key = StoreKey::generate();
    {
        auto store = open_store(rw / "tokens.db", key);
        save_kept(*store, 5);
    }
    if (!is_root() || !test::have_program("mount") ||
        test::run_command({"mount", "--bind", rw.string(), ro.string()}).exit_code != 0) {
        GTEST_SKIP() << "needs root and mount(8) for a read-only bind mount; "
                        "ReadOnlyPermissions covers the non-root case";
    }
    struct Unmount {
        fs::path dir;
        ~Unmount() { test::run_command({"umount", "-l", dir.string()}); }
    } unmount{ro};
    ASSERT_EQ(test::run_command({"mount", "-o", "remount,ro,bind", ro.string()}).exit_code, 0);

    // Even root cannot open the database for writing on a read-only file system (EROFS).
    EXPECT_EQ(store_error_of([&] { open_store(ro / "tokens.db", key); }), "store_unavailable");
    // Nothing changed: through the writable path everything loads and saves.
    expect_intact(rw / "tokens.db", key, 5);
    auto store = open_store(rw / "tokens.db", key);
    EXPECT_NO_THROW(store->save("after", tokens(79)));
}

TEST(SqliteFaults, ReadOnlyPermissions) {
    test::TempDir temp;
    const fs::path home = temp.path() / "home";
    const fs::path dir = home / "state";
    fs::create_directories(dir);
    const fs::path path = dir / "tokens.db";
    const StoreKey key = StoreKey::generate();
    {
        auto store = open_store(path, key);
        save_kept(*store, 5);
    }
    // The checkpointed database alone (no -wal/-shm left), owned by the user who runs the
    // store: nobody when this runs as root (root ignores permissions).
    const bool drop = is_root();
    if (drop) {
        fs::permissions(temp.path(), fs::perms::owner_all | fs::perms::others_exec);
        for (const auto& p : {home, dir, path}) {
            ASSERT_EQ(::chown(p.c_str(), nobody, nobody), 0);
        }
    }
    auto as_user = [&](auto&& body) {
        return in_child([&]() -> std::string {
            if (drop &&
                (::setgroups(0, nullptr) != 0 || ::setgid(nobody) != 0 || ::setuid(nobody) != 0)) {
                return "cannot drop to nobody";
            }
            return body();
        });
    };

    // A read-only file in a writable directory: opening fails clearly.
    fs::permissions(path, fs::perms::owner_read);
    EXPECT_EQ(as_user([&] { return store_error_of([&] { open_store(path, key); }); }),
              "store_unavailable");
    // A read-only directory (0500) with a read-only file (0400): the same.
    fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
    EXPECT_EQ(as_user([&] { return store_error_of([&] { open_store(path, key); }); }),
              "store_unavailable");
    // A read-only directory with a writable file: SQLite cannot create its -wal and -shm files.
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(as_user([&] {
                  return store_error_of([&] {
                      auto store = open_store(path, key);
                      store->save("new", tokens(80));
                  });
              }),
              "store_unavailable");

    // Writable again: nothing was lost or damaged.
    fs::permissions(dir, fs::perms::owner_all);
    expect_intact(path, key, 5);
}

} // namespace
} // namespace authflow

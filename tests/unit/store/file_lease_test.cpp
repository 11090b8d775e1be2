// The lock-file lease used by the keyring store (an internal part, tested on its own here).
#include "store/file_lease.hpp"
#include "support/test_env.hpp"
#include "unit/store/store_test_helpers.hpp"

#include <cstdlib>
#include <fcntl.h>
#include <map>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace authflow::test {
namespace {

using store_detail::FileLeaseBackend;

class FileLease : public ::testing::Test {
protected:
    std::shared_ptr<FileLeaseBackend> backend(const std::filesystem::path& dir,
                                              const std::string& scope = "test") {
        return std::make_shared<FileLeaseBackend>(dir, scope, clock_, "keyring");
    }
    std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>();
    TempDir dir_;
    std::filesystem::path locks_ = dir_.path() / "locks";
};

TEST_F(FileLease, ExcludesOtherHoldersUntilExpiry) {
    auto one = backend(locks_);
    auto two = backend(locks_);
    EXPECT_TRUE(one->acquire("refresh", "holder-1", 10s));
    EXPECT_FALSE(two->acquire("refresh", "holder-2", 10s));
    EXPECT_TRUE(two->acquire("other", "holder-2", 10s));
    clock_->advance(9s);
    EXPECT_FALSE(two->acquire("refresh", "holder-2", 10s));
    clock_->advance(2s);
    EXPECT_TRUE(two->acquire("refresh", "holder-2", 10s));
    // The first holder can neither renew nor release the second's lease.
    EXPECT_FALSE(one->renew("refresh", "holder-1", 10s));
    EXPECT_FALSE(one->release("refresh", "holder-1"));
    EXPECT_FALSE(one->acquire("refresh", "holder-1", 10s));
    EXPECT_TRUE(two->release("refresh", "holder-2"));
    EXPECT_TRUE(one->acquire("refresh", "holder-1", 10s));
}

TEST_F(FileLease, RenewMovesTheExpiry) {
    auto leases = backend(locks_);
    EXPECT_TRUE(leases->acquire("l", "h", 10s));
    clock_->advance(8s);
    EXPECT_TRUE(leases->renew("l", "h", 10s));
    clock_->advance(8s);
    EXPECT_FALSE(leases->acquire("l", "other", 10s));
    clock_->advance(3s);
    EXPECT_FALSE(leases->renew("l", "h", 10s)) << "an expired lease cannot be renewed";
}

TEST_F(FileLease, ScopesSeparateLeasesOfTheSameName) {
    EXPECT_TRUE(backend(locks_, "keyring:a")->acquire("l", "h1", 10s));
    EXPECT_TRUE(backend(locks_, "keyring:b")->acquire("l", "h2", 10s));
    EXPECT_FALSE(backend(locks_, "keyring:a")->acquire("l", "h3", 10s));
}

TEST_F(FileLease, LockFilesArePrivateAndStayInTheDirectory) {
    ::umask(022);
    auto leases = backend(locks_);
    std::string odd = "../../etc/passwd/..";
    EXPECT_TRUE(leases->acquire(odd, "h", 10s));
    auto file = leases->lock_file(odd);
    EXPECT_EQ(file.parent_path(), locks_);
    struct stat info {};
    ASSERT_EQ(::stat(file.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat(locks_.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0700u);
    EXPECT_NE(leases->lock_file("a/b"), leases->lock_file("a_b"));
}

TEST_F(FileLease, RefusesADirectoryOthersCanWrite) {
    std::filesystem::create_directories(locks_);
    ::chmod(locks_.c_str(), 0777);
    auto leases = backend(locks_);
    EXPECT_EQ(store_error_of([&] { leases->acquire("l", "h", 10s); }), errc::store_unavailable);
}

TEST_F(FileLease, DamagedLockFileCountsAsFree) {
    auto leases = backend(locks_);
    EXPECT_TRUE(leases->acquire("l", "h", 10s));
    write_file(leases->lock_file("l"), "garbage without structure");
    EXPECT_TRUE(leases->acquire("l", "h2", 10s));
}

/// A record writer for the fenced save that keeps records in a map and notes whether the lock
/// file was locked while it wrote.
struct MapWriter {
    std::map<std::string, std::string> records;
    std::filesystem::path lock_file;
    bool was_locked_during_write = true;

    store_detail::FileLeaseBackend::RecordWriter writer() {
        return [this](RecordKind, const std::string& key, std::string_view value,
                      std::optional<std::chrono::milliseconds>) {
            int fd = ::open(lock_file.c_str(), O_RDWR | O_CLOEXEC);
            bool is_free = fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) == 0;
            if (fd >= 0) {
                ::close(fd);
            }
            was_locked_during_write = was_locked_during_write && !is_free;
            records[key] = std::string{value};
        };
    }
};

TEST_F(FileLease, PutIfHeldWritesUnderTheLockOnlyWhileHeld) {
    MapWriter records;
    auto one =
        std::make_shared<FileLeaseBackend>(locks_, "test", clock_, "keyring", records.writer());
    auto two =
        std::make_shared<FileLeaseBackend>(locks_, "test", clock_, "keyring", records.writer());
    records.lock_file = one->lock_file("refresh");
    ASSERT_TRUE(one->acquire("refresh", "holder-1", 10s));
    EXPECT_TRUE(one->put_if_held("refresh", "holder-1", RecordKind::token_set, "k", "v1", {}));
    EXPECT_EQ(records.records["k"], "v1");
    EXPECT_TRUE(records.was_locked_during_write) << "the write must happen under the flock";
    // Another holder's name: refused.
    EXPECT_FALSE(one->put_if_held("refresh", "holder-2", RecordKind::token_set, "k", "x", {}));
    // Expired, then taken by another holder: the first holder's write is refused.
    clock_->advance(11s);
    EXPECT_FALSE(one->put_if_held("refresh", "holder-1", RecordKind::token_set, "k", "late", {}));
    ASSERT_TRUE(two->acquire("refresh", "holder-2", 10s));
    EXPECT_FALSE(one->put_if_held("refresh", "holder-1", RecordKind::token_set, "k", "stale", {}));
    EXPECT_TRUE(two->put_if_held("refresh", "holder-2", RecordKind::token_set, "k", "v2", {}));
    // Released: refused.
    EXPECT_TRUE(two->release("refresh", "holder-2"));
    EXPECT_FALSE(two->put_if_held("refresh", "holder-2", RecordKind::token_set, "k", "v3", {}));
    EXPECT_EQ(records.records["k"], "v2");
}

TEST_F(FileLease, PutIfHeldWithoutAWriterIsAnInternalError) {
    auto leases = backend(locks_);
    ASSERT_TRUE(leases->acquire("l", "h", 10s));
    EXPECT_EQ(
        store_error_of([&] { leases->put_if_held("l", "h", RecordKind::token_set, "k", "v", {}); }),
        errc::internal);
}

TEST_F(FileLease, DefaultDirectory) {
    ::setenv("XDG_RUNTIME_DIR", dir_.path().c_str(), 1);
    EXPECT_EQ(store_detail::default_lock_dir(), dir_.path() / "authflow");
    ::unsetenv("XDG_RUNTIME_DIR");
    EXPECT_EQ(store_detail::default_lock_dir(),
              std::filesystem::path{"/tmp/authflow-" + std::to_string(::getuid())});
}

} // namespace
} // namespace authflow::test

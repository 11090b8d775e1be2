// SQLite token stores shared by several processes: records, leases, and a holder that dies.
#include "integration/store_multiprocess.hpp"
#include "unit/store/store_test_helpers.hpp"

#include <authflow/store/sqlite_token_store.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace authflow::test {

std::shared_ptr<TokenStore> open_child_store() {
    SqliteTokenStoreOptions options;
    options.path = std::getenv("AUTHFLOW_TEST_SQLITE_PATH");
    if (const char* key = std::getenv("AUTHFLOW_STORE_KEY")) {
        options.key = StoreKey::from_base64(key);
    }
    return std::make_shared<SqliteTokenStore>(options);
}

namespace {

class SqliteMultiProcess : public ::testing::Test {
protected:
    std::shared_ptr<SqliteTokenStore> store() const {
        SqliteTokenStoreOptions options;
        options.path = path_;
        options.key = key_;
        return std::make_shared<SqliteTokenStore>(options);
    }
    ChildEnv env() const {
        return {{"AUTHFLOW_TEST_SQLITE_PATH", path_.string()},
                {"AUTHFLOW_STORE_KEY", key_.to_base64()}};
    }
    TempDir dir_;
    // A directory that does not exist yet: the first process to open the store creates it.
    std::filesystem::path path_ = dir_.path() / "state" / "tokens.db";
    StoreKey key_ = StoreKey::generate();
};

// Both children create the database file, directory and schema at the same moment.
TEST_F(SqliteMultiProcess, TwoProcessesCreateAndWriteAtOnce) {
    expect_two_processes_share_records([&] { return store(); }, env());
}

// Four processes open the same new database at once, a hundred times over. Switching a new
// database to WAL needs its exclusive lock; SQLite refuses one of two processes that ask at the
// same moment without waiting (about one open in seventy here), and the store must try again
// rather than fail.
TEST_F(SqliteMultiProcess, ProcessesOpeningANewDatabaseAtOnceAllSucceed) {
    constexpr int rounds = 100;
    constexpr int processes = 4;
    int failures = 0;
    for (int round = 0; round < rounds; ++round) {
        SqliteTokenStoreOptions options;
        options.path = dir_.path() / ("new-" + std::to_string(round) + ".db");
        pid_t children[processes];
        for (auto& child : children) {
            child = ::fork();
            ASSERT_GE(child, 0);
            if (child == 0) {
                try {
                    SqliteTokenStore store{options};
                    ::_exit(0);
                } catch (const std::exception& e) {
                    std::fprintf(stderr, "round %d: %s\n", round, e.what());
                    ::_exit(1);
                }
            }
        }
        for (const pid_t child : children) {
            int status = 0;
            ASSERT_EQ(::waitpid(child, &status, 0), child);
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                ++failures;
            }
        }
    }
    EXPECT_EQ(failures, 0) << "of " << rounds * processes << " opens";
}

TEST_F(SqliteMultiProcess, LeaseSerialisesTwoProcesses) {
    EXPECT_EQ(run_two_process_counter(env(), true, 30), 60);
}

// Proves the test above can fail: without the lease the same increments get lost.
TEST_F(SqliteMultiProcess, WithoutTheLeaseUpdatesAreLost) {
    EXPECT_LT(run_two_process_counter(env(), false, 30), 60);
}

TEST_F(SqliteMultiProcess, DeadHolderBlocksAtMostTheTtl) {
    auto parent = store();
    expect_dead_holder_blocks_at_most_ttl(*parent, env(), std::chrono::milliseconds(1000));
}

} // namespace
} // namespace authflow::test

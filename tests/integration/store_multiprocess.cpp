#include "integration/store_multiprocess.hpp"

#include "support/session_processes.hpp"
#include "unit/store/store_test_helpers.hpp"

#include <fstream>
#include <signal.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace authflow::test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* child_test = "StoreChild.DISABLED_Run";

// Lets children start together: each says it is ready, then waits for "go".
void child_barrier(const std::filesystem::path& dir, const std::string& id) {
    write_file(dir / ("ready-" + id), "");
    ASSERT_TRUE(wait_for_file(dir / "go", std::chrono::seconds(30)));
}

void release_children(const std::filesystem::path& dir, int count) {
    for (int id = 0; id < count; ++id) {
        ASSERT_TRUE(wait_for_file(dir / ("ready-" + std::to_string(id)), std::chrono::seconds(30)))
            << "child " << id << " did not start; see " << dir;
    }
    write_file(dir / "go", "");
}

void expect_child_success(ChildProcess& child, const std::filesystem::path& log) {
    int code = child.wait(120000);
    EXPECT_EQ(code, 0) << "child failed; its output:\n" << read_file(log);
}

int read_counter(const std::filesystem::path& path) {
    std::ifstream in(path);
    int value = 0;
    in >> value;
    return value;
}

// Written beside and renamed over, so a reader always sees one whole value. (Rewritten in place,
// two writers that both truncated before either wrote could leave "65" from "6" and "35": a count
// above the number of increments, which hides the lost updates the tests look for.)
void write_counter(const std::filesystem::path& path, int value) {
    auto written = path;
    written += ".tmp-" + std::to_string(::getpid());
    {
        std::ofstream out(written, std::ios::trunc);
        out << value;
    }
    std::filesystem::rename(written, path);
}

void child_records(const std::filesystem::path& dir, const std::string& id) {
    child_barrier(dir, id);
    auto opened = open_child_store();
    auto& store = *opened;
    for (int i = 0; i < 100; ++i) {
        std::string key = "p" + id + "-" + std::to_string(i);
        store.save(key, full_token_set(key));
        store.save("shared", full_token_set("shared-p" + id + "-" + std::to_string(i)));
        auto own = store.load(key);
        ASSERT_TRUE(own.has_value()) << key;
        expect_same_tokens(full_token_set(key), *own);
        auto shared = store.load("shared");
        ASSERT_TRUE(shared.has_value());
        EXPECT_EQ(shared->access_token.rfind("at-shared-p", 0), 0u);
    }
}

void child_counter(TokenStore& store, const std::filesystem::path& dir, const std::string& id) {
    bool use_lease = env_or("AUTHFLOW_TEST_USE_LEASE", "1") == "1";
    int rounds = std::stoi(env_or("AUTHFLOW_TEST_ROUNDS", "30"));
    auto counter = dir / "counter";
    child_barrier(dir, id);
    for (int round = 0; round < rounds; ++round) {
        std::unique_ptr<Lease> lease;
        if (use_lease) {
            auto deadline = Clock::now() + std::chrono::seconds(60);
            while (!(lease = store.try_acquire("counter", std::chrono::seconds(30)))) {
                ASSERT_LT(Clock::now(), deadline) << "never got the lease";
                std::this_thread::sleep_for(std::chrono::microseconds(500));
            }
        }
        int value = read_counter(counter);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        write_counter(counter, value + 1);
        if (lease) {
            EXPECT_TRUE(lease->release());
        }
        // Give the other process a chance at the lease.
        std::this_thread::sleep_for(std::chrono::microseconds(300));
    }
}

void child_hold(TokenStore& store, const std::filesystem::path& dir) {
    auto ttl = std::chrono::milliseconds(std::stoi(env_or("AUTHFLOW_TEST_TTL_MS", "1000")));
    auto lease = store.try_acquire("held", ttl);
    ASSERT_NE(lease, nullptr);
    write_file(dir / "holding", "");
    // Wait to be killed; never release.
    std::this_thread::sleep_for(std::chrono::seconds(60));
    ADD_FAILURE() << "the holder was not killed";
}

} // namespace

TEST(StoreChild, DISABLED_Run) {
    std::string role = env_or("AUTHFLOW_TEST_CHILD_ROLE", "");
    std::string id = env_or("AUTHFLOW_TEST_CHILD_ID", "0");
    std::filesystem::path dir = env_or("AUTHFLOW_TEST_CHILD_DIR", "");
    ASSERT_FALSE(role.empty()) << "run only as a child of a multi-process test";
    if (role == "records") {
        child_records(dir, id);
    } else if (role == "counter") {
        child_counter(*open_child_store(), dir, id);
    } else if (role == "hold") {
        child_hold(*open_child_store(), dir);
    } else {
        FAIL() << "unknown role " << role;
    }
}

void expect_two_processes_share_records(
    const std::function<std::shared_ptr<TokenStore>()>& open_store, const ChildEnv& env) {
    TempDir dir;
    auto first = start_child(child_test, dir.path(), "records", 0, env);
    auto second = start_child(child_test, dir.path(), "records", 1, env);
    release_children(dir.path(), 2);
    expect_child_success(*first, dir.path() / "records-0.log");
    expect_child_success(*second, dir.path() / "records-1.log");
    auto opened = open_store();
    auto& store = *opened;
    auto keys = store.list_keys();
    EXPECT_EQ(keys.size(), 201u);
    for (int id = 0; id < 2; ++id) {
        for (int i = 0; i < 100; ++i) {
            std::string key = "p" + std::to_string(id) + "-" + std::to_string(i);
            auto loaded = store.load(key);
            ASSERT_TRUE(loaded.has_value()) << key;
            expect_same_tokens(full_token_set(key), *loaded);
        }
    }
    auto shared = store.load("shared");
    ASSERT_TRUE(shared.has_value());
    // The last write of either process.
    EXPECT_TRUE(shared->access_token == "at-shared-p0-99" ||
                shared->access_token == "at-shared-p1-99")
        << shared->access_token;
}

int run_two_process_counter(const ChildEnv& env, bool use_lease, int rounds) {
    TempDir dir;
    ChildEnv child_env = env;
    child_env["AUTHFLOW_TEST_USE_LEASE"] = use_lease ? "1" : "0";
    child_env["AUTHFLOW_TEST_ROUNDS"] = std::to_string(rounds);
    write_counter(dir.path() / "counter", 0);
    auto first = start_child(child_test, dir.path(), "counter", 0, child_env);
    auto second = start_child(child_test, dir.path(), "counter", 1, child_env);
    release_children(dir.path(), 2);
    expect_child_success(*first, dir.path() / "counter-0.log");
    expect_child_success(*second, dir.path() / "counter-1.log");
    return read_counter(dir.path() / "counter");
}

void expect_dead_holder_blocks_at_most_ttl(TokenStore& store, const ChildEnv& env,
                                           std::chrono::milliseconds ttl) {
    TempDir dir;
    ChildEnv child_env = env;
    child_env["AUTHFLOW_TEST_TTL_MS"] = std::to_string(ttl.count());
    auto holder = start_child(child_test, dir.path(), "hold", 0, child_env);
    ASSERT_TRUE(wait_for_file(dir.path() / "holding", std::chrono::seconds(30)))
        << read_file(dir.path() / "hold-0.log");
    // The child got the lease at most now; kill it without a chance to release.
    auto acquired_by = Clock::now();
    holder->stop(SIGKILL);
    EXPECT_EQ(store.try_acquire("held", ttl), nullptr) << "the dead holder's lease must still hold";
    std::unique_ptr<Lease> lease;
    auto limit = acquired_by + ttl + std::chrono::milliseconds(1500);
    while (!(lease = store.try_acquire("held", ttl)) && Clock::now() < limit) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_NE(lease, nullptr) << "the lease of a dead holder must expire within its TTL";
    EXPECT_LE(Clock::now() - acquired_by, ttl + std::chrono::milliseconds(1500));
}

} // namespace authflow::test

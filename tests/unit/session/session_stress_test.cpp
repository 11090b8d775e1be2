// 64 threads calling get_access_token through several expiries: exactly one refresh per expiry
// (meant to run under ThreadSanitizer too: `cmake --preset tsan`).
#include "unit/session/fake_oauth_server.hpp"
#include "unit/session/session_test_util.hpp"

#include <authflow/session/session_manager.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace authflow {
namespace {

using namespace std::chrono_literals;

struct StressResult {
    int refreshes = 0;
    int invalid_grants = 0;
    int errors = 0;
    /// Per round, the distinct tokens the threads were given.
    std::vector<std::set<std::string>> tokens_per_round;
    bool every_token_active = true;
};

/// `threads` threads call get_access_token `calls` times per round; between rounds the clock
/// moves past the refresh time (the scheduler may refresh at the same moment).
StressResult run_stress(bool single_flight, int threads, int rounds, int calls) {
    auto clock = std::make_shared<ManualClock>();
    test::FakeOAuthServer server{clock};
    auto store = std::make_shared<test::CountingStore>(clock);
    auto scheduler = std::make_shared<RefreshScheduler>(RefreshSchedulerOptions{clock, 4});
    SessionManagerOptions options;
    options.session_key = "stress";
    options.clock = clock;
    options.scheduler = scheduler;
    options.retry.jitter = 0;
    options.retry.max_attempts = 1;
    options.testing_disable_single_flight = !single_flight;
    SessionManager session(server.provider(), store, options);
    session.save_tokens(server.sign_in());
    std::mutex gate_mutex;
    std::condition_variable gate_cv;
    int arrived = 0;
    if (!single_flight) {
        // Make the race certain: the first request waits (bounded) for a second one.
        server.set_gate([&] {
            std::unique_lock lock(gate_mutex);
            ++arrived;
            gate_cv.notify_all();
            gate_cv.wait_for(lock, 10s, [&] { return arrived >= 2; });
        });
    }

    StressResult result;
    result.tokens_per_round.resize(static_cast<std::size_t>(rounds));
    std::mutex mutex;
    std::barrier sync(threads + 1);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            for (int round = 0; round < rounds; ++round) {
                sync.arrive_and_wait(); // the clock has moved: the token is due
                std::set<std::string> seen;
                int errors = 0;
                for (int i = 0; i < calls; ++i) {
                    try {
                        seen.insert(session.get_access_token());
                    } catch (const Error&) {
                        ++errors;
                    }
                }
                {
                    std::lock_guard lock(mutex);
                    result.tokens_per_round[static_cast<std::size_t>(round)].insert(seen.begin(),
                                                                                    seen.end());
                    result.errors += errors;
                }
                sync.arrive_and_wait();
            }
        });
    }
    for (int round = 0; round < rounds; ++round) {
        clock->advance(540s); // 60 s left of 600: due
        sync.arrive_and_wait();
        sync.arrive_and_wait();
        // Every token given out in this round must be accepted by the provider.
        for (const auto& token : result.tokens_per_round[static_cast<std::size_t>(round)]) {
            result.every_token_active = result.every_token_active && server.is_active(token);
        }
    }
    for (auto& worker : workers) {
        worker.join();
    }
    result.refreshes = server.refreshes();
    result.invalid_grants = server.invalid_grants();
    return result;
}

TEST(SessionStress, SixtyFourThreadsRefreshOncePerExpiry) {
    constexpr int rounds = 5;
    const auto result = run_stress(true, 64, rounds, 50);
    EXPECT_EQ(result.refreshes, rounds);
    EXPECT_EQ(result.invalid_grants, 0);
    EXPECT_EQ(result.errors, 0);
    EXPECT_TRUE(result.every_token_active);
    for (const auto& tokens : result.tokens_per_round) {
        EXPECT_EQ(tokens.size(), 1u); // everyone got the one refreshed token
    }
}

// Proves the test above can fail: without single-flight the same expiries cause many refreshes
// with the same rotating token, which the provider answers with invalid_grant.
TEST(SessionStress, WithoutSingleFlightTheStressTestFails) {
    const auto result = run_stress(false, 64, 2, 5);
    EXPECT_GT(result.refreshes + result.invalid_grants, 2);
    EXPECT_FALSE(result.refreshes == 2 && result.invalid_grants == 0 && result.errors == 0 &&
                 result.every_token_active);
}

} // namespace
} // namespace authflow

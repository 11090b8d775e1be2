// SingleFlight: one caller does the work; callers that come meanwhile share its result or its
// error, or run again when its request does not cover theirs.
#include "session/single_flight.hpp"

#include <authflow/core/errors.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace authflow::session_detail {
namespace {

using Flights = SingleFlight<int, int>;

/// Lets the leader's work finish only once `joiners` callers are about to wait for it.
struct Gate {
    std::mutex mutex;
    std::condition_variable cv;
    int covered = 0;

    bool covers(int theirs, int mine) {
        {
            std::lock_guard lock(mutex);
            ++covered;
        }
        cv.notify_all();
        return theirs >= mine;
    }
    /// Bounded, so that a flight nobody joins fails the test instead of hanging it.
    void wait_for_joiners(int joiners) {
        std::unique_lock lock(mutex);
        cv.wait_for(lock, std::chrono::seconds{10}, [&] { return covered >= joiners; });
    }
};

TEST(SingleFlight, AReadyResultAnswersWithoutWork) {
    Flights flights;
    int work = 0;
    auto result = flights.run(
        1, [] { return std::make_shared<const int>(7); }, [](int, int) { return true; },
        [&](int) {
            ++work;
            return std::make_shared<const int>(0);
        });
    EXPECT_EQ(*result, 7);
    EXPECT_EQ(work, 0);
}

TEST(SingleFlight, CallersDuringAFlightShareItsResult) {
    Flights flights;
    Gate gate;
    std::atomic<int> work{0};
    constexpr int joiners = 4;
    std::vector<int> results(joiners + 1);
    auto call = [&](int index) {
        results[index] = *flights.run(
            1, [] { return std::shared_ptr<const int>{}; },
            [&](int theirs, int mine) { return gate.covers(theirs, mine); },
            [&](int) {
                ++work;
                gate.wait_for_joiners(joiners);
                return std::make_shared<const int>(42);
            });
    };
    // Whichever caller leads waits in its work until the four others have joined.
    std::vector<std::thread> callers;
    for (int i = 0; i <= joiners; ++i) {
        callers.emplace_back(call, i);
    }
    for (auto& caller : callers) {
        caller.join();
    }
    EXPECT_EQ(work, 1);
    EXPECT_EQ(results, std::vector<int>(joiners + 1, 42));
}

TEST(SingleFlight, CallersDuringAFlightGetACopyOfItsError) {
    Flights flights;
    Gate gate;
    std::atomic<int> work{0};
    std::atomic<int> errors{0};
    auto call = [&] {
        try {
            flights.run(
                1, [] { return std::shared_ptr<const int>{}; },
                [&](int theirs, int mine) { return gate.covers(theirs, mine); },
                [&](int) -> std::shared_ptr<const int> {
                    ++work;
                    gate.wait_for_joiners(1);
                    throw TokenRefreshError(errc::reauth_required, "refused");
                });
        } catch (const TokenRefreshError& e) {
            if (e.code() == errc::reauth_required) {
                ++errors;
            }
        }
    };
    std::thread first(call);
    std::thread second(call);
    first.join();
    second.join();
    EXPECT_EQ(work, 1);
    EXPECT_EQ(errors, 2);
}

TEST(SingleFlight, ARequestTheFlightDoesNotCoverRunsAgainAfterIt) {
    Flights flights;
    Gate gate;
    std::atomic<int> work{0};
    auto call = [&](int request) {
        return *flights.run(
            request, [] { return std::shared_ptr<const int>{}; },
            [&](int theirs, int mine) { return gate.covers(theirs, mine); },
            [&](int mine) {
                if (++work == 1) {
                    gate.wait_for_joiners(1);
                }
                return std::make_shared<const int>(mine);
            });
    };
    int small = 0;
    int large = 0;
    // Whichever leads, the caller with 2 is not covered by a flight for 1, and the caller with 1
    // is covered by a flight for 2; both orders end with each result right.
    std::thread a([&] { small = call(1); });
    std::thread b([&] { large = call(2); });
    a.join();
    b.join();
    EXPECT_EQ(large, 2);
    EXPECT_TRUE(small == 1 || small == 2);
    EXPECT_EQ(work, small == 2 ? 1 : 2);
}

} // namespace
} // namespace authflow::session_detail

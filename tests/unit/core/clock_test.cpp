// Clocks: the manual clock moves only when told to and wakes waiters; the system clock waits.
#include <authflow/core/clock.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

namespace authflow {
namespace {

using namespace std::chrono_literals;

/// Spins (without sleeping) until `count` waiters block on the clock; false after 10 s.
bool await_waiters(const ManualClock& clock, std::size_t count) {
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while (clock.waiters() != count) {
        if (std::chrono::steady_clock::now() > give_up) {
            return false;
        }
        std::this_thread::yield();
    }
    return true;
}

TEST(Clock, ManualClockStartsAt2026) {
    const ManualClock clock;
    EXPECT_EQ(clock.now(), Clock::wall_time{std::chrono::seconds{1767225600}});
    EXPECT_DOUBLE_EQ(clock.unix_seconds(), 1767225600.0);
    EXPECT_EQ(clock.waiters(), 0u);

    const ManualClock other{Clock::wall_time{std::chrono::seconds{1000}}};
    EXPECT_DOUBLE_EQ(other.unix_seconds(), 1000.0);
}

TEST(Clock, ManualClockMovesOnlyWhenAdvanced) {
    ManualClock clock;
    const auto wall = clock.now();
    const auto steady = clock.steady_now();
    EXPECT_EQ(clock.now(), wall);
    EXPECT_EQ(clock.steady_now(), steady);
    clock.advance(90s);
    EXPECT_EQ(clock.now() - wall, 90s);
    EXPECT_EQ(clock.steady_now() - steady, 90s);
    clock.advance(1500ms);
    EXPECT_DOUBLE_EQ(clock.unix_seconds(), 1767225600.0 + 91.5);
}

TEST(Clock, SetWallLeavesSteadyTime) {
    ManualClock clock;
    const auto steady = clock.steady_now();
    clock.set_wall(Clock::wall_time{std::chrono::seconds{5}});
    EXPECT_DOUBLE_EQ(clock.unix_seconds(), 5.0);
    EXPECT_EQ(clock.steady_now(), steady);
    clock.set_wall(Clock::wall_time{std::chrono::seconds{1767225600 * 2LL}});
    EXPECT_EQ(clock.steady_now(), steady);
}

TEST(Clock, AdvanceWakesAWaiterFromAnotherThread) {
    ManualClock clock;
    std::mutex mutex;
    std::condition_variable cv;
    const auto target = clock.steady_now() + 30s;
    auto waiter = std::async(std::launch::async, [&] {
        std::unique_lock lock(mutex);
        // The condition depends on time alone: only the clock's wake-up can end this wait.
        return clock.wait_until(lock, cv, clock.steady_now() + 3600s,
                                [&] { return clock.steady_now() >= target; });
    });
    ASSERT_TRUE(await_waiters(clock, 1));
    clock.advance(30s);
    ASSERT_EQ(waiter.wait_for(10s), std::future_status::ready) << "advance did not wake the waiter";
    EXPECT_TRUE(waiter.get());
    EXPECT_EQ(clock.waiters(), 0u);
}

TEST(Clock, ManualDeadlineIsHonoured) {
    ManualClock clock;
    std::mutex mutex;
    std::condition_variable cv;
    const auto deadline = clock.steady_now() + 10s;
    auto waiter = std::async(std::launch::async, [&] {
        std::unique_lock lock(mutex);
        const bool ready = clock.wait_until(lock, cv, deadline, [] { return false; });
        return std::pair{ready, clock.steady_now()};
    });
    ASSERT_TRUE(await_waiters(clock, 1));
    clock.advance(5s); // wakes the waiter, which must go back to waiting
    clock.advance(6s);
    ASSERT_EQ(waiter.wait_for(10s), std::future_status::ready) << "deadline not honoured";
    const auto [ready, returned_at] = waiter.get();
    EXPECT_FALSE(ready);
    EXPECT_GE(returned_at, deadline);
}

TEST(Clock, ManualWaitEndsWhenReady) {
    ManualClock clock;
    std::mutex mutex;
    std::condition_variable cv;
    bool flag = false;
    auto waiter = std::async(std::launch::async, [&] {
        std::unique_lock lock(mutex);
        return clock.wait_until(lock, cv, clock.steady_now() + 60s, [&] { return flag; });
    });
    ASSERT_TRUE(await_waiters(clock, 1));
    {
        std::lock_guard guard(mutex);
        flag = true;
    }
    cv.notify_all();
    ASSERT_EQ(waiter.wait_for(10s), std::future_status::ready);
    EXPECT_TRUE(waiter.get());
}

TEST(Clock, ManualWaitWithPastDeadlineReturnsAtOnce) {
    ManualClock clock;
    std::mutex mutex;
    std::condition_variable cv;
    std::unique_lock lock(mutex);
    EXPECT_FALSE(clock.wait_until(lock, cv, clock.steady_now(), [] { return false; }));
    EXPECT_TRUE(clock.wait_until(lock, cv, clock.steady_now() - 1s, [] { return true; }));
    EXPECT_TRUE(lock.owns_lock());
}

TEST(Clock, AdvanceWakesEveryWaiter) {
    ManualClock clock;
    std::mutex m1;
    std::mutex m2;
    std::condition_variable cv1;
    std::condition_variable cv2;
    const auto deadline = clock.steady_now() + 10s;
    auto wait_on = [&](std::mutex& m, std::condition_variable& cv) {
        return std::async(std::launch::async, [&] {
            std::unique_lock lock(m);
            return clock.wait_until(lock, cv, deadline, [] { return false; });
        });
    };
    auto a = wait_on(m1, cv1);
    auto b = wait_on(m2, cv2);
    ASSERT_TRUE(await_waiters(clock, 2));
    clock.advance(10s);
    ASSERT_EQ(a.wait_for(10s), std::future_status::ready);
    ASSERT_EQ(b.wait_for(10s), std::future_status::ready);
    EXPECT_FALSE(a.get());
    EXPECT_FALSE(b.get());
}

TEST(Clock, SystemClockIsShared) {
    EXPECT_EQ(&system_clock(), &system_clock());
    const auto before = std::chrono::system_clock::now();
    const auto now = system_clock().now();
    const auto after = std::chrono::system_clock::now();
    EXPECT_LE(before, now);
    EXPECT_LE(now, after);
    EXPECT_GT(system_clock().unix_seconds(), 1.7e9);
}

TEST(Clock, SystemClockWaitReturnsWhenReady) {
    std::mutex mutex;
    std::condition_variable cv;
    bool flag = false;
    const auto started = std::chrono::steady_clock::now();
    std::thread setter([&] {
        std::lock_guard guard(mutex);
        flag = true;
        cv.notify_all();
    });
    bool ready = false;
    {
        std::unique_lock lock(mutex);
        ready = system_clock().wait_until(lock, cv, system_clock().steady_now() + 60s,
                                          [&] { return flag; });
    }
    setter.join();
    EXPECT_TRUE(ready);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
}

TEST(Clock, SystemClockDeadline) {
    std::mutex mutex;
    std::condition_variable cv;
    std::unique_lock lock(mutex);
    const auto deadline = system_clock().steady_now() + 5ms;
    EXPECT_FALSE(system_clock().wait_until(lock, cv, deadline, [] { return false; }));
    EXPECT_GE(system_clock().steady_now(), deadline);
    EXPECT_TRUE(lock.owns_lock());
}

} // namespace
} // namespace authflow

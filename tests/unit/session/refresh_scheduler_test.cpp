// RefreshScheduler driven by a ManualClock: due times, order, cancellation, bounded workers,
// a slow task beside others, clean stop.
#include "unit/session/session_test_util.hpp"

#include <authflow/session/refresh_scheduler.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <vector>

namespace authflow {
namespace {

using namespace std::chrono_literals;

/// Records when tasks ran (clock time) and lets a test wait for them.
class Runs {
public:
    explicit Runs(std::shared_ptr<Clock> clock) : clock_(std::move(clock)) {}
    std::function<void()> task(int id) {
        return [this, id] {
            std::lock_guard lock(mutex_);
            order_.push_back(id);
            times_.push_back(clock_->steady_now());
            cv_.notify_all();
        };
    }
    bool wait(std::size_t n) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, 30s, [&] { return order_.size() >= n; });
    }
    std::vector<int> order() {
        std::lock_guard lock(mutex_);
        return order_;
    }
    std::vector<Clock::steady_time> times() {
        std::lock_guard lock(mutex_);
        return times_;
    }

private:
    std::shared_ptr<Clock> clock_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<int> order_;
    std::vector<Clock::steady_time> times_;
};

/// A latch a task blocks on until the test opens it.
class Gate {
public:
    void wait() {
        std::unique_lock lock(mutex_);
        ++waiting_;
        cv_.notify_all();
        cv_.wait(lock, [&] { return open_; });
    }
    bool wait_for_waiting(int n) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, 30s, [&] { return waiting_ >= n; });
    }
    void open() {
        std::lock_guard lock(mutex_);
        open_ = true;
        cv_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    int waiting_ = 0;
    bool open_ = false;
};

TEST(RefreshScheduler, NoThreadUntilTheFirstTask) {
    auto clock = std::make_shared<ManualClock>();
    RefreshScheduler scheduler({clock, 2});
    EXPECT_EQ(scheduler.workers(), 0u);
    EXPECT_EQ(clock->waiters(), 0u);
    EXPECT_EQ(scheduler.pending(), 0u);
}

TEST(RefreshScheduler, RunsATaskExactlyWhenItIsDue) {
    auto clock = std::make_shared<ManualClock>();
    Runs runs(clock);
    RefreshScheduler scheduler({clock, 2});
    const auto start = clock->steady_now();
    scheduler.schedule_after(10s, runs.task(1));
    EXPECT_EQ(scheduler.next_due(), start + 10s);
    ASSERT_TRUE(test::wait_for_waiters(clock, 1));
    clock->advance(9s);
    clock->advance(999ms);
    clock->advance(1ms);
    ASSERT_TRUE(runs.wait(1));
    EXPECT_EQ(runs.times().at(0), start + 10s);
    EXPECT_EQ(scheduler.pending(), 0u);
}

TEST(RefreshScheduler, RunsTasksInDueOrder) {
    auto clock = std::make_shared<ManualClock>();
    Runs runs(clock);
    RefreshScheduler scheduler({clock, 1});
    scheduler.schedule_after(30s, runs.task(3));
    scheduler.schedule_after(10s, runs.task(1));
    scheduler.schedule_after(20s, runs.task(2));
    scheduler.schedule_after(-5s, runs.task(0)); // already due
    ASSERT_TRUE(runs.wait(1));
    for (int i = 0; i < 3; ++i) {
        clock->advance(10s);
        ASSERT_TRUE(runs.wait(static_cast<std::size_t>(i) + 2));
    }
    EXPECT_EQ(runs.order(), (std::vector<int>{0, 1, 2, 3}));
}

TEST(RefreshScheduler, CancelledTaskNeverRuns) {
    auto clock = std::make_shared<ManualClock>();
    Runs runs(clock);
    RefreshScheduler scheduler({clock, 1});
    const auto cancelled = scheduler.schedule_after(5s, runs.task(1));
    scheduler.schedule_after(10s, runs.task(2));
    EXPECT_TRUE(scheduler.cancel(cancelled));
    EXPECT_FALSE(scheduler.cancel(cancelled));
    EXPECT_FALSE(scheduler.cancel(12345));
    clock->advance(10s);
    ASSERT_TRUE(runs.wait(1));
    EXPECT_EQ(runs.order(), (std::vector<int>{2}));
}

TEST(RefreshScheduler, ASlowTaskDoesNotDelayOthers) {
    auto clock = std::make_shared<ManualClock>();
    Runs runs(clock);
    Gate gate;
    RefreshScheduler scheduler({clock, 2});
    scheduler.schedule_after(1s, [&] { gate.wait(); });
    scheduler.schedule_after(2s, runs.task(1));
    clock->advance(1s);
    ASSERT_TRUE(gate.wait_for_waiting(1));
    clock->advance(1s);
    ASSERT_TRUE(runs.wait(1)); // while the first task still hangs
    EXPECT_TRUE(test::eventually([&] { return scheduler.running() == 1; }));
    gate.open();
}

TEST(RefreshScheduler, WorkersAreBounded) {
    auto clock = std::make_shared<ManualClock>();
    Gate gate;
    RefreshScheduler scheduler({clock, 2});
    for (int i = 0; i < 4; ++i) {
        scheduler.schedule_after(0s, [&] { gate.wait(); });
    }
    ASSERT_TRUE(gate.wait_for_waiting(2));
    EXPECT_EQ(scheduler.workers(), 2u);
    EXPECT_EQ(scheduler.running(), 2u);
    EXPECT_EQ(scheduler.pending(), 2u); // waiting for a free worker
    gate.open();
    ASSERT_TRUE(test::eventually([&] { return scheduler.pending() + scheduler.running() == 0; }));
    EXPECT_EQ(scheduler.workers(), 2u);
}

TEST(RefreshScheduler, CancelAndWaitWaitsForARunningTask) {
    auto clock = std::make_shared<ManualClock>();
    Gate gate;
    std::atomic<bool> finished{false};
    RefreshScheduler scheduler({clock, 1});
    const auto id = scheduler.schedule_after(0s, [&] {
        gate.wait();
        finished = true;
    });
    ASSERT_TRUE(gate.wait_for_waiting(1));
    EXPECT_FALSE(scheduler.cancel(id)); // running: plain cancel does not wait
    auto waited = std::async(std::launch::async, [&] {
        scheduler.cancel_and_wait(id);
        return finished.load();
    });
    gate.open();
    EXPECT_TRUE(waited.get());
}

TEST(RefreshScheduler, ATaskMayCancelAndRescheduleItself) {
    auto clock = std::make_shared<ManualClock>();
    Runs runs(clock);
    RefreshScheduler scheduler({clock, 1});
    std::atomic<RefreshScheduler::TaskId> self{0};
    std::atomic<bool> rescheduled{false};
    self = scheduler.schedule_after(1s, [&] {
        EXPECT_FALSE(scheduler.cancel_and_wait(self)); // must not wait for itself
        scheduler.schedule_after(1s, runs.task(2));
        rescheduled = true;
    });
    clock->advance(1s);
    ASSERT_TRUE(test::eventually([&] { return rescheduled.load(); }));
    clock->advance(1s);
    ASSERT_TRUE(runs.wait(1));
}

TEST(RefreshScheduler, AThrowingTaskDoesNotStopTheScheduler) {
    auto clock = std::make_shared<ManualClock>();
    Runs runs(clock);
    RefreshScheduler scheduler({clock, 1});
    scheduler.schedule_after(1s, [] { throw std::runtime_error("task failure"); });
    scheduler.schedule_after(2s, runs.task(1));
    clock->advance(2s);
    ASSERT_TRUE(runs.wait(1));
}

TEST(RefreshScheduler, StopDropsPendingTasksAndJoins) {
    auto clock = std::make_shared<ManualClock>();
    Runs runs(clock);
    Gate gate;
    RefreshScheduler scheduler({clock, 2});
    scheduler.schedule_after(0s, [&] { gate.wait(); });
    scheduler.schedule_after(10s, runs.task(1));
    ASSERT_TRUE(gate.wait_for_waiting(1));
    auto stopped = std::async(std::launch::async, [&] { scheduler.stop(); });
    gate.open(); // stop waits for the running task
    stopped.get();
    EXPECT_EQ(scheduler.pending(), 0u);
    clock->advance(20s);
    EXPECT_TRUE(runs.order().empty());
    EXPECT_EQ(clock->waiters(), 0u); // the timekeeper is gone
    EXPECT_EQ(test::error_code_of([&] { scheduler.schedule_after(1s, runs.task(2)); }),
              errc::invalid_argument);
    scheduler.stop(); // twice is fine
}

TEST(RefreshScheduler, SharedSchedulerIsOneInstanceWhileUsed) {
    auto a = RefreshScheduler::shared();
    auto b = RefreshScheduler::shared();
    EXPECT_EQ(a.get(), b.get());
    EXPECT_EQ(&a->clock(), &system_clock());
}

} // namespace
} // namespace authflow

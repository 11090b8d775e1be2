// The reverse proxy's thread cache: threads are reused, and a task never waits for another.
#include "gateway/reverse_proxy_threads.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>

namespace authflow::gateway {
namespace {

using namespace std::chrono_literals;

/// Waits (yielding, at most 10 s) until every thread of `cache` waits for a task.
bool all_idle(const ThreadCache& cache) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (cache.idle_count() != cache.thread_count()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::yield();
    }
    return true;
}

TEST(ReverseProxyThreads, ReusesAnIdleThread) {
    ThreadCache cache;
    std::thread::id first;
    for (int i = 0; i < 20; ++i) {
        std::promise<std::thread::id> ran;
        cache.run([&ran] { ran.set_value(std::this_thread::get_id()); });
        auto id = ran.get_future();
        ASSERT_EQ(id.wait_for(10s), std::future_status::ready);
        const auto ran_on = id.get();
        EXPECT_NE(ran_on, std::this_thread::get_id());
        if (i == 0) {
            first = ran_on;
        }
        EXPECT_EQ(ran_on, first) << i; // the one idle thread, every time
        ASSERT_TRUE(all_idle(cache));
    }
    EXPECT_EQ(cache.thread_count(), 1u);
}

TEST(ReverseProxyThreads, ATaskNeverWaitsForABusyOne) {
    ThreadCache cache;
    std::promise<void> second_ran;
    std::promise<void> release_first;
    auto first_may_end = release_first.get_future().share();
    cache.run([first_may_end] { first_may_end.wait_for(10s); });
    cache.run([&second_ran] { second_ran.set_value(); });
    // The first task blocks until the second has run: with one shared thread this times out.
    EXPECT_EQ(second_ran.get_future().wait_for(10s), std::future_status::ready);
    release_first.set_value();
    EXPECT_EQ(cache.thread_count(), 2u);
}

TEST(ReverseProxyThreads, DestructionWaitsForRunningTasks) {
    bool finished = false;
    std::promise<void> started;
    {
        ThreadCache cache;
        cache.run([&] {
            started.set_value();
            finished = true;
        });
        started.get_future().wait();
    }
    EXPECT_TRUE(finished);
}

} // namespace
} // namespace authflow::gateway

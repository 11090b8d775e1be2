#pragma once
// Reused threads for the reverse proxy's upstream exchanges: starting a thread per request costs
// tens of microseconds, a large share of a small proxied request.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace authflow::gateway {

/// Runs each task on an idle thread, or on a new one when none is idle (a task never waits for
/// another to finish: exchanges wait on each other's pipes). Threads stay for reuse until the
/// cache is destroyed, which waits for the running tasks. Safe to use from several threads; a
/// task must not destroy the cache.
class ThreadCache {
public:
    ThreadCache() = default;
    ThreadCache(const ThreadCache&) = delete;
    ThreadCache& operator=(const ThreadCache&) = delete;

    ~ThreadCache() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        for (auto& thread : threads_) {
            thread.join();
        }
    }

    /// Throws std::system_error when no thread can be started.
    void run(std::function<void()> task) {
        std::lock_guard lock(mutex_);
        tasks_.push_back(std::move(task));
        if (idle_ >= tasks_.size()) {
            wake_.notify_one();
            return;
        }
        try {
            threads_.emplace_back([this] { work(); });
        } catch (...) {
            tasks_.pop_back();
            throw;
        }
    }

    /// How many threads were started, and how many of them wait for a task (for tests).
    std::size_t thread_count() const {
        std::lock_guard lock(mutex_);
        return threads_.size();
    }
    std::size_t idle_count() const {
        std::lock_guard lock(mutex_);
        return idle_;
    }

private:
    void work() {
        std::unique_lock lock(mutex_);
        for (;;) {
            ++idle_;
            wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
            --idle_;
            if (tasks_.empty()) {
                return; // stopping, nothing left
            }
            auto task = std::move(tasks_.front());
            tasks_.pop_front();
            lock.unlock();
            task();
            task = nullptr; // its captures go before the lock is taken again
            lock.lock();
        }
    }

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> tasks_;
    std::vector<std::thread> threads_;
    std::size_t idle_ = 0;
    bool stopping_ = false;
};

} // namespace authflow::gateway

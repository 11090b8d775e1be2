#pragma once
// ClosableWait: waits on the injected Clock that closing a session cuts short (not installed).

#include <authflow/core/clock.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace authflow::session_detail {

/// Waits on a Clock (a ManualClock wakes them when advanced) until close() ends every wait, now
/// and later. Safe to use from several threads.
class ClosableWait {
public:
    /// Waits `delay` on `clock`. Returns false when closed (before or meanwhile).
    bool wait_for(Clock& clock, std::chrono::milliseconds delay) {
        std::unique_lock lock(mutex_);
        const auto deadline = clock.steady_now() + delay;
        clock.wait_until(lock, cv_, deadline, [this] { return is_closed_; });
        return !is_closed_;
    }

    /// Ends every wait, and every later one at once.
    void close() {
        {
            std::lock_guard lock(mutex_);
            is_closed_ = true;
        }
        cv_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool is_closed_ = false;
};

} // namespace authflow::session_detail

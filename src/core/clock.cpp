#include <authflow/core/clock.hpp>

#include <algorithm>
#include <utility>

namespace authflow {

double Clock::unix_seconds() const {
    return std::chrono::duration<double>(now().time_since_epoch()).count();
}

Clock::wall_time SystemClock::now() const {
    return std::chrono::system_clock::now();
}

Clock::steady_time SystemClock::steady_now() const {
    return std::chrono::steady_clock::now();
}

bool SystemClock::wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                             steady_time deadline, const std::function<bool()>& ready) {
    return cv.wait_until(lock, deadline, ready);
}

std::shared_ptr<Clock> system_clock_ptr() {
    static const std::shared_ptr<Clock> clock = std::make_shared<SystemClock>();
    return clock;
}

Clock& system_clock() {
    static Clock& clock = *system_clock_ptr();
    return clock;
}

std::shared_ptr<Clock> clock_or_system(std::shared_ptr<Clock> clock) {
    return clock ? std::move(clock) : system_clock_ptr();
}

ManualClock::ManualClock(wall_time start)
    : wall_ns_(
          std::chrono::duration_cast<std::chrono::nanoseconds>(start.time_since_epoch()).count()),
      steady_ns_(
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::hours{1000}).count()) {}

Clock::wall_time ManualClock::now() const {
    return wall_time{
        std::chrono::duration_cast<wall_time::duration>(std::chrono::nanoseconds{wall_ns_.load()})};
}

Clock::steady_time ManualClock::steady_now() const {
    return steady_time{std::chrono::duration_cast<steady_time::duration>(
        std::chrono::nanoseconds{steady_ns_.load()})};
}

// Lock order is always waiters_mutex_ before a waiter's mutex: a waiter never holds its own
// mutex while it takes waiters_mutex_, and advance() locks each waiter's mutex before notifying
// so that a waiter between its check and its wait cannot miss the wake-up.
bool ManualClock::wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                             steady_time deadline, const std::function<bool()>& ready) {
    if (ready()) {
        return true;
    }
    lock.unlock();
    {
        std::lock_guard guard(waiters_mutex_);
        waiters_.push_back({lock.mutex(), &cv});
    }
    lock.lock();
    while (!ready() && steady_now() < deadline) {
        cv.wait(lock);
    }
    bool result = ready();
    lock.unlock();
    {
        std::lock_guard guard(waiters_mutex_);
        auto it = std::find_if(waiters_.begin(), waiters_.end(),
                               [&](const Waiter& w) { return w.cv == &cv; });
        if (it != waiters_.end()) {
            waiters_.erase(it);
        }
    }
    lock.lock();
    return result;
}

void ManualClock::advance(std::chrono::nanoseconds by) {
    std::lock_guard guard(waiters_mutex_);
    wall_ns_ += by.count();
    steady_ns_ += by.count();
    for (const auto& waiter : waiters_) {
        std::lock_guard waiter_guard(*waiter.mutex);
        waiter.cv->notify_all();
    }
}

void ManualClock::set_wall(wall_time to) {
    std::lock_guard guard(waiters_mutex_);
    wall_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(to.time_since_epoch()).count();
    for (const auto& waiter : waiters_) {
        std::lock_guard waiter_guard(*waiter.mutex);
        waiter.cv->notify_all();
    }
}

std::size_t ManualClock::waiters() const {
    std::lock_guard guard(waiters_mutex_);
    return waiters_.size();
}

} // namespace authflow

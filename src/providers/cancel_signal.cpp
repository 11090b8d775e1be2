// CancelSignal: cancels a blocking wait (device-flow polling) from another thread.
#include <authflow/providers/oauth_provider.hpp>

namespace authflow {

void CancelSignal::cancel() {
    {
        std::lock_guard lock(mutex_);
        cancelled_ = true;
    }
    cv_.notify_all();
}

bool CancelSignal::cancelled() const {
    std::lock_guard lock(mutex_);
    return cancelled_;
}

bool CancelSignal::wait_until(Clock& clock, Clock::steady_time deadline) {
    std::unique_lock lock(mutex_);
    return clock.wait_until(lock, cv_, deadline, [this] { return cancelled_; });
}

} // namespace authflow

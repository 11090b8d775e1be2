#include "lease_renewer.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>

#include <algorithm>
#include <exception>
#include <utility>

namespace authflow::session_detail {

LeaseRenewer::LeaseRenewer(Lease& lease, std::chrono::milliseconds ttl, Clock& clock,
                           std::string what, bool& failed)
    : lease_(lease), ttl_(ttl), clock_(clock), what_(std::move(what)), failed_(failed),
      thread_([this] { run(); }) {}

LeaseRenewer::~LeaseRenewer() {
    {
        std::lock_guard lock(mutex_);
        is_stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
    if (has_failed_) {
        failed_ = true;
    }
}

bool LeaseRenewer::has_failed() const {
    std::lock_guard lock(mutex_);
    return has_failed_;
}

std::chrono::milliseconds LeaseRenewer::interval_for(std::chrono::milliseconds ttl) {
    return std::max(ttl / 3, std::chrono::milliseconds{1});
}

void LeaseRenewer::run() {
    const auto interval = interval_for(ttl_);
    std::unique_lock lock(mutex_);
    while (true) {
        const auto next = clock_.steady_now() + interval;
        if (clock_.wait_until(lock, wake_, next, [this] { return is_stopping_; })) {
            return;
        }
        // No lock held across the store's I/O: the destructor can ask to stop meanwhile.
        lock.unlock();
        bool is_failed = false;
        bool is_gone = false;
        try {
            lease_.renew(ttl_);
        } catch (const StoreError& e) {
            is_failed = true;
            is_gone = e.code() == errc::lease_lost;
            log(LogLevel::warning,
                "lease '" + what_ + "' could not be renewed while its holder waits: " + e.what());
        } catch (const std::exception& e) {
            is_failed = true; // nothing may escape the thread
            log(LogLevel::warning, "lease '" + what_ + "' could not be renewed: " + e.what());
        }
        lock.lock();
        if (is_failed) {
            has_failed_ = true;
        }
        if (is_gone) {
            return; // another holder may have it now: renewing cannot bring it back
        }
    }
}

} // namespace authflow::session_detail

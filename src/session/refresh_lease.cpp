#include "refresh_lease.hpp"

#include <authflow/core/crypto.hpp>

#include <string_view>
#include <utility>

namespace authflow::session_detail {

RefreshLease::RefreshLease(TokenStore& store, std::string name, std::chrono::milliseconds ttl,
                           bool is_used, Clock& clock)
    : store_(store), name_(std::move(name)), ttl_(ttl), clock_(clock),
      state_(is_used ? LeaseState::not_taken : LeaseState::unused) {}

LeaseState RefreshLease::try_take() {
    if (state_ == LeaseState::unused || state_ == LeaseState::held) {
        return state_;
    }
    lease_ = store_.try_acquire(name_, ttl_);
    state_ = lease_ ? LeaseState::held : LeaseState::busy;
    return state_;
}

bool RefreshLease::take_by(Clock::steady_time deadline, const Clock& clock,
                           const std::function<void()>& wait) {
    while (try_take() == LeaseState::busy) {
        if (clock.steady_now() >= deadline) {
            return false;
        }
        wait();
    }
    return true;
}

bool RefreshLease::save(const std::string& key, const OAuthTokenSet& tokens) {
    if (state_ == LeaseState::unused) {
        store_.save(key, tokens);
        return true;
    }
    return lease_ && store_.save_if_held(*lease_, key, tokens);
}

std::string RefreshLease::name_for(const std::string& key) {
    // Lease names are separate from record keys; the prefix keeps them apart from other leases.
    constexpr std::string_view prefix = "session-refresh:";
    if (key.size() + prefix.size() <= 512) {
        return std::string{prefix} + key;
    }
    return std::string{prefix} + to_hex(sha256(key));
}

} // namespace authflow::session_detail

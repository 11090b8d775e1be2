#include "refresh_lease.hpp"

#include <utility>

namespace authflow::session_detail {

RefreshLease::RefreshLease(TokenStore& store, std::string name, std::chrono::milliseconds ttl,
                           bool is_used)
    : store_(store), name_(std::move(name)), ttl_(ttl),
      state_(is_used ? LeaseState::not_taken : LeaseState::unused) {}

LeaseState RefreshLease::try_take() {
    if (state_ == LeaseState::unused || state_ == LeaseState::held) {
        return state_;
    }
    lease_ = store_.try_acquire(name_, ttl_);
    state_ = lease_ ? LeaseState::held : LeaseState::busy;
    return state_;
}

void RefreshLease::before_save() {}

} // namespace authflow::session_detail

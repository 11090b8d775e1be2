#pragma once
// RefreshLease: the cross-process refresh lease of a session, held for one scope (not
// installed).

#include "refresh_decision.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/core/token_set.hpp>
#include <authflow/store/token_store.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>

namespace authflow::session_detail {

/// The store's refresh lease of one session for the length of a scope: one refresh attempt, or
/// a logout. It is released when the scope ends, on every path (a return, a throw, a wait
/// between attempts starts a new scope), so no path can leave it held.
///
/// The token request and the save made under the lease go through it (while_held, save), so
/// that renewing the lease while a refresh is in flight (the request can outlast the TTL) and
/// saving only while it is still held (a fencing token) each have one place: this class.
///
/// Not safe to use from several threads: one scope, on the thread that leads the refresh.
class RefreshLease {
public:
    /// `is_used` false (single-flight off, test-only): the lease is never taken.
    RefreshLease(TokenStore& store, std::string name, std::chrono::milliseconds ttl, bool is_used);
    RefreshLease(const RefreshLease&) = delete;
    RefreshLease& operator=(const RefreshLease&) = delete;

    /// unused, not_taken (not tried, or released), busy (the last try failed) or held.
    LeaseState state() const noexcept { return state_; }

    /// The name of the refresh lease of session `key`.
    static std::string name_for(const std::string& key);

    /// Tries once to take the lease (TokenStore::try_acquire). Returns the new state, held or
    /// busy; unused when the lease is not used. Throws StoreError.
    LeaseState try_take();

    /// Takes the lease, trying again after each `wait()` until steady time reaches `deadline`.
    /// Returns false when it could not be taken by then; true when held, or unused. Throws
    /// StoreError, and what `wait` throws.
    bool take_by(Clock::steady_time deadline, const Clock& clock,
                 const std::function<void()>& wait);

    /// Runs `request` (the token request) while the lease is held, and returns what it returns.
    /// Renewing the lease while it runs goes here. Throws what `request` throws.
    template <typename Request> auto while_held(Request&& request) {
        return std::forward<Request>(request)();
    }

    /// Saves the refreshed `tokens` under `key`. Making the save conditional on still holding
    /// the lease (a fencing token) goes here. Throws StoreError.
    void save(const std::string& key, const OAuthTokenSet& tokens);

private:
    TokenStore& store_;
    const std::string name_;
    const std::chrono::milliseconds ttl_;
    LeaseState state_;
    std::unique_ptr<Lease> lease_; ///< releases in its destructor (errors logged)
};

} // namespace authflow::session_detail

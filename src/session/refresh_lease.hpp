#pragma once
// RefreshLease: the cross-process refresh lease of a session, held for one scope (not
// installed).

#include "lease_renewer.hpp"
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
/// The token request and the save made under the lease go through it: while_held renews the
/// lease while the request is in flight (it can outlast the TTL), and save writes only while
/// the lease is still held (a fencing token), so that a refresh whose lease ran out anyway
/// cannot overwrite what the next holder stored.
///
/// Not safe to use from several threads: one scope, on the thread that leads the refresh (the
/// renewal's own thread is internal to while_held).
class RefreshLease {
public:
    /// `is_used` false (single-flight off, test-only): the lease is never taken. `clock` times
    /// the renewals and must outlive the scope.
    RefreshLease(TokenStore& store, std::string name, std::chrono::milliseconds ttl, bool is_used,
                 Clock& clock);
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

    /// Runs `request` (the token request) and returns what it returns. While it runs, a held
    /// lease is renewed to the TTL every TTL/3 from another thread (LeaseRenewer), which stops
    /// as soon as `request` returns or throws. A failed renewal is logged and remembered
    /// (has_renewal_failed); `request` is not interrupted. Throws what `request` throws.
    template <typename Request> auto while_held(Request&& request) {
        if (state_ != LeaseState::held || !is_renewing_) {
            return std::forward<Request>(request)();
        }
        // Stops (and records a failed renewal) on every way out, a throw included.
        LeaseRenewer renewer(*lease_, ttl_, clock_, name_, has_renewal_failed_);
        return std::forward<Request>(request)();
    }

    /// True when a renewal during while_held failed (the lease may have run out).
    bool has_renewal_failed() const noexcept { return has_renewal_failed_; }

    /// Saves the refreshed `tokens` under `key` if the lease is still held, checked atomically
    /// with the write (TokenStore::save_if_held); without the lease (single-flight off), saves
    /// them. Returns false, with nothing written, when the lease was lost (it ran out and another
    /// holder may have taken it) or was never held. Throws StoreError.
    bool save(const std::string& key, const OAuthTokenSet& tokens);

    /// Test-only: while_held does not renew the lease (a test shows what goes wrong without).
    void testing_disable_renewal() noexcept { is_renewing_ = false; }

private:
    TokenStore& store_;
    const std::string name_;
    const std::chrono::milliseconds ttl_;
    Clock& clock_;
    LeaseState state_;
    bool is_renewing_ = true;
    bool has_renewal_failed_ = false;
    std::unique_ptr<Lease> lease_; ///< releases in its destructor (errors logged)
};

} // namespace authflow::session_detail

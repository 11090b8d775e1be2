#pragma once
// Carrying out the refresh decision: the store reads, the lease, the token request, the save and
// the waits between attempts of one refresh (not installed).

#include "refresh_decision.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/providers/oauth_provider.hpp>
#include <authflow/store/token_store.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace authflow::session_detail {

/// What a refresh run works with, from the session. The references outlive the run; the
/// functions are called without any lock of the run held. A plain value.
struct RefreshServices {
    TokenStore& store;
    OAuthProvider& provider;
    Clock& clock;
    const RefreshRules& rules;
    const std::string& key;        ///< the session key (the store record; log lines)
    const std::string& lease_name; ///< the cross-process refresh lease
    std::chrono::milliseconds lease_ttl;
    bool is_single_flight; ///< false (test-only): the lease is not used
    bool is_lease_renewed; ///< false (test-only): the lease is not renewed during the request
    /// Waits on the clock; throws Error (cancelled) when the session closes meanwhile.
    std::function<void(std::chrono::milliseconds)> wait_for;
    /// The refresh token the provider refused last, if any (asked before each decision).
    std::function<std::optional<RefusedGrant>()> refused;
    /// Called after each failed token request.
    std::function<void()> on_failed_attempt;
};

/// Runs one refresh for the caller that leads it: asks decide_refresh what to do, does it (read
/// the store; take the lease and read again; ask the provider and save; wait, and start a new
/// attempt) and asks again, until the decision is for the caller: use, reauthenticate or fail.
/// Each attempt holds the lease in one RefreshLease scope, which ends before a wait and before
/// the decision is returned. `facts` carry the request in and what was found out.
///
/// When the store fails and the cached tokens in `facts` cannot stand in, the StoreError is
/// rethrown; a wait throws Error (cancelled) when the session closes.
Decision run_refresh(RefreshFacts& facts, const RefreshServices& services);

/// Throws the TokenRefreshError (refresh_failed) of a `fail` decision about session `key`, with
/// the provider's answer when there was one.
[[noreturn]] void throw_failure(const Decision& decision, const RefreshFacts& facts,
                                const std::string& key);

} // namespace authflow::session_detail

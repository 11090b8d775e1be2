#pragma once
// The refresh decision: what the caller that leads a refresh does next, from what it knows now.
// A pure function, with no store, network, clock or lock, so that each step is tested on its own
// (not installed). run_refresh (refresh_run.hpp) does what it says and asks again.

#include "refresh_policy.hpp"
#include "session_snapshot.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/core/token_set.hpp>
#include <authflow/session/session_manager.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace authflow::session_detail {

/// Where the cross-process refresh lease stands for the leading caller.
enum class LeaseState {
    unused,    ///< single-flight is off (test-only): refresh without the lease
    not_taken, ///< not tried yet in this attempt
    busy,      ///< another holder has it
    held,      ///< held by this caller; `stored` was read again under it
};

/// A refresh token the provider refused, and how (kept so that it is not sent again). A plain
/// value.
struct RefusedGrant {
    std::string refresh_token_hash; ///< hex SHA-256, never the token
    Failure failure;
};

/// The hex SHA-256 a RefusedGrant keeps of a refresh token.
std::string refresh_token_hash(std::string_view refresh_token);

/// What the decision is made from. A plain value.
struct RefreshFacts {
    // What the caller asks.
    bool force = false;               ///< refresh() rather than get_access_token()
    std::chrono::seconds min_left{0}; ///< the token must stay valid this long
    /// What a refresh replaces: the cached tokens, or those first read when nothing was cached.
    /// A forced refresh takes stored tokens only when they differ from these.
    std::optional<OAuthTokenSet> replacing;

    // What the store holds.
    std::optional<OAuthTokenSet> stored; ///< as last read; nothing: signed out
    bool is_store_failed = false;        ///< the last store call failed
    std::optional<OAuthTokenSet> cached; ///< the in-memory snapshot's tokens (for a failed store)

    // The lease.
    LeaseState lease = LeaseState::not_taken;
    Clock::steady_time steady_now{};
    Clock::steady_time lease_wait_deadline{}; ///< how long a caller waits for another's lease

    // Failures so far.
    std::optional<RefusedGrant> refused; ///< the provider refused this refresh token before
    int failed_attempts = 0;             ///< failed refreshes of this call, the last one included
    std::optional<Failure> failure;      ///< how the refresh of `stored` just failed
    /// Read again after the provider refused `stored`, or after the save of `refreshed` was
    /// refused: another process may have rotated them.
    std::optional<OAuthTokenSet> reread;
    std::optional<OAuthTokenSet> refreshed; ///< what the provider just gave for `stored` (saved)
    /// The save of `refreshed` was refused: the lease ran out during the request (and another
    /// holder may have taken it), so `refreshed` is not stored. `reread` holds what is.
    bool is_save_refused = false;

    // Time.
    WallTime now{};
    double unit_random = 0; ///< in [-1, 1], for the jitter of a retry's backoff
};

/// The settings the decision follows, from SessionManagerOptions. A plain value.
struct RefreshRules {
    std::chrono::seconds buffer{60};
    RetryPolicy retry;
    std::chrono::milliseconds lease_poll_interval{25};
};

/// What to do next.
enum class Step {
    use,            ///< publish `tokens` and answer with them
    wait,           ///< wait `delay`, then read the store again
    refresh,        ///< take the lease if not held (and read again); holding it, ask the provider
    reauthenticate, ///< a new sign-in is needed
    fail,           ///< no valid token can be had now
};

/// Why; with the step, what the caller tells the program.
enum class Reason {
    fresh,             ///< use: the stored tokens need no refresh (forced: newer than replaced)
    refreshed,         ///< use: the provider's new tokens
    rotated_elsewhere, ///< use: the provider refused ours, another process stored newer ones
    superseded,        ///< use: our lease ran out during the refresh, another process stored
                       ///< newer tokens (ours are not stored)
    refreshed_unsaved, ///< use: the provider's new tokens, not stored (our lease ran out during
                       ///< the refresh and the fenced save was refused)
    lease_busy,        ///< use for now, wait, or fail (held too long): another process refreshes
    transient_failure, ///< use for now, wait, or fail (retries over): the refresh may work later
    store_failed,      ///< use the cached tokens for now, or fail with the store's error
    due,               ///< refresh
    not_signed_in,     ///< reauthenticate: nothing is stored
    no_refresh_token,  ///< reauthenticate
    refused_before,    ///< reauthenticate: the provider refused this refresh token already
    refused,           ///< reauthenticate: the provider refused it now (remember it)
    failed,            ///< fail: refreshing again cannot help
};

/// When the refresh after a `use` is tried.
enum class NextAttempt {
    when_due,      ///< when the tokens are due
    after_poll,    ///< after the lease poll interval: another process is refreshing
    after_backoff, ///< after the backoff of consecutive failures, at least failure->retry_after
};

/// The decision. A plain value.
struct Decision {
    Step step = Step::fail;
    Reason reason = Reason::failed;
    std::optional<OAuthTokenSet> tokens;    ///< use: what to publish
    std::optional<OAuthTokenSet> replacing; ///< use: what they replace (are they new?)
    NextAttempt next = NextAttempt::when_due;
    std::chrono::milliseconds delay{0}; ///< wait
    std::optional<Failure> failure;     ///< the failure behind it, if any
};

/// Decides the next step (RFC 6749 §6 refresh, single-flight across processes by the lease,
/// retries of transient failures with backoff). Never throws for any facts.
Decision decide_refresh(const RefreshFacts& facts, const RefreshRules& rules);

} // namespace authflow::session_detail

#include "refresh_run.hpp"

#include "refresh_lease.hpp"
#include "refresh_policy.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>

#include <exception>
#include <string>

namespace authflow::session_detail {

namespace {

/// The decision for `facts` as they are now.
Decision decide_now(RefreshFacts& facts, const RefreshServices& services) {
    facts.now = wall_now(services.clock);
    facts.steady_now = services.clock.steady_now();
    facts.unit_random = facts.failure ? random_unit() : 0.0;
    facts.refused = services.refused();
    return decide_refresh(facts, services.rules);
}

/// Asks the provider for new tokens for the stored ones (RFC 6749 §6) and saves them, both
/// through the lease scope; the outcome goes into `facts`.
void refresh_stored(RefreshFacts& facts, RefreshLease& lease, const RefreshServices& services) {
    try {
        facts.refreshed =
            lease.while_held([&] { return services.provider.refresh_tokens(*facts.stored); });
    } catch (...) {
        facts.failure = classify_refresh_failure(std::current_exception(), services.clock.now());
        ++facts.failed_attempts;
        services.on_failed_attempt();
        if (facts.failure->kind == FailureKind::reauth) {
            // The decision needs to know whether another process rotated the tokens meanwhile.
            try {
                facts.reread = services.store.load(services.key);
            } catch (const StoreError&) {
            }
        }
        return;
    }
    bool is_saved = true;
    try {
        is_saved = lease.save(services.key, *facts.refreshed);
    } catch (const StoreError& e) {
        // The new tokens work; without them in the store other processes will need a new
        // sign-in, but this one carries on.
        log(LogLevel::error,
            "session '" + services.key + "': refreshed tokens could not be stored: " + e.what());
    }
    if (!is_saved) {
        // The lease ran out during the request (renewals failed, or the process stood still):
        // the fenced save kept our tokens out, as another holder may have stored newer ones.
        facts.is_save_refused = true;
        try {
            facts.reread = services.store.load(services.key);
        } catch (const StoreError&) {
            facts.reread = facts.stored; // nothing newer is known: keep our own, unsaved
        }
    }
}

/// One attempt within one lease scope: read the store, then decide and carry out the decision
/// (take the lease and read again; refresh and save) until the next step lies outside the
/// lease. The lease ends with the scope.
Decision attempt(RefreshFacts& facts, const RefreshServices& services) {
    RefreshLease lease(services.store, services.lease_name, services.lease_ttl,
                       services.is_single_flight, services.clock);
    if (!services.is_lease_renewed) {
        lease.testing_disable_renewal();
    }
    facts.lease = lease.state();
    facts.failure.reset();
    facts.reread.reset();
    facts.refreshed.reset();
    facts.is_save_refused = false;
    facts.stored = services.store.load(services.key);
    if (facts.force && !facts.replacing) {
        facts.replacing = facts.stored; // nothing cached: refresh what is stored now
    }
    while (true) {
        const Decision decision = decide_now(facts, services);
        if (decision.step != Step::refresh) {
            return decision;
        }
        if (facts.lease == LeaseState::not_taken) {
            facts.lease = lease.try_take();
            if (facts.lease == LeaseState::held) {
                // Under the lease what is stored now is the latest: another process may have
                // refreshed between the read above and the lease.
                facts.stored = services.store.load(services.key);
            }
            continue;
        }
        refresh_stored(facts, lease, services);
    }
}

} // namespace

Decision run_refresh(RefreshFacts& facts, const RefreshServices& services) {
    facts.lease_wait_deadline = services.clock.steady_now() + 2 * services.lease_ttl;
    while (true) {
        Decision decision;
        try {
            decision = attempt(facts, services);
        } catch (const StoreError& e) {
            facts.is_store_failed = true;
            decision = decide_now(facts, services);
            if (decision.step == Step::fail) {
                throw;
            }
            log(LogLevel::warning, "session '" + services.key +
                                       "': using the cached token; the store failed: " + e.what());
            return decision;
        }
        if (decision.reason == Reason::superseded || decision.reason == Reason::refreshed_unsaved) {
            log(LogLevel::warning,
                "session '" + services.key + "': the refresh lease ran out during the token " +
                    "request, so the refreshed tokens were not stored; " +
                    (decision.reason == Reason::superseded
                         ? "using the newer tokens another process stored"
                         : "using them in this process only (the provider may have rotated the "
                           "stored refresh token)"));
        }
        if (decision.step == Step::use && decision.reason == Reason::transient_failure) {
            log(LogLevel::warning, "session '" + services.key +
                                       "': refresh failed, the current token is still valid; "
                                       "retrying later: " +
                                       decision.failure->message);
        }
        if (decision.step != Step::wait) {
            return decision;
        }
        if (decision.failure) {
            log(LogLevel::warning, "session '" + services.key + "': refresh failed, retrying in " +
                                       std::to_string(decision.delay.count()) +
                                       " ms: " + decision.failure->message);
        }
        services.wait_for(decision.delay);
    }
}

void throw_failure(const Decision& decision, const RefreshFacts& facts, const std::string& key) {
    if (decision.reason == Reason::lease_busy) {
        throw TokenRefreshError(errc::refresh_failed,
                                "another process has held the refresh lease of session '" + key +
                                    "' for too long");
    }
    const Failure failure = decision.failure.value_or(Failure{});
    if (decision.reason == Reason::transient_failure) {
        throw TokenRefreshError(errc::refresh_failed,
                                "token refresh failed after " +
                                    std::to_string(facts.failed_attempts) +
                                    " attempt(s): " + failure.message,
                                failure.answer);
    }
    throw TokenRefreshError(errc::refresh_failed, "token refresh failed: " + failure.message,
                            failure.answer);
}

} // namespace authflow::session_detail

#include "refresh_decision.hpp"

#include <authflow/core/crypto.hpp>

#include <algorithm>
#include <utility>

namespace authflow::session_detail {

namespace {

Decision make(Step step, Reason reason) {
    Decision decision;
    decision.step = step;
    decision.reason = reason;
    return decision;
}

Decision use(Reason reason, const OAuthTokenSet& tokens, std::optional<OAuthTokenSet> replacing,
             NextAttempt next = NextAttempt::when_due) {
    Decision decision = make(Step::use, reason);
    decision.tokens = tokens;
    decision.replacing = std::move(replacing);
    decision.next = next;
    return decision;
}

Decision with_failure(Decision decision, const Failure& failure) {
    decision.failure = failure;
    return decision;
}

/// Whether the stored tokens serve as they are, with no refresh: fresh enough, or, for a forced
/// refresh, other than the ones being replaced and still valid.
bool is_usable(const OAuthTokenSet& stored, const RefreshFacts& facts, const RefreshRules& rules) {
    if (!is_valid_for(stored, facts.now, facts.min_left)) {
        return false;
    }
    if (facts.force) {
        return facts.replacing && !same_tokens(stored, *facts.replacing);
    }
    return is_before(facts.now, due_of(stored, rules.buffer));
}

/// After the save of `refreshed` was refused: the lease ran out during the token request, so
/// the store may hold what another holder refreshed since (a fencing token kept ours out).
Decision after_refused_save(const RefreshFacts& facts) {
    if (!facts.reread) {
        // Removed meanwhile: signed out elsewhere (a logout takes the lease before it removes).
        return make(Step::reauthenticate, Reason::not_signed_in);
    }
    if (!facts.stored || !same_tokens(*facts.reread, *facts.stored)) {
        if (is_valid_for(*facts.reread, facts.now, facts.min_left)) {
            // What every other process uses now: use it too.
            return use(Reason::superseded, *facts.reread, facts.replacing);
        }
    }
    // Nothing newer is stored: this process's fresh tokens still work, unsaved.
    return use(Reason::refreshed_unsaved, *facts.refreshed, facts.replacing);
}

/// After the provider refused, failed or did not answer the refresh of `stored`.
Decision after_failure(const RefreshFacts& facts, const Failure& failure,
                       const RefreshRules& rules) {
    const OAuthTokenSet& stored = *facts.stored;
    switch (failure.kind) {
    case FailureKind::reauth:
        // Another process may have rotated the refresh token already (its lease expired, or it
        // refreshed without one): what it stored is good.
        if (facts.reread && !same_tokens(*facts.reread, stored) &&
            is_valid_for(*facts.reread, facts.now, facts.min_left)) {
            return use(Reason::rotated_elsewhere, *facts.reread, stored);
        }
        return with_failure(make(Step::reauthenticate, Reason::refused), failure);
    case FailureKind::failed:
        return with_failure(make(Step::fail, Reason::failed), failure);
    case FailureKind::transient:
        break;
    }
    // Transient. Stored tokens stay as they are.
    if (!facts.force && is_valid_for(stored, facts.now, facts.min_left)) {
        // The token still works: use it, and try again after a pause.
        return with_failure(
            use(Reason::transient_failure, stored, std::nullopt, NextAttempt::after_backoff),
            failure);
    }
    const bool is_too_long =
        failure.retry_after && *failure.retry_after > rules.retry.max_retry_after;
    if (facts.failed_attempts >= rules.retry.max_attempts || is_too_long) {
        return with_failure(make(Step::fail, Reason::transient_failure), failure);
    }
    Decision wait = make(Step::wait, Reason::transient_failure);
    wait.delay = backoff_delay(rules.retry, facts.failed_attempts, facts.unit_random);
    if (failure.retry_after) {
        wait.delay = std::max(wait.delay, *failure.retry_after);
    }
    return with_failure(std::move(wait), failure);
}

} // namespace

std::string refresh_token_hash(std::string_view refresh_token) {
    return to_hex(sha256(refresh_token));
}

Decision decide_refresh(const RefreshFacts& facts, const RefreshRules& rules) {
    if (facts.is_store_failed) {
        // The store is down; the cached token still serves while it is valid.
        if (!facts.force && facts.cached &&
            is_valid_for(*facts.cached, facts.now, facts.min_left)) {
            return use(Reason::store_failed, *facts.cached, std::nullopt,
                       NextAttempt::after_backoff);
        }
        return make(Step::fail, Reason::store_failed);
    }
    if (facts.refreshed) {
        if (facts.is_save_refused) {
            return after_refused_save(facts);
        }
        return use(Reason::refreshed, *facts.refreshed, facts.replacing);
    }
    if (!facts.stored) {
        return make(Step::reauthenticate, Reason::not_signed_in); // or signed out elsewhere
    }
    if (facts.failure) {
        return after_failure(facts, *facts.failure, rules);
    }
    const OAuthTokenSet& stored = *facts.stored;
    if (is_usable(stored, facts, rules)) {
        return use(Reason::fresh, stored, facts.replacing);
    }
    switch (facts.lease) {
    case LeaseState::not_taken:
        return make(Step::refresh, Reason::due);
    case LeaseState::busy: {
        // Another process is refreshing. While the token still works, use it and look again
        // shortly; once it has expired, wait for what that process stores.
        if (!facts.force && is_valid_for(stored, facts.now, facts.min_left)) {
            return use(Reason::lease_busy, stored, std::nullopt, NextAttempt::after_poll);
        }
        if (facts.steady_now >= facts.lease_wait_deadline) {
            return make(Step::fail, Reason::lease_busy);
        }
        Decision wait = make(Step::wait, Reason::lease_busy);
        wait.delay = rules.lease_poll_interval;
        return wait;
    }
    case LeaseState::held:
    case LeaseState::unused:
        break;
    }
    if (!stored.refresh_token || stored.refresh_token->empty()) {
        return with_failure(make(Step::reauthenticate, Reason::no_refresh_token),
                            Failure{FailureKind::reauth,
                                    errc::reauth_required,
                                    {},
                                    "there is no refresh token",
                                    std::nullopt});
    }
    if (facts.refused && constant_time_equal(facts.refused->refresh_token_hash,
                                             refresh_token_hash(*stored.refresh_token))) {
        // The provider already refused this refresh token: do not ask again.
        return with_failure(make(Step::reauthenticate, Reason::refused_before),
                            facts.refused->failure);
    }
    return make(Step::refresh, Reason::due);
}

} // namespace authflow::session_detail

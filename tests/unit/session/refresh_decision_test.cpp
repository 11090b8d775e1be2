// The refresh decision step by step, without threads, store, network or clock: each test sets
// the facts a leading caller knows and checks the one step that follows.
#include "session/refresh_decision.hpp"

#include <authflow/core/errors.hpp>

#include <gtest/gtest.h>

#include <string>

namespace authflow::session_detail {
namespace {

using namespace std::chrono_literals;

constexpr double issued = 1767225600; // 2026-01-01T00:00:00Z

OAuthTokenSet tokens(std::string access, std::optional<std::string> refresh = "rt-1",
                     std::int64_t expires_in = 600, double issued_at = issued) {
    OAuthTokenSet set;
    set.access_token = std::move(access);
    set.refresh_token = std::move(refresh);
    set.expires_in = expires_in;
    set.issued_at = issued_at;
    return set;
}

WallTime at(double seconds_after_issue) {
    return wall_time_of(issued + seconds_after_issue);
}

RefreshRules rules() {
    RefreshRules rules;
    rules.buffer = 60s;
    rules.retry.jitter = 0; // exact delays: 500 ms, 1 s, 2 s, ...
    rules.lease_poll_interval = 25ms;
    return rules;
}

/// A caller of get_access_token() at `now` that finds `stored` and has not tried the lease.
RefreshFacts facts_at(double now, std::optional<OAuthTokenSet> stored) {
    RefreshFacts facts;
    facts.stored = std::move(stored);
    facts.replacing = facts.stored;
    facts.cached = facts.stored;
    facts.now = at(now);
    facts.lease_wait_deadline = facts.steady_now + 120s;
    return facts;
}

Failure failure(FailureKind kind, std::optional<std::chrono::milliseconds> retry_after = {}) {
    return Failure{kind, errc::provider_error, ProviderAnswer{"x", "", 503}, "refused",
                   retry_after};
}

TEST(RefreshDecision, FreshStoredTokensAreUsedAsTheyAre) {
    const auto decision = decide_refresh(facts_at(539, tokens("at-1")), rules());
    EXPECT_EQ(decision.step, Step::use);
    EXPECT_EQ(decision.reason, Reason::fresh);
    EXPECT_EQ(decision.tokens->access_token, "at-1");
    EXPECT_EQ(decision.next, NextAttempt::when_due);
}

TEST(RefreshDecision, NothingStoredNeedsASignIn) {
    const auto decision = decide_refresh(facts_at(0, std::nullopt), rules());
    EXPECT_EQ(decision.step, Step::reauthenticate);
    EXPECT_EQ(decision.reason, Reason::not_signed_in);
}

TEST(RefreshDecision, DueTokensAreRefreshedUnderTheLease) {
    auto facts = facts_at(540, tokens("at-1"));                    // exactly the buffer left: due
    EXPECT_EQ(decide_refresh(facts, rules()).step, Step::refresh); // take the lease first
    for (LeaseState lease : {LeaseState::held, LeaseState::unused}) {
        facts.lease = lease;
        const auto decision = decide_refresh(facts, rules());
        EXPECT_EQ(decision.step, Step::refresh);
        EXPECT_EQ(decision.reason, Reason::due);
    }
}

TEST(RefreshDecision, TokensLivingShorterThanTwiceTheBufferAreDueAtHalfTheirLifetime) {
    EXPECT_EQ(decide_refresh(facts_at(14.999, tokens("at-1", "rt-1", 30)), rules()).step,
              Step::use);
    EXPECT_EQ(decide_refresh(facts_at(15, tokens("at-1", "rt-1", 30)), rules()).step,
              Step::refresh);
}

TEST(RefreshDecision, UnderTheLeaseTokensAnotherProcessStoredAreAdopted) {
    auto facts = facts_at(540, tokens("at-1"));
    facts.lease = LeaseState::held;
    facts.stored = tokens("at-2", "rt-2", 600, issued + 540); // read again under the lease
    const auto decision = decide_refresh(facts, rules());
    EXPECT_EQ(decision.step, Step::use);
    EXPECT_EQ(decision.reason, Reason::fresh);
    EXPECT_EQ(decision.tokens->access_token, "at-2");
    EXPECT_EQ(decision.replacing->access_token, "at-1"); // so they count as new
}

TEST(RefreshDecision, WhileAnotherProcessRefreshesAValidTokenIsUsedForNow) {
    auto facts = facts_at(560, tokens("at-1"));
    facts.lease = LeaseState::busy;
    const auto decision = decide_refresh(facts, rules());
    EXPECT_EQ(decision.step, Step::use);
    EXPECT_EQ(decision.reason, Reason::lease_busy);
    EXPECT_EQ(decision.tokens->access_token, "at-1");
    EXPECT_EQ(decision.next, NextAttempt::after_poll);
}

TEST(RefreshDecision, WhileAnotherProcessRefreshesAnExpiredTokenWaitsForIt) {
    auto facts = facts_at(700, tokens("at-1"));
    facts.lease = LeaseState::busy;
    auto decision = decide_refresh(facts, rules());
    EXPECT_EQ(decision.step, Step::wait);
    EXPECT_EQ(decision.reason, Reason::lease_busy);
    EXPECT_EQ(decision.delay, 25ms);
    // The other process holds it past the deadline: give up.
    facts.steady_now = facts.lease_wait_deadline;
    decision = decide_refresh(facts, rules());
    EXPECT_EQ(decision.step, Step::fail);
    EXPECT_EQ(decision.reason, Reason::lease_busy);
}

TEST(RefreshDecision, AMinimumTimeLeftTheTokenCannotGiveIsNotUsedForNow) {
    auto facts = facts_at(400, tokens("at-1")); // 200 s left
    EXPECT_EQ(decide_refresh(facts, rules()).step, Step::use);
    facts.min_left = 300s;
    EXPECT_EQ(decide_refresh(facts, rules()).step, Step::refresh);
    facts.lease = LeaseState::busy;
    EXPECT_EQ(decide_refresh(facts, rules()).step, Step::wait);
}

TEST(RefreshDecision, NoRefreshTokenNeedsASignIn) {
    for (std::optional<std::string> refresh :
         {std::optional<std::string>{}, std::optional<std::string>{""}}) {
        auto facts = facts_at(700, tokens("at-1", refresh));
        EXPECT_EQ(decide_refresh(facts, rules()).step, Step::refresh); // the lease first
        facts.lease = LeaseState::held;
        const auto decision = decide_refresh(facts, rules());
        EXPECT_EQ(decision.step, Step::reauthenticate);
        EXPECT_EQ(decision.reason, Reason::no_refresh_token);
        EXPECT_EQ(decision.failure->code, errc::reauth_required);
    }
}

TEST(RefreshDecision, ARefreshTokenRefusedBeforeIsNotSentAgain) {
    auto facts = facts_at(700, tokens("at-1", "rt-1"));
    facts.lease = LeaseState::held;
    facts.refused = RefusedGrant{refresh_token_hash("rt-1"), failure(FailureKind::reauth)};
    auto decision = decide_refresh(facts, rules());
    EXPECT_EQ(decision.step, Step::reauthenticate);
    EXPECT_EQ(decision.reason, Reason::refused_before);
    EXPECT_EQ(decision.failure->message, "refused");
    // Another refresh token (a new sign-in elsewhere) is tried.
    facts.stored = tokens("at-2", "rt-2", 600, issued - 100);
    decision = decide_refresh(facts, rules());
    EXPECT_EQ(decision.step, Step::refresh);
}

TEST(RefreshDecision, NewTokensFromTheProviderAreUsed) {
    auto facts = facts_at(700, tokens("at-1"));
    facts.lease = LeaseState::held;
    facts.refreshed = tokens("at-2", "rt-2", 600, issued + 700);
    const auto decision = decide_refresh(facts, rules());
    EXPECT_EQ(decision.step, Step::use);
    EXPECT_EQ(decision.reason, Reason::refreshed);
    EXPECT_EQ(decision.tokens->access_token, "at-2");
    EXPECT_EQ(decision.next, NextAttempt::when_due);
}

TEST(RefreshDecision, ARefusalTakesTokensAnotherProcessRotatedMeanwhile) {
    auto facts = facts_at(700, tokens("at-1"));
    facts.lease = LeaseState::held;
    facts.failure = failure(FailureKind::reauth);
    facts.failed_attempts = 1;
    facts.reread = tokens("at-2", "rt-2", 600, issued + 690);
    auto decision = decide_refresh(facts, rules());
    EXPECT_EQ(decision.step, Step::use);
    EXPECT_EQ(decision.reason, Reason::rotated_elsewhere);
    EXPECT_EQ(decision.tokens->access_token, "at-2");
    EXPECT_EQ(decision.replacing->access_token, "at-1");
    // The same tokens, or expired ones, are no way out: a new sign-in is needed.
    for (const auto& reread : {tokens("at-1"), tokens("at-3", "rt-3", 600, issued - 1000)}) {
        facts.reread = reread;
        decision = decide_refresh(facts, rules());
        EXPECT_EQ(decision.step, Step::reauthenticate);
        EXPECT_EQ(decision.reason, Reason::refused);
    }
    facts.reread.reset();
    EXPECT_EQ(decide_refresh(facts, rules()).reason, Reason::refused);
}

TEST(RefreshDecision, ARefusedSaveTakesTokensAnotherProcessStoredMeanwhile) {
    // The lease ran out during the request; the fenced save kept our tokens out of the store.
    auto facts = facts_at(700, tokens("at-1"));
    facts.lease = LeaseState::held;
    facts.refreshed = tokens("at-2", "rt-2", 600, issued + 700);
    facts.is_save_refused = true;
    facts.reread = tokens("at-3", "rt-3", 600, issued + 699);
    auto decision = decide_refresh(facts, rules());
    EXPECT_EQ(decision.step, Step::use);
    EXPECT_EQ(decision.reason, Reason::superseded);
    EXPECT_EQ(decision.tokens->access_token, "at-3");
    EXPECT_EQ(decision.replacing->access_token, "at-1");
    // Nothing newer stored (the same tokens, or newer ones already expired): our own, unsaved.
    for (const auto& reread : {tokens("at-1"), tokens("at-3", "rt-3", 600, issued - 1000)}) {
        facts.reread = reread;
        decision = decide_refresh(facts, rules());
        EXPECT_EQ(decision.step, Step::use);
        EXPECT_EQ(decision.reason, Reason::refreshed_unsaved);
        EXPECT_EQ(decision.tokens->access_token, "at-2");
        EXPECT_EQ(decision.next, NextAttempt::when_due);
    }
    // Removed meanwhile (a logout elsewhere takes the lease, then removes): signed out.
    facts.reread.reset();
    decision = decide_refresh(facts, rules());
    EXPECT_EQ(decision.step, Step::reauthenticate);
    EXPECT_EQ(decision.reason, Reason::not_signed_in);
    // A save that went through: the provider's tokens, whatever was read.
    facts.is_save_refused = false;
    EXPECT_EQ(decide_refresh(facts, rules()).reason, Reason::refreshed);
}

TEST(RefreshDecision, AFailureThatRefreshingAgainCannotHelpFails) {
    auto facts = facts_at(560, tokens("at-1")); // still valid: still fails
    facts.lease = LeaseState::held;
    facts.failure = failure(FailureKind::failed);
    facts.failed_attempts = 1;
    const auto decision = decide_refresh(facts, rules());
    EXPECT_EQ(decision.step, Step::fail);
    EXPECT_EQ(decision.reason, Reason::failed);
    EXPECT_EQ(decision.failure->answer.http_status, 503);
}

TEST(RefreshDecision, ATransientFailureUsesTheValidTokenForNow) {
    auto facts = facts_at(570, tokens("at-1"));
    facts.lease = LeaseState::held;
    facts.failure = failure(FailureKind::transient, 7s);
    facts.failed_attempts = 1;
    const auto decision = decide_refresh(facts, rules());
    EXPECT_EQ(decision.step, Step::use);
    EXPECT_EQ(decision.reason, Reason::transient_failure);
    EXPECT_EQ(decision.next, NextAttempt::after_backoff);
    EXPECT_EQ(decision.failure->retry_after, 7s);
    facts.force = true; // refresh() wants new tokens: it waits and retries
    EXPECT_EQ(decide_refresh(facts, rules()).step, Step::wait);
}

TEST(RefreshDecision, TransientFailuresOfAnExpiredTokenBackOffThenFail) {
    auto facts = facts_at(700, tokens("at-1"));
    facts.lease = LeaseState::held;
    facts.failure = failure(FailureKind::transient);
    const std::chrono::milliseconds expected[] = {500ms, 1000ms, 2000ms};
    for (int attempt = 1; attempt <= 3; ++attempt) {
        facts.failed_attempts = attempt;
        const auto decision = decide_refresh(facts, rules());
        EXPECT_EQ(decision.step, Step::wait) << attempt;
        EXPECT_EQ(decision.delay, expected[attempt - 1]) << attempt;
    }
    facts.failed_attempts = 4; // RetryPolicy::max_attempts
    const auto decision = decide_refresh(facts, rules());
    EXPECT_EQ(decision.step, Step::fail);
    EXPECT_EQ(decision.reason, Reason::transient_failure);
}

TEST(RefreshDecision, RetryAfterSetsTheWaitOrEndsTheRetries) {
    auto facts = facts_at(700, tokens("at-1"));
    facts.lease = LeaseState::held;
    facts.failed_attempts = 1;
    facts.failure = failure(FailureKind::transient, 7s);
    auto decision = decide_refresh(facts, rules());
    EXPECT_EQ(decision.step, Step::wait);
    EXPECT_EQ(decision.delay, 7s);                          // not the 500 ms backoff
    facts.failure = failure(FailureKind::transient, 3600s); // above max_retry_after
    decision = decide_refresh(facts, rules());
    EXPECT_EQ(decision.step, Step::fail);
    EXPECT_EQ(decision.reason, Reason::transient_failure);
}

TEST(RefreshDecision, AFailedStoreServesTheValidCachedToken) {
    auto facts = facts_at(570, tokens("at-1"));
    facts.is_store_failed = true;
    auto decision = decide_refresh(facts, rules());
    EXPECT_EQ(decision.step, Step::use);
    EXPECT_EQ(decision.reason, Reason::store_failed);
    EXPECT_EQ(decision.tokens->access_token, "at-1");
    EXPECT_EQ(decision.next, NextAttempt::after_backoff);
    EXPECT_FALSE(decision.failure);
    facts.now = at(610); // expired
    EXPECT_EQ(decide_refresh(facts, rules()).step, Step::fail);
    facts.now = at(570);
    facts.force = true;
    EXPECT_EQ(decide_refresh(facts, rules()).step, Step::fail);
    facts.force = false;
    facts.cached.reset();
    EXPECT_EQ(decide_refresh(facts, rules()).step, Step::fail);
}

TEST(RefreshDecision, AForcedRefreshTakesOnlyOtherValidStoredTokens) {
    auto facts = facts_at(10, tokens("at-1"));
    facts.force = true;
    EXPECT_EQ(decide_refresh(facts, rules()).step, Step::refresh); // the ones it replaces
    facts.stored = tokens("at-2", "rt-2", 600, issued + 5);
    auto decision = decide_refresh(facts, rules());
    EXPECT_EQ(decision.step, Step::use);
    EXPECT_EQ(decision.tokens->access_token, "at-2");
    facts.stored = tokens("at-2", "rt-2", 600, issued - 1000); // other, but expired
    EXPECT_EQ(decide_refresh(facts, rules()).step, Step::refresh);
    facts.lease = LeaseState::busy; // forced: waits for the other process rather than using it
    facts.stored = tokens("at-1");
    EXPECT_EQ(decide_refresh(facts, rules()).step, Step::wait);
}

// One expired token, walked through a whole refresh as SessionManager carries it out: lease,
// a transient failure, the backoff, a new attempt, new tokens.
TEST(RefreshDecision, AWholeRefreshStepByStep) {
    auto facts = facts_at(700, tokens("at-1"));
    auto decision = decide_refresh(facts, rules());
    ASSERT_EQ(decision.step, Step::refresh);
    facts.lease = LeaseState::held; // taken; the store read again holds the same tokens
    decision = decide_refresh(facts, rules());
    ASSERT_EQ(decision.step, Step::refresh);
    facts.failure = failure(FailureKind::transient);
    facts.failed_attempts = 1;
    decision = decide_refresh(facts, rules());
    ASSERT_EQ(decision.step, Step::wait);
    EXPECT_EQ(decision.delay, 500ms);
    // The next attempt: a new lease scope, a new read.
    facts.now = at(700.5);
    facts.lease = LeaseState::not_taken;
    facts.failure.reset();
    decision = decide_refresh(facts, rules());
    ASSERT_EQ(decision.step, Step::refresh);
    facts.lease = LeaseState::held;
    ASSERT_EQ(decide_refresh(facts, rules()).step, Step::refresh);
    facts.refreshed = tokens("at-2", "rt-2", 600, issued + 700.5);
    decision = decide_refresh(facts, rules());
    EXPECT_EQ(decision.step, Step::use);
    EXPECT_EQ(decision.reason, Reason::refreshed);
    EXPECT_EQ(decision.tokens->refresh_token, "rt-2");
}

TEST(SessionTimes, ExpiryAndDueTimeAsTimePoints) {
    const auto set = tokens("at-1", "rt-1", 600);
    EXPECT_EQ(*expiry_of(set), at(600));
    EXPECT_EQ(*due_of(set, 60s), at(540));
    auto unknown = set;
    unknown.expires_in.reset();
    EXPECT_FALSE(expiry_of(unknown)); // never
    EXPECT_FALSE(due_of(unknown, 60s));
    EXPECT_TRUE(is_valid_for(unknown, at(1e9), 0s));
    // A record from the far future still has an order (it saturates instead of overflowing).
    const auto far = tokens("at-1", "rt-1", 600, 1e300);
    EXPECT_GT(*expiry_of(far), at(1e12));
    EXPECT_TRUE(is_valid_for(far, at(0), 0s));
}

TEST(SessionTimes, ASnapshotServesUntilDueAndForTheMinimumTimeLeft) {
    const auto snapshot = Snapshot::when_due(tokens("at-1"), 60s);
    EXPECT_TRUE(snapshot.serves(at(539), 0s));
    EXPECT_FALSE(snapshot.serves(at(540), 0s));
    EXPECT_FALSE(snapshot.serves(at(400), 200s));
    // Deferred: retried after the delay, or when the tokens expire if that is sooner.
    EXPECT_EQ(Snapshot::retried_after(tokens("at-1"), at(570), 500ms).refresh_at, at(570.5));
    EXPECT_EQ(Snapshot::retried_after(tokens("at-1"), at(599), 5s).refresh_at, at(600));
}

} // namespace
} // namespace authflow::session_detail

// SessionManager with a ManualClock, a real provider object and a fake authorization server:
// buffer, expiry, single-flight, retries, re-authentication, background refresh, logout.
#include "unit/session/fake_oauth_server.hpp"
#include "unit/session/session_test_util.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/session/session_manager.hpp>
#include <authflow/store/memory_token_store.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace authflow {
namespace {

using namespace std::chrono_literals;
using test::error_code_of;
using test::FakeOAuthServer;

class Session : public ::testing::Test {
protected:
    SessionManagerOptions options(bool background = false) {
        SessionManagerOptions o;
        o.session_key = "alice";
        o.clock = clock_;
        o.background_refresh = background;
        o.retry.jitter = 0;
        if (background) {
            if (!scheduler_) {
                scheduler_ = std::make_shared<RefreshScheduler>(RefreshSchedulerOptions{clock_, 4});
            }
            o.scheduler = scheduler_;
        }
        return o;
    }
    std::unique_ptr<SessionManager> manager(SessionManagerOptions o) {
        return std::make_unique<SessionManager>(server_.provider(), store_, std::move(o));
    }
    /// Signs in at the server and stores the tokens as a sign-in would.
    OAuthTokenSet signed_in() {
        auto tokens = server_.sign_in();
        store_->save("alice", tokens);
        return tokens;
    }
    /// Waits until background work is over and the next refresh is scheduled, so that the
    /// test moves the clock only between refreshes.
    bool settled() {
        return test::eventually(
            [&] { return scheduler_->running() == 0 && scheduler_->pending() == 1; });
    }
    /// Waits until `failures` refresh attempts of `session` failed and it waits on the clock
    /// before the next one. The failure is counted once the request (and the lease renewal that
    /// waits on the clock beside it) is over, so the one waiter is then the backoff.
    bool in_backoff(const SessionManager& session, std::uint64_t failures) {
        return test::eventually([&] { return session.stats().refresh_failures >= failures; }) &&
               test::wait_for_waiters(clock_, 1);
    }
    std::string stored_access_token() {
        auto tokens = store_->load("alice");
        return tokens ? tokens->access_token : std::string{};
    }

    std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>();
    FakeOAuthServer server_{clock_};
    std::shared_ptr<test::CountingStore> store_ = std::make_shared<test::CountingStore>(clock_);
    std::shared_ptr<RefreshScheduler> scheduler_;
};

TEST(RefreshDueAt, BufferOrHalfTheLifetime) {
    OAuthTokenSet tokens;
    tokens.issued_at = 1000;
    EXPECT_FALSE(refresh_due_at(tokens, 60s)); // lifetime unknown: never due
    tokens.expires_in = 600;
    EXPECT_DOUBLE_EQ(*refresh_due_at(tokens, 60s), 1540);
    // Shorter than twice the buffer: half the lifetime, so a refresh never loops.
    tokens.expires_in = 30;
    EXPECT_DOUBLE_EQ(*refresh_due_at(tokens, 60s), 1015);
    tokens.expires_in = 0;
    EXPECT_DOUBLE_EQ(*refresh_due_at(tokens, 60s), 1000);
}

TEST_F(Session, CachedTokenWhileMoreThanTheBufferIsLeft) {
    const auto first = server_.sign_in();
    auto session = manager(options());
    session->save_tokens(first);
    const int loads = store_->loads;
    const int acquisitions = store_->acquisitions();

    clock_->advance(539s); // 61 s left
    for (int i = 0; i < 100; ++i) {
        EXPECT_EQ(session->get_access_token(), first.access_token);
    }
    EXPECT_EQ(server_.refresh_requests(), 0);
    // The hot path makes no store call and takes no lease.
    EXPECT_EQ(store_->loads, loads);
    EXPECT_EQ(store_->acquisitions(), acquisitions);

    clock_->advance(1s); // exactly the buffer left: due
    const std::string second = session->get_access_token();
    EXPECT_NE(second, first.access_token);
    EXPECT_EQ(server_.refreshes(), 1);
    EXPECT_EQ(stored_access_token(), second);
    EXPECT_TRUE(server_.is_active(second));
    EXPECT_EQ(session->stats().refreshes, 1u);
}

TEST_F(Session, ExpiredTokenIsRefreshedAfterARestart) {
    signed_in();
    clock_->advance(700s);
    auto session = manager(options()); // a new process: nothing cached
    const std::string token = session->get_access_token();
    EXPECT_EQ(server_.refreshes(), 1);
    EXPECT_EQ(token, stored_access_token());
    EXPECT_TRUE(server_.is_active(token));
}

TEST_F(Session, FreshStoredTokenIsUsedWithoutRefresh) {
    const auto tokens = signed_in();
    auto session = manager(options());
    EXPECT_EQ(session->get_access_token(), tokens.access_token);
    EXPECT_EQ(server_.refresh_requests(), 0);
    EXPECT_EQ(store_->acquisitions(), 0); // no lease needed just to read
}

TEST_F(Session, NothingStoredIsTokenMissingAndAsksForSignInOnce) {
    std::atomic<int> reauth{0};
    auto o = options();
    o.on_reauth_required = [&] { ++reauth; };
    auto session = manager(o);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(error_code_of([&] { session->get_access_token(); }), errc::token_missing);
        // Nothing was stored, so nothing expired: a TokenError, not a TokenExpiredError.
        try {
            session->get_access_token();
            ADD_FAILURE() << "no exception";
        } catch (const TokenExpiredError&) {
            ADD_FAILURE() << "a missing token is not an expired one";
        } catch (const TokenError& e) {
            EXPECT_EQ(e.code(), errc::token_missing);
        }
    }
    EXPECT_EQ(reauth, 1);
    EXPECT_EQ(error_code_of([&] { session->refresh(); }), errc::token_missing);
    EXPECT_EQ(reauth, 1);
}

TEST_F(Session, InitializeLoadsRefreshesOrGivesNothing) {
    {
        auto session = manager(options());
        EXPECT_FALSE(session->initialize());
    }
    const auto tokens = signed_in();
    {
        auto session = manager(options());
        auto loaded = session->initialize();
        ASSERT_TRUE(loaded);
        EXPECT_EQ(loaded->access_token, tokens.access_token);
        EXPECT_EQ(session->current_tokens()->access_token, tokens.access_token);
        EXPECT_EQ(server_.refresh_requests(), 0);
    }
    clock_->advance(601s);
    {
        auto session = manager(options());
        auto loaded = session->initialize();
        ASSERT_TRUE(loaded);
        EXPECT_NE(loaded->access_token, tokens.access_token);
        EXPECT_EQ(server_.refreshes(), 1);
    }
    clock_->advance(601s);
    server_.script({{400, {{"error", "invalid_grant"}}}});
    {
        auto session = manager(options());
        EXPECT_FALSE(session->initialize()); // logged, not thrown
    }
    EXPECT_TRUE(store_->load("alice")); // a failure never removes stored tokens
}

TEST_F(Session, MinTtlRefreshesEarlierAndRejectsTooShortTokens) {
    const auto tokens = signed_in();
    auto session = manager(options());
    clock_->advance(400s); // 200 s left: fresh for the 60 s buffer
    EXPECT_EQ(session->get_access_token(), tokens.access_token);
    EXPECT_EQ(session->get_access_token(100s), tokens.access_token);
    const std::string refreshed = session->get_access_token(300s);
    EXPECT_NE(refreshed, tokens.access_token);
    EXPECT_EQ(server_.refreshes(), 1);
    // The provider's tokens live 600 s: asking for more refreshes once, then fails.
    EXPECT_EQ(error_code_of([&] { session->get_access_token(900s); }), errc::token_expired);
    EXPECT_EQ(server_.refreshes(), 2);
}

TEST_F(Session, RetriesTransientFailuresWithBackoffAndKeepsStoredTokens) {
    const auto tokens = signed_in();
    clock_->advance(700s); // expired: the caller has to wait for a refresh
    server_.script({{503, {{"error", "temporarily_unavailable"}}},
                    {0, nullptr, errc::connect, {}},
                    {500, "oops"}});
    auto session = manager(options());
    auto result = std::async(std::launch::async, [&] { return session->get_access_token(); });

    ASSERT_TRUE(in_backoff(*session, 1));
    EXPECT_EQ(stored_access_token(), tokens.access_token);
    clock_->advance(499ms);
    clock_->advance(1ms);
    ASSERT_TRUE(in_backoff(*session, 2));
    clock_->advance(999ms);
    clock_->advance(1ms);
    ASSERT_TRUE(in_backoff(*session, 3));
    EXPECT_EQ(stored_access_token(), tokens.access_token);
    clock_->advance(2s);
    const std::string token = result.get();

    const auto times = server_.request_times();
    ASSERT_EQ(times.size(), 4u);
    EXPECT_EQ(times[1] - times[0], 500ms);
    EXPECT_EQ(times[2] - times[1], 1000ms);
    EXPECT_EQ(times[3] - times[2], 2000ms);
    EXPECT_EQ(token, stored_access_token());
    EXPECT_TRUE(server_.is_active(token));
    EXPECT_EQ(session->stats().refresh_failures, 3u);
}

TEST_F(Session, HonoursRetryAfter) {
    signed_in();
    clock_->advance(700s);
    server_.script({{429, {{"error", "slow_down"}}, errc::timeout, {{"Retry-After", "7"}}}});
    auto session = manager(options());
    auto result = std::async(std::launch::async, [&] { return session->get_access_token(); });
    ASSERT_TRUE(in_backoff(*session, 1));
    clock_->advance(6999ms);
    clock_->advance(1ms);
    ASSERT_TRUE(server_.wait_requests(2));
    const std::string token = result.get();
    const auto times = server_.request_times();
    EXPECT_EQ(times[1] - times[0], 7s); // not the 500 ms backoff
    EXPECT_TRUE(server_.is_active(token));
}

TEST_F(Session, RetryAfterLongerThanTheLimitFailsAtOnce) {
    const auto tokens = signed_in();
    clock_->advance(700s);
    server_.script({{503, "busy", errc::timeout, {{"Retry-After", "3600"}}}});
    auto session = manager(options());
    try {
        session->get_access_token();
        FAIL() << "no error";
    } catch (const TokenRefreshError& e) {
        EXPECT_EQ(e.code(), errc::refresh_failed);
        EXPECT_EQ(e.http_status(), 503);
    }
    EXPECT_EQ(server_.refresh_requests(), 1);
    EXPECT_EQ(stored_access_token(), tokens.access_token);
}

TEST_F(Session, GivesUpAfterTheAttemptsWithRefreshFailed) {
    const auto tokens = signed_in();
    clock_->advance(700s);
    std::atomic<int> reauth{0};
    auto o = options();
    o.retry.max_attempts = 2;
    o.on_reauth_required = [&] { ++reauth; };
    server_.script({{502, "bad gateway"}, {502, "bad gateway"}});
    auto session = manager(o);
    auto result = std::async(std::launch::async, [&] { return session->get_access_token(); });
    ASSERT_TRUE(in_backoff(*session, 1));
    clock_->advance(500ms);
    try {
        result.get();
        FAIL() << "no error";
    } catch (const TokenRefreshError& e) {
        EXPECT_EQ(e.code(), errc::refresh_failed);
        EXPECT_EQ(e.http_status(), 502);
    }
    EXPECT_EQ(server_.refresh_requests(), 2);
    EXPECT_EQ(reauth, 0); // transient: no new sign-in asked for
    EXPECT_EQ(stored_access_token(), tokens.access_token);
    // The provider is back: the next call succeeds.
    EXPECT_TRUE(server_.is_active(session->get_access_token()));
}

TEST_F(Session, TransientFailureKeepsUsingTheValidTokenAndRetriesLater) {
    const auto tokens = signed_in();
    auto session = manager(options());
    clock_->advance(570s); // 30 s left: due, still valid
    server_.script({{503, "down"}});
    EXPECT_EQ(session->get_access_token(), tokens.access_token);
    EXPECT_EQ(server_.refresh_requests(), 1);
    // Within the backoff nobody asks again, and nobody waits.
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(session->get_access_token(), tokens.access_token);
    }
    EXPECT_EQ(server_.refresh_requests(), 1);
    EXPECT_EQ(stored_access_token(), tokens.access_token);
    clock_->advance(500ms);
    const std::string token = session->get_access_token();
    EXPECT_NE(token, tokens.access_token);
    EXPECT_EQ(server_.refresh_requests(), 2);
}

TEST_F(Session, InvalidGrantAsksForSignInOncePerEpisode) {
    signed_in();
    std::atomic<int> reauth{0};
    auto o = options();
    o.on_reauth_required = [&] { ++reauth; };
    auto session = manager(o);
    clock_->advance(700s);
    server_.script({{400, {{"error", "invalid_grant"}, {"error_description", "revoked"}}}});
    for (int i = 0; i < 5; ++i) {
        try {
            session->get_access_token();
            FAIL() << "no error";
        } catch (const TokenRefreshError& e) {
            EXPECT_EQ(e.code(), errc::reauth_required);
            EXPECT_EQ(e.oauth_error(), "invalid_grant");
            EXPECT_EQ(e.http_status(), 400);
        }
    }
    EXPECT_EQ(reauth, 1);
    // The refused refresh token is not sent again.
    EXPECT_EQ(server_.refresh_requests(), 1);
    EXPECT_TRUE(store_->load("alice")); // not removed

    // A new sign-in ends the episode; the next refusal asks again.
    session->save_tokens(server_.sign_in());
    EXPECT_NO_THROW(session->get_access_token());
    clock_->advance(700s);
    server_.script({{400, {{"error", "invalid_grant"}}}});
    EXPECT_EQ(error_code_of([&] { session->get_access_token(); }), errc::reauth_required);
    EXPECT_EQ(reauth, 2);
}

TEST_F(Session, NoRefreshTokenIsReauthRequired) {
    auto tokens = server_.sign_in();
    tokens.refresh_token.reset();
    store_->save("alice", tokens);
    std::atomic<int> reauth{0};
    auto o = options();
    o.on_reauth_required = [&] { ++reauth; };
    auto session = manager(o);
    clock_->advance(700s);
    EXPECT_EQ(error_code_of([&] { session->get_access_token(); }), errc::reauth_required);
    EXPECT_EQ(error_code_of([&] { session->refresh(); }), errc::reauth_required);
    EXPECT_EQ(reauth, 1);
    EXPECT_EQ(server_.refresh_requests(), 0);
}

TEST_F(Session, InvalidGrantRereadsTheStoreFirst) {
    signed_in();
    auto session = manager(options());
    clock_->advance(700s);
    // While this request is on its way, another process rotates the token and stores the
    // result: the provider refuses ours, and the store has the good one.
    OAuthTokenSet theirs;
    server_.set_gate([&] {
        server_.set_gate(nullptr);
        theirs = server_.sign_in();
        store_->save("alice", theirs);
    });
    server_.script({{400, {{"error", "invalid_grant"}}}});
    EXPECT_EQ(session->get_access_token(), theirs.access_token);
    EXPECT_EQ(session->stats().adopted, 1u);
}

TEST_F(Session, ConcurrentCallersGetTheSameErrorFromOneRequest) {
    signed_in();
    auto session = manager(options());
    clock_->advance(700s);
    server_.script({{400, {{"error", "invalid_grant"}}}});
    constexpr int threads = 8;
    std::barrier start(threads);
    std::atomic<int> reauth_errors{0};
    std::vector<std::thread> workers;
    for (int i = 0; i < threads; ++i) {
        workers.emplace_back([&] {
            start.arrive_and_wait();
            if (error_code_of([&] { session->get_access_token(); }) == errc::reauth_required) {
                ++reauth_errors;
            }
        });
    }
    for (auto& worker : workers) {
        worker.join();
    }
    EXPECT_EQ(reauth_errors, threads);
    EXPECT_EQ(server_.refresh_requests(), 1);
}

TEST_F(Session, RefreshForcesANewTokenOrTakesANewerStoredOne) {
    const auto tokens = signed_in();
    auto session = manager(options());
    EXPECT_EQ(session->get_access_token(), tokens.access_token);
    const auto refreshed = session->refresh();
    EXPECT_NE(refreshed.access_token, tokens.access_token);
    EXPECT_EQ(server_.refreshes(), 1);
    EXPECT_EQ(session->get_access_token(), refreshed.access_token);

    // Another process stored newer tokens: refresh() takes them instead of asking again.
    const auto theirs = server_.sign_in();
    store_->save("alice", theirs);
    EXPECT_EQ(session->refresh().access_token, theirs.access_token);
    EXPECT_EQ(server_.refreshes(), 1);

    // With nothing cached (a new process), refresh() asks the provider.
    auto fresh_process = manager(options());
    EXPECT_NE(fresh_process->refresh().access_token, theirs.access_token);
    EXPECT_EQ(server_.refreshes(), 2);
}

TEST_F(Session, TokensChangedIsCalledForNewTokensOnly) {
    std::mutex mutex;
    std::vector<std::string> seen;
    auto o = options();
    o.on_tokens_changed = [&](const OAuthTokenSet& tokens) {
        std::lock_guard lock(mutex);
        seen.push_back(tokens.access_token);
    };
    auto session = manager(o);
    const auto first = server_.sign_in();
    session->save_tokens(first);
    session->get_access_token();
    clock_->advance(560s);
    const std::string second = session->get_access_token();
    std::lock_guard lock(mutex);
    EXPECT_EQ(seen, (std::vector<std::string>{first.access_token, second}));
}

TEST_F(Session, TwoProcessesSharingAStoreRefreshOnce) {
    signed_in();
    auto a = manager(options());
    auto b = manager(options());
    EXPECT_NO_THROW(a->get_access_token());
    EXPECT_NO_THROW(b->get_access_token());
    clock_->advance(700s);
    // A's refresh request waits at the server until the test lets it go.
    std::mutex mutex;
    std::condition_variable cv;
    bool release = false;
    server_.set_gate([&] {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return release; });
    });
    auto from_a = std::async(std::launch::async, [&] { return a->get_access_token(); });
    ASSERT_TRUE(server_.wait_requests(1));
    // B cannot take the lease: it waits on the clock, polling the store (beside A's renewal of
    // the lease, which waits on the clock while A's request is held).
    auto from_b = std::async(std::launch::async, [&] { return b->get_access_token(); });
    ASSERT_TRUE(test::wait_for_waiters(clock_, 2));
    {
        std::lock_guard lock(mutex);
        release = true;
    }
    cv.notify_all();
    const std::string token_a = from_a.get();
    clock_->advance(25ms); // B's next look at the store
    const std::string token_b = from_b.get();
    EXPECT_EQ(token_a, token_b);
    EXPECT_EQ(server_.refresh_requests(), 1);
    EXPECT_EQ(server_.invalid_grants(), 0);
    EXPECT_EQ(a->stats().refreshes, 1u);
    EXPECT_EQ(b->stats().adopted, 1u);
    EXPECT_TRUE(server_.is_active(token_b));
}

// Proves the test above can fail: without single-flight both refresh with the same rotating
// token, and the provider ends the grant.
TEST_F(Session, WithoutSingleFlightTwoProcessesBreakTheGrant) {
    signed_in();
    auto o = options();
    o.testing_disable_single_flight = true;
    auto a = manager(o);
    auto b = manager(o);
    clock_->advance(700s);
    std::mutex mutex;
    std::condition_variable cv;
    int arrived = 0;
    server_.set_gate([&] {
        std::unique_lock lock(mutex);
        ++arrived;
        cv.notify_all();
        cv.wait_for(lock, 10s, [&] { return arrived >= 2; });
    });
    auto from_a = std::async(std::launch::async,
                             [&] { return error_code_of([&] { a->get_access_token(); }); });
    auto from_b = std::async(std::launch::async,
                             [&] { return error_code_of([&] { b->get_access_token(); }); });
    from_a.get();
    from_b.get();
    EXPECT_EQ(server_.refresh_requests(), 2);
    EXPECT_EQ(server_.invalid_grants(), 1);
    // The provider ended the grant: even the token that "won" is no longer accepted.
    EXPECT_FALSE(server_.is_active(stored_access_token()));
}

TEST_F(Session, WhileAnotherProcessRefreshesTheValidTokenIsUsed) {
    const auto tokens = signed_in();
    auto a = manager(options());
    auto b = manager(options());
    clock_->advance(560s); // due, 40 s left
    std::mutex mutex;
    std::condition_variable cv;
    bool release = false;
    server_.set_gate([&] {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return release; });
    });
    auto from_a = std::async(std::launch::async, [&] { return a->get_access_token(); });
    ASSERT_TRUE(server_.wait_requests(1));
    ASSERT_TRUE(test::wait_for_waiters(clock_, 1)); // A's renewal of the lease
    // A holds the lease: B answers at once with the token that still works, without waiting.
    EXPECT_EQ(b->get_access_token(), tokens.access_token);
    EXPECT_EQ(clock_->waiters(), 1u);
    {
        std::lock_guard lock(mutex);
        release = true;
    }
    cv.notify_all();
    const std::string fresh = from_a.get();
    EXPECT_NE(fresh, tokens.access_token);
    clock_->advance(30ms); // past the poll interval: B looks at the store again
    EXPECT_EQ(b->get_access_token(), fresh);
    EXPECT_EQ(server_.refresh_requests(), 1);
}

TEST_F(Session, StoreFailureServesTheValidCachedToken) {
    const auto tokens = signed_in();
    auto session = manager(options());
    EXPECT_EQ(session->get_access_token(), tokens.access_token);
    store_->failing = true;
    clock_->advance(570s); // due
    EXPECT_EQ(session->get_access_token(), tokens.access_token);
    clock_->advance(40s); // expired: nothing valid left
    EXPECT_EQ(error_code_of([&] { session->get_access_token(); }), errc::store_unavailable);
    store_->failing = false;
    EXPECT_TRUE(server_.is_active(session->get_access_token()));
}

TEST_F(Session, LogoutRevokesBothTokensAndRemovesThem) {
    const auto tokens = signed_in();
    auto session = manager(options(true));
    ASSERT_TRUE(session->initialize());
    EXPECT_EQ(scheduler_->pending(), 1u);
    const auto result = session->logout();
    EXPECT_TRUE(result.had_tokens);
    EXPECT_TRUE(result.revoked.refresh_token_revoked);
    EXPECT_TRUE(result.revoked.access_token_revoked);
    EXPECT_EQ(server_.revoked_hints(), (std::vector<std::string>{"refresh_token", "access_token"}));
    EXPECT_FALSE(store_->load("alice"));
    EXPECT_FALSE(session->current_tokens());
    EXPECT_EQ(scheduler_->pending(), 0u); // the schedule is cancelled
    EXPECT_FALSE(server_.is_active(tokens.access_token));
    EXPECT_EQ(error_code_of([&] { session->get_access_token(); }), errc::token_missing);
}

TEST_F(Session, LogoutAfterARestartRevokesTheStoredTokens) {
    const auto tokens = signed_in();
    auto session = manager(options()); // nothing cached: the seed revoked nothing here
    const auto result = session->logout();
    EXPECT_TRUE(result.had_tokens);
    EXPECT_TRUE(result.revoked.refresh_token_revoked);
    EXPECT_EQ(server_.revoked_hints().size(), 2u);
    EXPECT_FALSE(store_->load("alice"));
    EXPECT_FALSE(server_.is_active(tokens.access_token));
    // Nothing left: a second logout has nothing to do.
    EXPECT_FALSE(session->logout().had_tokens);
}

TEST_F(Session, RejectsBadOptions) {
    auto o = options();
    o.session_key = "";
    EXPECT_EQ(error_code_of([&] { manager(o); }), errc::invalid_argument);
    o = options();
    o.refresh_buffer_seconds = -1;
    EXPECT_EQ(error_code_of([&] { manager(o); }), errc::invalid_argument);
    o = options();
    o.background_refresh = true; // a ManualClock without a scheduler on it
    EXPECT_EQ(error_code_of([&] { manager(o); }), errc::invalid_argument);
    EXPECT_EQ(error_code_of([&] { SessionManager(nullptr, store_, options()); }),
              errc::invalid_argument);
}

// --- background refresh ---------------------------------------------------------------------

TEST_F(Session, BackgroundRefreshBeforeTheBuffer) {
    const auto tokens = server_.sign_in();
    auto session = manager(options(true));
    session->save_tokens(tokens);
    clock_->advance(539s);
    clock_->advance(1s); // due
    ASSERT_TRUE(server_.wait_refreshes(1));
    ASSERT_TRUE(test::eventually([&] { return stored_access_token() != tokens.access_token; }));
    ASSERT_TRUE(test::eventually(
        [&] { return session->current_tokens()->access_token == stored_access_token(); }));
    // The callers find a fresh token without waiting.
    EXPECT_EQ(session->get_access_token(), stored_access_token());
    EXPECT_EQ(server_.refresh_requests(), 1);
}

// A stored issued_at far in the future (the input token_response_fuzz found for to_string, in
// corpus/token_response/regress-issued-at-1e300) put the next background refresh past the range
// of the scheduler's nanoseconds: undefined behaviour, in practice a negative delay and a
// background task that ran again at once, forever.
TEST_F(Session, FarFutureStoredRecordIsScheduledWithinADay) {
    auto tokens = server_.sign_in();
    tokens.issued_at = 1e300;
    store_->save("alice", tokens);
    auto session = manager(options(true));
    EXPECT_EQ(session->get_access_token(), tokens.access_token);
    ASSERT_TRUE(settled());
    auto due = scheduler_->next_due();
    ASSERT_TRUE(due.has_value());
    EXPECT_EQ(*due - clock_->steady_now(), std::chrono::hours{24});
    clock_->advance(std::chrono::hours{24}); // the wake-up finds nothing due and waits again
    ASSERT_TRUE(test::eventually([&] {
        auto next = scheduler_->next_due();
        return scheduler_->running() == 0 && next && *next > clock_->steady_now();
    }));
    EXPECT_EQ(*scheduler_->next_due() - clock_->steady_now(), std::chrono::hours{24});
    EXPECT_EQ(server_.refresh_requests(), 0);
}

TEST_F(Session, NoSpinWhenTokensLiveShorterThanTheBuffer) {
    server_.set_expires_in(30); // buffer 60: the seed refreshed every second
    auto session = manager(options(true));
    session->save_tokens(server_.sign_in());
    for (int second = 1; second <= 300; ++second) {
        clock_->advance(1s);
        // Half the lifetime: one refresh every 15 s.
        ASSERT_TRUE(server_.wait_refreshes(second / 15)) << second;
        ASSERT_TRUE(settled()) << second;
    }
    EXPECT_EQ(server_.refreshes(), 20);
    EXPECT_EQ(server_.refresh_requests(), 20);
}

TEST_F(Session, NoSpinWhenTokensLiveNoTimeAtAll) {
    server_.set_expires_in(0);
    auto session = manager(options(true));
    session->save_tokens(server_.sign_in());
    for (int second = 1; second <= 60; ++second) {
        clock_->advance(1s);
        ASSERT_TRUE(server_.wait_refreshes(second / 5)) << second;
        ASSERT_TRUE(settled()) << second;
    }
    EXPECT_EQ(server_.refresh_requests(), 12); // the minimum background delay: 5 s
}

TEST_F(Session, BackgroundRefreshRetriesTransientFailures) {
    const auto tokens = server_.sign_in();
    auto session = manager(options(true));
    session->save_tokens(tokens);
    server_.script({{503, "down"}});
    clock_->advance(540s);
    ASSERT_TRUE(server_.wait_requests(1));
    ASSERT_TRUE(settled());
    EXPECT_EQ(stored_access_token(), tokens.access_token);
    // The next background try comes after the (minimum) background delay.
    clock_->advance(5s);
    ASSERT_TRUE(server_.wait_refreshes(1));
    const auto times = server_.request_times();
    EXPECT_EQ(times[1] - times[0], 5s);
}

TEST_F(Session, BackgroundReauthIsNotifiedOnceAndNotRetried) {
    std::atomic<int> reauth{0};
    auto o = options(true);
    o.on_reauth_required = [&] { ++reauth; };
    auto session = manager(o);
    session->save_tokens(server_.sign_in());
    server_.script({{400, {{"error", "invalid_grant"}}}});
    clock_->advance(540s);
    ASSERT_TRUE(server_.wait_requests(1));
    ASSERT_TRUE(test::eventually([&] { return reauth == 1; }));
    for (int i = 0; i < 10; ++i) {
        clock_->advance(60s);
    }
    EXPECT_EQ(server_.refresh_requests(), 1);
    EXPECT_EQ(reauth, 1);
    EXPECT_EQ(scheduler_->pending(), 0u);
}

TEST_F(Session, SlowProviderDoesNotDelayAnotherManager) {
    FakeOAuthServer slow_server{clock_};
    std::mutex mutex;
    std::condition_variable cv;
    bool release = false;
    slow_server.set_gate([&] {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return release; });
    });
    auto slow_options = options(true);
    slow_options.session_key = "slow";
    auto slow = std::make_unique<SessionManager>(slow_server.provider(), store_, slow_options);
    slow->save_tokens(slow_server.sign_in());
    auto fast = manager(options(true));
    fast->save_tokens(server_.sign_in());

    clock_->advance(540s); // both due at once
    ASSERT_TRUE(slow_server.wait_requests(1));
    ASSERT_TRUE(server_.wait_refreshes(1)); // while the slow one hangs
    {
        std::lock_guard lock(mutex);
        release = true;
    }
    cv.notify_all();
    ASSERT_TRUE(slow_server.wait_refreshes(1));
}

TEST_F(Session, DestructionWaitsForARunningBackgroundRefresh) {
    std::mutex mutex;
    std::condition_variable cv;
    bool release = false;
    server_.set_gate([&] {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return release; });
    });
    std::atomic<int> changes{0};
    auto o = options(true);
    o.on_tokens_changed = [&](const OAuthTokenSet&) { ++changes; };
    auto session = manager(o);
    session->save_tokens(server_.sign_in());
    EXPECT_EQ(changes, 1);
    clock_->advance(540s);
    ASSERT_TRUE(server_.wait_requests(1));
    auto destroyed = std::async(std::launch::async, [&] {
        session.reset();
        std::lock_guard lock(mutex);
        return release; // the destructor returned only after the refresh ended
    });
    EXPECT_EQ(destroyed.wait_for(100ms), std::future_status::timeout); // still refreshing
    {
        std::lock_guard lock(mutex);
        release = true;
    }
    cv.notify_all();
    EXPECT_TRUE(destroyed.get());
    const int after = changes;
    clock_->advance(600s);
    EXPECT_EQ(changes, after); // nothing runs for a destroyed manager
    EXPECT_EQ(scheduler_->pending(), 0u);
}

} // namespace
} // namespace authflow

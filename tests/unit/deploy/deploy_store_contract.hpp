#pragma once
// The contract of the deploy stores (SessionStore, PendingLoginStore, LoginRateLimiter), one
// typed suite run against every backend: memory and SQLite here (tests/unit/deploy), Redis
// against a real redis-server (tests/integration/deploy_stores_test.cpp).
//
// A Backend type provides:
//   static constexpr const char* name;
//   static constexpr bool shared;       // two stores made by one Backend object share records
//   static constexpr bool server_time;  // rate-limit windows run on the server's clock
//   std::shared_ptr<SessionStore> sessions(std::shared_ptr<Clock>);
//   std::shared_ptr<PendingLoginStore> pending(std::shared_ptr<Clock>);
//   std::shared_ptr<PendingLoginStore> pending(std::shared_ptr<Clock>, PendingLoginLimits);
//   std::shared_ptr<LoginRateLimiter> limiter(RateLimitOptions, std::shared_ptr<Clock>);
//   std::shared_ptr<ReplayStore> replays(std::shared_ptr<Clock>);
// and optionally `static bool available()` (else the suite always runs). A Backend object is
// made per test and isolates that test's data (its own file or key prefix).

#include "support/test_env.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/deploy/pending_login.hpp>
#include <authflow/deploy/rate_limit.hpp>
#include <authflow/deploy/replay_store.hpp>
#include <authflow/deploy/session_store.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace authflow::test {

using namespace std::chrono_literals;

/// Names each instantiation after its backend.
struct DeployBackendNames {
    template <class Backend> static std::string GetName(int) { return Backend::name; }
};

template <typename F> errc contract_error_code(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    ADD_FAILURE() << "expected an Error";
    return errc::internal;
}

inline UserSession contract_session(const Clock& clock, std::string id, std::string user,
                                    std::chrono::seconds ttl = 3600s) {
    UserSession session;
    session.session_id = std::move(id);
    session.user_id = std::move(user);
    session.roles = {"viewer", "editor"};
    session.created_at = clock.now();
    session.expires_at = clock.now() + ttl;
    session.metadata = {{"provider", "oidc"},
                        {"user_info", {{"name", "Zoë Ünïcode ✓"}, {"email", "z@example.com"}}}};
    return session;
}

inline PendingLogin contract_pending(const Clock& clock) {
    PendingLogin record;
    record.nonce = "nonce-value";
    record.pkce_verifier = std::string(64, 'v');
    record.dpop_key =
        "-----BEGIN PRIVATE KEY-----\nDpopKeyOfThisSignIn\n-----END PRIVATE KEY-----\n";
    record.redirect_uri = "https://app.example.com/auth/callback";
    record.next = "/after?x=1";
    record.browser_binding = browser_binding_hash("pre-login-cookie");
    record.client = "192.0.2.55";
    record.created_at = clock.now();
    return record;
}

inline PendingLogin contract_pending_from(const Clock& clock, std::string client) {
    PendingLogin record = contract_pending(clock);
    record.client = std::move(client);
    return record;
}

template <class Backend> class DeployStoreContract : public ::testing::Test {
protected:
    void SetUp() override {
        if constexpr (requires { Backend::available(); }) {
            AUTHFLOW_REQUIRE_SERVICE(Backend::available(), Backend::name);
        }
        backend_ = std::make_unique<Backend>();
    }

    std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>();
    std::unique_ptr<Backend> backend_;
};

TYPED_TEST_SUITE_P(DeployStoreContract);

// --- sessions ---

TYPED_TEST_P(DeployStoreContract, SessionCreateGetRemove) {
    auto store = this->backend_->sessions(this->clock_);
    const auto id = new_session_id();
    const auto session = contract_session(*this->clock_, id, "user-1");
    store->create(session);
    const auto got = store->get(id);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->session_id, id);
    EXPECT_EQ(got->session_key, session_key(id));
    EXPECT_EQ(got->user_id, "user-1");
    EXPECT_EQ(got->roles, session.roles);
    EXPECT_EQ(got->created_at, session.created_at);
    EXPECT_EQ(got->expires_at, session.expires_at);
    EXPECT_EQ(got->metadata, session.metadata);
    EXPECT_FALSE(store->get(new_session_id()).has_value());
    EXPECT_FALSE(store->get("").has_value());
    EXPECT_TRUE(store->remove(id));
    EXPECT_FALSE(store->get(id).has_value());
    EXPECT_FALSE(store->remove(id));
}

TYPED_TEST_P(DeployStoreContract, SessionExpiresByTheClock) {
    auto store = this->backend_->sessions(this->clock_);
    const auto id = new_session_id();
    store->create(contract_session(*this->clock_, id, "user-1", 60s));
    this->clock_->advance(59s);
    EXPECT_TRUE(store->get(id).has_value());
    this->clock_->advance(1s);
    EXPECT_FALSE(store->get(id).has_value());
    EXPECT_FALSE(store->touch(id, 3600s));
    EXPECT_TRUE(store->list_user_sessions("user-1").empty());
}

TYPED_TEST_P(DeployStoreContract, SessionTouchExtendsNeverShortens) {
    auto store = this->backend_->sessions(this->clock_);
    const auto id = new_session_id();
    store->create(contract_session(*this->clock_, id, "user-1", 100s));
    const auto original = store->get(id)->expires_at;
    EXPECT_TRUE(store->touch(id, 10s));
    EXPECT_EQ(store->get(id)->expires_at, original);
    this->clock_->advance(90s);
    EXPECT_TRUE(store->touch(id, 200s));
    EXPECT_EQ(store->get(id)->expires_at, this->clock_->now() + 200s);
    this->clock_->advance(150s); // past the original expiry
    EXPECT_TRUE(store->get(id).has_value());
    EXPECT_FALSE(store->touch(new_session_id(), 10s));
    EXPECT_FALSE(store->touch(id, 0s));
}

TYPED_TEST_P(DeployStoreContract, SessionListAndRemoveUserSessions) {
    auto store = this->backend_->sessions(this->clock_);
    const auto a = new_session_id();
    const auto b = new_session_id();
    const auto c = new_session_id();
    store->create(contract_session(*this->clock_, a, "alice"));
    store->create(contract_session(*this->clock_, b, "alice", 60s));
    store->create(contract_session(*this->clock_, c, "bob"));
    auto listed = store->list_user_sessions("alice");
    ASSERT_EQ(listed.size(), 2u);
    std::set<std::string> keys;
    for (const auto& s : listed) {
        EXPECT_TRUE(s.session_id.empty()); // listed sessions never carry the id
        EXPECT_EQ(s.user_id, "alice");
        keys.insert(s.session_key);
    }
    EXPECT_EQ(keys, (std::set<std::string>{session_key(a), session_key(b)}));
    this->clock_->advance(61s); // b expires
    EXPECT_EQ(store->list_user_sessions("alice").size(), 1u);
    EXPECT_EQ(store->remove_user_sessions("alice"), 1u);
    EXPECT_FALSE(store->get(a).has_value());
    EXPECT_TRUE(store->get(c).has_value());
    EXPECT_TRUE(store->list_user_sessions("alice").empty());
    EXPECT_TRUE(store->list_user_sessions("nobody").empty());
    EXPECT_EQ(store->remove_user_sessions("nobody"), 0u);
}

TYPED_TEST_P(DeployStoreContract, SessionRemoveByKey) {
    auto store = this->backend_->sessions(this->clock_);
    const auto id = new_session_id();
    store->create(contract_session(*this->clock_, id, "alice"));
    EXPECT_FALSE(store->remove_by_key(session_key(new_session_id())));
    EXPECT_FALSE(store->remove_by_key("not-a-key"));
    EXPECT_TRUE(store->remove_by_key(session_key(id)));
    EXPECT_FALSE(store->get(id).has_value());
    EXPECT_TRUE(store->list_user_sessions("alice").empty());
}

TYPED_TEST_P(DeployStoreContract, SessionRejectsBadSessions) {
    auto store = this->backend_->sessions(this->clock_);
    EXPECT_EQ(
        contract_error_code([&] { store->create(contract_session(*this->clock_, "", "alice")); }),
        errc::invalid_argument);
    EXPECT_EQ(contract_error_code(
                  [&] { store->create(contract_session(*this->clock_, new_session_id(), "")); }),
              errc::invalid_argument);
    auto past = contract_session(*this->clock_, new_session_id(), "alice");
    past.expires_at = this->clock_->now();
    EXPECT_EQ(contract_error_code([&] { store->create(past); }), errc::invalid_argument);
    const auto id = new_session_id();
    store->create(contract_session(*this->clock_, id, "alice"));
    EXPECT_EQ(
        contract_error_code([&] { store->create(contract_session(*this->clock_, id, "mallory")); }),
        errc::invalid_argument);
    EXPECT_EQ(store->get(id)->user_id, "alice"); // the first session is untouched
}

TYPED_TEST_P(DeployStoreContract, SessionsSharedBetweenStores) {
    auto one = this->backend_->sessions(this->clock_);
    auto two = this->backend_->sessions(this->clock_);
    const auto id = new_session_id();
    one->create(contract_session(*this->clock_, id, "alice"));
    if constexpr (!TypeParam::shared) {
        // An in-process store is its own: a second instance sees nothing of the first.
        EXPECT_FALSE(two->get(id).has_value());
        EXPECT_EQ(one->get(id)->user_id, "alice");
    } else {
        EXPECT_EQ(two->get(id)->user_id, "alice");
        EXPECT_TRUE(two->remove(id));
        EXPECT_FALSE(one->get(id).has_value());
    }
}

TYPED_TEST_P(DeployStoreContract, SessionsFromEightThreads) {
    auto store = this->backend_->sessions(this->clock_);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            const std::string user = "user-" + std::to_string(t);
            for (int i = 0; i < 50; ++i) {
                const auto id = new_session_id();
                store->create(contract_session(*this->clock_, id, user));
                auto got = store->get(id);
                if (!got || got->user_id != user) {
                    ++failures;
                }
                if (i % 2 == 0 && !store->remove(id)) {
                    ++failures;
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(failures.load(), 0);
    for (int t = 0; t < 8; ++t) {
        EXPECT_EQ(store->list_user_sessions("user-" + std::to_string(t)).size(), 25u);
    }
}

TYPED_TEST_P(DeployStoreContract, SessionSidIndexListsTheSessionsOfOneProviderSession) {
    auto store = this->backend_->sessions(this->clock_);
    const auto a = new_session_id();
    const auto b = new_session_id();
    const auto c = new_session_id();
    const auto d = new_session_id();
    const auto e = new_session_id();
    auto with_sid = [&](const std::string& id, const std::string& user, const std::string& sid,
                        std::chrono::seconds ttl = 3600s) {
        UserSession session = contract_session(*this->clock_, id, user, ttl);
        session.sid = sid;
        store->create(session);
    };
    with_sid(a, "alice", "op-session-1");
    with_sid(b, "alice", "op-session-1");
    with_sid(c, "alice", "op-session-2");
    with_sid(d, "bob", "op-session-3");
    with_sid(e, "alice", "op-session-4", 60s);
    store->create(contract_session(*this->clock_, new_session_id(), "carol")); // no sid
    EXPECT_EQ(store->get(a)->sid, "op-session-1");
    EXPECT_TRUE(store->list_user_sessions("carol").front().sid.empty());

    auto keys_of = [](const std::vector<UserSession>& sessions) {
        std::set<std::string> keys;
        for (const auto& s : sessions) {
            EXPECT_TRUE(s.session_id.empty());
            keys.insert(s.session_key);
        }
        return keys;
    };
    EXPECT_EQ(keys_of(store->list_sid_sessions("op-session-1")),
              (std::set<std::string>{session_key(a), session_key(b)}));
    EXPECT_EQ(keys_of(store->list_sid_sessions("op-session-3")),
              (std::set<std::string>{session_key(d)}));
    EXPECT_TRUE(store->list_sid_sessions("op-session-9").empty());
    EXPECT_TRUE(store->list_sid_sessions("").empty());

    // The index follows the sessions: removed, expired, or removed with their user.
    EXPECT_TRUE(store->remove(a));
    EXPECT_EQ(keys_of(store->list_sid_sessions("op-session-1")),
              (std::set<std::string>{session_key(b)}));
    EXPECT_EQ(store->list_sid_sessions("op-session-4").size(), 1u);
    this->clock_->advance(61s);
    EXPECT_TRUE(store->list_sid_sessions("op-session-4").empty());
    EXPECT_EQ(store->remove_user_sessions("alice"), 2u);
    EXPECT_TRUE(store->list_sid_sessions("op-session-1").empty());
    EXPECT_TRUE(store->list_sid_sessions("op-session-2").empty());
    EXPECT_EQ(store->list_sid_sessions("op-session-3").size(), 1u);
    // A new session under an old sid is found again (the index is not left stale).
    const auto f = new_session_id();
    with_sid(f, "alice", "op-session-1");
    EXPECT_EQ(keys_of(store->list_sid_sessions("op-session-1")),
              (std::set<std::string>{session_key(f)}));
    if constexpr (TypeParam::shared) {
        auto other = this->backend_->sessions(this->clock_);
        EXPECT_EQ(keys_of(other->list_sid_sessions("op-session-1")),
                  (std::set<std::string>{session_key(f)}));
    }
}

// --- single-use identifiers ---

TYPED_TEST_P(DeployStoreContract, ReplayAcceptsEachIdentifierOnce) {
    auto store = this->backend_->replays(this->clock_);
    EXPECT_TRUE(store->first_use("https://op.example\njti-1", 60s));
    EXPECT_FALSE(store->first_use("https://op.example\njti-1", 60s));
    EXPECT_TRUE(store->first_use("https://op.example\njti-2", 60s));
    EXPECT_TRUE(store->first_use("https://other.example\njti-1", 60s));
    if constexpr (TypeParam::shared) {
        auto other = this->backend_->replays(this->clock_);
        EXPECT_FALSE(other->first_use("https://op.example\njti-1", 60s));
    }
    if constexpr (!TypeParam::server_time) {
        this->clock_->advance(59s);
        EXPECT_FALSE(store->first_use("https://op.example\njti-2", 60s));
        this->clock_->advance(2s); // remembered no longer than asked
        EXPECT_TRUE(store->first_use("https://op.example\njti-2", 60s));
    }
    EXPECT_EQ(contract_error_code([&] { store->first_use("", 60s); }), errc::invalid_argument);
    EXPECT_EQ(contract_error_code([&] { store->first_use("x", 0s); }), errc::invalid_argument);
    EXPECT_EQ(contract_error_code([&] { store->first_use("x", max_replay_ttl + 1s); }),
              errc::invalid_argument);
}

TYPED_TEST_P(DeployStoreContract, ReplayConcurrentUsesSucceedOnce) {
    auto store = this->backend_->replays(this->clock_);
    for (int round = 0; round < 5; ++round) {
        const std::string id = "jti-race-" + std::to_string(round);
        std::atomic<int> accepted{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 8; ++t) {
            threads.emplace_back([&] {
                if (store->first_use(id, 60s)) {
                    ++accepted;
                }
            });
        }
        for (auto& thread : threads) {
            thread.join();
        }
        EXPECT_EQ(accepted.load(), 1) << id;
    }
}

// --- pending logins ---

TYPED_TEST_P(DeployStoreContract, PendingTakeReturnsTheRecordOnce) {
    auto store = this->backend_->pending(this->clock_);
    const auto record = contract_pending(*this->clock_);
    store->put("state-1", record);
    auto taken = store->take("state-1");
    ASSERT_TRUE(taken.has_value());
    EXPECT_EQ(taken->state, "state-1");
    EXPECT_EQ(taken->nonce, record.nonce);
    EXPECT_EQ(taken->pkce_verifier, record.pkce_verifier);
    EXPECT_TRUE(taken->dpop_key == record.dpop_key); // (never printed: a private key)
    EXPECT_EQ(taken->redirect_uri, record.redirect_uri);
    EXPECT_EQ(taken->next, record.next);
    EXPECT_EQ(taken->browser_binding, record.browser_binding);
    EXPECT_EQ(taken->client, record.client);
    EXPECT_EQ(taken->created_at, record.created_at);
    EXPECT_TRUE(taken->is_bound_to("pre-login-cookie"));
    EXPECT_FALSE(taken->is_bound_to("another-cookie"));
    EXPECT_FALSE(store->take("state-1").has_value());
    EXPECT_FALSE(store->take("unknown").has_value());
    EXPECT_FALSE(store->take("").has_value());
}

TYPED_TEST_P(DeployStoreContract, PendingExpiresAfterTtl) {
    auto store = this->backend_->pending(this->clock_);
    store->put("s", contract_pending(*this->clock_), 60s);
    store->put("t", contract_pending(*this->clock_), 60s);
    this->clock_->advance(59s);
    EXPECT_TRUE(store->take("s").has_value());
    this->clock_->advance(1s);
    EXPECT_FALSE(store->take("t").has_value());
}

TYPED_TEST_P(DeployStoreContract, PendingRejectsBadArguments) {
    auto store = this->backend_->pending(this->clock_);
    const auto record = contract_pending(*this->clock_);
    EXPECT_EQ(contract_error_code([&] { store->put("", record); }), errc::invalid_argument);
    EXPECT_EQ(contract_error_code([&] { store->put("s", record, 0s); }), errc::invalid_argument);
    EXPECT_EQ(contract_error_code([&] { store->put("s", record, 7200s); }), errc::invalid_argument);
    store->put("s", record);
    EXPECT_EQ(contract_error_code([&] { store->put("s", record); }), errc::invalid_argument);
}

TYPED_TEST_P(DeployStoreContract, PendingConcurrentTakesSucceedOnce) {
    auto store = this->backend_->pending(this->clock_);
    for (int i = 0; i < 50; ++i) {
        store->put("state-" + std::to_string(i), contract_pending(*this->clock_));
    }
    std::atomic<int> taken{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 50; ++i) {
                if (store->take("state-" + std::to_string(i))) {
                    ++taken;
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(taken.load(), 50);
}

// A full store evicts its oldest login: a new client is never refused.
TYPED_TEST_P(DeployStoreContract, PendingFullStoreEvictsTheOldestInsteadOfRefusing) {
    auto store = this->backend_->pending(this->clock_, PendingLoginLimits{3, 2});
    for (const char* state : {"a", "b", "c", "d"}) {
        store->put(state, contract_pending_from(*this->clock_, std::string{"192.0.2."} + state));
        this->clock_->advance(1s);
    }
    EXPECT_FALSE(store->take("a").has_value());
    EXPECT_TRUE(store->take("d").has_value());
    EXPECT_TRUE(store->take("b").has_value());
    EXPECT_TRUE(store->take("c").has_value());
    // Taken logins leave room; records without a client are bound by the capacity alone.
    for (const char* state : {"e", "f", "g"}) {
        store->put(state, contract_pending_from(*this->clock_, ""));
        this->clock_->advance(1s);
    }
    EXPECT_TRUE(store->take("e").has_value());
    EXPECT_TRUE(store->take("g").has_value());
}

// One client at its cap loses its own oldest login, never another client's.
TYPED_TEST_P(DeployStoreContract, PendingClientAtItsCapLosesItsOwnOldest) {
    auto store = this->backend_->pending(this->clock_, PendingLoginLimits{100, 2});
    store->put("victim", contract_pending_from(*this->clock_, "198.51.100.9"));
    for (int i = 0; i < 5; ++i) {
        this->clock_->advance(1s);
        store->put("flood-" + std::to_string(i),
                   contract_pending_from(*this->clock_, "2001:db8::/64"));
    }
    EXPECT_FALSE(store->take("flood-2").has_value());
    EXPECT_TRUE(store->take("flood-3").has_value());
    EXPECT_TRUE(store->take("flood-4").has_value());
    EXPECT_TRUE(store->take("victim").has_value());
    // Taken logins no longer count against their client.
    this->clock_->advance(1s);
    store->put("again-1", contract_pending_from(*this->clock_, "2001:db8::/64"));
    this->clock_->advance(1s);
    store->put("again-2", contract_pending_from(*this->clock_, "2001:db8::/64"));
    EXPECT_TRUE(store->take("again-1").has_value());
    EXPECT_TRUE(store->take("again-2").has_value());
}

// --- rate limits ---

TYPED_TEST_P(DeployStoreContract, RateLimitAllowsUpToTheLimitThenRefuses) {
    RateLimitOptions options;
    options.max_requests = 3;
    options.window = 60s;
    auto limiter = this->backend_->limiter(options, this->clock_);
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(limiter->check("10.0.0.1").allowed) << i;
    }
    const auto refused = limiter->check("10.0.0.1");
    EXPECT_FALSE(refused.allowed);
    EXPECT_GT(refused.retry_after.count(), 0);
    EXPECT_LE(refused.retry_after.count(), 60);
    EXPECT_FALSE(limiter->check("10.0.0.1").allowed);
    EXPECT_TRUE(limiter->check("10.0.0.2").allowed); // another client has its own count
    limiter->reset();
    EXPECT_TRUE(limiter->check("10.0.0.1").allowed);
}

TYPED_TEST_P(DeployStoreContract, RateLimitWindowEnds) {
    RateLimitOptions options;
    options.max_requests = 2;
    options.window = 1s;
    auto limiter = this->backend_->limiter(options, this->clock_);
    EXPECT_TRUE(limiter->check("c").allowed);
    EXPECT_TRUE(limiter->check("c").allowed);
    EXPECT_FALSE(limiter->check("c").allowed);
    if constexpr (TypeParam::server_time) {
        std::this_thread::sleep_for(1100ms); // the window is the server's: real time passes
    } else {
        this->clock_->advance(1s);
    }
    EXPECT_TRUE(limiter->check("c").allowed);
}

TYPED_TEST_P(DeployStoreContract, RateLimitCountsEveryConcurrentAttempt) {
    RateLimitOptions options;
    options.max_requests = 100;
    options.window = 60s;
    auto limiter = this->backend_->limiter(options, this->clock_);
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 25; ++i) {
                if (limiter->check("shared").allowed) {
                    ++allowed;
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(allowed.load(), 100); // 200 attempts, exactly the limit allowed
}

REGISTER_TYPED_TEST_SUITE_P(DeployStoreContract, SessionCreateGetRemove, SessionExpiresByTheClock,
                            SessionTouchExtendsNeverShortens, SessionListAndRemoveUserSessions,
                            SessionRemoveByKey, SessionRejectsBadSessions,
                            SessionsSharedBetweenStores, SessionsFromEightThreads,
                            SessionSidIndexListsTheSessionsOfOneProviderSession,
                            ReplayAcceptsEachIdentifierOnce, ReplayConcurrentUsesSucceedOnce,
                            PendingTakeReturnsTheRecordOnce, PendingExpiresAfterTtl,
                            PendingRejectsBadArguments, PendingConcurrentTakesSucceedOnce,
                            PendingFullStoreEvictsTheOldestInsteadOfRefusing,
                            PendingClientAtItsCapLosesItsOwnOldest,
                            RateLimitAllowsUpToTheLimitThenRefuses, RateLimitWindowEnds,
                            RateLimitCountsEveryConcurrentAttempt);

} // namespace authflow::test

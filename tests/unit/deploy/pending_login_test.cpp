// PendingLoginStore (memory): single use, expiry, browser binding, capacity, hashed keys.
#include <authflow/core/clock.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/deploy/pending_login.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace authflow {
namespace {

using namespace std::chrono_literals;

PendingLogin sample(std::string_view pre_login_cookie = "pre-login-cookie-value") {
    PendingLogin record;
    record.nonce = "nonce-1";
    record.pkce_verifier = "verifier-1";
    record.redirect_uri = "https://app.example.com/auth/callback";
    record.next = "/reports";
    record.browser_binding = browser_binding_hash(pre_login_cookie);
    record.created_at = Clock::wall_time{std::chrono::seconds{1767225600}};
    return record;
}

template <typename F> errc error_code(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    ADD_FAILURE() << "expected an Error";
    return errc::internal;
}

TEST(DeployPendingLogin, TakeReturnsTheRecordOnce) {
    auto clock = std::make_shared<ManualClock>();
    MemoryPendingLoginStore store{100, clock};
    store.put("state-1", sample());
    const auto taken = store.take("state-1");
    ASSERT_TRUE(taken.has_value());
    EXPECT_EQ(taken->state, "state-1");
    EXPECT_EQ(taken->nonce, "nonce-1");
    EXPECT_EQ(taken->pkce_verifier, "verifier-1");
    EXPECT_EQ(taken->redirect_uri, "https://app.example.com/auth/callback");
    EXPECT_EQ(taken->next, "/reports");
    EXPECT_EQ(taken->created_at, sample().created_at);
    // Single use: a replayed callback finds nothing.
    EXPECT_FALSE(store.take("state-1").has_value());
    EXPECT_EQ(store.size(), 0u);
}

TEST(DeployPendingLogin, UnknownStateFindsNothing) {
    auto clock = std::make_shared<ManualClock>();
    MemoryPendingLoginStore store{100, clock};
    store.put("state-1", sample());
    EXPECT_FALSE(store.take("state-2").has_value());
    EXPECT_FALSE(store.take("").has_value());
    EXPECT_EQ(store.size(), 1u);
}

TEST(DeployPendingLogin, ExpiresAfterTtl) {
    auto clock = std::make_shared<ManualClock>();
    MemoryPendingLoginStore store{100, clock};
    store.put("state-1", sample());
    store.put("state-2", sample(), 30s);
    clock->advance(599s);
    EXPECT_FALSE(store.take("state-2").has_value());
    EXPECT_TRUE(store.take("state-1").has_value());
    store.put("state-3", sample());
    clock->advance(600s);
    EXPECT_FALSE(store.take("state-3").has_value());
}

TEST(DeployPendingLogin, ExpiredRecordsArePrunedOnPut) {
    auto clock = std::make_shared<ManualClock>();
    MemoryPendingLoginStore store{100, clock};
    for (int i = 0; i < 50; ++i) {
        store.put("s" + std::to_string(i), sample());
    }
    clock->advance(601s);
    store.put("fresh", sample());
    EXPECT_EQ(store.size(), 1u);
}

TEST(DeployPendingLogin, BindingKeptAndChecked) {
    auto clock = std::make_shared<ManualClock>();
    MemoryPendingLoginStore store{100, clock};
    store.put("state-1", sample("victim-browser-cookie"));
    const auto taken = store.take("state-1");
    ASSERT_TRUE(taken.has_value());
    EXPECT_EQ(taken->browser_binding, browser_binding_hash("victim-browser-cookie"));
    EXPECT_TRUE(taken->is_bound_to("victim-browser-cookie"));
    // Login CSRF (seed §13 item 14): another browser's cookie, or none, does not match.
    EXPECT_FALSE(taken->is_bound_to("attacker-browser-cookie"));
    EXPECT_FALSE(taken->is_bound_to(""));
    PendingLogin unbound = sample();
    unbound.browser_binding.clear();
    EXPECT_FALSE(unbound.is_bound_to(""));
    // The binding is a hash, not the cookie itself.
    EXPECT_EQ(taken->browser_binding.find("victim"), std::string::npos);
}

PendingLogin from_client(std::string client) {
    PendingLogin record = sample();
    record.client = std::move(client);
    return record;
}

TEST(DeployPendingLogin, FullStoreEvictsTheOldestInsteadOfRefusing) {
    auto clock = std::make_shared<ManualClock>();
    MemoryPendingLoginStore store{3, clock};
    store.put("a", from_client("192.0.2.1"));
    clock->advance(1s);
    store.put("b", from_client("192.0.2.2"));
    clock->advance(1s);
    store.put("c", from_client("192.0.2.3"));
    clock->advance(1s);
    store.put("d", from_client("192.0.2.4")); // a new client always gets in
    EXPECT_EQ(store.size(), 3u);
    EXPECT_FALSE(store.take("a").has_value());
    EXPECT_TRUE(store.take("d").has_value());
    EXPECT_TRUE(store.take("b").has_value());
    EXPECT_TRUE(store.take("c").has_value());
    EXPECT_EQ(store.size(), 0u);
}

TEST(DeployPendingLogin, ClientAtItsCapLosesItsOwnOldest) {
    auto clock = std::make_shared<ManualClock>();
    MemoryPendingLoginStore store{PendingLoginLimits{100, 2}, clock};
    store.put("victim", from_client("198.51.100.9"));
    for (int i = 0; i < 10; ++i) {
        clock->advance(1s);
        store.put("flood-" + std::to_string(i), from_client("2001:db8::/64"));
    }
    EXPECT_EQ(store.size(), 3u);
    EXPECT_TRUE(store.take("victim").has_value());
    EXPECT_FALSE(store.take("flood-7").has_value());
    EXPECT_TRUE(store.take("flood-8").has_value());
    EXPECT_TRUE(store.take("flood-9").has_value());
    // Records without a client are only bound by the capacity.
    for (int i = 0; i < 5; ++i) {
        store.put("anonymous-" + std::to_string(i), sample());
    }
    EXPECT_EQ(store.size(), 5u);
}

TEST(DeployPendingLogin, FloodFromManyClientsNeverStopsANewLogin) {
    auto clock = std::make_shared<ManualClock>();
    MemoryPendingLoginStore store{PendingLoginLimits{1000, 4}, clock};
    for (int i = 0; i < 5000; ++i) {
        store.put("flood-" + std::to_string(i),
                  from_client("2001:db8:0:" + std::to_string(i % 256) + "::/64"));
    }
    EXPECT_EQ(store.size(), 1000u);
    store.put("new-client", from_client("192.0.2.200"));
    EXPECT_EQ(store.size(), 1000u);
    EXPECT_TRUE(store.take("new-client").has_value());
    // Expired records still go first, and take() keeps the per-client index right.
    clock->advance(601s);
    store.put("later", from_client("192.0.2.200"));
    EXPECT_EQ(store.size(), 1u);
}

TEST(DeployPendingLogin, KeysAreHashedStates) {
    auto clock = std::make_shared<ManualClock>();
    MemoryPendingLoginStore store{100, clock};
    const std::string state = "raw-state-value-abc";
    store.put(state, sample());
    const auto keys = store.stored_keys();
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_NE(keys.front(), state);
    EXPECT_EQ(keys.front().find(state), std::string::npos);
    EXPECT_EQ(keys.front(), pending_login_key(state));
    EXPECT_EQ(keys.front().size(), 64u);
    EXPECT_EQ(pending_login_key("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(DeployPendingLogin, RejectsBadArguments) {
    auto clock = std::make_shared<ManualClock>();
    MemoryPendingLoginStore store{100, clock};
    EXPECT_EQ(error_code([&] { store.put("", sample()); }), errc::invalid_argument);
    EXPECT_EQ(error_code([&] { store.put("s", sample(), 0s); }), errc::invalid_argument);
    EXPECT_EQ(error_code([&] { store.put("s", sample(), 2h); }), errc::invalid_argument);
    store.put("s", sample());
    EXPECT_EQ(error_code([&] { store.put("s", sample()); }), errc::invalid_argument);
    EXPECT_EQ(error_code([&] { MemoryPendingLoginStore bad{0, clock}; }), errc::invalid_argument);
}

TEST(DeployPendingLogin, ConcurrentTakesSucceedOnce) {
    auto clock = std::make_shared<ManualClock>();
    MemoryPendingLoginStore store{100, clock};
    for (int round = 0; round < 50; ++round) {
        const std::string state = "state-" + std::to_string(round);
        store.put(state, sample());
        std::atomic<int> winners{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&] { winners += store.take(state).has_value() ? 1 : 0; });
        }
        for (auto& thread : threads) {
            thread.join();
        }
        EXPECT_EQ(winners.load(), 1);
    }
}

} // namespace
} // namespace authflow

// A token request slower than the refresh lease's TTL: a fault proxy in front of the token
// endpoint (node oidc-provider, rotating refresh tokens: a reused one revokes the grant) holds
// each request for longer than the TTL. Two SessionManagers with their own store objects on one
// store (SQLite, and again Redis) both need a refresh. The first holds the lease, and renews it
// while its request is in flight, so the second waits instead of taking an expired lease and
// sending the same refresh token: one refresh grant reaches the provider, both get its token,
// and the grant stays alive. Without the renewal (a test-only switch) the second refreshes too,
// the provider sees the refresh token reused and revokes the grant: the test shows that failure.
#include "support/fault_proxy.hpp"
#include "support/oidc_provider.hpp"
#include "support/redis_server.hpp"
#include "support/session_processes.hpp"
#include "support/test_env.hpp"

#include <authflow/config.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>
#include <authflow/session/session_manager.hpp>
#include <authflow/store/encryption.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>

namespace authflow {
namespace {

using namespace std::chrono_literals;
using test::OidcProvider;
using Steady = std::chrono::steady_clock;

constexpr int access_token_ttl = 60;
constexpr auto lease_ttl = 1500ms;
constexpr auto request_delay = 3500ms; // the proxy holds each token request this long
constexpr const char* client_id = test::shared_client_id;
constexpr const char* session_key = "slow-refresh";

OidcProvider& op() {
    static OidcProvider provider(test::rotating_refresh_options(access_token_ttl));
    return provider;
}

/// What one run saw.
struct Outcome {
    std::string token_a;
    std::string token_b;
    std::string error_b; ///< B's errc when it got no token
    std::size_t refresh_grants = 0;
    std::size_t grant_errors = 0;
    bool is_token_a_active = false;
};

class LeaseRenewal : public ::testing::Test {
protected:
    void SetUp() override {
        AUTHFLOW_REQUIRE_SERVICE(OidcProvider::available(), OidcProvider::missing());
        op();
    }

    std::unique_ptr<SessionManager> make_session(const std::string& spec, const std::string& key,
                                                 const std::string& token_url, bool is_renewing) {
        SessionManagerOptions options;
        options.session_key = session_key;
        options.lease_ttl = lease_ttl;
        options.background_refresh = false;
        options.testing_disable_lease_renewal = !is_renewing;
        // Each manager has a store object of its own on the same place, as two processes would.
        return std::make_unique<SessionManager>(
            test::make_shared_client(op().issuer(), token_url),
            test::open_store(spec, key, {.prefix = "lease-renewal-test"}), options);
    }

    Outcome run(const std::string& spec, bool is_renewing) {
        const std::string store_key = StoreKey::generate().to_base64();
        auto store = test::open_store(spec, store_key, {.prefix = "lease-renewal-test"});
        // Alice signs in; her tokens are stored already expired, so both callers must refresh.
        auto provider = test::make_shared_client(op().issuer());
        OAuthTokenSet tokens = test::sign_in(*provider);
        tokens.issued_at -= access_token_ttl + 1;
        store->save(session_key, tokens);

        test::FaultProxy proxy(op().url(""));
        proxy.set_mode(test::FaultMode::slow);
        proxy.set_delay(request_delay);
        auto a = make_session(spec, store_key, proxy.url("/token"), is_renewing);
        auto b = make_session(spec, store_key, proxy.url("/token"), is_renewing);

        Outcome outcome;
        const auto grants_before = op().count_events("grant.success", client_id, "refresh_token");
        const auto errors_before = op().count_events("grant.error", client_id);
        auto from_a = std::async(std::launch::async, [&] { return a->get_access_token(); });
        // A's request is at the proxy: A took the lease. Let more than its TTL pass.
        const auto deadline = Steady::now() + 30s;
        while (proxy.requests() < 1 && Steady::now() < deadline) {
            std::this_thread::sleep_for(5ms);
        }
        EXPECT_EQ(proxy.requests(), 1);
        std::this_thread::sleep_for(lease_ttl + 300ms);
        try {
            outcome.token_b = b->get_access_token();
        } catch (const Error& e) {
            outcome.error_b = std::string{e.display_code()};
        }
        outcome.token_a = from_a.get();
        // The grant events are written when the provider answers: wait for B's answer, if any.
        std::this_thread::sleep_for(200ms);
        outcome.refresh_grants =
            op().count_events("grant.success", client_id, "refresh_token") - grants_before;
        outcome.grant_errors = op().count_events("grant.error", client_id) - errors_before;
        outcome.is_token_a_active =
            provider->introspect_token(outcome.token_a, "access_token").active;
        return outcome;
    }

    void expect_one_refresh(const std::string& spec) {
        const Outcome outcome = run(spec, true);
        EXPECT_EQ(outcome.refresh_grants, 1u) << "exactly one refresh reaches the provider";
        EXPECT_EQ(outcome.grant_errors, 0u);
        EXPECT_EQ(outcome.error_b, "");
        // Compared without printing them: tokens stay out of the test's output.
        EXPECT_TRUE(!outcome.token_a.empty() && outcome.token_a == outcome.token_b)
            << "B uses what A refreshed";
        EXPECT_TRUE(outcome.is_token_a_active) << "the grant must not be revoked";
    }
};

TEST_F(LeaseRenewal, SqliteSlowRefreshKeepsItsLeaseAndTheGrantSurvives) {
    test::TempDir dir;
    expect_one_refresh("sqlite:" + (dir.path() / "tokens.db").string());
}

#if AUTHFLOW_WITH_REDIS
TEST_F(LeaseRenewal, RedisSlowRefreshKeepsItsLeaseAndTheGrantSurvives) {
    AUTHFLOW_REQUIRE_SERVICE(test::RedisServer::available(), "redis-server");
    test::RedisServer redis;
    expect_one_refresh("redis:" + redis.url());
}
#endif

// The guard disabled: the test above would fail. B takes A's expired lease and refreshes with
// the same refresh token; the provider revokes the grant when it sees it reused.
TEST_F(LeaseRenewal, WithoutRenewalTheSecondRefreshRevokesTheGrant) {
    test::TempDir dir;
    const Outcome outcome = run("sqlite:" + (dir.path() / "tokens.db").string(), false);
    EXPECT_EQ(outcome.refresh_grants, 1u);
    EXPECT_EQ(outcome.grant_errors, 1u) << "the reused refresh token is refused";
    EXPECT_NE(outcome.error_b, "");
    EXPECT_FALSE(outcome.is_token_a_active) << "the provider revoked the whole grant";
}

} // namespace
} // namespace authflow

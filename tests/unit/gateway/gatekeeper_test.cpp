// Gatekeeper and GatewayRoutes: GET {prefix}/check answers 202 + identity headers, 401 (or 302
// to sign in), 403; the access token passed on is refreshed once when due.
#include "unit/providers/provider_test_util.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/deploy/auth_routes.hpp>
#include <authflow/gateway/gateway_routes.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>
#include <authflow/store/memory_token_store.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace authflow {
namespace {

using test::FakeOp;
using test::json;

class Check : public ::testing::Test {
protected:
    FakeOp op;
    DeploySettings settings;
    GatewaySettings gateway_settings;
    std::shared_ptr<MemorySessionStore> sessions;
    std::shared_ptr<MemoryTokenStore> tokens;
    std::shared_ptr<const AuthRoutes> routes;
    std::unique_ptr<GatewayRoutes> gateway;
    std::atomic<int> refreshes{0};

    void SetUp() override {
        settings.public_url = "https://auth.example.com";
        settings.trusted_proxies = {"10.0.0.0/8"};
        op.http->on(FakeOp::token_url, [this](const HttpRequest& request) {
            const auto form = test::form_of(request);
            EXPECT_EQ(form.get("grant_type"), "refresh_token");
            const int n = ++refreshes;
            return test::json_response(200, json{{"access_token", "AT-" + std::to_string(n + 1)},
                                                 {"token_type", "Bearer"},
                                                 {"expires_in", 3600},
                                                 {"refresh_token", "RT-2"}});
        });
    }

    void build() {
        sessions = std::make_shared<MemorySessionStore>(1000, op.clock);
        MemoryTokenStoreOptions options;
        options.clock = op.clock;
        tokens = std::make_shared<MemoryTokenStore>(options);
        AuthRouteStores stores;
        stores.sessions = sessions;
        stores.tokens = tokens;
        routes = std::make_shared<const AuthRoutes>(
            settings, std::make_shared<GenericOIDCProvider>(op.client_config()), stores, op.clock);
        gateway = std::make_unique<GatewayRoutes>(routes, gateway_settings, op.clock);
    }

    /// A signed-in session (as the callback makes it) with tokens AT-1/RT-1; its id.
    std::string sign_in(json user_info, json groups = json::array()) {
        UserSession session;
        session.session_id = new_session_id();
        session.user_id = "sub-1";
        session.roles = {"viewer"};
        session.created_at = op.clock->now();
        session.expires_at = session.created_at + std::chrono::hours{24};
        session.metadata = json{{"provider", "oidc"}, {"user_info", std::move(user_info)}};
        if (!groups.empty()) {
            session.metadata["groups"] = std::move(groups);
        }
        sessions->create(session);
        OAuthTokenSet set = OAuthTokenSet::from_token_response(json{{"access_token", "AT-1"},
                                                                    {"token_type", "Bearer"},
                                                                    {"expires_in", 3600},
                                                                    {"refresh_token", "RT-1"}},
                                                               *op.clock);
        tokens->save(session_key(session.session_id), set, std::chrono::hours{24});
        return session.session_id;
    }

    static Request check_request(const std::string& session_id, const std::string& query = "") {
        Request request;
        request.path = "/auth/check";
        if (!query.empty()) {
            request.query = parse_query(query);
        }
        request.remote_address = "10.0.0.5";
        if (!session_id.empty()) {
            request.headers.add("Cookie", "authflow_session=" + session_id);
        }
        return request;
    }

    Response call(const Request& request) const {
        auto response = gateway->handle(request);
        EXPECT_TRUE(response.has_value());
        return response.value_or(Response{});
    }
};

const json verified_alice = {{"sub", "sub-1"},
                             {"email", "alice@example.com"},
                             {"email_verified", true},
                             {"preferred_username", "alice"}};

TEST_F(Check, SignedInGets202WithIdentityHeaders) {
    build();
    const std::string id = sign_in(verified_alice, {"eng"});
    const Response response = call(check_request(id));
    EXPECT_EQ(response.status, 202);
    EXPECT_TRUE(response.body.empty());
    EXPECT_EQ(response.headers.get("X-Auth-Request-User"), "sub-1");
    EXPECT_EQ(response.headers.get("X-Auth-Request-Email"), "alice@example.com");
    EXPECT_EQ(response.headers.get("X-Auth-Request-Preferred-Username"), "alice");
    EXPECT_EQ(response.headers.get("X-Auth-Request-Groups"), "eng,viewer");
    EXPECT_EQ(response.headers.get("X-Auth-Request-Access-Token"), "") << "sent, empty";
    EXPECT_EQ(response.headers.get("Cache-Control"), "no-store");
}

TEST_F(Check, AnEndedSessionIsNeverPassedFromTheIdentityCache) {
    build();
    const std::string id = sign_in(verified_alice, {"eng"});
    EXPECT_EQ(call(check_request(id)).status, 202);
    EXPECT_EQ(call(check_request(id)).headers.get("X-Auth-Request-Groups"), "eng,viewer");
    ASSERT_TRUE(sessions->remove(id)); // signed out (on any worker)
    EXPECT_EQ(call(check_request(id)).status, 401);
}

TEST_F(Check, NoSessionGets401) {
    build();
    EXPECT_EQ(call(check_request("")).status, 401);
    EXPECT_EQ(call(check_request("unknown-session")).status, 401);
}

TEST_F(Check, UnverifiedEmailIsNotPassedOn) {
    build();
    const std::string id = sign_in({{"email", "alice@example.com"}, {"email_verified", false}});
    const Response response = call(check_request(id));
    EXPECT_EQ(response.status, 202);
    EXPECT_EQ(response.headers.get("X-Auth-Request-Email"), "");
}

TEST_F(Check, GlobalPolicyRefusesWith403) {
    settings.allowed_groups = {"admins"};
    gateway_settings = GatewaySettings::from(settings);
    build();
    const std::string outsider = sign_in(verified_alice, {"eng"});
    EXPECT_EQ(call(check_request(outsider)).status, 403);
    const std::string admin = sign_in(verified_alice, {"admins"});
    EXPECT_EQ(call(check_request(admin)).status, 202);
}

TEST_F(Check, LocationPolicyFromTheQuery) {
    build();
    const std::string id = sign_in(verified_alice, {"eng"});
    EXPECT_EQ(call(check_request(id, "allowed_groups=finance,ops")).status, 403);
    EXPECT_EQ(call(check_request(id, "allowed_groups=finance,eng")).status, 202);
    EXPECT_EQ(call(check_request(id, "allowed_domains=example.com")).status, 202);
    EXPECT_EQ(call(check_request(id, "allowed_domains=example.org")).status, 403);
    EXPECT_EQ(call(check_request(id, "allowed_emails=ALICE@example.com")).status, 202);
    EXPECT_EQ(call(check_request(id, "allowed_groups=")).status, 400);
}

TEST_F(Check, RedirectTrueSendsABrowserToSignInWithTheOriginalUrl) {
    settings.allowed_redirect_hosts = {"app.example.com"};
    build();
    Request request = check_request("", "redirect=true");
    request.headers.add("Accept", "text/html,application/xhtml+xml");
    request.headers.add("X-Forwarded-Method", "GET");
    request.headers.add("X-Forwarded-Proto", "https");
    request.headers.add("X-Forwarded-Host", "app.example.com");
    request.headers.add("X-Forwarded-Uri", "/reports?q=1");
    const Response response = call(request);
    EXPECT_EQ(response.status, 302);
    EXPECT_EQ(response.headers.get("Location"),
              "https://auth.example.com/auth/login?next=https%3A%2F%2Fapp.example.com%2Freports%"
              "3Fq%3D1");
}

TEST_F(Check, RedirectLeavesOutANextTheSignInWouldNotKeep) {
    settings.allowed_redirect_hosts = {"app.example.com"};
    build();
    Request request = check_request("", "redirect=true");
    request.headers.add("Accept", "text/html");
    request.headers.add("X-Forwarded-Proto", "https");
    request.headers.add("X-Forwarded-Host", "other.example.net");
    request.headers.add("X-Forwarded-Uri", "/");
    EXPECT_EQ(call(request).headers.get("Location"), "https://auth.example.com/auth/login");
}

TEST_F(Check, RedirectIgnoresForwardedFieldsFromAnUntrustedPeer) {
    build();
    Request request = check_request("", "redirect=true");
    request.remote_address = "203.0.113.9";
    request.headers.add("Accept", "text/html");
    request.headers.add("X-Forwarded-Proto", "https");
    request.headers.add("X-Forwarded-Host", "evil.example");
    request.headers.add("X-Forwarded-Uri", "/");
    const Response response = call(request);
    EXPECT_EQ(response.status, 302);
    EXPECT_EQ(response.headers.get("Location"), "https://auth.example.com/auth/login");
}

TEST_F(Check, RedirectOnlyForBrowserNavigations) {
    build();
    Request api = check_request("", "redirect=true");
    api.headers.add("Accept", "application/json");
    EXPECT_EQ(call(api).status, 401);
    Request post = check_request("", "redirect=true");
    post.headers.add("Accept", "text/html");
    post.headers.add("X-Forwarded-Method", "POST");
    EXPECT_EQ(call(post).status, 401);
    Request plain = check_request("");
    plain.headers.add("Accept", "text/html");
    EXPECT_EQ(call(plain).status, 401) << "without ?redirect=true the web server redirects";
}

TEST_F(Check, AnyMethodIsChecked) {
    build();
    const std::string id = sign_in(verified_alice);
    for (const char* method : {"POST", "HEAD", "PUT"}) {
        Request request = check_request(id);
        request.method = method;
        EXPECT_EQ(call(request).status, 202) << method;
        Request anonymous = check_request("");
        anonymous.method = method;
        EXPECT_EQ(call(anonymous).status, 401) << method;
    }
}

TEST_F(Check, OtherPathsGoToTheAuthRoutes) {
    build();
    Request status = check_request("");
    status.path = "/auth/status";
    EXPECT_EQ(call(status).status, 200);
    Request other = check_request("");
    other.path = "/app";
    EXPECT_FALSE(gateway->handle(other).has_value());
}

TEST_F(Check, PassAccessTokenSendsTheStoredTokenWhileFresh) {
    gateway_settings.pass_access_token = true;
    build();
    const std::string id = sign_in(verified_alice);
    const Response response = call(check_request(id));
    EXPECT_EQ(response.status, 202);
    EXPECT_EQ(response.headers.get("X-Auth-Request-Access-Token"), "AT-1");
    EXPECT_EQ(refreshes.load(), 0);
}

TEST_F(Check, PassAccessTokenRefreshesWhenDueOnceForManyChecks) {
    gateway_settings.pass_access_token = true;
    build();
    const std::string id = sign_in(verified_alice);
    op.clock->advance(std::chrono::seconds{3550}); // due: less than the 60 s buffer left
    std::vector<std::thread> threads;
    std::atomic<int> fresh{0};
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&] {
            const Response response = call(check_request(id));
            const auto token = response.headers.get("X-Auth-Request-Access-Token");
            if (response.status == 202 && (token == "AT-2" || token == "AT-1")) {
                ++fresh;
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(fresh.load(), 8);
    EXPECT_EQ(refreshes.load(), 1);
    EXPECT_EQ(call(check_request(id)).headers.get("X-Auth-Request-Access-Token"), "AT-2");
    EXPECT_EQ(tokens->load(session_key(id))->refresh_token, "RT-2");
}

TEST_F(Check, PassAccessTokenWithoutTokensIsUnauthenticated) {
    gateway_settings.pass_access_token = true;
    build();
    const std::string id = sign_in(verified_alice);
    tokens->remove(session_key(id));
    EXPECT_EQ(call(check_request(id)).status, 401);
}

TEST_F(Check, PassAccessTokenAfterARefusedRefreshOfAnExpiredTokenIsUnauthenticated) {
    gateway_settings.pass_access_token = true;
    build();
    op.http->on(FakeOp::token_url, [this](const HttpRequest&) {
        ++refreshes;
        return test::json_response(400, json{{"error", "invalid_grant"}});
    });
    const std::string id = sign_in(verified_alice);
    op.clock->advance(std::chrono::seconds{3700});
    EXPECT_EQ(call(check_request(id)).status, 401);
    EXPECT_EQ(refreshes.load(), 1);
}

TEST_F(Check, AnotherWorkersRefreshIsNotWaitedForWhileTheTokenIsValid) {
    gateway_settings.pass_access_token = true;
    build();
    const std::string id = sign_in(verified_alice);
    op.clock->advance(std::chrono::seconds{3550});
    const auto lease = tokens->try_acquire("refresh:" + session_key(id), std::chrono::seconds{30});
    ASSERT_TRUE(lease);
    const Response response = call(check_request(id));
    EXPECT_EQ(response.status, 202);
    EXPECT_EQ(response.headers.get("X-Auth-Request-Access-Token"), "AT-1");
    EXPECT_EQ(refreshes.load(), 0);
}

} // namespace
} // namespace authflow

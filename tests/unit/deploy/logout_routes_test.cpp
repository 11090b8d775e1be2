// Sign-out that reaches everywhere: RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0:
// the redirect's parameters, the signed-out state check) and back-channel logout (OpenID Connect
// Back-Channel Logout 1.0 §2.5–§2.8: one test per refusal, each proving no session ended), against
// the in-memory OpenID Provider (FakeOp).
#include "route_fixture.hpp"
#include "unit/providers/provider_test_util.hpp"

#include <authflow/deploy/auth_routes.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>
#include <authflow/store/memory_token_store.hpp>

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

namespace authflow {
namespace {

using test::FakeOp;
using test::json;
using test::make_jws;
using test::TestKey;

using test::param_of;
using test::query_params_of;

/// A browser: its cookies; it does not ask for HTML.
struct Browser : test::TestBrowser {
    Browser() { is_navigation = false; }
};

class LogoutRoutes : public ::testing::Test {
protected:
    FakeOp op;
    DeploySettings settings;
    std::shared_ptr<MemorySessionStore> sessions;
    std::shared_ptr<MemoryTokenStore> tokens;
    std::unique_ptr<AuthRoutes> routes;
    std::string nonce;
    std::string subject = "alice";
    std::string sid;           ///< the sid of the next ID token; empty: none
    std::string last_id_token; ///< the ID token of the last sign-in

    void SetUp() override {
        settings.public_url = "https://app.example";
        op.http->on(FakeOp::token_url, [this](const HttpRequest&) {
            json claims = op.claims("client-1", subject, {{"nonce", nonce}});
            if (!sid.empty()) {
                claims["sid"] = sid;
            }
            last_id_token = op.id_token(claims);
            return test::json_response(200, json{{"access_token", "AT-1"},
                                                 {"token_type", "Bearer"},
                                                 {"expires_in", 3600},
                                                 {"refresh_token", "RT-1"},
                                                 {"id_token", last_id_token}});
        });
        op.http->on(FakeOp::revocation_url,
                    [](const HttpRequest&) { return test::json_response(200, json::object()); });
        build();
    }

    void build() {
        sessions = std::make_shared<MemorySessionStore>(1000, op.clock);
        MemoryTokenStoreOptions options;
        options.clock = op.clock;
        tokens = std::make_shared<MemoryTokenStore>(options);
        build_routes(sessions);
    }

    /// Routes against the fake OP with `session_store` and the fixture's token store.
    void build_routes(std::shared_ptr<SessionStore> session_store) {
        AuthRouteStores stores;
        stores.sessions = std::move(session_store);
        stores.tokens = tokens;
        routes = std::make_unique<AuthRoutes>(
            settings, std::make_shared<GenericOIDCProvider>(op.client_config()), stores, op.clock);
    }

    static Request request(const std::string& method, const std::string& path_and_query,
                           const Browser& browser) {
        return test::browser_request(method, path_and_query, browser);
    }

    /// Sends the request; the browser keeps (or drops) the cookies the answer sets.
    Response call(const Request& req, Browser* browser = nullptr) const {
        return test::send_to_routes(*routes, req, browser);
    }

    /// A whole sign-in of `user` with provider session `provider_sid`.
    std::string sign_in(Browser& browser, const std::string& user,
                        const std::string& provider_sid) {
        subject = user;
        sid = provider_sid;
        const Response login = call(request("GET", "/auth/login", browser), &browser);
        const std::string location = login.headers.get("Location").value_or("");
        nonce = param_of(query_params_of(location), "nonce");
        const Response callback = call(
            request("GET",
                    "/auth/callback?code=c&state=" + param_of(query_params_of(location), "state"),
                    browser),
            &browser);
        EXPECT_EQ(callback.status, 302);
        return browser.cookies["authflow_session"];
    }

    bool signed_in(const std::string& session_id) const {
        return sessions->get(session_id).has_value() &&
               tokens->load(session_key(session_id)).has_value();
    }

    // --- back-channel ---

    json logout_claims(const std::string& token_sid, const std::string& token_sub = {}) const {
        json claims = {{"iss", FakeOp::issuer},
                       {"aud", "client-1"},
                       {"iat", op.now()},
                       {"exp", op.now() + 120},
                       {"jti", "jti-" + std::to_string(++jti_counter)},
                       {"events", {{backchannel_logout_event, json::object()}}}};
        if (!token_sid.empty()) {
            claims["sid"] = token_sid;
        }
        if (!token_sub.empty()) {
            claims["sub"] = token_sub;
        }
        return claims;
    }

    std::string logout_token(const json& claims,
                             const json& header = {{"kid", "k1"}, {"typ", "logout+jwt"}}) const {
        return make_jws(op.key, "RS256", header, claims);
    }

    Response post_logout_token(const std::string& token,
                               std::string content_type = "application/x-www-form-urlencoded") {
        Request req;
        req.method = "POST";
        req.path = "/auth/backchannel-logout";
        req.remote_address = "198.51.100.1";
        req.headers.add("Content-Type", content_type);
        QueryParams form;
        form.add("logout_token", token);
        req.body = build_query(form);
        return call(req);
    }

    mutable int jti_counter = 0;
};

// --- back-channel logout ---

TEST_F(LogoutRoutes, BackchannelEndsTheSessionsOfThatSidOnly) {
    Browser laptop, phone, tablet, bob;
    const auto a = sign_in(laptop, "alice", "op-1");
    const auto b = sign_in(phone, "alice", "op-1"); // the same provider session signed in twice
    const auto c = sign_in(tablet, "alice", "op-2");
    const auto d = sign_in(bob, "bob", "op-3");
    ASSERT_TRUE(signed_in(a) && signed_in(b) && signed_in(c) && signed_in(d));

    const Response response = post_logout_token(logout_token(logout_claims("op-1", "alice")));
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.headers.get("Cache-Control").value_or(""), "no-store");
    EXPECT_FALSE(sessions->get(a).has_value());
    EXPECT_FALSE(sessions->get(b).has_value());
    EXPECT_FALSE(tokens->load(session_key(a)).has_value()); // the refresh token is dropped too
    EXPECT_FALSE(tokens->load(session_key(b)).has_value());
    EXPECT_TRUE(signed_in(c));
    EXPECT_TRUE(signed_in(d));
    EXPECT_EQ(call(request("GET", "/auth/status", laptop)).body, R"({"authenticated":false})");
}

TEST_F(LogoutRoutes, BackchannelWithoutSidEndsEverySessionOfThatSub) {
    Browser laptop, phone, bob;
    const auto a = sign_in(laptop, "alice", "op-1");
    const auto b = sign_in(phone, "alice", "");
    const auto d = sign_in(bob, "bob", "op-3");
    EXPECT_EQ(post_logout_token(logout_token(logout_claims("", "alice"))).status, 200);
    EXPECT_FALSE(sessions->get(a).has_value());
    EXPECT_FALSE(sessions->get(b).has_value());
    EXPECT_TRUE(signed_in(d));
}

TEST_F(LogoutRoutes, BackchannelSidOfAnotherSubEndsNothing) {
    Browser laptop;
    const auto a = sign_in(laptop, "alice", "op-1");
    EXPECT_EQ(post_logout_token(logout_token(logout_claims("op-1", "bob"))).status, 200);
    EXPECT_TRUE(signed_in(a));
}

TEST_F(LogoutRoutes, BackchannelAcceptsEachJtiOnce) {
    Browser laptop;
    sign_in(laptop, "alice", "op-1");
    const std::string token = logout_token(logout_claims("op-1", "alice"));
    EXPECT_EQ(post_logout_token(token).status, 200);
    const auto again = sign_in(laptop, "alice", "op-1"); // signed in again at the same provider
    const Response replay = post_logout_token(token);    // §2.6 step 7
    EXPECT_EQ(replay.status, 400);
    EXPECT_EQ(json::parse(replay.body)["error"], "invalid_request");
    EXPECT_TRUE(signed_in(again));
}

/// Each refusal: 400 invalid_request, a description without the token's text, no session ended.
class BackchannelRefusal : public LogoutRoutes {
protected:
    void expect_refused(const std::string& token, const std::string& why) {
        Browser laptop;
        const auto a = sign_in(laptop, "alice", "op-1");
        const Response response = post_logout_token(token);
        EXPECT_EQ(response.status, 400) << why;
        const json body = json::parse(response.body);
        EXPECT_EQ(body["error"], "invalid_request") << why;
        EXPECT_EQ(response.body.find(token.substr(token.rfind('.') + 1)), std::string::npos);
        EXPECT_EQ(response.body.find(token.substr(0, token.find('.'))), std::string::npos);
        EXPECT_TRUE(signed_in(a)) << why;
    }
};

TEST_F(BackchannelRefusal, WrongAudience) {
    json claims = logout_claims("op-1", "alice");
    claims["aud"] = "another-client";
    expect_refused(logout_token(claims), "aud");
}

TEST_F(BackchannelRefusal, MissingEvents) {
    json claims = logout_claims("op-1", "alice");
    claims.erase("events");
    expect_refused(logout_token(claims), "events");
}

TEST_F(BackchannelRefusal, NoncePresent) {
    json claims = logout_claims("op-1", "alice");
    claims["nonce"] = "n-1";
    expect_refused(logout_token(claims), "nonce");
}

TEST_F(BackchannelRefusal, WrongTyp) {
    expect_refused(logout_token(logout_claims("op-1", "alice"), {{"kid", "k1"}, {"typ", "at+jwt"}}),
                   "typ");
}

TEST_F(BackchannelRefusal, BadSignature) {
    const TestKey stranger = TestKey::rsa(2048);
    expect_refused(make_jws(stranger, "RS256", {{"kid", "k1"}, {"typ", "logout+jwt"}},
                            logout_claims("op-1", "alice")),
                   "signature");
}

TEST_F(BackchannelRefusal, AnIdTokenIsNoLogoutToken) {
    expect_refused(op.id_token(op.claims("client-1", "alice", {{"sid", "op-1"}})), "id token");
}

TEST_F(LogoutRoutes, BackchannelRefusesOtherMethodsTypesAndSizes) {
    Browser laptop;
    const auto a = sign_in(laptop, "alice", "op-1");
    const std::string token = logout_token(logout_claims("op-1", "alice"));

    Request get = request("GET", "/auth/backchannel-logout?logout_token=" + token, laptop);
    const Response wrong_method = call(get);
    EXPECT_EQ(wrong_method.status, 405);
    EXPECT_EQ(wrong_method.headers.get("Allow").value_or(""), "POST");

    EXPECT_EQ(post_logout_token(token, "application/json").status, 400);
    EXPECT_EQ(post_logout_token(token, "").status, 400);

    Request big;
    big.method = "POST";
    big.path = "/auth/backchannel-logout";
    big.headers.add("Content-Type", "application/x-www-form-urlencoded");
    big.body = "logout_token=" + token + "&pad=" + std::string(max_backchannel_logout_body, 'x');
    EXPECT_EQ(call(big).status, 413);

    Request none = big;
    none.body = "other=1";
    EXPECT_EQ(call(none).status, 400);
    Request twice = big;
    twice.body = "logout_token=" + token + "&logout_token=" + token;
    EXPECT_EQ(call(twice).status, 400);

    EXPECT_TRUE(signed_in(a));
    // The same token, sent properly, still works: nothing above spent its jti.
    EXPECT_EQ(post_logout_token(token, "application/x-www-form-urlencoded; charset=UTF-8").status,
              200);
    EXPECT_FALSE(signed_in(a));
}

/// A store of an application's own, without the sid index (the default list_sid_sessions).
class StoreWithoutSidIndex final : public SessionStore {
public:
    explicit StoreWithoutSidIndex(std::shared_ptr<MemorySessionStore> inner)
        : inner_(std::move(inner)) {}
    void create(const UserSession& session) override { inner_->create(session); }
    std::optional<UserSession> get(std::string_view id) override { return inner_->get(id); }
    bool touch(std::string_view id, std::chrono::seconds ttl) override {
        return inner_->touch(id, ttl);
    }
    bool remove(std::string_view id) override { return inner_->remove(id); }
    bool remove_by_key(std::string_view key) override { return inner_->remove_by_key(key); }
    std::vector<UserSession> list_user_sessions(std::string_view user) override {
        return inner_->list_user_sessions(user);
    }
    std::size_t remove_user_sessions(std::string_view user) override {
        return inner_->remove_user_sessions(user);
    }

private:
    std::shared_ptr<MemorySessionStore> inner_;
};

TEST_F(LogoutRoutes, BackchannelWithAStoreWithoutSidIndexEndsEverySessionOfTheSub) {
    build_routes(std::make_shared<StoreWithoutSidIndex>(sessions));
    Browser laptop, phone, bob;
    const auto a = sign_in(laptop, "alice", "op-1");
    const auto b = sign_in(phone, "alice", "op-2");
    const auto d = sign_in(bob, "bob", "op-3");
    EXPECT_EQ(post_logout_token(logout_token(logout_claims("op-1", "alice"))).status, 200);
    EXPECT_FALSE(sessions->get(a).has_value());
    EXPECT_FALSE(sessions->get(b).has_value()); // the safe side: every session of alice
    EXPECT_TRUE(signed_in(d));
    // A sid alone cannot be served by such a store: 400, nothing ended.
    EXPECT_EQ(post_logout_token(logout_token(logout_claims("op-3"))).status, 400);
    EXPECT_TRUE(signed_in(d));
}

// --- RP-initiated logout ---

TEST_F(LogoutRoutes, WithoutProviderLogoutSignOutStaysLocal) {
    Browser laptop;
    const auto a = sign_in(laptop, "alice", "op-1");
    const Response response = call(request("POST", "/auth/logout?next=/bye", laptop), &laptop);
    EXPECT_EQ(response.status, 303);
    EXPECT_EQ(response.headers.get("Location").value_or(""), "/bye");
    EXPECT_FALSE(sessions->get(a).has_value());
}

TEST_F(LogoutRoutes, ProviderLogoutRedirectsToTheEndSessionEndpoint) {
    settings.provider_logout = true;
    build();
    Browser laptop;
    const auto a = sign_in(laptop, "alice", "op-1");
    const std::string id_token = last_id_token;
    const Response response = call(request("POST", "/auth/logout?next=/bye", laptop), &laptop);
    ASSERT_EQ(response.status, 303);
    const std::string location = response.headers.get("Location").value_or("");
    EXPECT_EQ(location.rfind(std::string{FakeOp::end_session_url} + "?", 0), 0u) << location;
    const QueryParams params = query_params_of(location);
    EXPECT_EQ(param_of(params, "id_token_hint"), id_token);
    EXPECT_EQ(param_of(params, "client_id"), "client-1");
    EXPECT_EQ(param_of(params, "post_logout_redirect_uri"), "https://app.example/auth/signed-out");
    EXPECT_GE(param_of(params, "state").size(), 43u);
    // The local session and its tokens are gone before the provider is even asked.
    EXPECT_FALSE(sessions->get(a).has_value());
    EXPECT_FALSE(tokens->load(session_key(a)).has_value());
    EXPECT_EQ(laptop.cookies.count("authflow_session"), 0u);
    EXPECT_EQ(laptop.cookies.count("authflow_session_logout"), 1u);

    // The provider sends the browser back with the state: on to `next`.
    const Response back = call(
        request("GET", "/auth/signed-out?state=" + param_of(params, "state"), laptop), &laptop);
    EXPECT_EQ(back.status, 303);
    EXPECT_EQ(back.headers.get("Location").value_or(""), "/bye");
    EXPECT_EQ(laptop.cookies.count("authflow_session_logout"), 0u);
}

TEST_F(LogoutRoutes, SignedOutTrustsOnlyAStateThisBrowserLeftWith) {
    settings.provider_logout = true;
    settings.post_logout_path = "/goodbye";
    build();
    auto leave = [&](Browser& browser) {
        sign_in(browser, "alice", "op-1");
        const Response response = call(request("POST", "/auth/logout", browser), &browser);
        EXPECT_EQ(response.status, 200); // a script's sign-out: the URL in JSON
        const std::string url = json::parse(response.body).value("end_session_url", "");
        EXPECT_EQ(url.rfind(FakeOp::end_session_url, 0), 0u);
        return param_of(query_params_of(url), "state");
    };
    auto is_page = [](const Response& response) {
        return response.status == 200 &&
               response.body.find("You are signed out.") != std::string::npos &&
               !response.headers.get("Location");
    };

    Browser laptop;
    const std::string state = leave(laptop);
    Browser replay_copy = laptop;
    // A HEAD (a prefetch) shows the page and leaves the state unspent.
    EXPECT_TRUE(is_page(call(request("HEAD", "/auth/signed-out?state=" + state, laptop), &laptop)));
    // Valid: to the configured post-logout page.
    const Response valid = call(request("GET", "/auth/signed-out?state=" + state, laptop), &laptop);
    EXPECT_EQ(valid.status, 303);
    EXPECT_EQ(valid.headers.get("Location").value_or(""), "/goodbye");
    // Replayed: the page, nothing trusted.
    EXPECT_TRUE(is_page(call(request("GET", "/auth/signed-out?state=" + state, replay_copy))));
    // Missing or unknown.
    EXPECT_TRUE(is_page(call(request("GET", "/auth/signed-out", Browser{}))));
    EXPECT_TRUE(is_page(call(request("GET", "/auth/signed-out?state=forged", laptop))));
    // Another browser (no binding cookie, or another one): the page, and the state is spent.
    Browser phone;
    const std::string other_state = leave(phone);
    Browser attacker;
    attacker.cookies["authflow_session_logout"] = "attacker-binding";
    EXPECT_TRUE(is_page(call(request("GET", "/auth/signed-out?state=" + other_state, attacker))));
    EXPECT_TRUE(is_page(call(request("GET", "/auth/signed-out?state=" + other_state, phone))));
    // A logout state is never a sign-in state, even offered with its own binding as the
    // pre-login cookie; and it stays usable where it belongs.
    Browser tablet;
    const std::string third = leave(tablet);
    Browser forger = tablet;
    forger.cookies["authflow_session_login"] = tablet.cookies["authflow_session_logout"];
    const Response callback =
        call(request("GET", "/auth/callback?code=c&state=logout:" + third, forger));
    EXPECT_EQ(callback.status, 400);
    EXPECT_EQ(json::parse(callback.body)["error"], "invalid_state");
    EXPECT_EQ(call(request("GET", "/auth/signed-out?state=" + third, tablet)).status, 303);
}

TEST_F(LogoutRoutes, WithoutEndSessionEndpointProviderLogoutSignsOutLocally) {
    op.discovery.erase("end_session_endpoint");
    op.serve_discovery();
    settings.provider_logout = true;
    build();
    Browser laptop;
    const auto a = sign_in(laptop, "alice", "op-1");
    const Response response = call(request("POST", "/auth/logout?next=/bye", laptop), &laptop);
    EXPECT_EQ(response.status, 303);
    EXPECT_EQ(response.headers.get("Location").value_or(""), "/bye");
    EXPECT_FALSE(sessions->get(a).has_value());
    EXPECT_EQ(laptop.cookies.count("authflow_session_logout"), 0u);
}

TEST_F(LogoutRoutes, SignedOutAndBackchannelArePublicPaths) {
    EXPECT_TRUE(settings.is_public_path("/auth/signed-out"));
    EXPECT_TRUE(settings.is_public_path("/auth/backchannel-logout"));
    EXPECT_EQ(settings.post_logout_redirect_uri(), "https://app.example/auth/signed-out");
}

} // namespace
} // namespace authflow

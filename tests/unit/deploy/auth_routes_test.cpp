// The deploy-mode sign-in routes against an in-memory OpenID Provider (FakeOp): login, callback,
// refresh, logout, userinfo, status; login CSRF, open redirects, session fixation, Host header
// injection, cookie attributes, CSRF behind proxies, rate limiting.
#include "deploy/callback_failure.hpp"
#include "unit/providers/provider_test_util.hpp"

#include <authflow/core/error_family.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/deploy/auth_routes.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>
#include <authflow/store/memory_token_store.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace authflow {
namespace {

using test::FakeOp;
using test::json;

/// A browser: its cookies and its address.
struct Browser {
    std::string pre_login; ///< the pre-login cookie's value, empty when none
    std::string session;   ///< the session cookie's value, empty when none
    std::string address = "203.0.113.7";
};

std::string cookie_header(const Browser& browser) {
    std::string out;
    if (!browser.pre_login.empty()) {
        out += "authflow_session_login=" + browser.pre_login;
    }
    if (!browser.session.empty()) {
        out += (out.empty() ? "" : "; ") + std::string{"authflow_session="} + browser.session;
    }
    return out;
}

/// The Set-Cookie field for `name`, or "".
std::string set_cookie_for(const Response& response, const std::string& name) {
    for (const auto& value : response.headers.get_all("Set-Cookie")) {
        if (value.rfind(name + "=", 0) == 0) {
            return value;
        }
    }
    return {};
}

std::string cookie_value(const std::string& set_cookie) {
    const auto eq = set_cookie.find('=');
    const auto semi = set_cookie.find(';');
    return set_cookie.substr(eq + 1, semi - eq - 1);
}

bool has_attribute(const std::string& set_cookie, const std::string& attribute) {
    return (set_cookie + ";").find("; " + attribute + ";") != std::string::npos;
}

QueryParams query_of(const std::string& url) {
    const auto q = url.find('?');
    return q == std::string::npos ? QueryParams{} : parse_query(url.substr(q + 1));
}

std::string param(const QueryParams& params, const std::string& name) {
    for (const auto& [k, v] : params) {
        if (k == name) {
            return v;
        }
    }
    return {};
}

class Routes : public ::testing::Test {
protected:
    FakeOp op;
    DeploySettings settings;
    std::shared_ptr<MemorySessionStore> sessions;
    std::shared_ptr<MemoryTokenStore> tokens;
    std::shared_ptr<PendingLoginStore> pending; ///< the routes' default when null
    std::unique_ptr<AuthRoutes> routes;
    std::string nonce; ///< of the last login started
    std::string subject = "alice";
    json extra_claims = json::object();
    int revocations = 0;

    void SetUp() override {
        settings.public_url = "https://app.example";
        op.http->on(FakeOp::token_url, [this](const HttpRequest& request) {
            const auto form = test::form_of(request);
            if (param(form, "grant_type") == "refresh_token") {
                return test::json_response(200, json{{"access_token", "AT-2"},
                                                     {"token_type", "Bearer"},
                                                     {"expires_in", 1800},
                                                     {"refresh_token", "RT-2"}});
            }
            // A code "n:<nonce>" carries its login's nonce (concurrent sign-ins).
            const std::string code = param(form, "code");
            const std::string login_nonce = code.rfind("n:", 0) == 0 ? code.substr(2) : nonce;
            json claims = op.claims("client-1", subject, {{"nonce", login_nonce}});
            for (auto it = extra_claims.begin(); it != extra_claims.end(); ++it) {
                claims[it.key()] = it.value();
            }
            return test::json_response(200, json{{"access_token", "AT-1"},
                                                 {"token_type", "Bearer"},
                                                 {"expires_in", 3600},
                                                 {"refresh_token", "RT-1"},
                                                 {"id_token", op.id_token(claims)}});
        });
        op.http->on(FakeOp::revocation_url, [this](const HttpRequest&) {
            ++revocations;
            return test::json_response(200, json::object());
        });
        build();
    }

    void build() {
        sessions = std::make_shared<MemorySessionStore>(1000, op.clock);
        MemoryTokenStoreOptions options;
        options.clock = op.clock;
        tokens = std::make_shared<MemoryTokenStore>(options);
        AuthRouteStores stores;
        stores.sessions = sessions;
        stores.tokens = tokens;
        stores.pending_logins = pending;
        routes = std::make_unique<AuthRoutes>(
            settings, std::make_shared<GenericOIDCProvider>(op.client_config()), stores, op.clock);
    }

    Request get(const std::string& path_and_query, const Browser& browser) const {
        Request request;
        request.method = "GET";
        const auto q = path_and_query.find('?');
        request.path = path_and_query.substr(0, q);
        if (q != std::string::npos) {
            request.query = parse_query(path_and_query.substr(q + 1));
        }
        request.remote_address = browser.address;
        const std::string cookies = cookie_header(browser);
        if (!cookies.empty()) {
            request.headers.add("Cookie", cookies);
        }
        return request;
    }

    Request post(const std::string& path, const Browser& browser,
                 const std::string& origin = "https://app.example") const {
        Request request = get(path, browser);
        request.method = "POST";
        if (!origin.empty()) {
            request.headers.add("Origin", origin);
        }
        return request;
    }

    Response call(const Request& request) const {
        auto response = routes->handle(request);
        EXPECT_TRUE(response.has_value());
        return response.value_or(Response{});
    }

    /// GET /auth/login: returns the provider URL; the browser keeps the pre-login cookie.
    std::string start_login(Browser& browser, const std::string& query = "") {
        const Response response = call(get("/auth/login" + query, browser));
        EXPECT_EQ(response.status, 302);
        const std::string location = response.headers.get("Location").value_or("");
        nonce = param(query_of(location), "nonce");
        const std::string cookie = set_cookie_for(response, "authflow_session_login");
        if (!cookie.empty()) {
            browser.pre_login = cookie_value(cookie);
        }
        return location;
    }

    /// The provider's redirect back to the callback for the login at `provider_url`.
    static std::string callback_path(const std::string& provider_url,
                                     const std::string& code = "code-1") {
        return "/auth/callback?code=" + code + "&state=" + param(query_of(provider_url), "state");
    }

    /// A whole sign-in; returns the callback's response and keeps the session cookie.
    Response sign_in(Browser& browser, const std::string& query = "") {
        const std::string url = start_login(browser, query);
        const Response response = call(get(callback_path(url), browser));
        const std::string cookie = set_cookie_for(response, "authflow_session");
        if (!cookie.empty()) {
            browser.session = cookie_value(cookie);
        }
        return response;
    }

    json body_of(const Response& response) const { return json::parse(response.body); }
};

TEST_F(Routes, OtherPathsAreNotAuthRoutes) {
    EXPECT_FALSE(routes->handle(get("/", Browser{})).has_value());
    EXPECT_FALSE(routes->handle(get("/auth/loginx", Browser{})).has_value());
    EXPECT_FALSE(routes->handle(get("/auth", Browser{})).has_value());
}

TEST_F(Routes, WrongMethodIs405) {
    Request request = get("/auth/login", Browser{});
    request.method = "POST";
    const Response response = call(request);
    EXPECT_EQ(response.status, 405);
    EXPECT_EQ(response.headers.get("Allow").value_or(""), "GET");
    EXPECT_EQ(call(get("/auth/logout", Browser{})).status, 405);
}

TEST_F(Routes, LoginRedirectsWithStateNoncePkceAndConfiguredRedirectUri) {
    Browser browser;
    const Response response = call(get("/auth/login", browser));
    ASSERT_EQ(response.status, 302);
    const std::string location = response.headers.get("Location").value_or("");
    EXPECT_EQ(location.rfind(std::string{FakeOp::authorize_url} + "?", 0), 0u) << location;
    const QueryParams params = query_of(location);
    EXPECT_GE(param(params, "state").size(), 32u);
    EXPECT_GE(param(params, "nonce").size(), 16u);
    EXPECT_FALSE(param(params, "code_challenge").empty());
    EXPECT_EQ(param(params, "code_challenge_method"), "S256");
    EXPECT_EQ(param(params, "redirect_uri"), "https://app.example/auth/callback");

    const std::string cookie = set_cookie_for(response, "authflow_session_login");
    ASSERT_FALSE(cookie.empty());
    EXPECT_GE(cookie_value(cookie).size(), 43u);
    EXPECT_TRUE(has_attribute(cookie, "HttpOnly")) << cookie;
    EXPECT_TRUE(has_attribute(cookie, "Secure")) << cookie;
    EXPECT_TRUE(has_attribute(cookie, "SameSite=Lax")) << cookie;
    EXPECT_TRUE(has_attribute(cookie, "Path=/auth")) << cookie;
    EXPECT_TRUE(has_attribute(cookie, "Max-Age=600")) << cookie;
    // The browser binding is a fresh random value each time.
    Browser other;
    start_login(other);
    EXPECT_NE(other.pre_login, cookie_value(cookie));
}

TEST_F(Routes, HostHeaderNeverChangesTheRedirectUri) {
    Browser browser;
    Request request = get("/auth/login", browser);
    request.headers.add("Host", "evil.example");
    request.headers.add("X-Forwarded-Host", "evil.example");
    request.headers.add("X-Forwarded-Proto", "http");
    const Response response = call(request);
    ASSERT_EQ(response.status, 302);
    const std::string location = response.headers.get("Location").value_or("");
    EXPECT_EQ(param(query_of(location), "redirect_uri"), "https://app.example/auth/callback");
    EXPECT_EQ(location.find("evil"), std::string::npos);
}

TEST_F(Routes, ConfiguredRedirectUriWins) {
    settings.auth_redirect_uri = "https://login.example/cb";
    build();
    Browser browser;
    const std::string location = start_login(browser);
    EXPECT_EQ(param(query_of(location), "redirect_uri"), "https://login.example/cb");
}

TEST_F(Routes, SignInCreatesHashedSessionAndSetsCookies) {
    Browser browser;
    const Response response = sign_in(browser, "?next=/dashboard%3Ftab%3D1");
    ASSERT_EQ(response.status, 302) << response.body;
    EXPECT_EQ(response.headers.get("Location").value_or(""), "/dashboard?tab=1");

    const std::string cookie = set_cookie_for(response, "authflow_session");
    ASSERT_FALSE(browser.session.empty());
    EXPECT_EQ(browser.session.size(), 43u);
    EXPECT_EQ(browser.session.find("alice"), std::string::npos);
    EXPECT_TRUE(has_attribute(cookie, "HttpOnly")) << cookie;
    EXPECT_TRUE(has_attribute(cookie, "Secure")) << cookie;
    EXPECT_TRUE(has_attribute(cookie, "SameSite=Lax")) << cookie;
    EXPECT_TRUE(has_attribute(cookie, "Path=/")) << cookie;
    EXPECT_TRUE(has_attribute(cookie, "Max-Age=86400")) << cookie;

    // The pre-login cookie is cleared with the attributes it was set with.
    const std::string cleared = set_cookie_for(response, "authflow_session_login");
    EXPECT_EQ(cookie_value(cleared), "");
    EXPECT_TRUE(has_attribute(cleared, "Max-Age=0")) << cleared;
    EXPECT_TRUE(has_attribute(cleared, "Path=/auth")) << cleared;
    EXPECT_TRUE(has_attribute(cleared, "HttpOnly")) << cleared;
    EXPECT_TRUE(has_attribute(cleared, "Secure")) << cleared;

    // Stores keep the hash of the id, never the id; the tokens live under the same key.
    const auto keys = sessions->stored_keys();
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_EQ(keys[0], session_key(browser.session));
    const auto saved = tokens->load(session_key(browser.session));
    ASSERT_TRUE(saved.has_value());
    EXPECT_EQ(saved->access_token, "AT-1");
    EXPECT_EQ(tokens->list_keys(), std::vector<std::string>{session_key(browser.session)});

    const auto session = sessions->get(browser.session);
    ASSERT_TRUE(session.has_value());
    EXPECT_EQ(session->user_id, "alice");
    EXPECT_EQ(session->roles, std::vector<std::string>{"viewer"});
    EXPECT_EQ(session->expires_at - session->created_at, std::chrono::seconds{86400});
    EXPECT_EQ(session->metadata.value("provider", ""), "oidc");
    EXPECT_EQ(response.body.find("AT-1"), std::string::npos);
}

TEST_F(Routes, PkceVerifierAndRedirectUriReachTheTokenEndpoint) {
    Browser browser;
    const std::string url = start_login(browser);
    ASSERT_EQ(call(get(callback_path(url), browser)).status, 302);
    const auto requests = op.http->requests_to(FakeOp::token_url);
    ASSERT_EQ(requests.size(), 1u);
    const QueryParams form = test::form_of(requests[0]);
    EXPECT_EQ(param(form, "code"), "code-1");
    EXPECT_EQ(param(form, "redirect_uri"), "https://app.example/auth/callback");
    EXPECT_EQ(pkce_s256_challenge(param(form, "code_verifier")),
              param(query_of(url), "code_challenge"));
}

TEST_F(Routes, StatusAndUserinfoNeverShowTokens) {
    Browser browser;
    sign_in(browser);
    const Response status = call(get("/auth/status", browser));
    EXPECT_EQ(status.status, 200);
    const json s = body_of(status);
    EXPECT_EQ(s["authenticated"], true);
    EXPECT_EQ(s["user_id"], "alice");
    EXPECT_EQ(s["roles"], json::array({"viewer"}));
    EXPECT_TRUE(s["expires_at"].is_number());
    const Response info = call(get("/auth/userinfo", browser));
    EXPECT_EQ(info.status, 200);
    const json u = body_of(info);
    EXPECT_EQ(u["user_id"], "alice");
    EXPECT_EQ(u["user_info"]["sub"], "alice");
    for (const auto* token : {"AT-1", "RT-1", "eyJ"}) {
        EXPECT_EQ(status.body.find(token), std::string::npos);
        EXPECT_EQ(info.body.find(token), std::string::npos);
    }
}

TEST_F(Routes, StatusBodyIsTheSeedsJson) {
    Browser browser;
    sign_in(browser);
    const auto session = sessions->get(browser.session);
    ASSERT_TRUE(session.has_value());
    const Response status = call(get("/auth/status", browser));
    EXPECT_EQ(status.status, 200);
    EXPECT_EQ(status.headers.get("Content-Type").value_or(""), "application/json");
    EXPECT_EQ(status.headers.get("Cache-Control").value_or(""), "no-store");
    const double expires_at =
        std::chrono::duration<double>(session->expires_at.time_since_epoch()).count();
    EXPECT_EQ(status.body, json({{"authenticated", true},
                                 {"user_id", "alice"},
                                 {"roles", json::array({"viewer"})},
                                 {"expires_at", expires_at}})
                               .dump());
}

TEST_F(Routes, StatusEscapesWhatTheSessionHolds) {
    UserSession session;
    session.session_id = new_session_id();
    session.user_id = "a\"b\\c\n\x01<\xff";
    session.roles = {"viewer", "x\"y"};
    session.created_at = op.clock->now();
    session.expires_at = op.clock->now() + std::chrono::seconds{90};
    sessions->create(session);
    Request request = get("/auth/status", Browser{});
    request.headers.add("Authorization", "Bearer " + session.session_id);
    const Response status = call(request);
    const double expires_at =
        std::chrono::duration<double>(session.expires_at.time_since_epoch()).count();
    EXPECT_EQ(status.body, json({{"authenticated", true},
                                 {"user_id", session.user_id},
                                 {"roles", session.roles},
                                 {"expires_at", expires_at}})
                               .dump(-1, ' ', false, json::error_handler_t::replace));
    EXPECT_EQ(body_of(status)["roles"], json::array({"viewer", "x\"y"}));
}

TEST_F(Routes, WithoutSessionStatusIsFalseAndUserinfo401) {
    const Response status = call(get("/auth/status", Browser{}));
    EXPECT_EQ(status.status, 200);
    EXPECT_EQ(body_of(status), json({{"authenticated", false}}));
    const Response info = call(get("/auth/userinfo", Browser{}));
    EXPECT_EQ(info.status, 401);
    EXPECT_EQ(body_of(info), json({{"error", "not_authenticated"}}));
}

TEST_F(Routes, BearerSessionIdIsAccepted) {
    Browser browser;
    sign_in(browser);
    Request request = get("/auth/status", Browser{});
    request.headers.add("authorization", "bearer " + browser.session);
    EXPECT_EQ(body_of(call(request))["authenticated"], true);
    EXPECT_TRUE(routes->require_session(request).has_value());
    Request wrong = get("/auth/status", Browser{});
    wrong.headers.add("Authorization", "Bearer not-a-session");
    EXPECT_FALSE(routes->require_session(wrong).has_value());
    Request basic = get("/auth/status", Browser{});
    basic.headers.add("Authorization", "Basic " + browser.session);
    EXPECT_FALSE(routes->require_session(basic).has_value());
}

TEST_F(Routes, OpenRedirectsFallBackToRoot) {
    for (const std::string next :
         {"//evil.example", "https://evil.example", "/%5Cevil.example", "/\\evil.example",
          "%2F%2Fevil.example", "javascript:alert(1)"}) {
        Browser browser;
        const std::string url = start_login(browser, "?next=" + next);
        ASSERT_FALSE(url.empty());
        Request callback = get(callback_path(url), browser);
        const Response response = call(callback);
        ASSERT_EQ(response.status, 302) << next;
        EXPECT_EQ(response.headers.get("Location").value_or(""), "/") << next;
    }
}

TEST_F(Routes, LoginCsrfVictimBrowserIsRefused) {
    Browser attacker;
    const std::string url = start_login(attacker);
    // The attacker makes the victim's browser follow the attacker's callback.
    Browser victim;
    const Response no_cookie = call(get(callback_path(url), victim));
    EXPECT_EQ(no_cookie.status, 400);
    EXPECT_EQ(body_of(no_cookie)["error"], "invalid_state");

    Browser attacker2;
    const std::string url2 = start_login(attacker2);
    Browser victim2;
    start_login(victim2); // the victim has a pre-login cookie of its own
    const Response other_cookie = call(get(callback_path(url2), victim2));
    EXPECT_EQ(other_cookie.status, 400);
    EXPECT_EQ(body_of(other_cookie)["error"], "invalid_state");
    EXPECT_TRUE(set_cookie_for(other_cookie, "authflow_session").empty());
    EXPECT_EQ(op.http->count(FakeOp::token_url), 0u);
    EXPECT_EQ(sessions->size(), 0u);
}

TEST_F(Routes, StateMissingUnknownUsedOrExpiredIsInvalidState) {
    Browser browser;
    const std::string url = start_login(browser);
    for (const std::string path : {"/auth/callback?code=c", "/auth/callback?code=c&state=",
                                   "/auth/callback?code=c&state=unknown"}) {
        const Response response = call(get(path, browser));
        EXPECT_EQ(response.status, 400) << path;
        EXPECT_EQ(body_of(response)["error"], "invalid_state") << path;
    }
    ASSERT_EQ(call(get(callback_path(url), browser)).status, 302);
    const Response reused = call(get(callback_path(url), browser));
    EXPECT_EQ(reused.status, 400);
    EXPECT_EQ(body_of(reused)["error"], "invalid_state");

    Browser late;
    const std::string late_url = start_login(late);
    op.clock->advance(std::chrono::minutes{11});
    const Response expired = call(get(callback_path(late_url), late));
    EXPECT_EQ(expired.status, 400);
    EXPECT_EQ(body_of(expired)["error"], "invalid_state");
}

TEST_F(Routes, MissingCodeKeepsTheLoginPending) {
    Browser browser;
    const std::string url = start_login(browser);
    const Response response =
        call(get("/auth/callback?state=" + param(query_of(url), "state"), browser));
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(body_of(response)["error"], "missing_code");
    EXPECT_EQ(call(get(callback_path(url), browser)).status, 302);
}

TEST_F(Routes, ProviderErrorIsReported) {
    Browser browser;
    const std::string url = start_login(browser);
    const Response response =
        call(get("/auth/callback?error=access_denied&error_description=User%20said%20no&state=" +
                     param(query_of(url), "state"),
                 browser));
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(body_of(response),
              json({{"error", "access_denied"}, {"error_description", "User said no"}}));
    const std::string url2 = start_login(browser);
    const Response bare = call(
        get("/auth/callback?error=access_denied&state=" + param(query_of(url2), "state"), browser));
    EXPECT_EQ(bare.status, 400);
    EXPECT_EQ(body_of(bare)["error"], "access_denied");
    EXPECT_EQ(body_of(bare)["error_description"], "Authentication failed");
}

// RFC 6749 §10.12: a refusal is this browser's only when its state is. Anyone can send a browser
// to the callback with error=access_denied; without the sign-in's state (and the browser's
// binding to it) that is a bad state, not the provider's refusal.
TEST_F(Routes, ProviderErrorWithoutTheSignInsStateIsInvalidState) {
    Browser browser;
    const std::string url = start_login(browser);
    const std::string state = param(query_of(url), "state");
    for (const std::string& path : std::vector<std::string>{
             "/auth/callback?error=access_denied",
             "/auth/callback?error=access_denied&state=",
             "/auth/callback?error=access_denied&error_description=User%20said%20no&state=x",
             "/auth/callback?error=access_denied&state=" + state + "&state=" + state,
         }) {
        const Response response = call(get(path, browser));
        EXPECT_EQ(response.status, 400) << path;
        EXPECT_EQ(body_of(response)["error"], "invalid_state") << path;
    }
    // The right state from a browser that did not start the sign-in (login CSRF).
    Browser other;
    const Response foreign = call(get("/auth/callback?error=access_denied&state=" + state, other));
    EXPECT_EQ(body_of(foreign)["error"], "invalid_state");
    EXPECT_EQ(op.http->count(FakeOp::token_url), 0u);
}

TEST_F(Routes, BadIdTokenIsInvalidToken) {
    for (const json& bad : {json{{"aud", "other-client"}}, json{{"nonce", "wrong"}},
                            json{{"iss", "https://evil.example"}}}) {
        extra_claims = bad;
        Browser browser;
        const std::string url = start_login(browser);
        const Response response = call(get(callback_path(url), browser));
        EXPECT_EQ(response.status, 400) << bad.dump();
        EXPECT_EQ(body_of(response)["error"], "invalid_token") << bad.dump();
        EXPECT_TRUE(set_cookie_for(response, "authflow_session").empty());
    }
    EXPECT_EQ(sessions->size(), 0u);
}

TEST_F(Routes, WrongIssParameterIsInvalidToken) {
    Browser browser;
    const std::string url = start_login(browser);
    const Response response =
        call(get(callback_path(url) + "&iss=https%3A%2F%2Fevil.example", browser));
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(body_of(response)["error"], "invalid_token");
    EXPECT_EQ(op.http->count(FakeOp::token_url), 0u);
}

TEST_F(Routes, ExchangeFailureIs500WithoutInternals) {
    op.token_answer(
        400, json{{"error", "invalid_grant"}, {"error_description", "secret internal detail"}});
    Browser browser;
    const std::string url = start_login(browser);
    const Response response = call(get(callback_path(url), browser));
    EXPECT_EQ(response.status, 500);
    EXPECT_EQ(body_of(response), json({{"error", "token_exchange_failed"},
                                       {"error_description", "An internal error occurred"}}));
    EXPECT_EQ(response.body.find("secret"), std::string::npos);
    EXPECT_EQ(response.body.find("invalid_grant"), std::string::npos);
}

// The log says what went wrong (the answer keeps it to itself), on one line whatever the provider
// wrote.
TEST_F(Routes, ExchangeFailureIsLoggedWithItsCauseOnOneLine) {
    op.token_answer(400, json{{"error", "invalid_grant"},
                              {"error_description", "code used\nauthflow: warning: forged"}});
    std::vector<std::string> messages;
    set_log_callback([&](LogLevel, std::string_view message) { messages.emplace_back(message); });
    Browser browser;
    const std::string url = start_login(browser);
    EXPECT_EQ(call(get(callback_path(url), browser)).status, 500);
    set_log_callback({});
    const auto line = std::find_if(messages.begin(), messages.end(), [](const std::string& m) {
        return m.starts_with("callback: sign-in failed: ");
    });
    ASSERT_NE(line, messages.end());
    EXPECT_NE(line->find("invalid_grant"), std::string::npos) << *line;
    EXPECT_EQ(line->find('\n'), std::string::npos) << *line;
}

TEST_F(Routes, FailedUserinfoStillGivesTheTokensSubject) {
    op.http->on_json(FakeOp::userinfo_url, 500, json{{"error", "server_error"}});
    Browser browser;
    ASSERT_EQ(sign_in(browser).status, 302);
    const auto session = sessions->get(browser.session);
    ASSERT_TRUE(session.has_value());
    EXPECT_EQ(session->user_id, "alice");
}

TEST_F(Routes, UserinfoEnrichesTheProfile) {
    op.http->on_json(FakeOp::userinfo_url, 200,
                     json{{"sub", "alice"}, {"name", "Alice Example"}, {"email", "a@x.example"}});
    Browser browser;
    ASSERT_EQ(sign_in(browser).status, 302);
    const json info = body_of(call(get("/auth/userinfo", browser)));
    EXPECT_EQ(info["user_info"]["name"], "Alice Example");
}

TEST_F(Routes, GroupsOfIdTokenAndUserinfoAreKeptForTheGateway) {
    op.http->on_json(FakeOp::userinfo_url, 200,
                     json{{"sub", "alice"}, {"groups", {"ops", "eng"}}, {"roles", 7}});
    extra_claims = json{{"groups", {"eng"}}, {"roles", "auditor"}, {"preferred_username", "al"}};
    Browser browser;
    ASSERT_EQ(sign_in(browser).status, 302);
    const auto session = sessions->get(browser.session);
    ASSERT_TRUE(session.has_value());
    EXPECT_EQ(session->metadata["groups"], json({"eng", "auditor", "ops"}));
    EXPECT_EQ(session->metadata["user_info"]["preferred_username"], "al");
}

TEST_F(Routes, NextMayNameAnAllowedRedirectHostOnly) {
    settings.allowed_redirect_hosts = {".example.com"};
    build();
    Browser browser;
    Response response = sign_in(browser, "?next=https%3A%2F%2Fwiki.example.com%2Fpage%3Fa%3D1");
    EXPECT_EQ(response.headers.get("Location"), "https://wiki.example.com/page?a=1");
    Browser other;
    response = sign_in(other, "?next=https%3A%2F%2Fevil.example%2F");
    EXPECT_EQ(response.headers.get("Location"), "/");
}

TEST_F(Routes, CookieDomainIsSetOnTheSessionCookieOnly) {
    settings.public_url = "https://app.example.com";
    settings.cookie_domain = "example.com";
    build();
    Browser browser;
    const std::string url = start_login(browser);
    const Response response = call(get(callback_path(url), browser));
    EXPECT_TRUE(has_attribute(set_cookie_for(response, "authflow_session"), "Domain=example.com"))
        << set_cookie_for(response, "authflow_session");
    EXPECT_FALSE(
        has_attribute(set_cookie_for(response, "authflow_session_login"), "Domain=example.com"));
}

TEST_F(Routes, AdminUsersByVerifiedEmailOrSubject) {
    settings.admin_users = {"boss@x.example"};
    build();
    extra_claims = json{{"email", "boss@x.example"}, {"email_verified", false}};
    Browser unverified;
    sign_in(unverified);
    EXPECT_EQ(sessions->get(unverified.session)->roles, std::vector<std::string>{"viewer"});
    extra_claims = json{{"email", "boss@x.example"}, {"email_verified", true}};
    Browser verified;
    sign_in(verified);
    EXPECT_EQ(sessions->get(verified.session)->roles,
              (std::vector<std::string>{"viewer", "admin"}));
}

TEST_F(Routes, SessionFixationPreExistingCookieIsNeverReused) {
    Browser browser;
    sign_in(browser);
    const std::string first = browser.session;
    ASSERT_FALSE(first.empty());
    sign_in(browser); // signs in again while holding a session cookie
    EXPECT_NE(browser.session, first);
    EXPECT_FALSE(sessions->get(first).has_value());
    EXPECT_TRUE(sessions->get(browser.session).has_value());
    EXPECT_FALSE(tokens->exists(session_key(first)));

    Browser planted;
    planted.session = "attacker-chosen-value";
    sign_in(planted);
    EXPECT_NE(planted.session, "attacker-chosen-value");
    EXPECT_FALSE(sessions->get("attacker-chosen-value").has_value());
}

TEST_F(Routes, LogoutNeedsCsrfOrigin) {
    Browser browser;
    sign_in(browser);
    for (const std::string origin : {"", "https://evil.example", "null", "http://app.example"}) {
        const Response response = call(post("/auth/logout", browser, origin));
        EXPECT_EQ(response.status, 403) << origin;
        EXPECT_EQ(body_of(response)["error"], "csrf_failed");
    }
    Request referer = post("/auth/logout", browser, "");
    referer.headers.add("Referer", "https://evil.example/page");
    EXPECT_EQ(call(referer).status, 403);
    EXPECT_TRUE(sessions->get(browser.session).has_value());
}

TEST_F(Routes, LogoutRevokesDeletesAndClearsCookie) {
    Browser browser;
    sign_in(browser);
    const Response response = call(post("/auth/logout", browser));
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(body_of(response), json({{"success", true}, {"message", "Logged out"}}));
    EXPECT_EQ(revocations, 2); // refresh token, then access token
    EXPECT_FALSE(sessions->get(browser.session).has_value());
    EXPECT_FALSE(tokens->exists(session_key(browser.session)));
    const std::string cleared = set_cookie_for(response, "authflow_session");
    EXPECT_EQ(cookie_value(cleared), "");
    for (const auto* attribute : {"Max-Age=0", "Path=/", "HttpOnly", "Secure", "SameSite=Lax"}) {
        EXPECT_TRUE(has_attribute(cleared, attribute)) << cleared;
    }
    EXPECT_EQ(body_of(call(get("/auth/status", browser)))["authenticated"], false);
}

TEST_F(Routes, LogoutWithNextRedirectsToALocalPath) {
    Browser browser;
    sign_in(browser);
    const Response response = call(post("/auth/logout?next=//evil.example", browser));
    EXPECT_EQ(response.status, 303);
    EXPECT_EQ(response.headers.get("Location").value_or(""), "/");
    EXPECT_FALSE(set_cookie_for(response, "authflow_session").empty());
}

TEST_F(Routes, RevocationFailureDoesNotBlockLogout) {
    op.http->on_json(FakeOp::revocation_url, 503, json::object());
    Browser browser;
    sign_in(browser);
    EXPECT_EQ(call(post("/auth/logout", browser)).status, 200);
    EXPECT_FALSE(sessions->get(browser.session).has_value());
}

TEST_F(Routes, CsrfBehindATlsTerminatingProxy) {
    settings.trusted_proxies = {"10.0.0.1"};
    build();
    Browser browser;
    sign_in(browser);
    browser.address = "10.0.0.1";
    Request proxied = post("/auth/logout", browser);
    proxied.headers.add("X-Forwarded-For", "198.51.100.4");
    proxied.headers.add("X-Forwarded-Proto", "https");
    proxied.headers.add("Host", "internal:8080");
    Request foreign = proxied;
    foreign.headers.set("Origin", "http://internal:8080");
    EXPECT_EQ(call(foreign).status, 403);
    EXPECT_EQ(call(proxied).status, 200);
}

TEST_F(Routes, CsrfWithoutProxyHeadersComparesWithPublicUrl) {
    Browser browser;
    sign_in(browser);
    Request plain = post("/auth/refresh", browser);
    plain.headers.add("Host", "127.0.0.1:8080"); // the app sits behind something; is_tls false
    EXPECT_EQ(call(plain).status, 200);
    Request host_origin = post("/auth/refresh", browser, "http://127.0.0.1:8080");
    host_origin.headers.add("Host", "127.0.0.1:8080");
    EXPECT_EQ(call(host_origin).status, 403);
}

TEST_F(Routes, RefreshSavesNewTokensAndReturnsNone) {
    Browser browser;
    sign_in(browser);
    const Response response = call(post("/auth/refresh", browser));
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(body_of(response),
              json({{"success", true}, {"expires_in", 1800}, {"token_type", "Bearer"}}));
    EXPECT_EQ(response.body.find("AT-2"), std::string::npos);
    EXPECT_EQ(tokens->load(session_key(browser.session))->access_token, "AT-2");
}

TEST_F(Routes, RefreshErrors) {
    EXPECT_EQ(call(post("/auth/refresh", Browser{})).status, 401);
    Browser browser;
    sign_in(browser);
    EXPECT_EQ(call(post("/auth/refresh", browser, "")).status, 403);
    OAuthTokenSet without_refresh;
    without_refresh.access_token = "AT-x";
    tokens->save(session_key(browser.session), without_refresh);
    const Response none = call(post("/auth/refresh", browser));
    EXPECT_EQ(none.status, 400);
    EXPECT_EQ(body_of(none)["error"], "no_refresh_token");
}

TEST_F(Routes, RefreshFailureIs500) {
    Browser browser;
    sign_in(browser);
    op.token_answer(400, json{{"error", "invalid_grant"}});
    const Response response = call(post("/auth/refresh", browser));
    EXPECT_EQ(response.status, 500);
    EXPECT_EQ(body_of(response)["error"], "refresh_failed");
}

TEST_F(Routes, SessionExpiresWithTtl) {
    Browser browser;
    sign_in(browser);
    op.clock->advance(std::chrono::seconds{86401});
    EXPECT_EQ(body_of(call(get("/auth/status", browser)))["authenticated"], false);
}

TEST_F(Routes, LoginIsRateLimitedPerClient) {
    Browser browser;
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(call(get("/auth/login", browser)).status, 302) << i;
    }
    const Response limited = call(get("/auth/login", browser));
    EXPECT_EQ(limited.status, 429);
    EXPECT_EQ(body_of(limited)["error"], "rate_limited");
    EXPECT_TRUE(limited.headers.get("Retry-After").has_value());
    // A spoofed X-Forwarded-For from an untrusted peer changes nothing.
    Request spoofed = get("/auth/login", browser);
    spoofed.headers.add("X-Forwarded-For", "192.0.2.99");
    EXPECT_EQ(call(spoofed).status, 429);
    Browser other;
    other.address = "198.51.100.1";
    EXPECT_EQ(call(get("/auth/login", other)).status, 302);
    op.clock->advance(std::chrono::seconds{61});
    EXPECT_EQ(call(get("/auth/login", browser)).status, 302);
}

// Every address of one IPv6 /56 (256 /64 networks, each allowed 10 logins a minute) starts
// logins it never finishes: more than the pending-login store holds. A new client still signs in.
TEST_F(Routes, LoginFloodFromManyAddressesNeverLocksOutANewClient) {
    pending = std::make_shared<MemoryPendingLoginStore>(500, op.clock);
    build();
    constexpr std::string_view hex = "0123456789abcdef";
    int started = 0;
    for (int net = 0; net < 256; ++net) {
        for (int i = 1; i <= 10; ++i) {
            Browser attacker;
            attacker.address = "2001:db8:0:" + std::string{hex[net >> 4], hex[net & 15]} +
                               "::" + std::to_string(i);
            started += call(get("/auth/login", attacker)).status == 302 ? 1 : 0;
        }
    }
    EXPECT_EQ(started, 2560);
    Browser newcomer;
    newcomer.address = "198.51.100.20";
    const Response response = sign_in(newcomer);
    EXPECT_EQ(response.status, 302) << response.body;
    EXPECT_FALSE(newcomer.session.empty());
}

// One office behind one NAT address: the limit and window are settings.
TEST_F(Routes, LoginRateLimitAndWindowAreSettings) {
    settings.login_rate_limit = 30;
    settings.login_rate_window = 10;
    build();
    Browser office;
    for (int i = 0; i < 30; ++i) {
        EXPECT_EQ(call(get("/auth/login", office)).status, 302) << i;
    }
    const Response limited = call(get("/auth/login", office));
    EXPECT_EQ(limited.status, 429);
    EXPECT_EQ(limited.headers.get("Retry-After").value_or(""), "10");
    op.clock->advance(std::chrono::seconds{10});
    EXPECT_EQ(call(get("/auth/login", office)).status, 302);
}

TEST_F(Routes, RateLimitUsesTheClientBehindTrustedProxies) {
    settings.trusted_proxies = {"10.0.0.0/8"};
    build();
    Browser via_proxy;
    via_proxy.address = "10.0.0.1";
    for (int i = 0; i < 10; ++i) {
        Request request = get("/auth/login", via_proxy);
        request.headers.add("X-Forwarded-For", "192.0.2.1");
        EXPECT_EQ(call(request).status, 302);
    }
    Request same = get("/auth/login", via_proxy);
    same.headers.add("X-Forwarded-For", "192.0.2.1");
    EXPECT_EQ(call(same).status, 429);
    Request another = get("/auth/login", via_proxy);
    another.headers.add("X-Forwarded-For", "192.0.2.2");
    EXPECT_EQ(call(another).status, 302);
}

// RFC 9126: with a provider that requires pushed requests, /auth/login pushes and redirects
// with only client_id and request_uri; a refused push is the provider being unavailable.
TEST_F(Routes, LoginPushesWhenTheProviderRequiresIt) {
    const std::string par_url = "https://op.example/par";
    op.discovery["pushed_authorization_request_endpoint"] = par_url;
    op.discovery["require_pushed_authorization_requests"] = true;
    op.serve_discovery();
    op.http->on_json(par_url, 401,
                     json{{"error", "invalid_client"}, {"error_description", "no such client"}});
    build();
    Browser browser;
    const Response refused = call(get("/auth/login", browser));
    EXPECT_EQ(refused.status, 502);
    EXPECT_FALSE(refused.headers.contains("Location"));
    EXPECT_EQ(set_cookie_for(refused, "authflow_session_login"), "");

    op.http->on_json(
        par_url, 201,
        json{{"request_uri", "urn:ietf:params:oauth:request_uri:r1"}, {"expires_in", 60}});
    const Response started = call(get("/auth/login", browser));
    ASSERT_EQ(started.status, 302);
    EXPECT_EQ(started.headers.get("Location"),
              "https://op.example/authorize?client_id=client-1&request_uri=urn%3Aietf%3Aparams%3A"
              "oauth%3Arequest_uri%3Ar1");
    const auto pushed = test::form_of(op.http->requests_to(par_url).back());
    EXPECT_EQ(pushed.get("redirect_uri"), "https://app.example/auth/callback");
    EXPECT_TRUE(pushed.contains("state"));
    EXPECT_TRUE(pushed.contains("nonce"));
    EXPECT_TRUE(pushed.contains("code_challenge"));
}

TEST_F(Routes, HttpPublicUrlGivesNonSecureCookies) {
    settings.public_url = "http://127.0.0.1:8080";
    build();
    Browser browser;
    const Response login = call(get("/auth/login", browser));
    EXPECT_FALSE(has_attribute(set_cookie_for(login, "authflow_session_login"), "Secure"));
    const Response callback = sign_in(browser);
    EXPECT_FALSE(has_attribute(set_cookie_for(callback, "authflow_session"), "Secure"));
    EXPECT_TRUE(has_attribute(set_cookie_for(callback, "authflow_session"), "HttpOnly"));
}

TEST_F(Routes, ConstructionChecksSettings) {
    DeploySettings empty;
    ProviderConfig config;
    config.client_id = "client-1";
    config.issuer_url = FakeOp::issuer;
    config.http = op.http;
    auto provider = std::make_shared<GenericOIDCProvider>(config);
    try {
        AuthRoutes bad(empty, provider);
        FAIL() << "no public_url accepted";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.code(), errc::config_missing);
    }
    try {
        AuthRoutes bad(settings, nullptr);
        FAIL() << "null provider accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), errc::invalid_argument);
    }
}

TEST_F(Routes, OversizedCookieHeaderIsNoSession) {
    Request request = get("/auth/status", Browser{});
    request.headers.add("Cookie", "a=" + std::string(10000, 'x'));
    const Response response = call(request);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(body_of(response)["authenticated"], false);
}

TEST_F(Routes, ConcurrentSignInsGetTheirOwnSessions) {
    constexpr int threads = 4;
    constexpr int per_thread = 5;
    std::vector<std::vector<std::string>> ids(threads);
    std::atomic<int> failures{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                Browser browser;
                browser.address = "198.51.100." + std::to_string(t * per_thread + i + 1);
                const Response login = routes->handle(get("/auth/login", browser)).value();
                const std::string url = login.headers.get("Location").value_or("");
                browser.pre_login = cookie_value(set_cookie_for(login, "authflow_session_login"));
                const std::string code = "n:" + param(query_of(url), "nonce");
                const Response back =
                    routes->handle(get(callback_path(url, code), browser)).value();
                if (back.status != 302) {
                    ++failures;
                    continue;
                }
                ids[static_cast<std::size_t>(t)].push_back(
                    cookie_value(set_cookie_for(back, "authflow_session")));
            }
        });
    }
    for (auto& worker : workers) {
        worker.join();
    }
    EXPECT_EQ(failures.load(), 0);
    std::set<std::string> distinct;
    for (const auto& list : ids) {
        for (const auto& id : list) {
            EXPECT_TRUE(sessions->get(id).has_value());
            distinct.insert(id);
        }
    }
    EXPECT_EQ(distinct.size(), static_cast<std::size_t>(threads * per_thread));
}

/// The callback's list of codes before families, kept verbatim as the expectation: these were
/// 400 invalid_token, invalid_state was 400 invalid_state, every other code 500.
bool was_token_validation_failure(errc code) {
    switch (code) {
    case errc::malformed_jws:
    case errc::token_too_large:
    case errc::alg_none:
    case errc::alg_not_allowed:
    case errc::unsupported_alg:
    case errc::bad_signature:
    case errc::unknown_key:
    case errc::ambiguous_key:
    case errc::bad_key:
    case errc::weak_key:
    case errc::unsupported_key:
    case errc::crit_header:
    case errc::duplicate_member:
    case errc::bad_issuer:
    case errc::bad_audience:
    case errc::bad_azp:
    case errc::expired:
    case errc::not_yet_valid:
    case errc::issued_in_future:
    case errc::missing_claim:
    case errc::bad_nonce:
    case errc::bad_at_hash:
    case errc::bad_c_hash:
    case errc::auth_too_old:
    case errc::bad_subject:
    case errc::bad_iss_param:
    case errc::userinfo_mismatch:
    case errc::token_invalid:
        return true;
    default:
        return false;
    }
}

TEST(CallbackFailure, EveryCodeGetsTheStatusItHadBeforeFamilies) {
    int invalid_token = 0;
    for (const errc code : all_error_codes()) {
        const auto failure = deploy_detail::callback_failure(code);
        if (code == errc::invalid_state) {
            EXPECT_EQ(failure.status, 400);
            EXPECT_EQ(failure.error, "invalid_state");
        } else if (was_token_validation_failure(code)) {
            ++invalid_token;
            EXPECT_EQ(failure.status, 400) << to_string(code);
            EXPECT_EQ(failure.error, "invalid_token") << to_string(code);
        } else {
            EXPECT_EQ(failure.status, 500) << to_string(code);
            EXPECT_EQ(failure.error, "token_exchange_failed") << to_string(code);
        }
    }
    EXPECT_EQ(invalid_token, 28);
}

} // namespace
} // namespace authflow

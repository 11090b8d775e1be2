#pragma once
// A deploy app on an in-memory OpenID Provider (FakeOp) with one browser's cookie jar: what the
// page and hardening tests of the auth routes share.
#include "unit/providers/provider_test_util.hpp"

#include <authflow/deploy/auth_routes.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>
#include <authflow/store/memory_token_store.hpp>

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace authflow::test {

inline std::string param_of(const QueryParams& params, const std::string& name) {
    for (const auto& [k, v] : params) {
        if (k == name) {
            return v;
        }
    }
    return {};
}

inline QueryParams query_params_of(const std::string& url) {
    const auto q = url.find('?');
    return q == std::string::npos ? QueryParams{} : parse_query(url.substr(q + 1));
}

/// A browser: the cookies it holds (name → value) and whether it sends Accept: text/html.
struct TestBrowser {
    std::map<std::string, std::string> cookies;
    bool is_navigation = true;
};

/// A request as `browser` sends it: the path and query, its cookies, Accept: text/html for a
/// navigation, and the site's Origin on a POST; from 203.0.113.7.
inline Request browser_request(const std::string& method, const std::string& path_and_query,
                               const TestBrowser& browser) {
    Request out;
    out.method = method;
    const auto q = path_and_query.find('?');
    out.path = path_and_query.substr(0, q);
    if (q != std::string::npos) {
        out.query = parse_query(path_and_query.substr(q + 1));
    }
    out.remote_address = "203.0.113.7";
    std::string cookie;
    for (const auto& [name, value] : browser.cookies) {
        cookie += (cookie.empty() ? "" : "; ") + name + "=" + value;
    }
    if (!cookie.empty()) {
        out.headers.add("Cookie", cookie);
    }
    if (browser.is_navigation) {
        out.headers.add("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");
    }
    if (method == "POST") {
        out.headers.add("Origin", "https://app.example");
    }
    return out;
}

/// Sends `in` to `routes`; `browser` keeps (or drops, for Max-Age=0) the cookies set.
inline Response send_to_routes(const AuthRoutes& routes, const Request& in, TestBrowser* browser) {
    auto response = routes.handle(in);
    EXPECT_TRUE(response.has_value()) << in.path;
    if (!response) {
        return Response{};
    }
    if (browser) {
        for (const auto& set : response->headers.get_all("Set-Cookie")) {
            const auto eq = set.find('=');
            const auto semi = set.find(';');
            const std::string cookie_name = set.substr(0, eq);
            const std::string value = set.substr(eq + 1, semi - eq - 1);
            if (set.find("Max-Age=0") != std::string::npos || value.empty()) {
                browser->cookies.erase(cookie_name);
            } else {
                browser->cookies[cookie_name] = value;
            }
        }
    }
    return *response;
}

class RouteFixture : public ::testing::Test {
protected:
    FakeOp op;
    DeploySettings settings;
    std::shared_ptr<MemorySessionStore> sessions;
    std::shared_ptr<MemoryTokenStore> tokens;
    std::unique_ptr<AuthRoutes> routes;
    std::string nonce;
    int refreshes = 0;

    void SetUp() override {
        settings.public_url = "https://app.example";
        op.http->on(FakeOp::token_url, [this](const HttpRequest& request) {
            if (param_of(form_of(request), "grant_type") == "refresh_token") {
                return on_refresh();
            }
            return json_response(
                200, json{{"access_token", "AT-1"},
                          {"token_type", "Bearer"},
                          {"expires_in", 3600},
                          {"refresh_token", "RT-1"},
                          {"id_token",
                           op.id_token(op.claims("client-1", "alice",
                                                 {{"nonce", nonce}, {"name", user_name}}))}});
        });
        op.http->on(FakeOp::revocation_url,
                    [](const HttpRequest&) { return json_response(200, json::object()); });
    }

    /// The refresh grant's answer (a test may make it slow).
    virtual HttpResponse on_refresh() {
        return json_response(200, json{{"access_token", "AT-2"},
                                       {"token_type", "Bearer"},
                                       {"expires_in", 1800},
                                       {"refresh_token", "RT-2"}});
    }

    /// The user's name in the next ID token.
    std::string user_name = "Alice";

    void build() {
        sessions = std::make_shared<MemorySessionStore>(1000, op.clock);
        MemoryTokenStoreOptions options;
        options.clock = op.clock;
        tokens = std::make_shared<MemoryTokenStore>(options);
        AuthRouteStores stores;
        stores.sessions = sessions;
        stores.tokens = tokens;
        routes = std::make_unique<AuthRoutes>(
            settings, std::make_shared<GenericOIDCProvider>(op.client_config()), stores, op.clock);
    }

    Request request(const std::string& method, const std::string& path_and_query,
                    const TestBrowser& browser) const {
        return browser_request(method, path_and_query, browser);
    }

    /// Sends the request; the browser keeps (or drops, for Max-Age=0) the cookies set.
    Response call(const Request& in, TestBrowser* browser = nullptr) const {
        return send_to_routes(*routes, in, browser);
    }

    /// GET {prefix}/login: the provider URL (the browser keeps the pre-login cookie).
    std::string start_login(TestBrowser& browser, const std::string& query = "") {
        const Response response = call(request("GET", "/auth/login" + query, browser), &browser);
        EXPECT_EQ(response.status, 302) << response.body;
        const std::string location = response.headers.get("Location").value_or("");
        nonce = param_of(query_params_of(location), "nonce");
        return location;
    }

    static std::string state_of(const std::string& provider_url) {
        return param_of(query_params_of(provider_url), "state");
    }

    /// A whole sign-in; returns the callback's answer.
    Response sign_in(TestBrowser& browser) {
        const std::string url = start_login(browser);
        return call(request("GET", "/auth/callback?code=c1&state=" + state_of(url), browser),
                    &browser);
    }
};

} // namespace authflow::test

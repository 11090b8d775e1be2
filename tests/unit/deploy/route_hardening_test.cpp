// Route-level hardening of deploy mode: __Host-/__Secure- session cookie names, sign-out taking
// the refresh lease (no refresh token outlives sign-out), nosniff on every JSON answer, and the
// public paths.
#include "route_fixture.hpp"

#include <authflow/core/errors.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace authflow {
namespace {

using test::json;
using test::TestBrowser;

bool has_attribute(const std::string& set_cookie, const std::string& attribute) {
    return (set_cookie + ";").find("; " + attribute + ";") != std::string::npos;
}

/// What a browser requires of a prefixed cookie (RFC 6265bis §4.1.3): __Secure- needs Secure;
/// __Host- needs Secure, Path=/ and no Domain. A cookie that breaks them is dropped.
bool browser_accepts(const std::string& set_cookie) {
    const std::string name = set_cookie.substr(0, set_cookie.find('='));
    const bool secure = has_attribute(set_cookie, "Secure");
    if (name.rfind("__Secure-", 0) == 0) {
        return secure;
    }
    if (name.rfind("__Host-", 0) == 0) {
        return secure && has_attribute(set_cookie, "Path=/") &&
               set_cookie.find("Domain=") == std::string::npos;
    }
    return true;
}

class Hardening : public test::RouteFixture {
protected:
    void SetUp() override {
        RouteFixture::SetUp();
        build();
    }

    /// Signs in; every cookie set on the way must be one a browser accepts (else it drops it).
    void sign_in_keeping_cookies(TestBrowser& browser) {
        const std::string url = start_login(browser);
        const Response back = call(
            request("GET", "/auth/callback?code=c1&state=" + state_of(url), browser), &browser);
        ASSERT_EQ(back.status, 302) << back.body;
        EXPECT_EQ(back.headers.get("Location").value_or(""), "/");
    }
};

TEST_F(Hardening, HostPrefixedSessionCookieNameSignsIn) {
    settings.auth_session_cookie = "__Host-authflow";
    build();
    EXPECT_EQ(routes->pre_login_cookie_options().path, "/");
    TestBrowser browser;
    const Response login = call(request("GET", "/auth/login", browser));
    for (const auto& set : login.headers.get_all("Set-Cookie")) {
        EXPECT_TRUE(browser_accepts(set)) << set;
    }
    sign_in_keeping_cookies(browser);
    EXPECT_EQ(browser.cookies.count("__Host-authflow"), 1u);
    EXPECT_TRUE(routes->require_session(request("GET", "/", browser)).has_value());
    const Response out = call(request("POST", "/auth/logout", browser), &browser);
    for (const auto& set : out.headers.get_all("Set-Cookie")) {
        EXPECT_TRUE(browser_accepts(set)) << set;
    }
}

TEST_F(Hardening, SecurePrefixedSessionCookieNameSignsIn) {
    settings.auth_session_cookie = "__Secure-authflow";
    build();
    EXPECT_EQ(routes->pre_login_cookie_options().path, "/auth");
    TestBrowser browser;
    const Response login = call(request("GET", "/auth/login", browser));
    for (const auto& set : login.headers.get_all("Set-Cookie")) {
        EXPECT_TRUE(browser_accepts(set)) << set;
    }
    sign_in_keeping_cookies(browser);
    EXPECT_TRUE(routes->require_session(request("GET", "/", browser)).has_value());
}

TEST_F(Hardening, PrefixedCookieNameOverHttpIsAConfigError) {
    for (const char* name : {"__Host-authflow", "__Secure-authflow", "__host-authflow"}) {
        DeploySettings http = settings;
        http.public_url = "http://127.0.0.1:8080";
        http.auth_session_cookie = name;
        try {
            http.validate();
            ADD_FAILURE() << name << " accepted over http";
        } catch (const ConfigError& e) {
            EXPECT_EQ(e.code(), errc::config_invalid) << name;
            EXPECT_NE(std::string{e.what()}.find("auth_session_cookie"), std::string::npos);
        }
        http.force_https = true; // behind a TLS terminator: the cookies are Secure
        EXPECT_NO_THROW(http.validate()) << name;
    }
}

TEST_F(Hardening, HostPrefixedCookieWithACookieDomainIsAConfigError) {
    DeploySettings shared = settings;
    shared.public_url = "https://app.example.com";
    shared.auth_session_cookie = "__Host-authflow";
    shared.cookie_domain = "example.com";
    try {
        shared.validate();
        ADD_FAILURE() << "a __Host- cookie with a Domain was accepted";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.code(), errc::config_invalid);
        EXPECT_NE(std::string{e.what()}.find("cookie_domain"), std::string::npos);
    }
    shared.auth_session_cookie = "__Secure-authflow"; // may carry a Domain
    EXPECT_NO_THROW(shared.validate());
}

TEST_F(Hardening, EveryJsonAnswerSaysNosniff) {
    TestBrowser script;
    script.is_navigation = false;
    const Request bad_method = request("DELETE", "/auth/login", script);
    for (const Request& in :
         {request("GET", "/auth/status", script), request("GET", "/auth/userinfo", script),
          bad_method, request("GET", "/auth/callback?state=x&code=y", script)}) {
        const Response answer = call(in);
        EXPECT_EQ(answer.headers.get("Content-Type").value_or(""), "application/json") << in.path;
        EXPECT_EQ(answer.headers.get("X-Content-Type-Options").value_or(""), "nosniff") << in.path;
    }
    TestBrowser browser;
    sign_in_keeping_cookies(browser);
    browser.is_navigation = false;
    const Response status = call(request("GET", "/auth/status", browser));
    EXPECT_TRUE(json::parse(status.body)["authenticated"].get<bool>());
    EXPECT_EQ(status.headers.get("X-Content-Type-Options").value_or(""), "nosniff");
}

TEST_F(Hardening, PublicPathsAreTheRoutesOrTheSetting) {
    EXPECT_TRUE(routes->is_public_path("/auth/login"));
    EXPECT_TRUE(routes->is_public_path("/auth/callback"));
    EXPECT_FALSE(routes->is_public_path("/auth/userinfo"));
    EXPECT_FALSE(routes->is_public_path("/app"));
    settings.auth_public_paths = std::vector<std::string>{"/health", "/static/"};
    build();
    EXPECT_TRUE(routes->is_public_path("/health"));
    EXPECT_TRUE(routes->is_public_path("/static/app.css"));
    EXPECT_FALSE(routes->is_public_path("/healthz"));
}

/// A token endpoint whose refresh grant waits until the test lets it answer.
class SlowRefresh : public Hardening {
protected:
    std::mutex mutex;
    std::condition_variable changed;
    bool refresh_entered = false;
    bool refresh_released = false;
    bool logout_done = false;

    HttpResponse on_refresh() override {
        std::unique_lock lock(mutex);
        refresh_entered = true;
        changed.notify_all();
        changed.wait_for(lock, std::chrono::seconds{30}, [this] { return refresh_released; });
        return test::json_response(200, json{{"access_token", "AT-2"},
                                             {"token_type", "Bearer"},
                                             {"expires_in", 1800},
                                             {"refresh_token", "RT-2"}});
    }

    std::set<std::string> revoked() const {
        std::set<std::string> out;
        for (const auto& r : op.http->requests_to(test::FakeOp::revocation_url)) {
            out.insert(test::param_of(test::form_of(r), "token"));
        }
        return out;
    }
};

// A refresh is at the token endpoint when the user signs out. Whatever order the two finish in,
// no refresh token may stay stored or unrevoked: without the lease the sign-out revokes RT-1 and
// the refresh stores RT-2 afterwards, alive and unknown to anyone.
TEST_F(SlowRefresh, NoRefreshTokenOutlivesSignOut) {
    TestBrowser browser;
    sign_in_keeping_cookies(browser);
    const std::string key = session_key(browser.cookies.at("authflow_session"));
    ASSERT_TRUE(tokens->load(key).has_value());

    Response refreshed;
    std::thread refresh([&] { refreshed = call(request("POST", "/auth/refresh", browser)); });
    {
        std::unique_lock lock(mutex);
        ASSERT_TRUE(
            changed.wait_for(lock, std::chrono::seconds{30}, [this] { return refresh_entered; }));
    }
    Response signed_out;
    std::thread logout([&] {
        signed_out = call(request("POST", "/auth/logout", browser));
        std::lock_guard lock(mutex);
        logout_done = true;
        changed.notify_all();
    });
    {
        // A sign-out that does not wait for the refresh ends now; one that waits does not.
        std::unique_lock lock(mutex);
        changed.wait_for(lock, std::chrono::milliseconds{500}, [this] { return logout_done; });
        refresh_released = true;
        changed.notify_all();
    }
    refresh.join();
    logout.join();

    EXPECT_EQ(signed_out.status, 303); // a browser's sign-out: to the signed-out page
    EXPECT_FALSE(tokens->load(key).has_value());
    const auto tokens_revoked = revoked();
    EXPECT_EQ(tokens_revoked.count("RT-1"), 1u);
    EXPECT_EQ(tokens_revoked.count("RT-2"), 1u) << "the refreshed token was never revoked";
    EXPECT_EQ(refreshed.status, 401); // the session it refreshed for is gone
}

} // namespace
} // namespace authflow

// The pages of the auth routes: every value escaped, the CSP (its style hash matches the page's
// style), nosniff, only ASCII markup, and JSON for a request that asks for it; the sign-in error
// pages, which repeat a provider's error only for this browser's valid state and only a known
// code.
#include "deploy/pages/page_template.hpp"
#include "route_fixture.hpp"

#include <authflow/core/crypto.hpp>
#include <authflow/core/encoding.hpp>
#include <authflow/deploy/pages.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace authflow {
namespace {

using test::json;
using test::TestBrowser;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string attack = "<script>alert('x')</script>&\"";
const std::string escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;";

bool is_ascii(const std::string& text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

/// The CSP's style-src hash is the hash of the page's one <style> element.
bool style_hash_matches(const Response& response) {
    const std::string& body = response.body;
    const auto open = body.find("<style>");
    const auto close = body.find("</style>");
    if (open == std::string::npos || close == std::string::npos) {
        return false;
    }
    const std::string style = body.substr(open + 7, close - open - 7);
    const std::string hash = "'sha256-" + base64_encode(sha256(style)) + "'";
    const std::string csp = response.headers.get("Content-Security-Policy").value_or("");
    return csp.find("style-src " + hash + ";") != std::string::npos;
}

/// The headers every page carries.
void expect_page_headers(const Response& response) {
    EXPECT_EQ(response.headers.get("Content-Type").value_or(""), "text/html; charset=utf-8");
    EXPECT_EQ(response.headers.get("X-Content-Type-Options").value_or(""), "nosniff");
    EXPECT_EQ(response.headers.get("Cache-Control").value_or(""), "no-store");
    const std::string csp = response.headers.get("Content-Security-Policy").value_or("");
    EXPECT_THAT(csp, HasSubstr("default-src 'none';"));
    EXPECT_THAT(csp, HasSubstr("form-action 'self'"));
    EXPECT_THAT(csp, HasSubstr("frame-ancestors 'none'"));
    EXPECT_THAT(csp, Not(HasSubstr("unsafe-inline")));
    EXPECT_TRUE(style_hash_matches(response)) << csp;
    EXPECT_THAT(response.body, Not(HasSubstr("<script")));
    EXPECT_TRUE(is_ascii(response.body));
}

TEST(DeployPageTemplate, EscapesEveryValueAndRefusesAMissingOne) {
    const auto markup = deploy_detail::fill("<a href=\"{{url}}\">{{text}}</a>",
                                            {{"url", "\"><script>"}, {"text", attack}});
    EXPECT_EQ(markup.text(), "<a href=\"&quot;&gt;&lt;script&gt;\">" + escaped + "</a>");
    EXPECT_THROW(deploy_detail::fill("{{missing}}", {}), std::logic_error);
    EXPECT_THROW(deploy_detail::fill("{{open", {{"open", "x"}}), std::logic_error);
}

TEST(DeployPageTemplate, DisplayableTextDropsControlsAndCaps) {
    EXPECT_EQ(deploy_detail::displayable_text("a\r\nb\x1b[31mc\x7f", 100), "ab[31mc");
    EXPECT_EQ(deploy_detail::displayable_text("x\xc2\x85y", 100), "xy"); // C1 NEL
    EXPECT_EQ(deploy_detail::displayable_text("\xff"
                                              "ok",
                                              100),
              "?ok"); // invalid UTF-8
    EXPECT_EQ(deploy_detail::displayable_text(std::string(1000, 'a'), 300).size(), 300u);
    // Never cut inside a character: "é" is two bytes.
    EXPECT_EQ(deploy_detail::displayable_text("ab\xc3\xa9", 3), "ab");
}

TEST(DeployPages, NegotiatesJsonOrHtml) {
    Request request;
    EXPECT_FALSE(wants_html(request)); // no Accept: JSON, as before pages existed
    request.headers.add("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");
    EXPECT_TRUE(wants_html(request));
    request.headers.add("X-Requested-With", "XMLHttpRequest");
    EXPECT_FALSE(wants_html(request));
    EXPECT_TRUE(wants_json(request));
    Request api;
    api.headers.add("Accept", "application/json");
    EXPECT_TRUE(wants_json(api));
    EXPECT_FALSE(wants_html(api));
    Request problem;
    problem.headers.add("Accept", "application/problem+json, text/html");
    EXPECT_TRUE(wants_json(problem));
}

TEST(DeployPages, ProviderNamesAndKnownErrorCodes) {
    EXPECT_EQ(provider_display_name("google"), "Google");
    EXPECT_EQ(provider_display_name("github"), "GitHub");
    EXPECT_EQ(provider_display_name("oidc"), "OpenID Connect");
    EXPECT_EQ(provider_display_name("keycloak"), "Keycloak");
    for (const char* code : {"access_denied", "invalid_scope", "temporarily_unavailable",
                             "login_required", "consent_required", "registration_not_supported"}) {
        EXPECT_TRUE(is_known_authorization_error(code)) << code;
    }
    for (const char* code : {"", "ACCESS_DENIED", "you_have_won", "access_denied "}) {
        EXPECT_FALSE(is_known_authorization_error(code)) << code;
    }
}

class Pages : public test::RouteFixture {
protected:
    void SetUp() override {
        RouteFixture::SetUp();
        build();
    }
};

TEST_F(Pages, SignInPageNamesTheProviderWithTitleAndLogo) {
    settings.title = attack;
    settings.logo_url = "https://cdn.example:8443/logo.png?v=1";
    settings.logo_url = "https://cdn.example:8443/logo.png";
    build();
    const Response page = call(request("GET", "/auth/sign-in?next=/reports%3Fq%3D1", {}));
    EXPECT_EQ(page.status, 200);
    expect_page_headers(page);
    EXPECT_THAT(page.body, HasSubstr("<title>" + escaped + "</title>"));
    EXPECT_THAT(page.body, HasSubstr("<h1>" + escaped + "</h1>"));
    EXPECT_THAT(page.body, HasSubstr("Sign in with OpenID Connect</a>"));
    EXPECT_THAT(page.body, HasSubstr("href=\"/auth/login?next=%2Freports%3Fq%3D1\""));
    EXPECT_THAT(page.body,
                HasSubstr("<img class=\"logo\" src=\"https://cdn.example:8443/logo.png\""));
    EXPECT_THAT(page.headers.get("Content-Security-Policy").value_or(""),
                HasSubstr("img-src https://cdn.example:8443;"));
    // An unsafe next is not carried.
    const Response evil = call(request("GET", "/auth/sign-in?next=//evil.example", {}));
    EXPECT_THAT(evil.body, Not(HasSubstr("evil.example")));
    // JSON for a script.
    TestBrowser script;
    script.is_navigation = false;
    Request api = request("GET", "/auth/sign-in", script);
    api.headers.add("Accept", "application/json");
    const Response answer = call(api);
    EXPECT_EQ(json::parse(answer.body)["login_url"], "/auth/login");
    EXPECT_EQ(answer.headers.get("X-Content-Type-Options").value_or(""), "nosniff");
}

TEST_F(Pages, NoLogoMeansNoImages) {
    const Response page = call(request("GET", "/auth/sign-in", {}));
    EXPECT_THAT(page.headers.get("Content-Security-Policy").value_or(""),
                HasSubstr("img-src 'none';"));
    EXPECT_THAT(page.body, Not(HasSubstr("<img")));
}

TEST_F(Pages, DeniedPageSaysWhoIsSignedInAndOffersSignOut) {
    user_name = attack;
    build();
    TestBrowser browser;
    ASSERT_EQ(sign_in(browser).status, 302);
    const Response page = call(request("GET", "/auth/denied", browser));
    EXPECT_EQ(page.status, 403);
    expect_page_headers(page);
    EXPECT_THAT(page.body, HasSubstr("<strong>" + escaped + "</strong>"));
    EXPECT_THAT(page.body, HasSubstr("<form method=\"post\" action=\"/auth/logout?next="
                                     "%2Fauth%2Fsigned-out\">"));
    // The function a gateway calls renders the same page for a session it holds.
    const auto session = routes->require_session(request("GET", "/", browser));
    ASSERT_TRUE(session.has_value());
    EXPECT_EQ(routes->denied_page(request("GET", "/app", browser), session).body, page.body);
    // Signed out: a sign-in button instead; a script gets JSON.
    const Response anonymous = call(request("GET", "/auth/denied", {}));
    EXPECT_EQ(anonymous.status, 403);
    EXPECT_THAT(anonymous.body, HasSubstr("You are not signed in."));
    EXPECT_THAT(anonymous.body, Not(HasSubstr("<form")));
    Request api = request("GET", "/auth/denied", browser);
    api.headers.add("X-Requested-With", "fetch");
    const Response answer = call(api);
    EXPECT_EQ(answer.status, 403);
    EXPECT_EQ(json::parse(answer.body)["error"], "access_denied");
}

TEST_F(Pages, NotFoundPageOrJson) {
    const Response page = routes->not_found_page(request("GET", "/auth/nope", {}));
    EXPECT_EQ(page.status, 404);
    expect_page_headers(page);
    TestBrowser script;
    script.is_navigation = false;
    const Response answer = routes->not_found_page(request("GET", "/auth/nope", script));
    EXPECT_EQ(answer.status, 404);
    EXPECT_EQ(json::parse(answer.body)["error"], "not_found");
}

TEST_F(Pages, SignedOutPageAndABrowsersSignOutLandsOnIt) {
    const Response page = call(request("GET", "/auth/signed-out", {}));
    EXPECT_EQ(page.status, 200);
    expect_page_headers(page);
    EXPECT_THAT(page.body, HasSubstr("You are signed out."));
    TestBrowser browser;
    ASSERT_EQ(sign_in(browser).status, 302);
    const Response out = call(request("POST", "/auth/logout", browser), &browser);
    EXPECT_EQ(out.status, 303);
    EXPECT_EQ(out.headers.get("Location").value_or(""), "/auth/signed-out");
    EXPECT_EQ(browser.cookies.count("authflow_session"), 0u);
}

// The sign-in errors.

TEST_F(Pages, CancelledAtTheProviderShowsTheKnownCodeAndTryAgain) {
    TestBrowser browser;
    const std::string url = start_login(browser, "?next=/reports");
    const Response page = call(request("GET",
                                       "/auth/callback?error=access_denied&error_description=User"
                                       "%20said%20%3Cb%3Eno%3C%2Fb%3E%0D%0A%1B[0m&state=" +
                                           state_of(url),
                                       browser));
    EXPECT_EQ(page.status, 400);
    expect_page_headers(page);
    EXPECT_THAT(page.body, HasSubstr("<h1>Sign-in cancelled</h1>"));
    EXPECT_THAT(page.body, HasSubstr("access_denied: User said &lt;b&gt;no&lt;/b&gt;[0m</p>"));
    EXPECT_THAT(page.body, HasSubstr("id=\"try-again\" class=\"btn\" "
                                     "href=\"/auth/login?next=%2Freports\""));
}

TEST_F(Pages, AnInvalidStateNeverShowsTheProvidersText) {
    TestBrowser browser;
    const std::string url = start_login(browser);
    const std::string forged = "/auth/callback?error=access_denied&error_description="
                               "Call%20555-0100%20for%20support&state=";
    for (const std::string& path : {forged, forged + "not-the-state"}) {
        const Response page = call(request("GET", path, browser));
        EXPECT_EQ(page.status, 400) << path;
        EXPECT_THAT(page.body, HasSubstr("<h1>Sign-in link expired</h1>")) << path;
        EXPECT_THAT(page.body, Not(HasSubstr("555-0100"))) << path;
        EXPECT_THAT(page.body, Not(HasSubstr("access_denied"))) << path;
    }
    // The right state in a browser that did not start the sign-in.
    const Response foreign = call(request("GET", forged + state_of(url), {}));
    EXPECT_THAT(foreign.body, HasSubstr("<h1>Sign-in link expired</h1>"));
    EXPECT_THAT(foreign.body, Not(HasSubstr("555-0100")));
}

TEST_F(Pages, AnUnknownErrorCodeIsNotRepeated) {
    TestBrowser browser;
    const std::string url = start_login(browser);
    const std::string path = "/auth/callback?error=visit_evil_example&error_description="
                             "Go%20to%20evil.example&state=" +
                             state_of(url);
    const Response page = call(request("GET", path, browser));
    EXPECT_EQ(page.status, 400);
    EXPECT_THAT(page.body, Not(HasSubstr("visit_evil_example")));
    EXPECT_THAT(page.body, Not(HasSubstr("evil.example")));
    EXPECT_THAT(page.body, HasSubstr("<h1>Sign-in refused</h1>"));
    // A script's JSON answer does not repeat it either.
    TestBrowser script = browser;
    script.is_navigation = false;
    const std::string url2 = start_login(script);
    const Response answer = call(request(
        "GET",
        "/auth/callback?error=visit_evil_example&error_description=x&state=" + state_of(url2),
        script));
    EXPECT_EQ(json::parse(answer.body)["error"], "provider_error");
}

TEST_F(Pages, AReplayedLinkIsExpired) {
    TestBrowser browser;
    const std::string url = start_login(browser);
    const std::string path = "/auth/callback?code=c1&state=" + state_of(url);
    TestBrowser copy = browser;
    ASSERT_EQ(call(request("GET", path, browser), &browser).status, 302);
    const Response replay = call(request("GET", path, copy));
    EXPECT_EQ(replay.status, 400);
    EXPECT_THAT(replay.body, HasSubstr("<h1>Sign-in link expired</h1>"));
    EXPECT_THAT(replay.body, HasSubstr("Try again</a>"));
}

TEST_F(Pages, AnUnreachableProviderSaysSo) {
    op.http->on(std::string{test::FakeOp::issuer} + "/.well-known/openid-configuration",
                [](const HttpRequest&) -> HttpResponse {
                    throw TransportError(errc::connect, "connection refused");
                });
    build();
    const Response page = call(request("GET", "/auth/login?next=/x", {}));
    EXPECT_EQ(page.status, 502);
    expect_page_headers(page);
    EXPECT_THAT(page.body, HasSubstr("<h1>Identity provider unreachable</h1>"));
    EXPECT_THAT(page.body, HasSubstr("href=\"/auth/login?next=%2Fx\""));
    TestBrowser script;
    script.is_navigation = false;
    const Response answer = call(request("GET", "/auth/login", script));
    EXPECT_EQ(answer.status, 502);
    EXPECT_EQ(json::parse(answer.body)["error"], "provider_unavailable");
}

} // namespace
} // namespace authflow

// Pushed authorization requests (RFC 9126) against a real OpenID Provider (node oidc-provider):
// sign-ins whose parameters are pushed (par = always, and auto with a provider that requires
// it), the provider's refusal of an unpushed request from a client that must push, a request_uri
// used after it expired (directly and in the native flow), and a deploy-mode sign-in through the
// auth routes.
#include "support/oidc_provider.hpp"
#include "support/test_env.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/url.hpp>
#include <authflow/deploy/auth_routes.hpp>
#include <authflow/native/auth_flow_manager.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

namespace authflow {
namespace {

using json = nlohmann::json;
using test::OidcProvider;

constexpr const char* redirect_uri = OidcProvider::default_redirect_uri;
constexpr const char* app_url = "http://127.0.0.1:8765";
constexpr const char* deploy_callback = "http://127.0.0.1:8765/auth/callback";
constexpr int short_par_ttl = 3; // seconds

// A provider where pushing is optional except for par-client.
OidcProvider& op() {
    static std::unique_ptr<OidcProvider> instance = [] {
        test::OidcProviderOptions options;
        options.redirect_uris = {redirect_uri, deploy_callback};
        return std::make_unique<OidcProvider>(options);
    }();
    return *instance;
}

// A provider that requires every client to push, and keeps pushed requests for a short time.
OidcProvider& strict_op() {
    static std::unique_ptr<OidcProvider> instance = [] {
        test::OidcProviderOptions options;
        options.require_par = true;
        options.par_ttl = short_par_ttl;
        return std::make_unique<OidcProvider>(options);
    }();
    return *instance;
}

/// The query parameters of a URL.
QueryParams query_of(const std::string& url) {
    const auto q = url.find('?');
    return q == std::string::npos ? QueryParams{} : parse_query(url.substr(q + 1));
}

/// How many events `event` with the OAuth `error` code the provider wrote.
std::size_t count_errors(const OidcProvider& provider, const std::string& event,
                         const std::string& error) {
    std::size_t n = 0;
    for (const auto& entry : provider.events()) {
        if (entry.value("event", "") == event && entry.value("error", "") == error) {
            ++n;
        }
    }
    return n;
}

class ParProvider : public ::testing::Test {
protected:
    void SetUp() override {
        AUTHFLOW_REQUIRE_SERVICE(OidcProvider::available(), OidcProvider::missing());
    }

    static ProviderConfig config(OidcProvider& provider, const std::string& client_id,
                                 ParMode par) {
        ProviderConfig c;
        c.client_id = client_id;
        if (client_id != "public-client") {
            c.client_secret = OidcProvider::secret_of(client_id);
        }
        c.issuer_url = provider.issuer();
        c.scopes = {"openid", "email", "profile"};
        c.par = par;
        return c;
    }
    static std::shared_ptr<GenericOIDCProvider> client(OidcProvider& provider,
                                                       const std::string& client_id, ParMode par) {
        return std::make_shared<GenericOIDCProvider>(config(provider, client_id, par));
    }

    /// Exactly client_id and request_uri (RFC 9126 §4).
    static void expect_pushed_url(const AuthorizationRequest& request, const std::string& issuer,
                                  const std::string& client_id) {
        const QueryParams query = query_of(request.url);
        ASSERT_EQ(query.size(), 2u) << request.url;
        EXPECT_EQ(query.get("client_id"), client_id);
        EXPECT_TRUE(query.get("request_uri")
                        .value_or("")
                        .starts_with("urn:ietf:params:oauth:request_uri:"));
        EXPECT_TRUE(request.url.starts_with(issuer)) << request.url;
        EXPECT_TRUE(request.is_pushed());
    }
};

TEST_F(ParProvider, AlwaysPushesAndSignsInAClientThatMustPush) {
    auto provider = client(op(), "par-client", ParMode::always);
    const auto pushed_before =
        op().count_events("pushed_authorization_request.success", "par-client");
    auto request = provider->begin_authorization(redirect_uri, {{"login_hint", "bob"}});
    expect_pushed_url(request, op().issuer(), "par-client");
    EXPECT_EQ(op().count_events("pushed_authorization_request.success", "par-client"),
              pushed_before + 1);
    // The provider's own 60 s, counted from the push.
    const auto left = *request.expires_at - system_clock().steady_now();
    EXPECT_GT(left, std::chrono::seconds{50});
    EXPECT_LE(left, std::chrono::seconds{60});

    test::OpBrowser browser;
    auto callback = browser.authorize(request.url, redirect_uri);
    // The state came back from the pushed parameters, not from the URL.
    EXPECT_EQ(callback.get("state"), request.state);
    auto login = provider->complete_login(request, callback);
    EXPECT_EQ(login.identity.subject, "alice");
    ASSERT_TRUE(login.identity.id_token_claims);
    EXPECT_EQ(login.identity.id_token_claims->nonce(), request.nonce);
    EXPECT_EQ(op().count_events("grant.success", "par-client", "authorization_code"), 1u);
}

TEST_F(ParProvider, PublicClientsPushToo) {
    // No client authentication: client_id in the form (RFC 9126 §2.1).
    auto provider = client(op(), "public-client", ParMode::always);
    const std::string loopback = "http://127.0.0.1:45678/callback";
    auto request = provider->begin_authorization(loopback);
    expect_pushed_url(request, op().issuer(), "public-client");
    test::OpBrowser browser;
    auto login = provider->complete_login(request, browser.authorize(request.url, loopback));
    EXPECT_EQ(login.identity.subject, "alice");
}

TEST_F(ParProvider, NeverWithAClientThatMustPushFailsAtTheProvider) {
    auto provider = client(op(), "par-client", ParMode::never);
    auto request = provider->begin_authorization(redirect_uri);
    EXPECT_FALSE(request.is_pushed());
    EXPECT_TRUE(query_of(request.url).contains("code_challenge"));
    const auto refused_before = count_errors(op(), "authorization.error", "invalid_request");
    test::OpBrowser browser;
    // The provider redirects back with its refusal (RFC 6749 §4.1.2.1), which the callback check
    // turns into an error carrying the provider's code.
    QueryParams callback;
    try {
        callback = browser.authorize(request.url, redirect_uri);
    } catch (const std::runtime_error& e) {
        FAIL() << "the provider showed a page instead of redirecting: " << e.what();
    }
    try {
        provider->complete_login(request, callback);
        FAIL() << "an unpushed request was accepted";
    } catch (const AuthenticationError& e) {
        EXPECT_EQ(e.code(), errc::provider_error);
        EXPECT_EQ(e.oauth_error(), "invalid_request");
        EXPECT_FALSE(e.error_description().empty());
    }
    EXPECT_EQ(count_errors(op(), "authorization.error", "invalid_request"), refused_before + 1);
}

TEST_F(ParProvider, AutoPushesWhenTheProviderRequiresIt) {
    // par = auto with a provider whose discovery says require_pushed_authorization_requests.
    auto provider = client(strict_op(), "conf-client", ParMode::automatic);
    EXPECT_TRUE(provider->endpoints().require_pushed_authorization_requests);
    EXPECT_FALSE(provider->endpoints().pushed_authorization_request_endpoint.empty());
    auto request = provider->begin_authorization(redirect_uri);
    expect_pushed_url(request, strict_op().issuer(), "conf-client");
    EXPECT_EQ(strict_op().count_events("pushed_authorization_request.success", "conf-client"), 1u);
    test::OpBrowser browser;
    auto login = provider->complete_login(request, browser.authorize(request.url, redirect_uri));
    EXPECT_EQ(login.identity.subject, "alice");

    // The same client against the provider that only offers PAR: auto does not push.
    auto optional = client(op(), "conf-client", ParMode::automatic);
    EXPECT_FALSE(optional->endpoints().require_pushed_authorization_requests);
    EXPECT_FALSE(optional->begin_authorization(redirect_uri).is_pushed());
}

TEST_F(ParProvider, TheProvidersRefusalOfThePushIsClear) {
    // A wrong secret: the PAR endpoint refuses the client (RFC 9126 §2.3).
    ProviderConfig c = config(op(), "par-client", ParMode::always);
    c.client_secret = "not-the-secret";
    auto provider = std::make_shared<GenericOIDCProvider>(c);
    try {
        provider->begin_authorization(redirect_uri);
        FAIL() << "a push with a wrong secret was accepted";
    } catch (const AuthenticationError& e) {
        EXPECT_EQ(e.code(), errc::provider_error);
        EXPECT_EQ(e.oauth_error(), "invalid_client");
        EXPECT_EQ(e.http_status(), 401);
        EXPECT_EQ(std::string{e.what()}.find("not-the-secret"), std::string::npos);
    }
    // A parameter the provider does not accept: invalid_request (here an unknown scope is
    // dropped, so a redirect_uri it does not know).
    auto good = client(op(), "par-client", ParMode::always);
    try {
        good->begin_authorization("http://127.0.0.1:1/unregistered");
        FAIL() << "a push with an unregistered redirect_uri was accepted";
    } catch (const AuthenticationError& e) {
        EXPECT_EQ(e.code(), errc::provider_error);
        EXPECT_EQ(e.oauth_error(), "invalid_request");
        EXPECT_EQ(e.http_status(), 400);
    }
}

TEST_F(ParProvider, ARequestUriUsedAfterItExpiredIsRefused) {
    auto provider = client(strict_op(), "conf-client", ParMode::always);
    auto request = provider->begin_authorization(redirect_uri);
    ASSERT_TRUE(request.expires_at);
    // The provider said how long (op.mjs's par_ttl), and authflow kept it.
    const auto left = *request.expires_at - system_clock().steady_now();
    EXPECT_LE(left, std::chrono::seconds{short_par_ttl});
    const auto refused_before =
        count_errors(strict_op(), "authorization.error", "invalid_request_uri");
    std::this_thread::sleep_for(std::chrono::seconds{short_par_ttl + 1});
    test::OpBrowser browser;
    // RFC 9126 §4: the provider refuses an expired request_uri. It shows its error page, or
    // (a client with one registered redirect URI) redirects there with the error and no code.
    try {
        const QueryParams callback = browser.authorize(request.url, redirect_uri);
        EXPECT_EQ(callback.get("error"), "invalid_request_uri");
        EXPECT_FALSE(callback.contains("code"));
        EXPECT_THROW(provider->complete_login(request, callback), AuthenticationError);
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string{e.what()}.find("400"), std::string::npos) << e.what();
    }
    EXPECT_EQ(count_errors(strict_op(), "authorization.error", "invalid_request_uri"),
              refused_before + 1);
}

#if AUTHFLOW_WITH_HTTPLIB
TEST_F(ParProvider, NativeFlowPushesAndSignsIn) {
    ProviderConfig c = config(op(), "public-client", ParMode::always);
    auto provider = std::make_shared<GenericOIDCProvider>(c);
    AuthFlowOptions options;
    options.open_browser = false;
    options.auth_timeout = std::chrono::seconds{60};
    // public-client takes any loopback port (RFC 8252 §7.3): a fixed one lets the browser know
    // where the provider's redirect ends, since the URL no longer says it.
    const std::string loopback =
        "http://127.0.0.1:" + std::to_string(test::free_port()) + "/callback";
    options.redirect_uri = loopback;
    std::string shown;
    std::future<void> user;
    options.on_authorization_url = [&](const std::string& url, bool opened) {
        EXPECT_FALSE(opened);
        shown = url;
        // The user, in another thread as a browser would be.
        user = std::async(std::launch::async, [url, loopback] {
            test::OpBrowser browser;
            browser.authorize(url, loopback);
            test::OpBrowser{}.get(browser.last_redirect());
        });
    };
    AuthFlowManager manager(provider, nullptr, options);
    const LoginResult login = manager.login_native();
    user.get();
    EXPECT_EQ(login.identity.subject, "alice");
    const QueryParams query = query_of(shown);
    EXPECT_EQ(query.size(), 2u) << shown;
    EXPECT_TRUE(query.contains("request_uri"));
    EXPECT_FALSE(query.contains("redirect_uri"));
}

TEST_F(ParProvider, NativeFlowWhoseUrlExpiredTimesOutSayingSo) {
    auto provider = client(strict_op(), "public-client", ParMode::automatic);
    AuthFlowOptions options;
    options.open_browser = false;
    options.auth_timeout = std::chrono::seconds{short_par_ttl + 3};
    const std::string loopback =
        "http://127.0.0.1:" + std::to_string(test::free_port()) + "/callback";
    options.redirect_uri = loopback;
    const auto refused_before =
        count_errors(strict_op(), "authorization.error", "invalid_request_uri");
    options.on_authorization_url = [&](const std::string& url, bool) {
        // The user opens the URL too late: the provider refuses it (its error page, or a
        // redirect to public-client's one registered URI, not to this flow).
        std::this_thread::sleep_for(std::chrono::seconds{short_par_ttl + 1});
        try {
            test::OpBrowser{}.authorize(url, loopback);
        } catch (const std::exception&) {
        }
    };
    AuthFlowManager manager(provider, nullptr, options);
    try {
        manager.login_native();
        FAIL() << "the sign-in succeeded with an expired request_uri";
    } catch (const AuthFlowTimeout& e) {
        EXPECT_EQ(e.code(), errc::auth_timeout);
        // The error says why no answer came.
        EXPECT_NE(std::string{e.what()}.find("expired"), std::string::npos) << e.what();
    }
    EXPECT_EQ(count_errors(strict_op(), "authorization.error", "invalid_request_uri"),
              refused_before + 1);
}
#endif // AUTHFLOW_WITH_HTTPLIB

TEST_F(ParProvider, DeploySignInThroughTheAuthRoutesPushes) {
    DeploySettings settings;
    settings.public_url = app_url;
    ASSERT_EQ(settings.redirect_uri(), deploy_callback);
    AuthRoutes routes(settings, client(op(), "par-client", ParMode::always));
    const auto pushed_before =
        op().count_events("pushed_authorization_request.success", "par-client");

    Request login;
    login.path = "/auth/login";
    login.remote_address = "127.0.0.1";
    const Response started = routes.handle(login).value();
    ASSERT_EQ(started.status, 302) << started.body;
    const std::string location = started.headers.get("Location").value_or("");
    const QueryParams query = query_of(location);
    EXPECT_EQ(query.size(), 2u) << location;
    EXPECT_EQ(query.get("client_id"), "par-client");
    EXPECT_TRUE(query.contains("request_uri"));
    EXPECT_EQ(op().count_events("pushed_authorization_request.success", "par-client"),
              pushed_before + 1);
    std::string pre_login;
    for (const auto& value : started.headers.get_all("Set-Cookie")) {
        if (value.starts_with("authflow_session_login=")) {
            pre_login = value.substr(0, value.find(';'));
        }
    }
    ASSERT_FALSE(pre_login.empty());

    test::OpBrowser browser;
    const QueryParams back = browser.authorize(location, deploy_callback);
    Request callback;
    callback.path = "/auth/callback";
    callback.query = back;
    callback.remote_address = "127.0.0.1";
    callback.headers.add("Cookie", pre_login);
    const Response done = routes.handle(callback).value();
    ASSERT_EQ(done.status, 302) << done.body;
    EXPECT_EQ(done.headers.get("Location"), "/");
    bool has_session = false;
    for (const auto& value : done.headers.get_all("Set-Cookie")) {
        has_session = has_session || value.starts_with("authflow_session=");
    }
    EXPECT_TRUE(has_session);
}

TEST_F(ParProvider, DeployLoginWhosePushIsRefusedAnswersClearly) {
    DeploySettings settings;
    settings.public_url = app_url;
    ProviderConfig c = config(op(), "par-client", ParMode::always);
    c.client_secret = "not-the-secret";
    AuthRoutes routes(settings, std::make_shared<GenericOIDCProvider>(c));
    Request login;
    login.path = "/auth/login";
    login.remote_address = "127.0.0.1";
    const Response answer = routes.handle(login).value();
    EXPECT_EQ(answer.status, 502);
    EXPECT_NE(answer.body.find("provider_unavailable"), std::string::npos);
    EXPECT_FALSE(answer.headers.contains("Location"));
}

} // namespace
} // namespace authflow

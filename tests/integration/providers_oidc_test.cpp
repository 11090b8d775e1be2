// The providers layer against a real OpenID Provider (node oidc-provider, started once for this
// program on 127.0.0.1 and a free port): the authorization code flow with PKCE and nonce driven
// through its login and consent pages, ID tokens in four algorithms, refresh with rotation,
// revocation confirmed by introspection, the device flow, client credentials, RFC 9207 iss,
// the provider's own errors, logout, and `authflow discover`.
#include "support/oidc_provider.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"

#include <authflow/core/encoding.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/pkce.hpp>
#include <authflow/providers/factory.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <string>

namespace authflow {
namespace {

using json = nlohmann::json;
using test::OidcProvider;

// One provider process for every test of this program.
OidcProvider& op() {
    static std::unique_ptr<OidcProvider> instance = std::make_unique<OidcProvider>();
    return *instance;
}

constexpr const char* redirect_uri = OidcProvider::default_redirect_uri;

json jws_header(const std::string& token) {
    return json::parse(base64url_decode(token.substr(0, token.find('.'))));
}

class RealProvider : public ::testing::Test {
protected:
    void SetUp() override {
        AUTHFLOW_REQUIRE_SERVICE(OidcProvider::available(), OidcProvider::missing());
        op();
    }

    static ProviderConfig config(const std::string& client_id = "conf-client") {
        ProviderConfig c;
        c.client_id = client_id;
        c.client_secret = OidcProvider::secret_of(client_id);
        c.issuer_url = op().issuer();
        c.scopes = {"openid", "offline_access", "email", "profile"};
        return c;
    }
    static std::shared_ptr<GenericOIDCProvider> provider(ProviderConfig c) {
        return std::make_shared<GenericOIDCProvider>(std::move(c));
    }
    static std::shared_ptr<GenericOIDCProvider>
    provider(const std::string& client_id = "conf-client") {
        return provider(config(client_id));
    }

    // A full sign-in through the provider's pages. prompt=consent: oidc-provider honours
    // offline_access only then.
    static LoginResult login(GenericOIDCProvider& p, const std::string& user = "alice",
                             const std::string& redirect = redirect_uri) {
        auto request = p.begin_authorization(redirect, QueryParams{{"prompt", "consent"}});
        test::OpBrowser browser;
        test::OpBrowser::Options options;
        options.login = user;
        auto callback = browser.authorize(request.url, redirect, options);
        return p.complete_login(request, callback);
    }

    template <typename E, typename F> static E thrown(F&& f) {
        try {
            f();
        } catch (const E& e) {
            return e;
        }
        ADD_FAILURE() << "no exception of the expected type";
        return E(errc::internal, "none");
    }
};

TEST_F(RealProvider, CodeFlowWithPkceAndNonceThroughTheLoginPages) {
    auto p = provider();
    const auto grants_before =
        op().count_events("grant.success", "conf-client", "authorization_code");
    auto request = p->begin_authorization(redirect_uri, QueryParams{{"prompt", "consent"}});
    test::OpBrowser browser;
    auto callback = browser.authorize(request.url, redirect_uri);
    // RFC 9207: oidc-provider sends iss with the code.
    EXPECT_EQ(callback.get("iss"), op().issuer());
    EXPECT_EQ(callback.get("state"), request.state);
    auto result = p->complete_login(request, callback);
    EXPECT_EQ(result.identity.subject, "alice");
    EXPECT_EQ(result.identity.email, "alice@example.test");
    EXPECT_TRUE(result.identity.email_verified);
    ASSERT_TRUE(result.identity.id_token_claims);
    EXPECT_EQ(result.identity.id_token_claims->nonce(), request.nonce);
    EXPECT_EQ(result.identity.userinfo["sub"], "alice");
    EXPECT_TRUE(result.tokens.refresh_token);
    EXPECT_EQ(result.tokens.token_type, "Bearer");
    EXPECT_EQ(jws_header(*result.tokens.id_token)["alg"], "RS256");
    EXPECT_EQ(op().count_events("grant.success", "conf-client", "authorization_code"),
              grants_before + 1);
    EXPECT_EQ(p->endpoints().client_auth_method, ClientAuthMethod::client_secret_basic);
}

TEST_F(RealProvider, IdTokensInEveryAlgorithm) {
    for (const char* alg : {"PS256", "ES256", "EdDSA"}) {
        auto p = provider(std::string{"conf-client-"} + alg);
        auto result = login(*p);
        EXPECT_EQ(jws_header(*result.tokens.id_token)["alg"], alg);
        EXPECT_EQ(result.identity.subject, "alice") << alg;
        // The refreshed ID token is signed the same way and checked against the first.
        auto refreshed = p->refresh_tokens(result.tokens);
        ASSERT_TRUE(refreshed.raw.contains("id_token")) << alg;
        EXPECT_EQ(jws_header(refreshed.raw["id_token"])["alg"], alg);
    }
}

TEST_F(RealProvider, RefreshRotatesAndTheOldRefreshTokenIsDead) {
    auto p = provider();
    auto first = login(*p, "bob");
    auto second = p->refresh_tokens(first.tokens);
    ASSERT_TRUE(second.refresh_token && first.tokens.refresh_token);
    // (EXPECT_TRUE, not EXPECT_NE: a failure must not print tokens.)
    EXPECT_TRUE(*second.refresh_token != *first.tokens.refresh_token); // rotated
    EXPECT_TRUE(second.access_token != first.tokens.access_token);
    // A new ID token came back (it may equal the first byte for byte within the same second:
    // same claims, deterministic RS256) and passed the §12.2 checks.
    EXPECT_TRUE(second.raw.contains("id_token"));
    EXPECT_EQ(p->identify(second).subject, "bob");
    // Reusing the rotated refresh token is refused (and oidc-provider revokes the grant).
    auto error = thrown<TokenRefreshError>([&] { p->refresh_tokens(first.tokens); });
    EXPECT_EQ(error.code(), errc::provider_error);
    EXPECT_EQ(error.oauth_error(), "invalid_grant");
    EXPECT_GE(op().count_events("grant.revoked", "conf-client"), 1u);
}

TEST_F(RealProvider, RevocationConfirmedByIntrospection) {
    auto p = provider();
    auto result = login(*p, "carol");
    EXPECT_TRUE(p->introspect_token(result.tokens.access_token, "access_token").active);
    EXPECT_TRUE(p->introspect_token(*result.tokens.refresh_token, "refresh_token").active);
    const auto revocations = op().count_events("revocation.success", "conf-client");
    auto revoked = p->revoke_tokens(result.tokens);
    EXPECT_TRUE(revoked.refresh_token_revoked);
    EXPECT_TRUE(revoked.access_token_revoked);
    EXPECT_EQ(op().count_events("revocation.success", "conf-client"), revocations + 2);
    EXPECT_FALSE(p->introspect_token(result.tokens.access_token).active);
    EXPECT_FALSE(p->introspect_token(*result.tokens.refresh_token).active);
}

TEST_F(RealProvider, DeviceFlowApprovedInTheBrowser) {
    auto c = config();
    c.scopes = {"openid", "email"};
    auto p = provider(c);
    auto authorization = p->start_device_authorization();
    EXPECT_FALSE(authorization.user_code.empty());
    EXPECT_TRUE(authorization.verification_uri.starts_with(op().issuer()));
    authorization.interval = std::chrono::seconds{1}; // keep the real waits short
    auto tokens =
        std::async(std::launch::async, [&] { return p->poll_device_token(authorization); });
    test::OpBrowser browser;
    test::OpBrowser::Options options;
    options.login = "dave";
    auto page =
        browser.approve_device(authorization.verification_uri, authorization.user_code, options);
    EXPECT_NE(page.find("Sign-in Success"), std::string::npos) << page.substr(0, 300);
    auto result = tokens.get();
    EXPECT_EQ(p->identify(result).subject, "dave");
    EXPECT_GE(op().count_events("grant.success", "conf-client",
                                "urn:ietf:params:oauth:grant-type:device_code"),
              1u);
}

TEST_F(RealProvider, DeviceFlowDeniedInTheBrowser) {
    auto c = config();
    c.scopes = {"openid"};
    auto p = provider(c);
    auto authorization = p->start_device_authorization();
    authorization.interval = std::chrono::seconds{1};
    test::OpBrowser browser;
    test::OpBrowser::Options options;
    options.approve = false;
    browser.approve_device(authorization.verification_uri, authorization.user_code, options);
    auto error = thrown<TokenError>([&] { p->poll_device_token(authorization); });
    EXPECT_EQ(error.code(), errc::provider_error);
    EXPECT_EQ(error.oauth_error(), "access_denied");
}

// RFC 8628 §3.5: after slow_down the client polls 5 s less often, for this and every later
// poll. This provider answers each device code's first poll with slow_down; the user has
// approved already, so the next poll (1 s + 5 s later) gets the tokens.
TEST_F(RealProvider, DeviceFlowSlowsDownWhenTheProviderSaysSo) {
    test::OidcProviderOptions options;
    options.device_slow_down = 1;
    OidcProvider slow(options);
    auto c = config();
    c.issuer_url = slow.issuer();
    c.scopes = {"openid"};
    auto p = provider(c);
    auto authorization = p->start_device_authorization();
    authorization.interval = std::chrono::seconds{1}; // keep the real waits short
    test::OpBrowser browser;
    auto page = browser.approve_device(authorization.verification_uri, authorization.user_code);
    ASSERT_NE(page.find("Sign-in Success"), std::string::npos) << page.substr(0, 300);

    const auto started = std::chrono::steady_clock::now();
    auto tokens = p->poll_device_token(authorization);
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_FALSE(tokens.access_token.empty());
    EXPECT_GE(took, std::chrono::seconds{6}); // 1 s, slow_down, then 1 + 5 s
    EXPECT_LT(took, std::chrono::seconds{20});

    // What the provider saw: one slow_down, then the tokens at least 6 s later.
    std::optional<std::int64_t> slowed_at;
    std::optional<std::int64_t> granted_at;
    for (const auto& event : slow.events()) {
        if (event.value("grant_type", "") != "urn:ietf:params:oauth:grant-type:device_code") {
            continue;
        }
        if (event["event"] == "grant.error" && event.value("error", "") == "slow_down") {
            EXPECT_FALSE(slowed_at) << "more than one slow_down";
            slowed_at = event["time"].get<std::int64_t>();
            EXPECT_EQ(event.value("client_id", ""), "conf-client");
        } else if (event["event"] == "grant.success") {
            granted_at = event["time"].get<std::int64_t>();
        }
    }
    ASSERT_TRUE(slowed_at);
    ASSERT_TRUE(granted_at);
    EXPECT_GE(*granted_at - *slowed_at, 5900); // ms; the clocks are the same machine's
    EXPECT_EQ(slow.count_events("grant.error", "conf-client"), 1u); // no other early poll
}

TEST_F(RealProvider, ClientCredentials) {
    auto p = provider();
    auto tokens = p->client_credentials({"api:read"});
    EXPECT_FALSE(tokens.access_token.empty());
    EXPECT_EQ(tokens.scope, "api:read");
    auto introspection = p->introspect_token(tokens.access_token);
    EXPECT_TRUE(introspection.active);
    EXPECT_EQ(introspection.client_id, "conf-client");
    EXPECT_GE(op().count_events("grant.success", "conf-client", "client_credentials"), 1u);
}

TEST_F(RealProvider, IssInTheAuthorizationResponseIsChecked) {
    auto p = provider();
    auto request = p->begin_authorization(redirect_uri);
    test::OpBrowser browser;
    auto callback = browser.authorize(request.url, redirect_uri);
    QueryParams tampered;
    QueryParams missing;
    for (const auto& [name, value] : callback) {
        tampered.add(name, name == "iss" ? "http://127.0.0.1:1" : value);
        if (name != "iss") {
            missing.add(name, value);
        }
    }
    EXPECT_EQ(
        thrown<AuthenticationError>([&] { p->check_callback(tampered, request.state); }).code(),
        errc::bad_iss_param);
    // The provider advertises authorization_response_iss_parameter_supported.
    EXPECT_EQ(
        thrown<AuthenticationError>([&] { p->check_callback(missing, request.state); }).code(),
        errc::bad_iss_param);
    EXPECT_TRUE(p->check_callback(callback, request.state) ==
                callback.get("code")); // no code printed
}

TEST_F(RealProvider, ConsentDeniedIsAccessDenied) {
    auto p = provider();
    auto request = p->begin_authorization(redirect_uri, QueryParams{{"prompt", "consent"}});
    test::OpBrowser browser;
    test::OpBrowser::Options options;
    options.approve = false;
    auto callback = browser.authorize(request.url, redirect_uri, options);
    auto error = thrown<AuthenticationError>([&] { p->complete_login(request, callback); });
    EXPECT_EQ(error.code(), errc::provider_error);
    EXPECT_EQ(error.oauth_error(), "access_denied");
}

TEST_F(RealProvider, TheProvidersOwnErrors) {
    auto p = provider();
    auto request = p->begin_authorization(redirect_uri);
    test::OpBrowser browser;
    const std::string code =
        p->check_callback(browser.authorize(request.url, redirect_uri), request.state);
    const auto errors_before = op().count_events("grant.error", "conf-client");

    // A wrong PKCE verifier.
    auto wrong_verifier = thrown<TokenError>([&] {
        p->exchange_code(code, redirect_uri, PKCEChallenge::generate().verifier(), request.nonce);
    });
    EXPECT_EQ(wrong_verifier.oauth_error(), "invalid_grant");
    EXPECT_EQ(wrong_verifier.http_status(), 400);

    // A second code, spent once, then reused.
    request = p->begin_authorization(redirect_uri);
    const std::string code2 =
        p->check_callback(browser.authorize(request.url, redirect_uri), request.state);
    p->exchange_code(code2, redirect_uri, request.pkce->verifier(), request.nonce);
    auto reused = thrown<TokenError>(
        [&] { p->exchange_code(code2, redirect_uri, request.pkce->verifier(), request.nonce); });
    EXPECT_EQ(reused.code(), errc::provider_error);
    EXPECT_EQ(reused.oauth_error(), "invalid_grant");

    // A wrong client secret.
    auto c = config();
    c.client_secret = "wrong";
    auto wrong_secret = provider(c);
    request = wrong_secret->begin_authorization(redirect_uri);
    const std::string code3 =
        wrong_secret->check_callback(browser.authorize(request.url, redirect_uri), request.state);
    auto invalid_client = thrown<TokenError>([&] {
        wrong_secret->exchange_code(code3, redirect_uri, request.pkce->verifier(), request.nonce);
    });
    EXPECT_EQ(invalid_client.oauth_error(), "invalid_client");
    EXPECT_EQ(invalid_client.http_status(), 401);
    EXPECT_GE(op().count_events("grant.error", "conf-client"), errors_before + 3);
}

TEST_F(RealProvider, ClientAuthenticationMethods) {
    // client_secret_post, chosen explicitly.
    auto post = config("post-client");
    post.client_auth_method = ClientAuthMethod::client_secret_post;
    EXPECT_EQ(login(*provider(post)).identity.subject, "alice");
    // RFC 6749 §2.3.1: a secret with ':', '%', '+', '&', '/' and a space, form-encoded in Basic.
    EXPECT_EQ(login(*provider("special-client")).identity.subject, "alice");
    // A public native client: no secret, PKCE, any loopback port (RFC 8252 §7.3).
    auto pub = config("public-client");
    pub.client_secret.clear();
    auto public_provider = provider(pub);
    EXPECT_EQ(public_provider->endpoints().client_auth_method, ClientAuthMethod::none);
    const std::string loopback =
        "http://127.0.0.1:" + std::to_string(test::free_port()) + "/callback";
    auto result = login(*public_provider, "erin", loopback);
    EXPECT_EQ(result.identity.subject, "erin");
    EXPECT_TRUE(public_provider->refresh_tokens(result.tokens).refresh_token);
}

TEST_F(RealProvider, RpInitiatedLogout) {
    auto p = provider();
    auto result = login(*p);
    EndSessionRequest end;
    end.id_token_hint = *result.tokens.id_token;
    end.post_logout_redirect_uri = OidcProvider::default_post_logout_redirect_uri;
    end.state = "lo1";
    auto url = p->end_session_url(end);
    ASSERT_TRUE(url);
    test::OpBrowser browser;
    auto redirect = browser.end_session(*url, OidcProvider::default_post_logout_redirect_uri);
    EXPECT_EQ(redirect, std::string{OidcProvider::default_post_logout_redirect_uri} + "?state=lo1");
}

TEST_F(RealProvider, FactoryBuildsAWorkingOidcProvider) {
    OAuth2Settings settings;
    settings.provider = ProviderKind::oidc;
    settings.client_id = "conf-client";
    settings.client_secret = OidcProvider::secret_of("conf-client");
    settings.issuer_url = op().issuer();
    auto p = create_provider_from_settings(settings);
    auto request = p->begin_authorization(redirect_uri);
    test::OpBrowser browser;
    auto result = p->complete_login(request, browser.authorize(request.url, redirect_uri));
    EXPECT_EQ(result.identity.subject, "alice");
}

// ---- authflow discover ----

class DiscoverCommand : public RealProvider {
protected:
    test::TempDir dir;
    test::CommandResult run(std::vector<std::string> args) {
        std::vector<std::string> argv{test::cli_path().string(), "discover"};
        argv.insert(argv.end(), args.begin(), args.end());
        return test::run_command(argv, {{"HOME", dir.path().string()},
                                        {"XDG_CONFIG_HOME", (dir.path() / "config").string()},
                                        {"AUTHFLOW_CONFIG_FILE", ""}});
    }
};

TEST_F(DiscoverCommand, PrintsTheSummary) {
    auto result = run({op().issuer()});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find("issuer: " + op().issuer() + "\n"), std::string::npos);
    EXPECT_NE(result.out.find("token_endpoint: " + op().issuer() + "/token\n"), std::string::npos);
    EXPECT_NE(result.out.find("code_challenge_methods_supported: S256\n"), std::string::npos);
    EXPECT_NE(result.out.find("id_token_signing_alg_values_supported: "), std::string::npos);
    EXPECT_NE(result.out.find(", EdDSA\n"), std::string::npos);
    EXPECT_NE(result.out.find("urn:ietf:params:oauth:grant-type:device_code"), std::string::npos);
    EXPECT_NE(result.out.find("authorization_response_iss_parameter_supported: true\n"),
              std::string::npos);
    auto as_json = run({op().issuer(), "--json"});
    ASSERT_EQ(as_json.exit_code, 0) << as_json.err;
    EXPECT_EQ(json::parse(as_json.out)["issuer"], op().issuer());
}

TEST_F(DiscoverCommand, BrokenIssuersExitOne) {
    // Another issuer than the document's (a trailing slash counts), a path without a document,
    // nobody listening.
    for (const std::string& issuer : {op().issuer() + "/", op().issuer() + "/nothing-here",
                                      "http://127.0.0.1:" + std::to_string(test::free_port())}) {
        auto result = run({issuer});
        EXPECT_EQ(result.exit_code, 1) << issuer << "\n" << result.out;
        EXPECT_TRUE(result.err.starts_with("error: discovery_failed: ")) << result.err;
        EXPECT_TRUE(result.out.empty());
    }
    auto insecure = run({"http://op.example"});
    EXPECT_EQ(insecure.exit_code, 2);
    EXPECT_TRUE(insecure.err.starts_with("error: insecure_url: ")) << insecure.err;
}

} // namespace
} // namespace authflow

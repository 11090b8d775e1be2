// `authflow serve` in a real browser: headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core through demo/check.mjs) opens the sign-in page, signs in and consents at node
// oidc-provider, lands on the home page showing the user, and signs out back to the sign-in page.
// The session cookie's attributes are asserted as the browser holds them. Screenshots (sign-in
// page, provider pages, home page, signed-out page) and report.json are kept in
// <build>/test-artifacts/serve-chromium/. Under CI=true a missing Chromium fails the test.
#include "browser.hpp"
#include "support/oidc_provider.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"

#include <authflow/jose/signing_key.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace authflow {
namespace {

/// A provider and `authflow serve` registered with it, on free ports of 127.0.0.1.
class ServeInChromium : public ::testing::Test {
protected:
    void SetUp() override {
        const std::string missing = test::browser_missing();
        AUTHFLOW_REQUIRE_SERVICE(missing.empty(), missing);
        const int port = test::free_port();
        app_ = "http://127.0.0.1:" + std::to_string(port);
        test::OidcProviderOptions options = op_options_;
        options.redirect_uris = {app_ + "/auth/callback"};
        options.post_logout_redirect_uris = {app_ + "/auth/signed-out"};
        if (provider_logout_) {
            options.client_overrides = {
                {"conf-client",
                 {{"backchannel_logout_uri", app_ + "/auth/backchannel-logout"},
                  {"backchannel_logout_session_required", true}}}};
        }
        op_ = std::make_unique<test::OidcProvider>(options);
        test::write_file(dir_.path() / "secret", test::OidcProvider::secret_of(client_id_));
        test::write_file(dir_.path() / "config.toml", "");
        serve_ = std::make_unique<test::ChildProcess>(
            std::vector<std::string>{
                test::cli_path().string(), "--config", (dir_.path() / "config.toml").string(),
                "--provider", "oidc", "--issuer", op_->issuer(), "--client-id", client_id_,
                "--client-secret-file", (dir_.path() / "secret").string(), "--scopes",
                "openid profile email", "serve", "--listen", "127.0.0.1:" + std::to_string(port),
                "--title", "authflow e2e"},
            [this] {
                auto env = serve_env_;
                if (provider_logout_) {
                    env["AUTHFLOW_DEPLOY__PROVIDER_LOGOUT"] = "true";
                }
                return env;
            }(),
            dir_.path() / "serve.log");
        ASSERT_TRUE(test::wait_for_port(port)) << serve_log();
    }

    /// Runs demo/check.mjs against the app with extra arguments.
    test::CommandResult check(const std::vector<std::string>& extra) {
        std::vector<std::string> argv{"node", (test::source_dir() / "demo/check.mjs").string(),
                                      app_};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return test::run_command(argv, {{"AUTHFLOW_CHROMIUM", test::chromium}}, {}, 120000);
    }

    std::string serve_log() const { return test::file_or_empty(dir_.path() / "serve.log"); }

    bool provider_logout_ = false;
    /// The client `authflow serve` signs in as, and its extra environment (set by a derived
    /// fixture's constructor).
    std::string client_id_ = "conf-client";
    std::map<std::string, std::string> serve_env_;
    /// How the provider is started (redirect URIs are added).
    test::OidcProviderOptions op_options_;
    test::TempDir dir_;
    std::string app_;
    std::unique_ptr<test::OidcProvider> op_;
    std::unique_ptr<test::ChildProcess> serve_;
};

TEST_F(ServeInChromium, SignsInShowsTheUserAndSignsOut) {
    const auto artifacts = test::binary_dir() / "test-artifacts" / "serve-chromium";
    std::filesystem::remove_all(artifacts);
    const auto result = check({"--user", "alice", "--password", "any", "--expect-name", "alice",
                               "--artifacts", artifacts.string()});
    ASSERT_EQ(result.exit_code, 0) << result.err << serve_log() << op_->log();

    const auto report = nlohmann::json::parse(test::read_file(artifacts / "report.json"));
    EXPECT_EQ(report.value("ok", false), true);
    EXPECT_EQ(report.value("sign_in_page_title", ""), "authflow e2e");
    EXPECT_EQ(report.value("user_name", ""), "alice");
    EXPECT_EQ(report.value("user_id", ""), "alice");
    EXPECT_EQ(report.value("roles", ""), "viewer");
    EXPECT_FALSE(report.value("expires", "").empty());
    EXPECT_EQ(report.value("home_page_url", ""), app_ + "/");
    EXPECT_EQ(report.value("signed_out_url", ""), app_ + "/");

    // The session cookie as Chromium holds it.
    ASSERT_TRUE(report.contains("session_cookie")) << report.dump();
    const auto& cookie = report["session_cookie"];
    EXPECT_EQ(cookie.value("http_only", false), true);
    EXPECT_EQ(cookie.value("same_site", ""), "Lax");
    EXPECT_EQ(cookie.value("path", ""), "/");
    EXPECT_EQ(cookie.value("secure", true), false); // the public URL is http://127.0.0.1
    EXPECT_EQ(cookie.value("domain", ""), "127.0.0.1");
    EXPECT_EQ(report.value("session_cookie_visible_to_scripts", true), false);
    EXPECT_EQ(report.value("session_cookie_after_sign_out", true), false);

    for (const char* shot : {"sign-in-page.png", "provider-login.png", "provider-consent.png",
                             "home-page.png", "signed-out.png"}) {
        EXPECT_TRUE(test::is_png(artifacts / shot)) << shot;
    }
    // What the provider saw: one code exchange, and the tokens revoked at sign-out.
    EXPECT_EQ(op_->count_events("grant.success", "conf-client"), 1u);
    EXPECT_GE(op_->count_events("revocation.success", "conf-client"), 1u);
    EXPECT_EQ(serve_->stop(15), 0);
}

TEST_F(ServeInChromium, TheCheckFailsWhenTheHomePageShowsSomeoneElse) {
    const auto result = check({"--user", "bob", "--password", "any", "--expect-name", "alice"});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("check failed: the home page shows \"bob\""), std::string::npos)
        << result.err;
}

/// The same app with provider_logout on, the provider calling its back-channel route.
class ServeInChromiumWithProviderLogout : public ServeInChromium {
protected:
    void SetUp() override {
        provider_logout_ = true;
        ServeInChromium::SetUp();
    }
};

TEST_F(ServeInChromiumWithProviderLogout, SignOutEndsTheProviderSessionToo) {
    const auto artifacts = test::binary_dir() / "test-artifacts" / "serve-chromium-provider-logout";
    std::filesystem::remove_all(artifacts);
    const auto result = check({"--user", "alice", "--password", "any", "--expect-name", "alice",
                               "--artifacts", artifacts.string(), "--provider-logout"});
    ASSERT_EQ(result.exit_code, 0) << result.err << serve_log() << op_->log();

    const auto report = nlohmann::json::parse(test::read_file(artifacts / "report.json"));
    EXPECT_EQ(report.value("ok", false), true);
    // The sign-out form's redirect reached the provider (the page's form-action allows it), whose
    // confirmation sent the browser back through {prefix}/signed-out to `next` (/).
    EXPECT_EQ(report.value("provider_logout_url", ""), op_->issuer() + "/session/end");
    EXPECT_EQ(report.value("signed_out_url", ""), app_ + "/");
    EXPECT_EQ(report.value("session_cookie_after_sign_out", true), false);
    EXPECT_EQ(report.value("provider_asks_password_again", false), true);
    EXPECT_TRUE(test::is_png(artifacts / "provider-logout.png"));
    EXPECT_EQ(op_->count_events("end_session.success", "conf-client"), 1u);
    // The provider's back-channel call reached the app (whose session was already ended).
    EXPECT_EQ(op_->count_events("backchannel.success", "conf-client"), 1u) << op_->log();
}

/// The same app with pushed authorization requests (RFC 9126) for a client that must push.
class ServeInChromiumWithPar : public ServeInChromium {
protected:
    ServeInChromiumWithPar() {
        client_id_ = "par-client";
        serve_env_ = {{"AUTHFLOW_OAUTH2__PAR", "always"}};
    }
};

TEST_F(ServeInChromiumWithPar, SignsInThroughAPushedRequest) {
    const auto result = check({"--user", "alice", "--password", "any", "--expect-name", "alice"});
    ASSERT_EQ(result.exit_code, 0) << result.err << serve_log() << op_->log();
    // The provider took the parameters from the push, and refused nothing.
    EXPECT_EQ(op_->count_events("pushed_authorization_request.success", "par-client"), 1u);
    EXPECT_EQ(op_->count_events("authorization.error", "par-client"), 0u);
    EXPECT_EQ(op_->count_events("grant.success", "par-client"), 1u);
    EXPECT_EQ(serve_->stop(15), 0);
}

/// The same app for a client whose tokens are bound to a DPoP key (RFC 9449): every token request
/// of the sign-in carries a proof, and the session keeps the key.
class ServeInChromiumWithDpop : public ServeInChromium {
protected:
    ServeInChromiumWithDpop() {
        client_id_ = "dpop-nonce-client"; // proofs need the provider's nonce too
        serve_env_ = {{"AUTHFLOW_OAUTH2__DPOP", "required"}};
        op_options_.dpop = true;
    }
};

TEST_F(ServeInChromiumWithDpop, SignsInWithDpopBoundTokens) {
    const auto result = check({"--user", "alice", "--password", "any", "--expect-name", "alice"});
    ASSERT_EQ(result.exit_code, 0) << result.err << serve_log() << op_->log();
    EXPECT_EQ(op_->count_events("grant.success", "dpop-nonce-client"), 1u) << op_->log();
    EXPECT_EQ(serve_->stop(15), 0);
}

/// The same app authenticating to the provider with a signed assertion instead of a secret:
/// private_key_jwt (RFC 7523), the key in a PEM file, and client_secret_jwt.
class ServeInChromiumWithPrivateKeyJwt : public ServeInChromium {
protected:
    ServeInChromiumWithPrivateKeyJwt() {
        client_id_ = "jwt-key-client";
        const SigningKey key = SigningKey::generate(JwsAlg::ES256);
        test::write_file(dir_.path() / "client-key.pem", key.to_pem());
        nlohmann::json jwk = key.public_jwk();
        jwk["kid"] = key.thumbprint();
        op_options_.jwt_key_client_jwks = {{"keys", nlohmann::json::array({jwk})}};
        serve_env_ = {
            {"AUTHFLOW_OAUTH2__TOKEN_ENDPOINT_AUTH_METHOD", "private_key_jwt"},
            {"AUTHFLOW_OAUTH2__PRIVATE_KEY_FILE", (dir_.path() / "client-key.pem").string()}};
    }
};

TEST_F(ServeInChromiumWithPrivateKeyJwt, SignsInWithoutASharedSecret) {
    const auto result = check({"--user", "alice", "--password", "any", "--expect-name", "alice"});
    ASSERT_EQ(result.exit_code, 0) << result.err << serve_log() << op_->log();
    EXPECT_EQ(op_->count_events("grant.success", "jwt-key-client"), 1u) << op_->log();
    EXPECT_EQ(serve_->stop(15), 0);
}

class ServeInChromiumWithClientSecretJwt : public ServeInChromium {
protected:
    ServeInChromiumWithClientSecretJwt() {
        client_id_ = "jwt-secret-client";
        serve_env_ = {{"AUTHFLOW_OAUTH2__TOKEN_ENDPOINT_AUTH_METHOD", "client_secret_jwt"}};
    }
};

TEST_F(ServeInChromiumWithClientSecretJwt, SignsInWithAnHs256Assertion) {
    const auto result = check({"--user", "alice", "--password", "any", "--expect-name", "alice"});
    ASSERT_EQ(result.exit_code, 0) << result.err << serve_log() << op_->log();
    EXPECT_EQ(op_->count_events("grant.success", "jwt-secret-client"), 1u) << op_->log();
    EXPECT_EQ(serve_->stop(15), 0);
}

} // namespace
} // namespace authflow

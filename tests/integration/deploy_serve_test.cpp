// `authflow serve` against a real OpenID Provider (node oidc-provider): sign in through the
// provider's pages over HTTP with a cookie jar, see the user on the home page, sign out.
#include "serve_worker.hpp"
#include "support/oidc_provider.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"

#include <authflow/http/http_client.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace authflow {
namespace {

TEST(DeployServe, SignInThroughTheProviderPagesAndSignOut) {
    AUTHFLOW_REQUIRE_SERVICE(test::OidcProvider::available(), test::OidcProvider::missing());
    const int port = test::free_port();
    const std::string app = "http://127.0.0.1:" + std::to_string(port);
    const std::string callback = app + "/auth/callback";
    test::OidcProviderOptions op_options;
    op_options.redirect_uris = {callback};
    test::OidcProvider op(op_options);

    test::TempDir dir;
    test::write_file(dir.path() / "secret", test::OidcProvider::secret_of("conf-client"));
    test::write_file(dir.path() / "config.toml", "");
    test::ChildProcess serve(
        {test::cli_path().string(), "--config", (dir.path() / "config.toml").string(), "--provider",
         "oidc", "--issuer", op.issuer(), "--client-id", "conf-client", "--client-secret-file",
         (dir.path() / "secret").string(), "--scopes", "openid profile email", "serve", "--listen",
         "127.0.0.1:" + std::to_string(port)},
        {}, dir.path() / "serve.log");
    ASSERT_TRUE(test::wait_for_port(port)) << test::read_file(dir.path() / "serve.log");

    test::OpBrowser browser;
    const HttpResponse first = browser.get(app + "/");
    EXPECT_EQ(first.status, 200);
    EXPECT_NE(first.body.find("Sign in with"), std::string::npos);

    const HttpResponse login = browser.get(app + "/auth/login");
    ASSERT_EQ(login.status, 302) << login.body;
    const std::string authorize_url = login.header("Location").value_or("");
    ASSERT_EQ(authorize_url.rfind(op.issuer(), 0), 0u) << authorize_url;
    browser.authorize(authorize_url, callback);
    const HttpResponse back = browser.get(browser.last_redirect());
    ASSERT_EQ(back.status, 302) << back.body << test::read_file(dir.path() / "serve.log");
    EXPECT_EQ(back.header("Location").value_or(""), "/");
    const std::string session = test::set_cookie_value(back, "authflow_session");
    ASSERT_FALSE(session.empty());

    const HttpResponse home = browser.get(app + "/");
    EXPECT_EQ(home.status, 200);
    EXPECT_NE(home.body.find("id=\"user-id\">alice<"), std::string::npos) << home.body;
    EXPECT_NE(home.body.find("viewer"), std::string::npos);
    EXPECT_NE(home.body.find("Sign out"), std::string::npos);
    EXPECT_EQ(op.count_events("grant.success", "conf-client"), 1u);

    // Sign-out: the form POST a browser sends (with Origin); without Origin it is refused.
    auto http = make_http_client();
    HttpRequest forged;
    forged.method = "POST";
    forged.url = app + "/auth/logout?next=/";
    forged.headers.emplace_back("Cookie", "authflow_session=" + session);
    EXPECT_EQ(http->send(forged).status, 403);
    HttpRequest logout = forged;
    logout.headers.emplace_back("Origin", app);
    const HttpResponse out = http->send(logout);
    EXPECT_EQ(out.status, 303);
    EXPECT_EQ(test::set_cookie_value(out, "authflow_session"), "");

    HttpRequest after;
    after.url = app + "/auth/status";
    after.headers.emplace_back("Cookie", "authflow_session=" + session);
    const HttpResponse status = http->send(after);
    EXPECT_EQ(status.status, 200);
    EXPECT_NE(status.body.find("\"authenticated\":false"), std::string::npos) << status.body;
    HttpRequest home_after = after;
    home_after.url = app + "/";
    EXPECT_NE(http->send(home_after).body.find("Sign in with"), std::string::npos);

    EXPECT_NE(test::read_file(dir.path() / "serve.log").find("Listening on " + app),
              std::string::npos);
    EXPECT_EQ(serve.stop(15), 0); // SIGTERM: a clean exit with status 0
}

// Listening on every address leaves the URL browsers use unknown: the error says to set it,
// rather than blaming a public_url the user never set.
TEST(DeployServe, ListeningOnEveryAddressAsksForThePublicUrl) {
    test::TempDir dir;
    test::write_file(dir.path() / "config.toml", "");
    const auto result = test::run_command({test::cli_path().string(), "--config",
                                           (dir.path() / "config.toml").string(), "--provider",
                                           "oidc", "--issuer", "https://op.example", "--client-id",
                                           "app", "serve", "--listen", "0.0.0.0:0"},
                                          {}, {}, 30000);
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_NE(result.err.find("--public-url"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("0.0.0.0:0"), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find("invalid deploy setting public_url"), std::string::npos)
        << result.err;
}

} // namespace
} // namespace authflow

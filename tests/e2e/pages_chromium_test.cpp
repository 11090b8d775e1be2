// Every page of the auth routes in a real browser: headless Chromium (tests/support/node/
// chromium_pages.mjs) visits `authflow serve` in front of node oidc-provider: the sign-in page,
// a sign-in cancelled at the provider, an expired link, 404, "access denied" signed out and
// signed in, sign-out from it, "signed out"; and, with the provider down, "provider
// unreachable". The assertions read the pages' status, heading and text (never pixels); the
// screenshots and report.json are kept in <build>/test-artifacts/pages-chromium*/. Under CI=true
// a missing Chromium fails the test.
#include "browser.hpp"
#include "support/oidc_provider.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace authflow {
namespace {

/// `authflow serve` on a free port of 127.0.0.1 for the provider at `issuer`.
std::unique_ptr<test::ChildProcess> start_serve(const test::TempDir& dir, int port,
                                                const std::string& issuer,
                                                std::map<std::string, std::string> env = {}) {
    test::write_file(dir.path() / "secret", test::OidcProvider::secret_of("conf-client"));
    test::write_file(dir.path() / "config.toml", "[deploy]\ntitle = \"Example Corp\"\n");
    auto serve = std::make_unique<test::ChildProcess>(
        std::vector<std::string>{
            test::cli_path().string(), "--config", (dir.path() / "config.toml").string(),
            "--provider", "oidc", "--issuer", issuer, "--client-id", "conf-client",
            "--client-secret-file", (dir.path() / "secret").string(), "--scopes",
            "openid profile email", "serve", "--listen", "127.0.0.1:" + std::to_string(port)},
        std::move(env), dir.path() / "serve.log");
    return serve;
}

test::CommandResult visit_pages(const std::string& app, const std::filesystem::path& artifacts,
                                const std::vector<std::string>& extra = {}) {
    std::filesystem::remove_all(artifacts);
    std::filesystem::create_directories(artifacts);
    std::vector<std::string> argv{
        "node", (test::source_dir() / "tests/support/node/chromium_pages.mjs").string(), app,
        artifacts.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return test::run_command(argv, {{"AUTHFLOW_CHROMIUM", test::chromium}}, {}, 120000);
}

/// Every page: HTML with the CSP and nosniff (the console is checked for CSP violations: the
/// inline style is allowed only by its hash).
void expect_page(const nlohmann::json& report, const std::string& name, int status,
                 const std::string& heading) {
    ASSERT_TRUE(report["pages"].contains(name)) << report.dump(2);
    const auto& page = report["pages"][name];
    EXPECT_EQ(page.value("status", 0), status) << name;
    EXPECT_EQ(page.value("heading", ""), heading) << name;
    EXPECT_NE(page.value("csp", "").find("default-src 'none'"), std::string::npos) << name;
    EXPECT_EQ(page.value("nosniff", ""), "nosniff") << name;
}

std::string text_of(const nlohmann::json& report, const std::string& name) {
    return report["pages"].contains(name) ? report["pages"][name].value("text", "") : "";
}

TEST(PagesInChromium, EveryPageOfTheAuthRoutes) {
    std::string missing = test::browser_missing();
    if (missing.empty()) {
        missing = test::OidcProvider::missing();
    }
    AUTHFLOW_REQUIRE_SERVICE(missing.empty(), missing);
    const int port = test::free_port();
    const std::string app = "http://127.0.0.1:" + std::to_string(port);
    test::OidcProviderOptions options;
    options.redirect_uris = {app + "/auth/callback"};
    options.post_logout_redirect_uris = {app + "/auth/signed-out"};
    test::OidcProvider op(options);
    test::TempDir dir;
    auto serve = start_serve(dir, port, op.issuer());
    ASSERT_TRUE(test::wait_for_port(port)) << test::read_file(dir.path() / "serve.log");

    const auto artifacts = test::binary_dir() / "test-artifacts" / "pages-chromium";
    const auto result = visit_pages(app, artifacts, {"--issuer", op.issuer()});
    ASSERT_EQ(result.exit_code, 0) << result.err << test::read_file(artifacts / "report.json")
                                   << test::read_file(dir.path() / "serve.log");
    const auto report = nlohmann::json::parse(test::read_file(artifacts / "report.json"));

    expect_page(report, "sign-in", 200, "Example Corp");
    EXPECT_NE(text_of(report, "sign-in").find("Sign in with OpenID Connect"), std::string::npos);
    expect_page(report, "sign-in-cancelled", 400, "Sign-in cancelled");
    EXPECT_NE(text_of(report, "sign-in-cancelled").find("access_denied: The user said <no>"),
              std::string::npos)
        << text_of(report, "sign-in-cancelled");
    EXPECT_NE(text_of(report, "sign-in-cancelled").find("Try again"), std::string::npos);
    expect_page(report, "sign-in-expired", 400, "Sign-in link expired");
    EXPECT_EQ(text_of(report, "sign-in-expired").find("555-0100"), std::string::npos);
    expect_page(report, "not-found", 404, "Page not found");
    expect_page(report, "denied-signed-out", 403, "Access denied");
    EXPECT_NE(text_of(report, "denied-signed-out").find("You are not signed in."),
              std::string::npos);
    expect_page(report, "denied", 403, "Access denied");
    EXPECT_NE(text_of(report, "denied").find("You are signed in as alice"), std::string::npos)
        << text_of(report, "denied");
    expect_page(report, "signed-out", 200, "Signed out");
    EXPECT_EQ(report.value("session_cookie_after_sign_out", true), false);
    for (const auto& message : report["console"]) {
        // A blocked style, image or form would be reported here.
        EXPECT_EQ(message.get<std::string>().find("Content Security Policy"), std::string::npos)
            << message;
    }
    for (const char* shot : {"sign-in", "sign-in-cancelled", "sign-in-expired", "not-found",
                             "denied-signed-out", "denied", "signed-out"}) {
        EXPECT_TRUE(test::is_png(artifacts / (std::string{shot} + ".png"))) << shot;
    }
    EXPECT_GE(op.count_events("revocation.success", "conf-client"), 1u);
    EXPECT_EQ(serve->stop(15), 0);
}

TEST(PagesInChromium, ProviderUnreachable) {
    const std::string missing = test::browser_missing();
    AUTHFLOW_REQUIRE_SERVICE(missing.empty(), missing);
    const std::string missing_op = test::OidcProvider::missing();
    AUTHFLOW_REQUIRE_SERVICE(missing_op.empty(), missing_op);
    const int port = test::free_port();
    const std::string app = "http://127.0.0.1:" + std::to_string(port);
    // serve checks the provider at start; the provider then goes away. Every sign-in pushes its
    // parameters to the provider first (PAR), so the sign-in itself finds it unreachable.
    test::OidcProviderOptions options;
    options.redirect_uris = {app + "/auth/callback"};
    auto op = std::make_unique<test::OidcProvider>(options);
    test::TempDir dir;
    auto serve = start_serve(dir, port, op->issuer(), {{"AUTHFLOW_OAUTH2__PAR", "always"}});
    // serve listens before it checks the provider; it is ready once it says so.
    ASSERT_TRUE(test::wait_for_text(dir.path() / "serve.log", "Listening on", 30000))
        << test::read_file(dir.path() / "serve.log");
    op.reset(); // stops it

    const auto artifacts = test::binary_dir() / "test-artifacts" / "pages-chromium-unreachable";
    const auto result = visit_pages(app, artifacts, {"--only-unreachable"});
    ASSERT_EQ(result.exit_code, 0) << result.err << test::read_file(artifacts / "report.json");
    const auto report = nlohmann::json::parse(test::read_file(artifacts / "report.json"));
    expect_page(report, "provider-unreachable", 502, "Identity provider unreachable");
    EXPECT_NE(text_of(report, "provider-unreachable").find("Try again"), std::string::npos);
    EXPECT_TRUE(test::is_png(artifacts / "provider-unreachable.png"));
    EXPECT_EQ(serve->stop(15), 0);
}

} // namespace
} // namespace authflow

// `authflow login` with a real browser: $BROWSER starts headless Chromium (Debian's
// /usr/bin/chromium, driven by playwright-core, tests/support/node/chromium_login.mjs), which signs
// in and consents at node oidc-provider and lands on authflow's loopback success page.
// Screenshots of the provider's pages and of our success page are kept in
// <build>/test-artifacts/chromium-login/ for people to look at. Under CI=true a missing Chromium
// fails the test.
#include "browser.hpp"
#include "cli_env.hpp"
#include "support/oidc_provider.hpp"
#include "support/test_env.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace authflow {
namespace {

TEST(ChromiumLogin, SignsInThroughARealBrowser) {
    const std::string missing = test::browser_missing();
    AUTHFLOW_REQUIRE_SERVICE(missing.empty(), missing);
    test::OidcProvider op;
    const auto artifacts = test::binary_dir() / "test-artifacts" / "chromium-login";
    std::filesystem::remove_all(artifacts);
    std::filesystem::create_directories(artifacts);

    test::CliEnv cli("chromium_login.mjs");
    cli.env()["AUTHFLOW_TEST_BROWSER_DIR"] = artifacts.string();
    cli.env()["AUTHFLOW_TEST_CHROMIUM"] = test::chromium;
    auto login = cli.run({"--provider", "oidc", "--issuer", op.issuer(), "--client-id",
                          "public-client", "login", "--timeout", "90"});
    const std::string browser_log = test::file_or_empty(artifacts / "log");
    ASSERT_EQ(login.exit_code, 0) << login.out << login.err << browser_log;
    EXPECT_NE(login.out.find("Signed in as alice"), std::string::npos) << login.out;
    EXPECT_EQ(test::file_or_empty(artifacts / "done"), "ok") << browser_log;
    // The page Chromium ended on is our success page.
    EXPECT_NE(browser_log.find("callback page: Sign-in complete |"), std::string::npos)
        << browser_log;
    EXPECT_NE(browser_log.find("You can close this window"), std::string::npos) << browser_log;
    for (const char* shot : {"provider-login.png", "provider-consent.png", "success-page.png"}) {
        EXPECT_TRUE(test::is_png(artifacts / shot)) << shot;
    }
    EXPECT_EQ(cli.run({"status"}).exit_code, 0);
}

} // namespace
} // namespace authflow

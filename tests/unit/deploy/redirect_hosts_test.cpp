// Redirects after sign-in to this site or to allowed_redirect_hosts, never elsewhere; the
// gateway settings (policy, redirect hosts, cookie_domain) and the session cookie's Domain.
#include <authflow/core/errors.hpp>
#include <authflow/deploy/redirect.hpp>
#include <authflow/deploy/settings.hpp>

#include <gtest/gtest.h>

namespace authflow {
namespace {

DeploySettings site(std::vector<std::string> hosts = {}) {
    DeploySettings settings;
    settings.public_url = "https://auth.example.com";
    settings.allowed_redirect_hosts = std::move(hosts);
    return settings;
}

std::optional<errc> validate_code(const DeploySettings& settings) {
    try {
        settings.validate();
    } catch (const Error& e) {
        return e.code();
    }
    return std::nullopt;
}

TEST(SafeNext, LocalPathsAsBefore) {
    EXPECT_EQ(safe_next("/reports?q=1", site()), "/reports?q=1");
    EXPECT_EQ(safe_next("//evil.example/", site()), "/");
    EXPECT_EQ(safe_next("/%2F%2Fevil.example", site()), "/");
}

TEST(SafeNext, ThisSiteAbsolute) {
    EXPECT_EQ(safe_next("https://auth.example.com/x", site()), "https://auth.example.com/x");
    EXPECT_EQ(safe_next("https://auth.example.com:8443/x", site()), "/") << "another origin";
    EXPECT_EQ(safe_next("http://auth.example.com/x", site()), "/") << "no downgrade to http";
}

TEST(SafeNext, ExactHostOnly) {
    const DeploySettings settings = site({"app.example.com"});
    EXPECT_EQ(safe_next("https://app.example.com/a?b=1", settings),
              "https://app.example.com/a?b=1");
    EXPECT_EQ(safe_next("https://APP.example.com/a", settings), "https://APP.example.com/a");
    EXPECT_EQ(safe_next("https://x.app.example.com/", settings), "/");
    EXPECT_EQ(safe_next("https://app.example.com.evil.example/", settings), "/");
    EXPECT_EQ(safe_next("https://app.example.com:8443/", settings), "/") << "default port only";
}

TEST(SafeNext, LeadingDotAllowsSubdomains) {
    const DeploySettings settings = site({".example.com", "tools.example.net:8443"});
    EXPECT_EQ(safe_next("https://a.b.example.com/", settings), "https://a.b.example.com/");
    EXPECT_EQ(safe_next("https://example.com/", settings), "https://example.com/");
    EXPECT_EQ(safe_next("https://badexample.com/", settings), "/");
    EXPECT_EQ(safe_next("https://tools.example.net:8443/x", settings),
              "https://tools.example.net:8443/x");
    EXPECT_EQ(safe_next("https://tools.example.net/x", settings), "/");
}

TEST(SafeNext, NeverElsewhere) {
    const DeploySettings settings = site({".example.com"});
    for (const char* next :
         {"https://evil.example/", "https://evil.example@a.example.com/",
          "https://a.example.com@evil.example/", "https://a.example.com\\@evil.example/",
          "javascript:alert(1)", "https://a.example.com/\r\nx", "https:/evil.example/",
          "https://a.example.com//evil.example", "ftp://a.example.com/", "https://a.example.com/ x",
          "https://evil.example#.example.com", "https://evil.example?.example.com"}) {
        EXPECT_EQ(safe_next(next, settings), "/") << next;
    }
}

TEST(RedirectHostPatterns, Valid) {
    EXPECT_TRUE(is_redirect_host_pattern("app.example.com"));
    EXPECT_TRUE(is_redirect_host_pattern(".example.com"));
    EXPECT_TRUE(is_redirect_host_pattern("127.0.0.1:8080"));
    EXPECT_FALSE(is_redirect_host_pattern("*.example.com"));
    EXPECT_FALSE(is_redirect_host_pattern("https://app.example.com"));
    EXPECT_FALSE(is_redirect_host_pattern("app.example.com:0"));
    EXPECT_FALSE(is_redirect_host_pattern(""));
}

TEST(HostWithinDomain, CookieDomainRule) {
    EXPECT_TRUE(host_within_domain("app.example.com", "example.com"));
    EXPECT_TRUE(host_within_domain("example.com", ".example.com"));
    EXPECT_FALSE(host_within_domain("badexample.com", "example.com"));
    EXPECT_FALSE(host_within_domain("example.com", "app.example.com"));
}

TEST(GatewaySettings, ReadAndValidated) {
    DeploySettings settings = site();
    settings.set("allowed_groups", "admins, ops");
    settings.set("allowed_emails", "a@example.com");
    settings.set("allowed_email_domains", "example.com");
    settings.set("pass_access_token", "yes");
    settings.set("allowed_redirect_hosts", ".example.com");
    settings.set("cookie_domain", "example.com");
    EXPECT_EQ(settings.allowed_groups, (std::vector<std::string>{"admins", "ops"}));
    EXPECT_TRUE(settings.pass_access_token);
    EXPECT_EQ(settings.get("allowed_redirect_hosts"), ".example.com");
    EXPECT_EQ(validate_code(settings), std::nullopt);

    DeploySettings bad = site();
    bad.allowed_emails = {"nobody"};
    EXPECT_EQ(validate_code(bad), errc::config_invalid);
    bad = site();
    bad.allowed_email_domains = {"@example.com"};
    EXPECT_EQ(validate_code(bad), errc::config_invalid);
    bad = site();
    bad.allowed_redirect_hosts = {"https://x.example"};
    EXPECT_EQ(validate_code(bad), errc::config_invalid);
    bad = site();
    bad.cookie_domain = "other.example";
    EXPECT_EQ(validate_code(bad), errc::config_invalid) << "public_url's host must be within it";
}

} // namespace
} // namespace authflow

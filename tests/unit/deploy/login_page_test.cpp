// build_login_page: every value escaped (seed §13 item 25), a sign-in link to {prefix}/login.
#include <authflow/deploy/login_page.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace authflow {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(DeployLoginPage, ShowsTitleSubtitleAndLink) {
    const auto html = build_login_page("Google", "Welcome", "Please sign in", "/auth/login");
    EXPECT_THAT(html, HasSubstr("<!DOCTYPE html>"));
    EXPECT_THAT(html, HasSubstr("<title>Welcome</title>"));
    EXPECT_THAT(html, HasSubstr("<h1>Welcome</h1>"));
    EXPECT_THAT(html, HasSubstr(">Please sign in</p>"));
    EXPECT_THAT(html, HasSubstr("href=\"/auth/login\""));
    EXPECT_THAT(html, HasSubstr("Sign in with Google</a>"));
    EXPECT_THAT(html, Not(HasSubstr("<script")));
}

TEST(DeployLoginPage, DefaultsAreTheSeeds) {
    const auto html = build_login_page("GitHub");
    EXPECT_THAT(html, HasSubstr("<h1>Sign In</h1>"));
    EXPECT_THAT(html, HasSubstr("Sign in to continue"));
    EXPECT_THAT(html, HasSubstr("href=\"/auth/login\""));
}

TEST(DeployLoginPage, EscapesEveryValue) {
    const std::string attack = "<script>alert('x')</script>&\"";
    const std::string escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;";
    const auto html = build_login_page(attack, attack, attack, "/auth/login?next=\"><script>");
    EXPECT_THAT(html, Not(HasSubstr("<script>")));
    EXPECT_THAT(html, HasSubstr("<title>" + escaped + "</title>"));
    EXPECT_THAT(html, HasSubstr("<h1>" + escaped + "</h1>"));
    EXPECT_THAT(html, HasSubstr(">" + escaped + "</p>"));
    EXPECT_THAT(html, HasSubstr("Sign in with " + escaped + "</a>"));
    EXPECT_THAT(html, HasSubstr("href=\"/auth/login?next=&quot;&gt;&lt;script&gt;\""));
}

TEST(DeployLoginPage, CustomPrefix) {
    EXPECT_THAT(build_login_page("Okta", "T", "S", "/sso/login"), HasSubstr("href=\"/sso/login\""));
}

} // namespace
} // namespace authflow

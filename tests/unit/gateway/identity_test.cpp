// Identity from a session, and the identity headers: verified e-mail only, groups from claims
// and roles, nothing a header could be split with, client-supplied headers stripped.
#include <authflow/deploy/rbac.hpp>
#include <authflow/gateway/identity.hpp>

#include <gtest/gtest.h>

namespace authflow {
namespace {

using json = nlohmann::json;

UserSession session_with(json user_info, json groups = nullptr) {
    UserSession session;
    session.session_id = "id";
    session.user_id = "sub-1";
    session.roles = {"viewer", "admin"};
    session.metadata = json{{"provider", "oidc"}, {"user_info", std::move(user_info)}};
    if (!groups.is_null()) {
        session.metadata["groups"] = std::move(groups);
    }
    return session;
}

TEST(ClaimGroups, ReadsGroupsAndRolesArraysOrStrings) {
    EXPECT_EQ(claim_groups(json{{"groups", {"a", "b", 3, "a"}}, {"roles", "c"}}),
              (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(claim_groups(json{{"roles", {"x"}}}), (std::vector<std::string>{"x"}));
    EXPECT_TRUE(claim_groups(json{{"groups", {{"nested", 1}}}}).empty());
    EXPECT_TRUE(claim_groups(json::array()).empty());
}

TEST(IdentityOf, EmailOnlyWhenVerified) {
    EXPECT_EQ(identity_of(session_with({{"email", "a@x.example"}, {"email_verified", true}})).email,
              "a@x.example");
    EXPECT_EQ(
        identity_of(session_with({{"email", "a@x.example"}, {"email_verified", false}})).email, "");
    EXPECT_EQ(
        identity_of(session_with({{"email", "a@x.example"}, {"email_verified", "true"}})).email, "")
        << "OIDC Core §5.1: a boolean, not a string";
    EXPECT_EQ(identity_of(session_with({{"email", "a@x.example"}})).email, "");
}

TEST(IdentityOf, GroupsFromClaimsThenRoles) {
    const Identity who = identity_of(
        session_with({{"preferred_username", "al"}}, json::array({"eng", "viewer", 5})));
    EXPECT_EQ(who.subject, "sub-1");
    EXPECT_EQ(who.preferred_username, "al");
    EXPECT_EQ(who.groups, (std::vector<std::string>{"eng", "viewer", "admin"}));
}

TEST(IdentityOf, OddMetadataGivesEmptyFields) {
    UserSession session;
    session.user_id = "u";
    session.metadata = json{{"user_info", "text"}, {"groups", {{"k", "v"}}}};
    const Identity who = identity_of(session);
    EXPECT_EQ(who.subject, "u");
    EXPECT_TRUE(who.email.empty());
    EXPECT_TRUE(who.groups.empty());
}

TEST(IdentityHeaders, CarryTheIdentity) {
    Identity who{"sub-1", "a@x.example", "al", {"eng", "viewer"}};
    const Headers headers = identity_headers(who);
    EXPECT_EQ(headers.get("X-Auth-Request-User"), "sub-1");
    EXPECT_EQ(headers.get("X-Auth-Request-Email"), "a@x.example");
    EXPECT_EQ(headers.get("X-Auth-Request-Preferred-Username"), "al");
    EXPECT_EQ(headers.get("X-Auth-Request-Groups"), "eng,viewer");
    EXPECT_FALSE(headers.contains("X-Auth-Request-Access-Token"));
}

TEST(IdentityHeaders, EmptyFieldsAreLeftOut) {
    const Headers headers = identity_headers(Identity{"sub-1", "", "", {}});
    EXPECT_EQ(headers.size(), 1u);
    EXPECT_EQ(headers.get("X-Auth-Request-User"), "sub-1");
}

TEST(IdentityHeaders, NeverSplitAHeaderOrAGroupList) {
    Identity who{"sub-1", "a@x.example\r\nX-Admin: 1", "al\n", {"a,b", "ok", "bad\r"}};
    const Headers headers = identity_headers(who);
    EXPECT_FALSE(headers.contains("X-Auth-Request-Email"));
    EXPECT_FALSE(headers.contains("X-Auth-Request-Preferred-Username"));
    EXPECT_EQ(headers.get("X-Auth-Request-Groups"), "ok");
    EXPECT_FALSE(is_header_safe(std::string(5000, 'a')));
    EXPECT_TRUE(is_header_safe("Alice Doe"));
    EXPECT_FALSE(is_header_safe(" padded"));
}

TEST(StripIdentityHeaders, RemovesEveryXAuthRequestFieldAnyCase) {
    Headers headers{{"x-auth-request-user", "forged"},
                    {"X-AUTH-REQUEST-GROUPS", "admins"},
                    {"X-Auth-Request-Access-Token", "t"},
                    {"X-Auth-Requested", "kept"},
                    {"Accept", "text/html"}};
    strip_identity_headers(headers);
    EXPECT_EQ(headers.size(), 2u);
    EXPECT_TRUE(headers.contains("Accept"));
    EXPECT_TRUE(headers.contains("X-Auth-Requested"));
}

} // namespace
} // namespace authflow

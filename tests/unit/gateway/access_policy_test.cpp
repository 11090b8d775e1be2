// AccessPolicy: groups, e-mail addresses and domains; the per-location query parameters.
#include <authflow/core/errors.hpp>
#include <authflow/gateway/access_policy.hpp>

#include <gtest/gtest.h>

namespace authflow {
namespace {

Identity user(std::string email, std::vector<std::string> groups) {
    Identity who;
    who.subject = "alice";
    who.email = std::move(email);
    who.groups = std::move(groups);
    return who;
}

std::optional<errc> code_of(const QueryParams& query) {
    try {
        static_cast<void>(AccessPolicy::from_query(query));
    } catch (const Error& e) {
        return e.code();
    }
    return std::nullopt;
}

TEST(AccessPolicy, EmptyAllowsEverySignedInUser) {
    EXPECT_TRUE(AccessPolicy{}.allows(user("", {})));
    EXPECT_TRUE(AccessPolicy{}.empty());
}

TEST(AccessPolicy, AnyOneGroupSuffices) {
    AccessPolicy policy;
    policy.allowed_groups = {"admins", "ops"};
    EXPECT_TRUE(policy.allows(user("", {"viewer", "ops"})));
    EXPECT_FALSE(policy.allows(user("", {"viewer"})));
    EXPECT_FALSE(policy.allows(user("", {"Ops"}))) << "groups match exactly";
    EXPECT_FALSE(policy.allows(user("", {})));
}

TEST(AccessPolicy, EmailsMatchIgnoringCase) {
    AccessPolicy policy;
    policy.allowed_emails = {"Alice@Example.com"};
    EXPECT_TRUE(policy.allows(user("alice@example.COM", {})));
    EXPECT_FALSE(policy.allows(user("bob@example.com", {})));
}

TEST(AccessPolicy, NoVerifiedEmailNeverPassesAnEmailRule) {
    AccessPolicy policy;
    policy.allowed_email_domains = {"example.com"};
    EXPECT_FALSE(policy.allows(user("", {"admins"})));
}

TEST(AccessPolicy, DomainMatchesThatDomainOnly) {
    AccessPolicy policy;
    policy.allowed_email_domains = {"example.com"};
    EXPECT_TRUE(policy.allows(user("x@example.com", {})));
    EXPECT_TRUE(policy.allows(user("x@EXAMPLE.com", {})));
    EXPECT_FALSE(policy.allows(user("x@sub.example.com", {})));
    EXPECT_FALSE(policy.allows(user("x@badexample.com", {})));
    EXPECT_FALSE(policy.allows(user("example.com@evil.example", {})));
}

TEST(AccessPolicy, EmailOrDomainAndGroup) {
    AccessPolicy policy;
    policy.allowed_groups = {"staff"};
    policy.allowed_emails = {"boss@partner.example"};
    policy.allowed_email_domains = {"example.com"};
    EXPECT_TRUE(policy.allows(user("x@example.com", {"staff"})));
    EXPECT_TRUE(policy.allows(user("boss@partner.example", {"staff"})));
    EXPECT_FALSE(policy.allows(user("x@example.com", {"guests"}))) << "the group rule holds too";
    EXPECT_FALSE(policy.allows(user("y@partner.example", {"staff"})));
}

TEST(AccessPolicy, GlobalAndLocationMustBothAllow) {
    AccessPolicy global;
    global.allowed_email_domains = {"example.com"};
    AccessPolicy location;
    location.allowed_groups = {"finance"};
    EXPECT_TRUE(global.allows(user("x@example.com", {"finance"}), location));
    EXPECT_FALSE(global.allows(user("x@example.com", {"sales"}), location));
    EXPECT_FALSE(global.allows(user("x@other.example", {"finance"}), location));
    EXPECT_TRUE(global.allows(user("x@example.com", {"sales"}), AccessPolicy{}));
}

TEST(AccessPolicy, FromQueryReadsCommaSeparatedLists) {
    QueryParams query{{"allowed_groups", "a, b"},
                      {"allowed_groups", "c"},
                      {"allowed_emails", "x@y.example"},
                      {"allowed_domains", "example.com,example.org"},
                      {"redirect", "true"}};
    const AccessPolicy policy = AccessPolicy::from_query(query);
    EXPECT_EQ(policy.allowed_groups, (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(policy.allowed_emails, (std::vector<std::string>{"x@y.example"}));
    EXPECT_EQ(policy.allowed_email_domains,
              (std::vector<std::string>{"example.com", "example.org"}));
    EXPECT_TRUE(AccessPolicy::from_query(QueryParams{{"rd", "x"}}).empty());
}

TEST(AccessPolicy, FromQueryRefusesBadValues) {
    EXPECT_EQ(code_of({{"allowed_groups", ""}}), errc::invalid_argument);
    EXPECT_EQ(code_of({{"allowed_groups", "a,,b"}}), errc::invalid_argument);
    EXPECT_EQ(code_of({{"allowed_groups", "a\nb"}}), errc::invalid_argument);
    EXPECT_EQ(code_of({{"allowed_emails", "nobody"}}), errc::invalid_argument);
    EXPECT_EQ(code_of({{"allowed_emails", "a@b@c"}}), errc::invalid_argument);
    EXPECT_EQ(code_of({{"allowed_domains", "x@example.com"}}), errc::invalid_argument);
    EXPECT_EQ(code_of({{"allowed_groups", std::string(400, 'g')}}), errc::invalid_argument);
    EXPECT_EQ(code_of({{"allowed_groups", "ok"}}), std::nullopt);
}

} // namespace
} // namespace authflow

// Roles and permissions: the seed's role table; admin promotion on sub or verified email only.
#include <authflow/deploy/rbac.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace authflow {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

DeploySettings with_admins(std::vector<std::string> admins) {
    DeploySettings settings;
    settings.admin_users = std::move(admins);
    return settings;
}

TEST(DeployRbac, RolePermissionsAreTheSeeds) {
    EXPECT_THAT(role_permissions("admin"),
                UnorderedElementsAre("read", "write", "admin", "delete", "manage_users"));
    EXPECT_THAT(role_permissions("editor"), UnorderedElementsAre("read", "write"));
    EXPECT_THAT(role_permissions("viewer"), ElementsAre("read"));
    EXPECT_THAT(role_permissions("anonymous"), IsEmpty());
    EXPECT_THAT(role_permissions("Admin"), IsEmpty()); // names are exact
    EXPECT_THAT(role_permissions("superuser"), IsEmpty());
}

TEST(DeployRbac, HasPermission) {
    UserSession session;
    session.roles = {"viewer"};
    EXPECT_TRUE(has_permission(session, permission::read));
    EXPECT_FALSE(has_permission(session, permission::write));
    session.roles = {"viewer", "editor"};
    EXPECT_TRUE(has_permission(session, "write"));
    EXPECT_FALSE(has_permission(session, "delete"));
    session.roles = {"admin"};
    EXPECT_TRUE(has_permission(session, permission::manage_users));
    EXPECT_TRUE(has_permission(session, permission::delete_));
    session.roles = {};
    EXPECT_FALSE(has_permission(session, "read"));
    EXPECT_FALSE(has_permission(std::vector<std::string>{"anonymous"}, "read"));
}

TEST(DeployRbac, DefaultRolesForEveryone) {
    const nlohmann::json claims = {{"sub", "user-1"}};
    EXPECT_THAT(roles_for(claims, DeploySettings{}), ElementsAre("viewer"));
    DeploySettings settings;
    settings.default_roles = {"viewer", "editor", "viewer"};
    EXPECT_THAT(roles_for(claims, settings), ElementsAre("viewer", "editor"));
    settings.default_roles = {};
    EXPECT_THAT(roles_for(claims, settings), IsEmpty());
}

TEST(DeployRbac, AdminBySub) {
    const auto settings = with_admins({"sub-42"});
    EXPECT_THAT(roles_for({{"sub", "sub-42"}}, settings), ElementsAre("viewer", "admin"));
    EXPECT_THAT(roles_for({{"sub", "sub-43"}}, settings), ElementsAre("viewer"));
}

TEST(DeployRbac, AdminByVerifiedEmail) {
    const auto settings = with_admins({"Alice@Example.com"});
    EXPECT_THAT(roles_for({{"sub", "1"}, {"email", "alice@example.com"}, {"email_verified", true}},
                          settings),
                ElementsAre("viewer", "admin"));
}

TEST(DeployRbac, UnverifiedEmailNotPromoted) {
    // Seed §13 item 15: anyone can claim an address they do not own at some providers.
    const auto settings = with_admins({"alice@example.com"});
    EXPECT_THAT(roles_for({{"sub", "1"}, {"email", "alice@example.com"}}, settings),
                ElementsAre("viewer"));
    EXPECT_THAT(roles_for({{"sub", "1"}, {"email", "alice@example.com"}, {"email_verified", false}},
                          settings),
                ElementsAre("viewer"));
    EXPECT_THAT(
        roles_for({{"sub", "1"}, {"email", "alice@example.com"}, {"email_verified", "true"}},
                  settings),
        ElementsAre("viewer"));
}

TEST(DeployRbac, OtherClaimsDoNotPromote) {
    // The seed matched the raw user id, which could be a login name or email from userinfo.
    const auto settings = with_admins({"alice", "alice@example.com"});
    EXPECT_THAT(roles_for({{"sub", "1"},
                           {"preferred_username", "alice"},
                           {"login", "alice"},
                           {"name", "alice"},
                           {"id", "alice"}},
                          settings),
                ElementsAre("viewer"));
    EXPECT_THAT(roles_for(nlohmann::json::array(), settings), ElementsAre("viewer"));
    EXPECT_THAT(roles_for({{"sub", 7}}, with_admins({"7"})), ElementsAre("viewer"));
}

TEST(DeployRbac, AdminNotDuplicated) {
    auto settings = with_admins({"sub-1"});
    settings.default_roles = {"admin"};
    EXPECT_THAT(roles_for({{"sub", "sub-1"}}, settings), ElementsAre("admin"));
}

} // namespace
} // namespace authflow

#pragma once
// Roles and permissions of deploy mode (pywry.auth's role table).

#include <authflow/deploy/session_store.hpp>
#include <authflow/deploy/settings.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace authflow {

/// The permissions of pywry.auth's roles.
namespace permission {
inline constexpr std::string_view read = "read";
inline constexpr std::string_view write = "write";
inline constexpr std::string_view admin = "admin";
inline constexpr std::string_view delete_ = "delete";
inline constexpr std::string_view manage_users = "manage_users";
} // namespace permission

/// The permissions a role grants: admin = {read, write, admin, delete, manage_users},
/// editor = {read, write}, viewer = {read}, anonymous and any unknown role = {}.
const std::vector<std::string_view>& role_permissions(std::string_view role) noexcept;

/// The roles of a user who just signed in: settings.default_roles, plus "admin" when the user is
/// listed in settings.admin_users by the ID token's `sub`, or by `email` when `email_verified`
/// is the JSON boolean true (anyone can claim an unverified address: it never promotes). Emails are
/// compared ignoring ASCII case. `claims` should be the validated ID token's claims (userinfo
/// may add an email, with its own email_verified). No duplicates; order kept.
std::vector<std::string> roles_for(const nlohmann::json& claims, const DeploySettings& settings);

/// The groups a user's claims name: the string members of the `groups` and `roles` claims
/// (arrays of strings, or one string), each once, order kept. Anything else is ignored.
std::vector<std::string> claim_groups(const nlohmann::json& claims);

/// The session metadata member the sign-in keeps the claim groups in: claim_groups of the
/// validated ID token's claims, then of the userinfo answer.
inline constexpr std::string_view groups_metadata_key = "groups";

/// True when one of `roles` grants `permission`.
bool has_permission(const std::vector<std::string>& roles, std::string_view permission) noexcept;
/// True when one of the session's roles grants `permission`.
bool has_permission(const UserSession& session, std::string_view permission) noexcept;

} // namespace authflow

#include <authflow/deploy/http.hpp>
#include <authflow/deploy/rbac.hpp>

#include <algorithm>

namespace authflow {
namespace {

const std::vector<std::string_view> admin_permissions = {permission::read, permission::write,
                                                         permission::admin, permission::delete_,
                                                         permission::manage_users};
const std::vector<std::string_view> editor_permissions = {permission::read, permission::write};
const std::vector<std::string_view> viewer_permissions = {permission::read};
const std::vector<std::string_view> no_permissions = {};

std::string claim_text(const nlohmann::json& claims, const char* name) {
    if (!claims.is_object()) {
        return {};
    }
    auto it = claims.find(name);
    if (it == claims.end() || !it->is_string()) {
        return {};
    }
    return it->get<std::string>();
}

bool is_admin(const nlohmann::json& claims, const DeploySettings& settings) {
    const std::string sub = claim_text(claims, "sub");
    if (!sub.empty() && std::find(settings.admin_users.begin(), settings.admin_users.end(), sub) !=
                            settings.admin_users.end()) {
        return true;
    }
    const std::string email = claim_text(claims, "email");
    const auto verified = claims.is_object() ? claims.find("email_verified") : claims.end();
    // OIDC Core §5.1: email_verified is a boolean. A string "true" is not accepted.
    const bool email_verified = claims.is_object() && verified != claims.end() &&
                                verified->is_boolean() && verified->get<bool>();
    if (email.empty() || !email_verified) {
        return false;
    }
    return std::any_of(settings.admin_users.begin(), settings.admin_users.end(),
                       [&](const std::string& user) { return iequals(user, email); });
}

} // namespace

const std::vector<std::string_view>& role_permissions(std::string_view role) noexcept {
    if (role == "admin") {
        return admin_permissions;
    }
    if (role == "editor") {
        return editor_permissions;
    }
    if (role == "viewer") {
        return viewer_permissions;
    }
    return no_permissions;
}

std::vector<std::string> roles_for(const nlohmann::json& claims, const DeploySettings& settings) {
    std::vector<std::string> roles;
    const auto add = [&](const std::string& role) {
        if (std::find(roles.begin(), roles.end(), role) == roles.end()) {
            roles.push_back(role);
        }
    };
    for (const auto& role : settings.default_roles) {
        add(role);
    }
    if (is_admin(claims, settings)) {
        add("admin");
    }
    return roles;
}

std::vector<std::string> claim_groups(const nlohmann::json& claims) {
    std::vector<std::string> groups;
    if (!claims.is_object()) {
        return groups;
    }
    const auto add = [&](const nlohmann::json& value) {
        if (value.is_string()) {
            const auto& group = value.get_ref<const std::string&>();
            if (!group.empty() && std::find(groups.begin(), groups.end(), group) == groups.end()) {
                groups.push_back(group);
            }
        }
    };
    for (const char* name : {"groups", "roles"}) {
        const auto it = claims.find(name);
        if (it == claims.end()) {
            continue;
        }
        if (it->is_array()) {
            for (const auto& item : *it) {
                add(item);
            }
        } else {
            add(*it);
        }
    }
    return groups;
}

bool has_permission(const std::vector<std::string>& roles, std::string_view permission) noexcept {
    return std::any_of(roles.begin(), roles.end(), [&](const std::string& role) {
        const auto& granted = role_permissions(role);
        return std::find(granted.begin(), granted.end(), permission) != granted.end();
    });
}

bool has_permission(const UserSession& session, std::string_view permission) noexcept {
    return has_permission(session.roles, permission);
}

} // namespace authflow

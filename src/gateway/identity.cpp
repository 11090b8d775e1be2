// The identity of a session and the headers that carry it to the application.
#include <authflow/core/ascii.hpp>
#include <authflow/deploy/rbac.hpp>
#include <authflow/gateway/identity.hpp>

#include <algorithm>

namespace authflow {
namespace {

constexpr std::size_t max_header_value = 4096;

std::string text_member(const nlohmann::json& object, const char* name) {
    if (!object.is_object()) {
        return {};
    }
    const auto it = object.find(name);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

} // namespace

Identity identity_of(const UserSession& session) {
    Identity who;
    who.subject = session.user_id;
    const nlohmann::json& metadata = session.metadata;
    if (metadata.is_object()) {
        if (const auto info = metadata.find("user_info"); info != metadata.end()) {
            // OIDC Core §5.1: email_verified is a boolean; anything else is "not verified".
            const auto verified = info->is_object() ? info->find("email_verified") : info->end();
            if (info->is_object() && verified != info->end() && verified->is_boolean() &&
                verified->get<bool>()) {
                who.email = text_member(*info, "email");
            }
            who.preferred_username = text_member(*info, "preferred_username");
        }
        if (const auto groups = metadata.find(groups_metadata_key); groups != metadata.end()) {
            who.groups = claim_groups(nlohmann::json{{"groups", *groups}});
        }
    }
    for (const auto& role : session.roles) {
        if (std::find(who.groups.begin(), who.groups.end(), role) == who.groups.end()) {
            who.groups.push_back(role);
        }
    }
    return who;
}

bool is_header_safe(std::string_view value) noexcept {
    if (value.size() > max_header_value) {
        return false;
    }
    if (!value.empty() && (value.front() == ' ' || value.back() == ' ' || value.front() == '\t' ||
                           value.back() == '\t')) {
        return false;
    }
    return std::none_of(value.begin(), value.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && c != '\t') || u == 0x7f;
    });
}

Headers identity_headers(const Identity& who) {
    Headers headers;
    headers.reserve(4);
    if (is_header_safe(who.subject)) {
        headers.add(std::string{identity_header::user}, who.subject);
    }
    if (!who.email.empty() && is_header_safe(who.email)) {
        headers.add(std::string{identity_header::email}, who.email);
    }
    if (!who.preferred_username.empty() && is_header_safe(who.preferred_username)) {
        headers.add(std::string{identity_header::preferred_username}, who.preferred_username);
    }
    std::string groups;
    for (const auto& group : who.groups) {
        if (group.empty() || group.find(',') != std::string::npos || !is_header_safe(group) ||
            groups.size() + group.size() + 1 > max_header_value) {
            continue;
        }
        if (!groups.empty()) {
            groups += ',';
        }
        groups += group;
    }
    if (!groups.empty()) {
        headers.add(std::string{identity_header::groups}, std::move(groups));
    }
    return headers;
}

void strip_identity_headers(Headers& headers) {
    std::vector<std::string> names;
    for (const auto& [name, value] : headers) {
        if (name.size() >= identity_header::prefix.size() &&
            iequals(std::string_view{name}.substr(0, identity_header::prefix.size()),
                    identity_header::prefix)) {
            names.push_back(name);
        }
    }
    for (const auto& name : names) {
        headers.remove(name);
    }
}

} // namespace authflow

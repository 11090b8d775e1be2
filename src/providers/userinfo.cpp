// The userinfo endpoint's answer (OIDC Core §5.3.2) and what it adds to a user's identity.
#include "userinfo.hpp"

#include "provider_internal.hpp"

#include <authflow/core/crypto.hpp>
#include <authflow/core/errors.hpp>

namespace authflow::detail {
namespace {

using json = nlohmann::json;

std::optional<bool> bool_member(const json& object, const char* name) {
    auto it = object.find(name);
    if (it == object.end()) {
        return std::nullopt;
    }
    if (it->is_boolean()) {
        return it->get<bool>();
    }
    // Some providers (Google, in its documentation) send "true"/"false" strings.
    if (it->is_string()) {
        if (*it == "true") {
            return true;
        }
        if (*it == "false") {
            return false;
        }
    }
    return std::nullopt;
}

} // namespace

nlohmann::json read_userinfo(const HttpResponse& response) {
    if (response.status != 200) {
        throw AuthenticationError(errc::provider_error,
                                  "the userinfo endpoint answered HTTP " +
                                      std::to_string(response.status),
                                  bearer_challenge_error(response));
    }
    auto body = parse_json_object(response.body);
    if (!body) {
        const auto type = response.header("Content-Type").value_or("");
        throw AuthenticationError(errc::invalid_response,
                                  type.starts_with("application/jwt")
                                      ? "signed userinfo responses (application/jwt) are not "
                                        "supported"
                                      : "the userinfo answer is not a JSON object");
    }
    return std::move(*body);
}

void check_userinfo_subject(const nlohmann::json& userinfo, const IdTokenClaims& claims) {
    // OIDC Core §5.3.4: the UserInfo sub MUST equal the ID token's sub, or the answer may be
    // about someone else (token substitution).
    auto sub = string_member(userinfo, "sub");
    if (!sub || !constant_time_equal(*sub, claims.sub())) {
        throw AuthenticationError(errc::userinfo_mismatch,
                                  "the userinfo sub differs from the ID token's sub");
    }
}

void complete_identity_from_userinfo(UserIdentity& identity, bool has_claims) {
    const json& info = identity.userinfo;
    if (!has_claims) {
        if (auto sub = string_member(info, "sub"); sub && !sub->empty()) {
            identity.subject = *sub;
        } else if (auto id = info.find("id"); id != info.end() && id->is_number_integer()) {
            identity.subject = std::to_string(id->get<std::int64_t>());
        } else if (auto id_text = string_member(info, "id"); id_text && !id_text->empty()) {
            identity.subject = *id_text;
        } else {
            throw AuthenticationError(errc::bad_subject,
                                      "no identity: the provider returned neither a validated ID "
                                      "token nor a userinfo sub");
        }
    }
    if (!identity.email) {
        if (auto email = string_member(info, "email")) {
            identity.email = email;
            identity.email_verified = bool_member(info, "email_verified").value_or(false);
        }
    }
    if (!identity.name) {
        identity.name = string_member(info, "name");
    }
}

} // namespace authflow::detail

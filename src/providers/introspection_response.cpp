// The introspection endpoint's answer (RFC 7662 §2.2).
#include "introspection_response.hpp"

#include "provider_internal.hpp"

namespace authflow::detail {
namespace {

std::optional<std::int64_t> int_member(const nlohmann::json& object, const char* name) {
    auto it = object.find(name);
    if (it == object.end() || !it->is_number_integer()) {
        return std::nullopt;
    }
    return it->get<std::int64_t>();
}

} // namespace

IntrospectionResult read_introspection(const HttpResponse& response) {
    auto body = parse_json_object(response.body);
    if (body) {
        if (auto answer = oauth_error_of(*body, response.status)) {
            throw AuthenticationError(errc::provider_error,
                                      "the introspection endpoint refused: " + answer->error,
                                      *answer);
        }
    }
    if (response.status != 200) {
        throw AuthenticationError(errc::provider_error,
                                  "the introspection endpoint answered HTTP " +
                                      std::to_string(response.status),
                                  ProviderAnswer{"", "", response.status});
    }
    if (!body) {
        throw AuthenticationError(errc::invalid_response,
                                  "the introspection answer is not a JSON object");
    }
    auto active = body->find("active");
    if (active == body->end() || !active->is_boolean()) {
        throw AuthenticationError(errc::invalid_response,
                                  "the introspection answer has no boolean 'active'");
    }
    IntrospectionResult result;
    result.active = active->get<bool>();
    result.scope = string_member(*body, "scope");
    result.client_id = string_member(*body, "client_id");
    result.username = string_member(*body, "username");
    result.token_type = string_member(*body, "token_type");
    result.sub = string_member(*body, "sub");
    result.iss = string_member(*body, "iss");
    result.exp = int_member(*body, "exp");
    result.iat = int_member(*body, "iat");
    result.raw = std::move(*body);
    return result;
}

} // namespace authflow::detail

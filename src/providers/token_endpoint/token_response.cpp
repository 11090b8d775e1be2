// The one reader of token endpoint answers, shared by every grant.
#include "token_response.hpp"

#include "../provider_internal.hpp"

namespace authflow::detail {

TokenAnswer read_token_response(const HttpResponse& response, const Clock& clock, bool is_dpop) {
    const std::string status = " (HTTP " + std::to_string(response.status) + ")";
    // RFC 6585 §4, RFC 9110 §10.2.3: a request refused for now says when to come back.
    std::optional<std::string> retry_after;
    if (response.status == 429 || response.status == 503) {
        retry_after = response.header("Retry-After");
    }
    auto body = parse_json_object(response.body);
    if (body) {
        // RFC 6749 §5.2; GitHub reports errors with HTTP 200 and the same members.
        if (auto answer = oauth_error_of(*body, response.status)) {
            // RFC 6749 §5.2: invalid_client is the client authentication failing; say which
            // setting to look at rather than leave "invalid_client" to be decoded.
            const std::string hint =
                answer->error == "invalid_client"
                    ? ": the provider refused the client authentication (check client_id, the "
                      "client secret or private key, and token_endpoint_auth_method)"
                    : "";
            return TokenEndpointError{errc::provider_error,
                                      "the token endpoint refused the request: " + answer->error +
                                          hint + status,
                                      *answer, retry_after};
        }
    }
    if (response.status != 200) {
        return TokenEndpointError{errc::invalid_response,
                                  "the token endpoint answered without an OAuth error" + status,
                                  ProviderAnswer{"", "", response.status}, retry_after};
    }
    auto invalid = [](std::string message) {
        return TokenEndpointError{errc::invalid_response, std::move(message), {}, std::nullopt};
    };
    if (!body) {
        return invalid("the token endpoint's answer is not a JSON object" + status);
    }
    auto access_token = body->find("access_token");
    if (access_token == body->end() || !access_token->is_string() ||
        access_token->get_ref<const std::string&>().empty()) {
        return invalid("the token endpoint's answer has no access_token");
    }
    // RFC 6749 §7.1: the client must understand the token type. RFC 9449 §5: a DPoP request
    // is answered with token_type DPoP; a Bearer answer to it would be sent without a proof
    // (the binding lost), and a DPoP answer to a Bearer request is unusable without its key.
    // Either mismatch is refused rather than stored.
    const std::string_view expected = is_dpop ? "DPoP" : "Bearer";
    auto type = body->find("token_type");
    if (type == body->end() || type->is_null()) {
        if (is_dpop) {
            return invalid("the token endpoint's answer to a DPoP request has no token_type");
        }
    } else {
        if (!type->is_string()) {
            return invalid("the token_type is not a string");
        }
        const auto& text = type->get_ref<const std::string&>();
        if (!iequals(text, expected)) {
            return invalid("token_type '" + safe_text(text, 32) + "' is not the " +
                           std::string{expected} + " asked for");
        }
    }
    OAuthTokenSet tokens;
    try {
        tokens = OAuthTokenSet::from_token_response(*body, clock);
    } catch (const TokenError& e) {
        return invalid(std::string{"the token endpoint's answer is malformed: "} + e.what());
    }
    tokens.token_type = std::string{expected};
    return tokens;
}

} // namespace authflow::detail

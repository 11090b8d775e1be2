// The authorization code grant: what is sent, and which exception its failures are.
#include "authorization_code_grant.hpp"

namespace authflow::detail {

QueryParams AuthorizationCodeGrant::form() const {
    QueryParams form{
        {"grant_type", "authorization_code"}, {"code", code}, {"redirect_uri", redirect_uri}};
    if (code_verifier && !code_verifier->empty()) {
        // RFC 7636 §4.5: the verifier proves this client started the authorization (GitHub's
        // exchange once dropped it).
        form.add("code_verifier", *code_verifier);
    }
    return form;
}

OAuthTokenSet AuthorizationCodeGrant::read(const HttpResponse& response, const Clock& clock) const {
    TokenAnswer answer = read_token_response(response, clock, is_dpop);
    if (auto* error = std::get_if<TokenEndpointError>(&answer)) {
        fail(std::move(*error));
    }
    return std::get<OAuthTokenSet>(std::move(answer));
}

void AuthorizationCodeGrant::fail(TokenEndpointError error) {
    throw TokenError(error.code, error.message, std::move(error.answer));
}

} // namespace authflow::detail

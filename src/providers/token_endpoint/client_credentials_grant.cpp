// The client credentials grant: what is sent, and which exception its failures are.
#include "client_credentials_grant.hpp"

#include "../provider_internal.hpp"

namespace authflow::detail {

QueryParams ClientCredentialsGrant::form() const {
    QueryParams form{{"grant_type", "client_credentials"}};
    if (!scopes.empty()) {
        form.add("scope", join_scopes(scopes));
    }
    for (const auto& [name, value] : extra_params) {
        form.add(name, value);
    }
    return form;
}

OAuthTokenSet ClientCredentialsGrant::read(const HttpResponse& response, const Clock& clock) const {
    TokenAnswer answer = read_token_response(response, clock, is_dpop);
    if (auto* error = std::get_if<TokenEndpointError>(&answer)) {
        fail(std::move(*error));
    }
    return std::get<OAuthTokenSet>(std::move(answer));
}

void ClientCredentialsGrant::fail(TokenEndpointError error) {
    throw TokenError(error.code, error.message, std::move(error.answer));
}

} // namespace authflow::detail

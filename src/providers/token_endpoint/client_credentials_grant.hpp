#pragma once
// Private to the providers layer: the client credentials grant at the token endpoint
// (RFC 6749 §4.4), without I/O.

#include "token_response.hpp"

#include <authflow/core/url.hpp>

#include <string>
#include <vector>

namespace authflow::detail {

/// Tokens for the client itself. A plain value.
struct ClientCredentialsGrant {
    std::vector<std::string> scopes; ///< empty: no scope sent
    QueryParams extra_params;        ///< checked by the caller: no reserved names
    bool is_dpop = false;            ///< sent with a DPoP proof: the answer must be a DPoP token

    /// The token request's form fields (client authentication is added by the sender).
    QueryParams form() const;
    /// The token set of the answer. Throws as fail.
    OAuthTokenSet read(const HttpResponse& response, const Clock& clock) const;
    /// Every failure of this grant is a TokenError with the error's code and answer.
    [[noreturn]] static void fail(TokenEndpointError error);
};

} // namespace authflow::detail

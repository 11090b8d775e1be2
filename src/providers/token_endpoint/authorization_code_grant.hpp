#pragma once
// Private to the providers layer: the authorization code grant at the token endpoint
// (RFC 6749 §4.1.3, RFC 7636 §4.5), without I/O.

#include "token_response.hpp"

#include <authflow/core/url.hpp>

#include <optional>
#include <string>

namespace authflow::detail {

/// Exchanging an authorization code. A plain value; it holds the code and the PKCE verifier,
/// never log it.
struct AuthorizationCodeGrant {
    std::string code;
    std::string redirect_uri;
    std::optional<std::string> code_verifier; ///< sent when present and not empty
    bool is_dpop = false; ///< sent with a DPoP proof: the answer must be a DPoP token

    /// The token request's form fields (client authentication is added by the sender).
    QueryParams form() const;
    /// The token set of the answer. Throws as fail.
    OAuthTokenSet read(const HttpResponse& response, const Clock& clock) const;
    /// Every failure of this grant is a TokenError with the error's code and answer.
    [[noreturn]] static void fail(TokenEndpointError error);
};

} // namespace authflow::detail

// The headers that present an access token to a resource server (RFC 6750 §2.1, RFC 9449 §7).
#include "provider_internal.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/jose/dpop.hpp>
#include <authflow/providers/resource_request.hpp>

namespace authflow {

bool is_dpop_bound(const OAuthTokenSet& tokens) noexcept {
    return tokens.dpop_key.has_value() && detail::iequals(tokens.token_type, "DPoP");
}

std::string make_resource_dpop_proof(const OAuthTokenSet& tokens, std::string_view method,
                                     std::string_view url, const Clock& clock,
                                     std::string_view nonce) {
    if (!is_dpop_bound(tokens)) {
        throw TokenError(errc::token_invalid, "the tokens are not DPoP-bound (token_type " +
                                                  detail::safe_text(tokens.token_type, 32) +
                                                  "): no DPoP proof to make");
    }
    const DpopProofMaker proofs(SigningKey::from_pem(*tokens.dpop_key));
    return proofs.make(
        {.method = method, .url = url, .nonce = nonce, .access_token = tokens.access_token}, clock);
}

HttpHeaders resource_authorization_headers(const OAuthTokenSet& tokens, std::string_view method,
                                           std::string_view url, const Clock& clock,
                                           std::string_view nonce) {
    if (!is_dpop_bound(tokens)) {
        return {{"Authorization", "Bearer " + tokens.access_token}};
    }
    return {{"Authorization", "DPoP " + tokens.access_token},
            {"DPoP", make_resource_dpop_proof(tokens, method, url, clock, nonce)}};
}

} // namespace authflow

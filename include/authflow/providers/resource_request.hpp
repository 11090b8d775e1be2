#pragma once
// Presenting tokens to a resource server (an API): the Authorization header, and for DPoP-bound
// tokens the DPoP proof that goes with it (RFC 9449 §7, RFC 6750 §2.1).

#include <authflow/core/clock.hpp>
#include <authflow/core/token_set.hpp>
#include <authflow/http/http_client.hpp>

#include <string>
#include <string_view>

namespace authflow {

/// True when `tokens` are DPoP-bound: token_type DPoP and a key (RFC 9449 §5, §7).
bool is_dpop_bound(const OAuthTokenSet& tokens) noexcept;

/// A DPoP proof (RFC 9449 §4.2, §7) for one request to a resource server with `tokens`: `htm`
/// `method`, `htu` `url` (query and fragment dropped), `ath` the access token's hash, and the
/// server's `nonce` when it sent a DPoP-Nonce (§9). Throws TokenError: token_invalid when the
/// tokens are not DPoP-bound, bad_key when their key cannot be read; Error (invalid_argument)
/// for an empty method or a URL that is not absolute http(s).
std::string make_resource_dpop_proof(const OAuthTokenSet& tokens, std::string_view method,
                                     std::string_view url, const Clock& clock = system_clock(),
                                     std::string_view nonce = {});

/// The headers of one request to a resource server: `Authorization: DPoP <token>` and
/// `DPoP: <proof>` for DPoP-bound tokens (RFC 9449 §7.1), `Authorization: Bearer <token>` for
/// the others (RFC 6750 §2.1). They carry the token: never log them. Throws as
/// make_resource_dpop_proof.
HttpHeaders resource_authorization_headers(const OAuthTokenSet& tokens, std::string_view method,
                                           std::string_view url,
                                           const Clock& clock = system_clock(),
                                           std::string_view nonce = {});

} // namespace authflow

#pragma once
// Private to the providers layer: the JWT client assertion that private_key_jwt and
// client_secret_jwt send (RFC 7523 §2.2 and §3, OIDC Core §9).

#include <authflow/core/clock.hpp>
#include <authflow/core/url.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace authflow::detail {

/// RFC 7523 §2.2: the form parameter naming the assertion's type.
inline constexpr std::string_view jwt_bearer_assertion_type =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long an assertion is valid: one request's worth (the provider remembers each `jti` until
/// `exp`, RFC 7523 §3 item 7).
inline constexpr std::chrono::seconds client_assertion_lifetime{60};

/// The assertion's claims as JSON text: `iss` = `sub` = the client id, `aud` = `audience`, a
/// fresh random `jti`, `iat` now and `exp` a minute later (RFC 7523 §3).
std::string client_assertion_claims(std::string_view client_id, std::string_view audience,
                                    const Clock& clock);

/// Adds `client_id`, `client_assertion_type` and `client_assertion` to the form (RFC 7521 §4.2,
/// RFC 7523 §2.2). `client_id` is sent too: OIDC Core §9 allows it and some providers need it to
/// find the client before they read the assertion.
void add_client_assertion(QueryParams& form, std::string_view client_id, std::string assertion);

} // namespace authflow::detail

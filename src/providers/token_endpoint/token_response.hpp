#pragma once
// Private to the providers layer: reading a token endpoint's answer (RFC 6749 §5.1, §5.2) into a
// token set or the reason there is none. Without I/O and without exceptions of its own: each
// grant turns a TokenEndpointError into the exception type its callers expect.

#include <authflow/core/clock.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/token_set.hpp>
#include <authflow/http/http_client.hpp>

#include <optional>
#include <string>
#include <variant>

namespace authflow::detail {

/// Why a token endpoint's answer gave no token set. Messages carry no token or secret.
struct TokenEndpointError {
    errc code = errc::invalid_response; ///< provider_error or invalid_response
    std::string message{};
    ProviderAnswer answer{}; ///< the provider's error, when it sent one
    /// The Retry-After header of a refusal with HTTP 429 or 503 (RFC 6585 §4, RFC 9110
    /// §10.2.3), as received (untrusted).
    std::optional<std::string> retry_after{};
};

/// The token set of a successful answer, or why there is none.
using TokenAnswer = std::variant<OAuthTokenSet, TokenEndpointError>;

/// Reads a token endpoint's answer: an OAuth error (also GitHub's HTTP 200 with `error`) is
/// provider_error; a status other than 200, a body that is not a JSON object, no access_token,
/// a token_type other than the one asked for (DPoP when `is_dpop`, RFC 9449 §5; else Bearer) or
/// a malformed member is invalid_response. issued_at comes from `clock`.
TokenAnswer read_token_response(const HttpResponse& response, const Clock& clock,
                                bool is_dpop = false);

} // namespace authflow::detail

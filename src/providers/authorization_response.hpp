#pragma once
// Private to the providers layer: checking an authorization response, the redirect's query
// (RFC 6749 §4.1.2, RFC 9207), without I/O.

#include <authflow/core/url.hpp>
#include <authflow/providers/oauth_provider.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace authflow::detail {

/// RFC 6749 §10.12: exactly one `state`, equal to `expected_state` (constant time). Throws
/// ConfigError (invalid_argument) for an empty expected_state, AuthenticationError
/// (invalid_state) otherwise.
void check_callback_state(const QueryParams& params, std::string_view expected_state);

/// After the state: the `iss` parameter against the issuer (RFC 9207 §2.4; `issuer_matches`
/// compares), then an `error` (RFC 6749 §4.1.2.1), then exactly one non-empty `code`, which is
/// returned. Throws AuthenticationError: bad_iss_param, provider_error (with the provider's
/// error), missing_code, invalid_response (a repeated code).
std::string callback_code(const QueryParams& params, const ProviderEndpoints& endpoints,
                          const std::function<bool(std::string_view)>& issuer_matches);

} // namespace authflow::detail

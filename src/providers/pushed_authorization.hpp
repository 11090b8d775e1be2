#pragma once
// Private to the providers layer: pushed authorization requests (RFC 9126) without I/O — whether
// to push, the request to the PAR endpoint, its answer, and the URL the browser is sent to.

#include "client_auth.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/core/url.hpp>
#include <authflow/http/http_client.hpp>
#include <authflow/providers/oauth_provider.hpp>

#include <string>

namespace authflow::detail {

/// The PAR endpoint's answer (RFC 9126 §2.2). A plain value.
struct PushedAuthorization {
    std::string request_uri;
    std::chrono::seconds expires_in{0};
    Clock::steady_time expires_at{}; ///< when the request_uri expires, on the provider's Clock
};

/// Whether to push: `never` no; `always` yes (ConfigError config_missing naming the `par`
/// setting when `endpoints` has no PAR endpoint); `automatic` when the provider requires it
/// (require_pushed_authorization_requests; ConfigError config_invalid when it requires it but
/// names no PAR endpoint).
bool should_push_authorization(ParMode mode, const ProviderEndpoints& endpoints);

/// The POST to `endpoint` (RFC 9126 §2.1): every parameter of `authorization_params` (the
/// authorization request exactly as it would be sent in the URL, so that any parameter added
/// to it is pushed too) and the client's authentication as at the token endpoint. The
/// `client_id` parameter is sent once, whether or not the authentication method adds it.
/// `audience`: the `aud` of a client assertion (see ClientAuth::apply). Throws ConfigError
/// (invalid_argument) when the parameters hold a `request_uri` (§2.1).
HttpRequest pushed_authorization_request(std::string endpoint,
                                         const QueryParams& authorization_params,
                                         const ClientAuth& auth, std::string_view audience);

/// Reads the PAR endpoint's answer: a JSON object (at most 16 KiB) with a non-empty string
/// `request_uri` and a positive integer `expires_in` (capped at one day). Throws
/// AuthenticationError: provider_error with the provider's `error` and `error_description`
/// (made safe for messages) for an error answer (RFC 9126 §2.3), invalid_response for anything
/// else that is not such an answer.
PushedAuthorization read_pushed_authorization(const HttpResponse& response, const Clock& clock);

/// The URL the browser is sent to (RFC 9126 §4): the authorization endpoint with only
/// `client_id` and `request_uri`.
std::string pushed_authorization_url(const std::string& authorization_endpoint,
                                     const std::string& client_id, const std::string& request_uri);

} // namespace authflow::detail

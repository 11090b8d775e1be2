#pragma once
// What a request asks for (a page or JSON) and the words the pages of the auth routes use.

#include <authflow/deploy/http.hpp>

#include <string>
#include <string_view>

namespace authflow {

/// True when the request asks for JSON: an `X-Requested-With` field (a script), or an `Accept`
/// that names application/json or a +json type. Such a request gets the routes' JSON answers.
bool wants_json(const Request& request);

/// True when the answer is a page: `Accept` names text/html (a browser's navigation) and
/// wants_json() is false. A request without `Accept` gets JSON, as before pages existed.
bool wants_html(const Request& request);

/// The name a sign-in button shows for a provider: "Google" for "google", "GitHub" for
/// "github", "Microsoft", "OpenID Connect" for "oidc"/"custom"; any other name as it is, its
/// first letter upper-cased.
std::string provider_display_name(std::string_view provider_name);

/// True for the `error` codes an authorization error response may carry (RFC 6749 §4.1.2.1 and
/// OpenID Connect Core 1.0 §3.1.2.6): the only ones a sign-in error page or answer repeats.
bool is_known_authorization_error(std::string_view code) noexcept;

} // namespace authflow

#pragma once
// Private to the providers layer: form encoding, safe message text, reading provider answers.

#include <authflow/core/ascii.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/http/http_client.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace authflow::detail {

/// ASCII case-insensitive equality: the one of core, under the name the providers use.
using authflow::iequals;

/// application/x-www-form-urlencoded encoding of one value (RFC 6749 Appendix B): unreserved
/// characters stay, a space becomes '+', everything else %XX.
std::string form_urlencode(std::string_view text);

/// Text safe for a message: at most `max` characters, anything but printable ASCII as '?'.
std::string safe_text(std::string_view text, std::size_t max = 128);

/// The body as a JSON object, or nothing (not JSON, or JSON but not an object).
std::optional<nlohmann::json> parse_json_object(std::string_view body);

/// The OAuth error of a JSON answer (RFC 6749 §5.2): `error` (a string) and `error_description`,
/// made safe for messages; nothing when the answer has no string `error`.
std::optional<ProviderAnswer> oauth_error_of(const nlohmann::json& body, int http_status);

/// `name="value"` (or name=token) of a WWW-Authenticate parameter list (RFC 9110 §11.6.1), as
/// received (untrusted); empty when absent.
std::string challenge_param(std::string_view header, std::string_view name);

/// The `error` and `error_description` of a Bearer WWW-Authenticate header (RFC 6750 §3).
ProviderAnswer bearer_challenge_error(const HttpResponse& response);

/// The scopes joined by single spaces.
std::string join_scopes(const std::vector<std::string>& scopes);

/// A string member, or nothing when it is absent, null or not a string.
std::optional<std::string> string_member(const nlohmann::json& object, const char* name);

} // namespace authflow::detail

#pragma once
// OAuthTokenSet: what a token endpoint answered, and when.

#include <authflow/core/clock.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace authflow {

/// The tokens of one sign-in. A plain value: copy it freely; not synchronised.
struct OAuthTokenSet {
    std::string access_token;
    std::string token_type = "Bearer";
    std::optional<std::string> refresh_token;
    std::optional<std::int64_t> expires_in; ///< lifetime in seconds, counted from issued_at
    std::optional<std::string> id_token;
    std::string scope;                             ///< space-separated, as returned
    nlohmann::json raw = nlohmann::json::object(); ///< the full token-endpoint answer
    double issued_at = 0;                          ///< Unix seconds
    /// DPoP (RFC 9449): the private key the tokens are bound to, as PKCS#8 PEM; nothing for
    /// Bearer tokens. A secret like the refresh token: never logged, kept where the store keeps
    /// tokens (encrypted where it encrypts). `token_type` is then "DPoP".
    std::optional<std::string> dpop_key;

    /// issued_at + expires_in, or nothing when the lifetime is unknown.
    std::optional<double> expires_at() const;
    /// True when the token expires within `leeway` from now (false when the lifetime is unknown).
    bool is_expired(std::chrono::seconds leeway = std::chrono::seconds{0},
                    const Clock& clock = system_clock()) const;
    /// Seconds left before expiry (negative once expired), or nothing when unknown.
    std::optional<double> seconds_left(const Clock& clock = system_clock()) const;

    /// The storage form: the keys access_token, token_type, refresh_token, expires_in, id_token,
    /// scope, raw, issued_at; absent values as null; then dpop_key only when there is one.
    /// to_json_string keeps that order (pywry.auth's); nlohmann::json objects sort their keys.
    nlohmann::json to_json() const;
    std::string to_json_string() const;

    /// Reads the storage form. Missing keys take pywry.auth's defaults (issued_at: now).
    /// Throws TokenError (token_invalid) on malformed JSON, a missing or empty access_token, a
    /// negative or non-numeric expires_in, or a field of the wrong type.
    static OAuthTokenSet from_json(const nlohmann::json& json, const Clock& clock = system_clock());
    static OAuthTokenSet from_json_string(std::string_view text,
                                          const Clock& clock = system_clock());

    /// Reads a token endpoint's successful answer (RFC 6749 §5.1): issued_at is now, raw is the
    /// whole answer, expires_in may be a number or a numeric string. Throws TokenError.
    static OAuthTokenSet from_token_response(const nlohmann::json& response,
                                             const Clock& clock = system_clock());

    /// A description for logs: which tokens are present and when they expire. Never a token.
    std::string to_string() const;
};

/// Parses an `expires_in` value: a non-negative integer, or a string of decimal digits.
/// Throws TokenError (token_invalid) otherwise.
std::int64_t parse_expires_in(const nlohmann::json& value);

} // namespace authflow

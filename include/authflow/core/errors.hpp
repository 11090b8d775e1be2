#pragma once
// The error model: one exception hierarchy, each error with a stable code.

#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace authflow {

/// Stable error codes. Their snake_case names (to_string) are part of the public contract:
/// tests, scripts and the CLI's `error: <code>: ...` lines use them. docs/errors.md lists them.
enum class errc {
    // general
    internal = 1,
    invalid_argument,
    // configuration
    config_invalid,
    config_missing,
    // encodings and local parsers
    bad_base64,
    bad_url,
    bad_json,
    bad_pkce,
    // tokens and the token endpoint
    token_invalid,
    token_missing,
    token_expired,
    refresh_failed,
    reauth_required,
    provider_error,
    invalid_response,
    // transport
    timeout,
    connect,
    resolve,
    tls,
    too_large,
    proxy,
    transport,
    insecure_url,
    // JOSE
    malformed_jws,
    token_too_large,
    alg_none,
    alg_not_allowed,
    unsupported_alg,
    bad_signature,
    unknown_key,
    ambiguous_key,
    bad_key,
    weak_key,
    unsupported_key,
    crit_header,
    duplicate_member,
    // OpenID Connect
    discovery_failed,
    jwks_failed,
    bad_issuer,
    bad_audience,
    bad_azp,
    expired,
    not_yet_valid,
    issued_in_future,
    missing_claim,
    bad_nonce,
    bad_at_hash,
    bad_c_hash,
    auth_too_old,
    bad_subject,
    // authorization response and flows
    invalid_state,
    missing_code,
    bad_iss_param,
    userinfo_mismatch,
    cancelled,
    auth_timeout,
    port_in_use,
    browser,
    // stores
    store_failed,
    store_unavailable,
    store_corrupt,
    decrypt_failed,
    lease_lost,
    // deploy mode
    csrf,
    rate_limited,
    invalid_session,
    forbidden,
};

/// The stable snake_case name of a code, e.g. "bad_audience".
std::string_view to_string(errc code) noexcept;

/// The std::error_category of authflow's codes (name "authflow").
const std::error_category& authflow_category() noexcept;
std::error_code make_error_code(errc code) noexcept;

/// What a provider answered when it refused (RFC 6749 §5.2), when it did.
struct ProviderAnswer {
    std::string error;             ///< OAuth `error`, e.g. "invalid_grant"; empty if none
    std::string error_description; ///< OAuth `error_description`; empty if none
    int http_status = 0;           ///< HTTP status of the answer; 0 if there was none
};

/// Base of every authflow exception. Messages never contain tokens, secrets, codes or verifiers.
class Error : public std::runtime_error {
public:
    Error(errc code, const std::string& message, ProviderAnswer answer = {});

    errc code() const noexcept { return code_; }
    /// The provider's OAuth error code, or empty.
    const std::string& oauth_error() const noexcept { return answer_.error; }
    const std::string& error_description() const noexcept { return answer_.error_description; }
    int http_status() const noexcept { return answer_.http_status; }
    const ProviderAnswer& provider_answer() const noexcept { return answer_; }
    /// The code shown to people: the provider's OAuth error when it refused, else
    /// to_string(code()).
    std::string_view display_code() const noexcept;
    /// Throws a copy of this exception, of its most derived type (see rethrow_copy).
    [[noreturn]] virtual void throw_copy() const { throw *this; }

private:
    errc code_;
    ProviderAnswer answer_;
};

class AuthenticationError : public Error {
public:
    using Error::Error;
    [[noreturn]] void throw_copy() const override { throw *this; }
};
class AuthFlowCancelled : public AuthenticationError {
public:
    using AuthenticationError::AuthenticationError;
    [[noreturn]] void throw_copy() const override { throw *this; }
};
class AuthFlowTimeout : public AuthenticationError {
public:
    AuthFlowTimeout(const std::string& message, double timeout_seconds)
        : AuthenticationError(errc::auth_timeout, message), timeout_seconds_(timeout_seconds) {}
    double timeout_seconds() const noexcept { return timeout_seconds_; }
    [[noreturn]] void throw_copy() const override { throw *this; }

private:
    double timeout_seconds_;
};
class TokenError : public AuthenticationError {
public:
    using AuthenticationError::AuthenticationError;
    [[noreturn]] void throw_copy() const override { throw *this; }
};
class TokenExpiredError : public TokenError {
public:
    using TokenError::TokenError;
    [[noreturn]] void throw_copy() const override { throw *this; }
};
class TokenRefreshError : public TokenError {
public:
    using TokenError::TokenError;
    [[noreturn]] void throw_copy() const override { throw *this; }
};
class ConfigError : public Error {
public:
    using Error::Error;
    [[noreturn]] void throw_copy() const override { throw *this; }
};
class StoreError : public Error {
public:
    using Error::Error;
    [[noreturn]] void throw_copy() const override { throw *this; }
};
class TransportError : public Error {
public:
    using Error::Error;
    [[noreturn]] void throw_copy() const override { throw *this; }
};

/// Rethrows `error`; an authflow Error as a fresh copy of its most derived type. Use it where
/// one stored failure is handed to several threads: each then catches its own object, never one
/// shared with another thread (whose last reference may be dropped inside the C++ runtime,
/// where ThreadSanitizer cannot see the synchronisation).
[[noreturn]] void rethrow_copy(const std::exception_ptr& error);

} // namespace authflow

template <> struct std::is_error_code_enum<authflow::errc> : std::true_type {};

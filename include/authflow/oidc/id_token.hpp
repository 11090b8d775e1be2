#pragma once
// ID-token validation (OpenID Connect Core 1.0 §2, §3.1.3.7, §12.2).

#include <authflow/core/clock.hpp>
#include <authflow/jose/jws.hpp>
#include <authflow/oidc/logout_token.hpp>

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authflow {

/// The claims of an ID token, with typed access to the standard ones (OIDC Core §2, §5.1) and
/// the whole payload as JSON. Cheap to copy (copies share the parsed data); immutable and safe
/// to share between threads.
class IdTokenClaims {
public:
    using time_point = std::chrono::sys_seconds;

    /// Reads claims from a JWT payload WITHOUT verifying anything: IdTokenValidator::validate is
    /// the way to get claims that can be trusted. Throws TokenError: malformed_jws (not a JSON
    /// object, or a registered claim repeated), token_invalid (a registered claim of the wrong
    /// type or a date out of range).
    static IdTokenClaims from_payload(std::string payload);

    // The standard claims (OIDC Core §2, §5.1); an absent claim is empty or nullopt. A validated
    // token always has iss, sub, aud, exp and iat.
    /// `iss`.
    const std::string& iss() const noexcept;
    /// `sub`.
    const std::string& sub() const noexcept;
    /// `aud` as a list (a single string becomes one element).
    const std::vector<std::string>& aud() const noexcept;
    std::optional<time_point> exp() const noexcept;
    std::optional<time_point> iat() const noexcept;
    std::optional<time_point> nbf() const noexcept;
    std::optional<time_point> auth_time() const noexcept;
    const std::optional<std::string>& nonce() const noexcept;
    const std::optional<std::string>& azp() const noexcept;
    const std::optional<std::string>& at_hash() const noexcept;
    const std::optional<std::string>& c_hash() const noexcept;
    const std::optional<std::string>& acr() const noexcept;
    const std::vector<std::string>& amr() const noexcept;
    const std::optional<std::string>& sid() const noexcept;
    const std::optional<std::string>& email() const noexcept;
    /// A JSON boolean, or the strings "true"/"false" some providers send.
    std::optional<bool> email_verified() const noexcept;
    const std::optional<std::string>& name() const noexcept;
    const std::optional<std::string>& given_name() const noexcept;
    const std::optional<std::string>& family_name() const noexcept;
    const std::optional<std::string>& preferred_username() const noexcept;
    const std::optional<std::string>& picture() const noexcept;
    const std::optional<std::string>& locale() const noexcept;
    /// Microsoft's tenant id.
    const std::optional<std::string>& tid() const noexcept;
    /// Whether `iss`, `sub`, `aud` are present at all (an empty string is present).
    bool has_iss() const noexcept;
    bool has_sub() const noexcept;
    bool has_aud() const noexcept;

    /// The payload as JSON, built on first use (the validation path never builds it).
    const nlohmann::json& raw() const;
    /// The payload's JSON text.
    const std::string& payload() const noexcept;

    struct Data; ///< opaque

private:
    explicit IdTokenClaims(std::shared_ptr<const Data> data) : data_(std::move(data)) {}
    std::shared_ptr<const Data> data_;
};

/// Computes the expected issuer of a token from its claims (the multi-tenant hook).
using IssuerResolver = std::function<std::string(const IdTokenClaims& claims)>;

/// What an IdTokenValidator accepts; every default is the secure one. A plain value.
struct IdTokenValidatorOptions {
    /// This client's id: `aud` must contain it (§3.1.3.7 step 3). Required.
    std::string client_id;
    /// The provider's issuer identifier: `iss` must equal it exactly (step 2). Required unless
    /// `issuer_resolver` is set.
    std::string issuer;
    /// When set, computes the expected issuer per token (e.g. tenant_issuer_template).
    IssuerResolver issuer_resolver;
    /// Accepted `alg` values (step 7). Empty: RS256 only (the spec's default;
    /// ProviderMetadata::id_token_algs gives the provider's list). HS256/384/512 also need
    /// `client_secret`.
    std::vector<JwsAlg> allowed_algs;
    /// The client secret, the key of HS256/384/512 ID tokens (step 8, §10.1). Used for nothing
    /// else.
    std::string client_secret;
    /// Audiences besides client_id that may appear in `aud` (step 3: others are rejected).
    std::vector<std::string> trusted_audiences;
    /// Tolerance for clock skew on exp, iat, nbf and auth_time.
    std::chrono::seconds leeway{60};
    /// Longer tokens are rejected before any decoding.
    std::size_t max_token_bytes = 64 * 1024;
};

/// What one validation checks besides the options: the values of the request the token answers.
/// A plain value.
struct IdTokenChecks {
    /// The nonce sent in the authorization request: the token must carry it (step 11).
    std::optional<std::string> nonce;
    /// The max_age sent: the token must carry auth_time, no older than this (step 13).
    std::optional<std::chrono::seconds> max_age;
    /// The access token issued with the ID token: checked against `at_hash` when present
    /// (§3.1.3.8, §3.3.2.9).
    std::optional<std::string> access_token;
    /// The authorization code: checked against `c_hash` when present (§3.3.2.10).
    std::optional<std::string> code;
    /// The token came in the provider's own answer to this client (the token endpoint, over
    /// TLS): an unknown `kid` is looked up at once (KeyResolver::resolve_from_provider). Leave it
    /// false for a token that anyone else handed over.
    bool from_provider = false;
};

/// Validates ID tokens of one client at one provider. Immutable after construction; safe to use
/// from several threads (the key resolver must be, as JwksCache and StaticKeyResolver are).
class IdTokenValidator {
public:
    /// Throws ConfigError (config_missing) without a client id or an issuer, and
    /// (config_invalid) when an HS algorithm is allowed without a client secret.
    IdTokenValidator(IdTokenValidatorOptions options, std::shared_ptr<KeyResolver> keys,
                     std::shared_ptr<Clock> clock = nullptr);

    /// Validates `id_token` per OIDC Core §3.1.3.7 and §2 and returns its claims. Throws
    /// TokenError with the failing step's code: token_too_large, malformed_jws, alg_none,
    /// alg_not_allowed, crit_header, unknown_key, ambiguous_key, weak_key, bad_signature,
    /// token_invalid, missing_claim, bad_issuer, bad_audience, bad_azp, expired, not_yet_valid,
    /// issued_in_future, bad_nonce, auth_too_old, bad_at_hash, bad_c_hash; and the resolver's
    /// TransportError/AuthenticationError (jwks_failed) when keys cannot be fetched.
    IdTokenClaims validate(std::string_view id_token, const IdTokenChecks& checks = {}) const;

    /// Validates a back-channel logout token from this provider (OIDC Back-Channel Logout 1.0
    /// §2.6) with the keys, issuer, audience, algorithms and leeway of its ID tokens: the
    /// signature (step 2); `iss`, `aud`, `iat`, `exp` as for ID tokens (step 3); `sub` or `sid`
    /// (step 4); the `events` member (step 5); no `nonce` (step 6); a `jti`; `typ`, when present,
    /// `logout+jwt` (or the untyped "JWT"). Steps 7–10 (jti once, matching sessions) are the
    /// receiver's. Throws TokenError: the signature's codes as validate(), missing_claim,
    /// bad_issuer, bad_audience, expired, issued_in_future, token_invalid (events, nonce, typ).
    LogoutTokenClaims validate_logout_token(std::string_view logout_token) const;

    /// The options in force (allowed_algs filled with the default when it was empty).
    const IdTokenValidatorOptions& options() const noexcept { return options_; }

private:
    IdTokenValidatorOptions options_;
    std::shared_ptr<KeyResolver> keys_;
    std::optional<Jwk> secret_key_;
    JwsOptions jws_options_;
    std::shared_ptr<Clock> clock_;
};

/// An IssuerResolver for issuers containing `{tenantid}` (Microsoft's multi-tenant endpoints):
/// the token's `tid` takes its place. A token without a `tid`, or with one that is not a tenant
/// id (letters, digits, '-', '.'), is rejected (bad_issuer).
IssuerResolver tenant_issuer_template(std::string issuer_template);

/// Checks an ID token from a refresh against the one from the original sign-in (OIDC Core
/// §12.2): same iss (bad_issuer), sub (bad_subject), aud (bad_audience), azp (bad_azp), nonce
/// when present (bad_nonce), auth_time when both have one (token_invalid). Both must already be
/// validated. Throws TokenError.
void check_refreshed_id_token(const IdTokenClaims& original, const IdTokenClaims& refreshed);

/// `at_hash` / `c_hash` of a value (OIDC Core §3.1.3.6, §3.3.2.11): the left half of its hash
/// with the hash of `alg` (SHA-512 for EdDSA with Ed25519, SHAKE256 for Ed448), base64url.
/// `crv` is the signing key's curve (needed for EdDSA only).
std::string oidc_token_hash(std::string_view value, JwsAlg alg, std::string_view crv = {});

} // namespace authflow

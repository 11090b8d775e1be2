#pragma once
// JWS compact serialization (RFC 7515 §7.1): decoding and signature verification.

#include <authflow/jose/jwk.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authflow {

/// What verify_jws accepts. A plain value.
struct JwsOptions {
    /// The algorithms accepted (RFC 8725 §3.1). Default: every asymmetric algorithm authflow
    /// implements; HS256/384/512 are accepted only when listed here. `none` is never accepted.
    std::vector<JwsAlg> allowed_algs{asymmetric_jws_algs().begin(), asymmetric_jws_algs().end()};
    /// Longer tokens are rejected before any decoding (token_too_large).
    std::size_t max_token_bytes = 64 * 1024;
    /// Header parameters the caller processes itself; a `crit` header naming anything else is
    /// rejected (RFC 7515 §4.1.11). Default: none.
    std::vector<std::string> understood_crit;
};

/// The protected header members that matter for verification. Other members (`jku`, `x5u`,
/// `jwk`, `x5c`, ...) are ignored: keys never come from the token itself. A plain value.
struct JwsHeader {
    JwsAlg alg = JwsAlg::RS256;
    std::optional<std::string> kid;
    std::optional<std::string> typ;
};

/// Finds the key that verifies a token, given its header. Implementations given to an
/// IdTokenValidator are called from every thread that validates, so must be thread-safe.
class KeyResolver {
public:
    virtual ~KeyResolver() = default;
    /// The key for this header. Throws TokenError (unknown_key, ambiguous_key, weak_key, ...) or,
    /// for resolvers that fetch keys, TransportError/AuthenticationError (jwks_failed).
    virtual Jwk resolve(const JwsHeader& header) = 0;
    /// The same for a token that came straight from the provider (its token endpoint, over an
    /// authenticated TLS connection), which no attacker can have forged: a resolver that fetches
    /// may look for an unknown `kid` at once, without the cooldown that guards it against floods
    /// of forged tokens. By default, resolve().
    virtual Jwk resolve_from_provider(const JwsHeader& header) { return resolve(header); }
};

/// A fixed key set as a KeyResolver (Jwks::select). Immutable; safe to use from several threads.
class StaticKeyResolver final : public KeyResolver {
public:
    explicit StaticKeyResolver(Jwks keys) : keys_(std::move(keys)) {}
    Jwk resolve(const JwsHeader& header) override { return keys_.select(header.alg, header.kid); }
    const Jwks& keys() const noexcept { return keys_; }

private:
    Jwks keys_;
};

/// A JWS whose signature verified. A plain value.
struct VerifiedJws {
    JwsHeader header;
    std::string payload; ///< the decoded payload bytes (not necessarily JSON)
    Jwk key;             ///< the key that verified it
};

/// Verifies a compact JWS with a key from `keys`, in this order: size cap (token_too_large);
/// three strict-base64url parts (malformed_jws); the header a JSON object with a string `alg`
/// (malformed_jws); `alg: none` (alg_none); `alg` in the allow-list (alg_not_allowed); `crit`
/// understood (crit_header); the key (KeyResolver errors); the signature (bad_signature: ES*
/// signatures must be R‖S of exactly twice the coordinate size, RFC 7518 §3.4). Throws TokenError
/// with those codes. RFC 7515 §5.2.
VerifiedJws verify_jws(std::string_view token, KeyResolver& keys, const JwsOptions& options = {});
/// As above, with a fixed key set.
VerifiedJws verify_jws(std::string_view token, const Jwks& keys, const JwsOptions& options = {});

} // namespace authflow

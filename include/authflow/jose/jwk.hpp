#pragma once
// JSON Web Keys (RFC 7517) turned into verification keys, and key sets.

#include <authflow/core/errors.hpp>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace authflow {

/// The JWS algorithms authflow verifies (RFC 7518 §3, RFC 8037 §3.1, RFC 9864 §2.2).
enum class JwsAlg : std::uint8_t {
    HS256,
    HS384,
    HS512,
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    ES512,
    EdDSA,   ///< Ed25519 or Ed448, by the key's curve (RFC 8037)
    Ed25519, ///< the fully specified name (RFC 9864)
};

/// The registered name of an algorithm, e.g. "RS256".
std::string_view to_string(JwsAlg alg) noexcept;
/// The algorithm of a registered name, or nothing for "none" and every name authflow does not
/// implement. Names are case-sensitive (RFC 7515 §4.1.1).
std::optional<JwsAlg> parse_jws_alg(std::string_view name) noexcept;
/// True for the HMAC algorithms (HS256/384/512), which need a shared secret.
bool is_symmetric(JwsAlg alg) noexcept;
/// Every asymmetric algorithm authflow verifies, in a fixed order (RS*, PS*, ES*, EdDSA, Ed25519).
std::span<const JwsAlg> asymmetric_jws_algs() noexcept;

/// The key types of RFC 7518 §6.1 and RFC 8037 §2.
enum class KeyType : std::uint8_t { rsa, ec, okp, oct };

/// "RSA", "EC", "OKP" or "oct".
std::string_view to_string(KeyType type) noexcept;

/// One verification key, parsed once into an OpenSSL key that every verification reuses.
/// Only the public part of a JWK is read; private members are ignored. Immutable: copies share
/// the parsed key, and one key may verify on many threads at once.
class Jwk {
public:
    /// Parses one JWK from JSON text. Accepts RSA (moduli of 2048 to 16384 bits), EC P-256, P-384
    /// and P-521 (the point must lie on the curve), OKP Ed25519 and Ed448, and oct (an HMAC
    /// secret). Throws TokenError: bad_json (not a JSON object), bad_key (a member missing,
    /// mistyped, badly encoded, or a point off the curve), weak_key (RSA under 2048 bits, or an
    /// HMAC secret shorter than its algorithm's hash), unsupported_key (any other kty or crv).
    /// RFC 7517 §4, RFC 7518 §6, RFC 8037 §2.
    static Jwk parse(std::string_view json);
    /// As parse, from a parsed JSON value.
    static Jwk from_json(const nlohmann::json& jwk);
    /// An HMAC key from a shared secret given explicitly (e.g. the OAuth client secret, OIDC
    /// Core §10.1). HS256/384/512 only ever verify with such a key. Throws TokenError (weak_key)
    /// for an empty secret.
    static Jwk from_shared_secret(std::string_view secret, std::string kid = {});

    /// The key type (`kty`).
    KeyType kty() const noexcept;
    /// The `kid`, or empty when the JWK has none.
    const std::string& kid() const noexcept;
    /// The `alg` member when present and known; a JWK whose `alg` is unknown never fits.
    std::optional<JwsAlg> alg() const noexcept;
    /// The `use` member ("sig", "enc", ...), or empty.
    const std::string& use() const noexcept;
    /// The `key_ops` member, or empty.
    const std::vector<std::string>& key_ops() const noexcept;
    /// The curve ("P-256", "Ed25519", ...) for EC and OKP keys, else empty.
    const std::string& crv() const noexcept;
    /// Key size in bits (RSA modulus, curve order, or secret length).
    int bits() const noexcept;

    /// True when this key may verify a signature made with `alg`: the key type and curve fit the
    /// algorithm, and the JWK's `alg`, `use` ("sig") and `key_ops` ("verify"), when present,
    /// allow it (RFC 7517 §4.2–4.4).
    bool fits(JwsAlg alg) const noexcept;

    /// The RFC 7638 JWK thumbprint: base64url(SHA-256 of the required members, in lexicographic
    /// order, without whitespace).
    std::string thumbprint() const;

    struct Impl;
    /// For authflow's own JOSE code: the parsed key.
    const Impl& impl() const noexcept { return *impl_; }

private:
    explicit Jwk(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<const Impl> impl_;
};

/// A key of a JWKS that was left out, and why (shown when a token names it). A plain value.
struct SkippedKey {
    std::string kid; ///< empty when the key had none
    errc code;       ///< bad_key, weak_key or unsupported_key
    std::string reason;
};

/// A JSON Web Key Set (RFC 7517 §5) of verification keys. A plain value: safe to share between
/// threads while no one modifies it.
class Jwks {
public:
    Jwks() = default;
    explicit Jwks(std::vector<Jwk> keys) : keys_(std::move(keys)) {}

    /// Parses `{"keys": [...]}`. Every usable key is kept; keys of unknown or unsupported types,
    /// weak or malformed keys, keys not meant for signatures (`use` other than "sig", `key_ops`
    /// without "verify"), and oct keys (secrets never come from a published set) are skipped with
    /// a log line and remembered in skipped(). Throws TokenError (bad_json) when the text is not a
    /// JSON object with a `keys` array. RFC 7517 §5.
    static Jwks parse(std::string_view json);
    /// As parse, from a parsed JSON value.
    static Jwks from_json(const nlohmann::json& jwks);

    /// Adds a key (e.g. a shared secret from Jwk::from_shared_secret).
    void add(Jwk key) { keys_.push_back(std::move(key)); }
    /// The usable keys, in the set's order.
    const std::vector<Jwk>& keys() const noexcept { return keys_; }
    /// The keys parse left out, with the reason.
    const std::vector<SkippedKey>& skipped() const noexcept { return skipped_; }
    /// Number of usable keys.
    std::size_t size() const noexcept { return keys_.size(); }
    /// True when no key is usable.
    bool empty() const noexcept { return keys_.empty(); }

    /// The key that verifies a token with this `alg` and `kid`. With a kid: the key with that kid
    /// that fits the algorithm. Without one: the only key that fits. Throws TokenError:
    /// unknown_key (no key fits), ambiguous_key (several do), or the skip code (weak_key, bad_key,
    /// unsupported_key) when the kid names a key that was skipped.
    const Jwk& select(JwsAlg alg, std::optional<std::string_view> kid) const;

private:
    std::vector<Jwk> keys_;
    std::vector<SkippedKey> skipped_;
};

} // namespace authflow

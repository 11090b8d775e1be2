#pragma once
// Private keys that sign JWS (RFC 7515 §5.1): DPoP proofs (RFC 9449) and client assertions
// (RFC 7523). The public headers never show OpenSSL.

#include <authflow/jose/jwk.hpp>

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace authflow {

/// One asymmetric private key and the algorithm it signs with. Immutable; copies share the key,
/// and one key may sign on many threads at once.
class SigningKey {
public:
    /// A new random key for `alg`: ES256 (P-256), ES384 (P-384), ES512 (P-521), EdDSA or Ed25519
    /// (Ed25519), PS256/384/512 or RS256/384/512 (RSA 2048 bits). Throws TokenError
    /// (unsupported_alg) for HS* (a shared secret is not a signing key), Error (internal) when
    /// OpenSSL fails.
    static SigningKey generate(JwsAlg alg);

    /// A key from PEM text (PKCS#8, or the traditional RSA/EC forms), unencrypted. `alg`
    /// defaults to the key's natural one: ES256/384/512 by curve, EdDSA for Ed25519, PS256 for
    /// RSA. Throws TokenError: bad_key (not a PEM private key; the text is never quoted),
    /// weak_key (RSA under 2048 bits), unsupported_key (another curve or type), unsupported_alg
    /// (`alg` does not fit the key).
    static SigningKey from_pem(std::string_view pem, std::optional<JwsAlg> alg = {},
                               std::string kid = {});

    /// A key from a private JWK (RFC 7517 §4, RFC 7518 §6.2.2 and §6.3.2, RFC 8037 §2): RSA with
    /// `n`, `e`, `d` and the CRT members `p`, `q`, `dp`, `dq`, `qi`, EC P-256/384/521 with `x`,
    /// `y`, `d`, OKP Ed25519 with `x`, `d`. The algorithm is `alg` when given, else the JWK's
    /// `alg`, else RS256 for RSA, ES256/384/512 by curve, EdDSA for Ed25519; the `kid` is the
    /// JWK's. Throws TokenError: bad_key (not an object, a member missing or badly encoded, the
    /// public and private parts do not match, or no private part: the error says so; a member's
    /// value is never quoted), weak_key (RSA under 2048 bits), unsupported_key (another kty or
    /// curve), unsupported_alg (the algorithm does not fit the key).
    static SigningKey from_jwk(const nlohmann::json& jwk, std::optional<JwsAlg> alg = {});

    /// The key as unencrypted PKCS#8 PEM, to be kept where secrets are kept (an encrypting
    /// token store). Never log it.
    std::string to_pem() const;

    /// The algorithm this key signs with.
    JwsAlg alg() const noexcept;
    /// The `kid` given at creation, or empty.
    const std::string& kid() const noexcept;
    /// The public half as a JWK (`kty`, `crv`, `x`, `y` / `n`, `e`, and `kid` when set); no
    /// private member.
    const nlohmann::json& public_jwk() const noexcept;
    /// The RFC 7638 thumbprint of the public key (DPoP's `jkt`, RFC 9449 §6.1).
    const std::string& thumbprint() const noexcept;

    /// Signs `signing_input` (`BASE64URL(header) "." BASE64URL(payload)`) and returns the
    /// signature in its JWS form (RFC 7518 §3.4: ECDSA as R‖S). Throws Error (internal) when
    /// OpenSSL fails.
    std::string sign(std::string_view signing_input) const;

    /// A compact JWS of `header` and `payload` (JSON texts, used as given).
    std::string sign_compact(std::string_view header_json, std::string_view payload_json) const;

    struct Impl;

private:
    explicit SigningKey(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<const Impl> impl_;
};

} // namespace authflow

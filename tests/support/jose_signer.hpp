#pragma once
// Signing keys and compact-JWS builders for tests and benchmarks: tokens signed on the fly with
// OpenSSL, good ones and deliberately bad ones.

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <string_view>

struct evp_pkey_st;

namespace authflow::test {

/// A private key (or HMAC secret) that signs test tokens. Copies share the key.
class TestKey {
public:
    /// A new RSA key of `bits` bits (RS*, PS*).
    static TestKey rsa(int bits = 2048);
    /// A new EC key on "P-256", "P-384" or "P-521" (ES256/384/512).
    static TestKey ec(std::string_view crv);
    /// A new Ed25519 or Ed448 key ("Ed25519", "Ed448"; EdDSA).
    static TestKey okp(std::string_view crv);
    /// An HMAC secret (HS*).
    static TestKey hmac(std::string secret);

    /// The public JWK, with `kid` and `alg` when not empty (for HMAC keys: the oct JWK).
    nlohmann::json public_jwk(const std::string& kid = {}, const std::string& alg = {}) const;
    /// The signature of `input` with JWS algorithm `alg` (ES*: R‖S as in RFC 7518 §3.4).
    std::string sign(std::string_view alg, std::string_view input) const;
    /// The public key as DER SubjectPublicKeyInfo (empty for HMAC keys), for baselines that
    /// use OpenSSL directly.
    std::string public_key_der() const;
    /// A key's curve or "RSA"/"oct".
    const std::string& kind() const { return kind_; }

private:
    std::shared_ptr<evp_pkey_st> pkey_;
    std::string secret_;
    std::string kind_;
};

/// base64url(header).base64url(payload).base64url(signature over the first two).
std::string make_jws_raw(const TestKey& key, std::string_view alg, std::string_view header_json,
                         std::string_view payload);
/// As above from JSON values; `header` gets "alg" when it has none.
std::string make_jws(const TestKey& key, std::string_view alg, nlohmann::json header,
                     const nlohmann::json& payload);

} // namespace authflow::test

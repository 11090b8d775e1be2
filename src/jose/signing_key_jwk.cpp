// Private JWKs as signing keys (RFC 7517 §4, RFC 7518 §6.2.2 and §6.3.2, RFC 8037 §2): the
// members become an OpenSSL key, checked against its public half, then go the PEM way of
// SigningKey::from_pem so that one place describes a key.
#include "internal/jose.hpp"

#include <authflow/core/encoding.hpp>
#include <authflow/jose/signing_key.hpp>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <array>

namespace authflow {
namespace {

using detail::BioPtr;
using detail::fail;
using detail::openssl_failed;
using detail::ParamBldPtr;
using detail::ParamPtr;

/// Decoded bytes that are wiped when they go: private members of the key.
class SecretBytes {
public:
    SecretBytes() = default;
    SecretBytes(const SecretBytes&) = delete;
    SecretBytes& operator=(const SecretBytes&) = delete;
    ~SecretBytes() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }
    std::string& bytes() noexcept { return bytes_; }
    const unsigned char* data() const noexcept {
        return reinterpret_cast<const unsigned char*>(bytes_.data());
    }
    std::size_t size() const noexcept { return bytes_.size(); }

private:
    std::string bytes_;
};

const nlohmann::json* member(const nlohmann::json& jwk, const char* name) {
    auto it = jwk.find(name);
    return it == jwk.end() ? nullptr : &*it;
}

// Decodes a base64url member into `out`. The member's value is never quoted in an error.
bool decode_member(const nlohmann::json& jwk, const char* name, std::string& out,
                   bool required = true) {
    const nlohmann::json* value = member(jwk, name);
    if (value == nullptr) {
        if (required) {
            fail(errc::bad_key, std::string("the JWK has no \"") + name + "\" member");
        }
        return false;
    }
    if (!value->is_string() || value->get_ref<const std::string&>().empty() ||
        !base64url_decode_to(value->get_ref<const std::string&>(), out)) {
        fail(errc::bad_key, std::string("the JWK's \"") + name + "\" is not base64url text");
    }
    return true;
}

// Pushes a big-endian unsigned integer member onto `builder`; the BIGNUM is kept in `keep`
// (OSSL_PARAM_BLD refers to it until the parameters are built).
bool push_bn(OSSL_PARAM_BLD* builder, const char* param, const nlohmann::json& jwk,
             const char* name, std::vector<detail::BnPtr>& keep, bool required) {
    SecretBytes bytes;
    if (!decode_member(jwk, name, bytes.bytes(), required)) {
        return false;
    }
    detail::BnPtr bn(BN_secure_new());
    if (!bn || BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), bn.get()) == nullptr ||
        OSSL_PARAM_BLD_push_BN(builder, param, bn.get()) != 1) {
        openssl_failed("read a key parameter");
    }
    keep.push_back(std::move(bn));
    return true;
}

detail::EvpPkeyPtr from_params(const char* type, OSSL_PARAM_BLD* builder) {
    ParamPtr params(OSSL_PARAM_BLD_to_param(builder));
    detail::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) {
        openssl_failed("prepare a key");
    }
    EVP_PKEY* made = nullptr;
    if (EVP_PKEY_fromdata(ctx.get(), &made, EVP_PKEY_KEYPAIR, params.get()) != 1) {
        fail(errc::bad_key, "the JWK's members do not make a key");
    }
    detail::EvpPkeyPtr key(made);
    // The private part must belong to the public one: a mismatched JWK would sign assertions
    // nobody can verify, and the provider's refusal would not say why.
    detail::EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    if (!check || EVP_PKEY_pairwise_check(check.get()) != 1) {
        fail(errc::bad_key, "the JWK's private part does not match its public part");
    }
    return key;
}

detail::EvpPkeyPtr rsa_key(const nlohmann::json& jwk) {
    ParamBldPtr builder(OSSL_PARAM_BLD_new());
    if (!builder) {
        openssl_failed("prepare a key");
    }
    std::vector<detail::BnPtr> keep;
    push_bn(builder.get(), OSSL_PKEY_PARAM_RSA_N, jwk, "n", keep, true);
    push_bn(builder.get(), OSSL_PKEY_PARAM_RSA_E, jwk, "e", keep, true);
    push_bn(builder.get(), OSSL_PKEY_PARAM_RSA_D, jwk, "d", keep, true);
    // RFC 7518 §6.3.2: producers SHOULD include the CRT members, and every common one does.
    // authflow requires them: with them OpenSSL checks that d belongs to n and e (a key from
    // two different files would otherwise sign assertions no one can verify).
    const std::array<std::pair<const char*, const char*>, 5> crt = {{
        {OSSL_PKEY_PARAM_RSA_FACTOR1, "p"},
        {OSSL_PKEY_PARAM_RSA_FACTOR2, "q"},
        {OSSL_PKEY_PARAM_RSA_EXPONENT1, "dp"},
        {OSSL_PKEY_PARAM_RSA_EXPONENT2, "dq"},
        {OSSL_PKEY_PARAM_RSA_COEFFICIENT1, "qi"},
    }};
    for (const auto& [param, name] : crt) {
        if (member(jwk, name) == nullptr) {
            fail(errc::bad_key, "the RSA JWK lacks p, q, dp, dq or qi (RFC 7518 §6.3.2)");
        }
        push_bn(builder.get(), param, jwk, name, keep, true);
    }
    return from_params("RSA", builder.get());
}

detail::EvpPkeyPtr ec_key(const nlohmann::json& jwk, const std::string& crv) {
    const char* group = nullptr;
    std::size_t size = 0;
    if (crv == "P-256") {
        group = "P-256";
        size = 32;
    } else if (crv == "P-384") {
        group = "P-384";
        size = 48;
    } else if (crv == "P-521") {
        group = "P-521";
        size = 66;
    } else {
        fail(errc::unsupported_key, "the EC JWK's curve is not P-256, P-384 or P-521");
    }
    std::string x;
    std::string y;
    decode_member(jwk, "x", x);
    decode_member(jwk, "y", y);
    // RFC 7518 §6.2.1.2: each coordinate is exactly the curve's size.
    if (x.size() != size || y.size() != size) {
        fail(errc::bad_key, "the EC JWK's coordinates are not " + std::to_string(size) + " bytes");
    }
    std::string point = "\x04" + x + y; // SEC 1 §2.3.3, uncompressed
    ParamBldPtr builder(OSSL_PARAM_BLD_new());
    if (!builder ||
        OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) != 1) {
        openssl_failed("prepare a key");
    }
    std::vector<detail::BnPtr> keep;
    push_bn(builder.get(), OSSL_PKEY_PARAM_PRIV_KEY, jwk, "d", keep, true);
    return from_params("EC", builder.get());
}

detail::EvpPkeyPtr okp_key(const nlohmann::json& jwk, const std::string& crv) {
    if (crv != "Ed25519") {
        fail(errc::unsupported_key, "the OKP JWK's curve is not Ed25519");
    }
    std::string x;
    decode_member(jwk, "x", x);
    SecretBytes d;
    decode_member(jwk, "d", d.bytes());
    if (x.size() != 32 || d.size() != 32) {
        fail(errc::bad_key, "the Ed25519 JWK's x and d are not 32 bytes");
    }
    detail::EvpPkeyPtr key(
        EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, d.data(), d.size()));
    if (!key) {
        fail(errc::bad_key, "the JWK's members do not make a key");
    }
    std::array<unsigned char, 32> derived{};
    std::size_t derived_size = derived.size();
    if (EVP_PKEY_get_raw_public_key(key.get(), derived.data(), &derived_size) != 1) {
        openssl_failed("read the Ed25519 public key");
    }
    if (derived_size != x.size() || CRYPTO_memcmp(derived.data(), x.data(), derived_size) != 0) {
        fail(errc::bad_key, "the JWK's private part does not match its public part");
    }
    return key;
}

std::string pem_of(const EVP_PKEY* key) {
    BioPtr bio(BIO_new(BIO_s_secmem()));
    if (!bio ||
        PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        openssl_failed("write a key");
    }
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

} // namespace

SigningKey SigningKey::from_jwk(const nlohmann::json& jwk, std::optional<JwsAlg> alg) {
    if (!jwk.is_object()) {
        fail(errc::bad_key, "the JWK is not a JSON object");
    }
    auto text_member = [&](const char* name) -> std::string {
        const nlohmann::json* value = member(jwk, name);
        if (value == nullptr) {
            return {};
        }
        if (!value->is_string()) {
            fail(errc::bad_key, std::string("the JWK's \"") + name + "\" is not a string");
        }
        return value->get<std::string>();
    };
    const std::string kty = text_member("kty");
    if (kty.empty()) {
        fail(errc::bad_key, "the JWK has no \"kty\" member");
    }
    if (kty == "oct") {
        fail(errc::unsupported_key, "the JWK is a shared secret (kty oct), not a private key");
    }
    if (member(jwk, "d") == nullptr) {
        fail(errc::bad_key, "the JWK holds a public key only (no \"d\" member)");
    }
    if (!alg) {
        const std::string named = text_member("alg");
        if (!named.empty()) {
            alg = parse_jws_alg(named);
            if (!alg || is_symmetric(*alg)) {
                fail(errc::unsupported_alg, "the JWK's alg is not an asymmetric JWS algorithm "
                                            "authflow signs with");
            }
        }
    }
    detail::EvpPkeyPtr key;
    if (kty == "RSA") {
        key = rsa_key(jwk);
        // JWKs name RS256 unless they say otherwise (the common default of client assertions).
        alg = alg.value_or(JwsAlg::RS256);
    } else if (kty == "EC") {
        key = ec_key(jwk, text_member("crv"));
    } else if (kty == "OKP") {
        key = okp_key(jwk, text_member("crv"));
    } else {
        fail(errc::unsupported_key, "the JWK's kty is not RSA, EC or OKP");
    }
    std::string pem = pem_of(key.get());
    try {
        SigningKey made = from_pem(pem, alg, text_member("kid"));
        OPENSSL_cleanse(pem.data(), pem.size());
        return made;
    } catch (...) {
        OPENSSL_cleanse(pem.data(), pem.size());
        throw;
    }
}

} // namespace authflow

#include "support/jose_signer.hpp"

#include <authflow/core/encoding.hpp>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <stdexcept>
#include <vector>

namespace authflow::test {
namespace {

void check(bool ok, const char* what) {
    if (!ok) {
        throw std::runtime_error(std::string{"test signer: "} + what);
    }
}

std::shared_ptr<evp_pkey_st> own(EVP_PKEY* key) {
    check(key != nullptr, "key generation failed");
    return {key, EVP_PKEY_free};
}

std::string bn_bytes(const EVP_PKEY* key, const char* name, int size = 0) {
    BIGNUM* bn = nullptr;
    check(EVP_PKEY_get_bn_param(key, name, &bn) == 1, "key parameter");
    int length = size > 0 ? size : BN_num_bytes(bn);
    std::string out(static_cast<std::size_t>(length), '\0');
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), length);
    BN_free(bn);
    return out;
}

int coordinate_bytes(const std::string& crv) {
    return crv == "P-256" ? 32 : crv == "P-384" ? 48 : 66;
}

const EVP_MD* digest(std::string_view alg) {
    if (alg.ends_with("384")) {
        return EVP_sha384();
    }
    if (alg.ends_with("512")) {
        return EVP_sha512();
    }
    if (alg == "EdDSA" || alg == "Ed25519") {
        return nullptr;
    }
    return EVP_sha256();
}

} // namespace

TestKey TestKey::rsa(int bits) {
    TestKey key;
    key.pkey_ = own(EVP_RSA_gen(static_cast<unsigned int>(bits)));
    key.kind_ = "RSA";
    return key;
}

TestKey TestKey::ec(std::string_view crv) {
    TestKey key;
    std::string name = crv == "P-256" ? "P-256" : crv == "P-384" ? "P-384" : "P-521";
    key.pkey_ = own(EVP_EC_gen(name.c_str()));
    key.kind_ = std::string{crv};
    return key;
}

TestKey TestKey::okp(std::string_view crv) {
    TestKey key;
    key.pkey_ = own(EVP_PKEY_Q_keygen(nullptr, nullptr, crv == "Ed448" ? "ED448" : "ED25519"));
    key.kind_ = std::string{crv};
    return key;
}

TestKey TestKey::hmac(std::string secret) {
    TestKey key;
    key.secret_ = std::move(secret);
    key.kind_ = "oct";
    return key;
}

nlohmann::json TestKey::public_jwk(const std::string& kid, const std::string& alg) const {
    nlohmann::json jwk;
    EVP_PKEY* key = pkey_.get();
    if (kind_ == "oct") {
        jwk = {{"kty", "oct"}, {"k", base64url_encode(secret_)}};
    } else if (kind_ == "RSA") {
        jwk = {{"kty", "RSA"},
               {"n", base64url_encode(bn_bytes(key, OSSL_PKEY_PARAM_RSA_N))},
               {"e", base64url_encode(bn_bytes(key, OSSL_PKEY_PARAM_RSA_E))}};
    } else if (kind_.starts_with("P-")) {
        int size = coordinate_bytes(kind_);
        jwk = {{"kty", "EC"},
               {"crv", kind_},
               {"x", base64url_encode(bn_bytes(key, OSSL_PKEY_PARAM_EC_PUB_X, size))},
               {"y", base64url_encode(bn_bytes(key, OSSL_PKEY_PARAM_EC_PUB_Y, size))}};
    } else {
        std::size_t size = 0;
        check(EVP_PKEY_get_raw_public_key(key, nullptr, &size) == 1, "raw key size");
        std::string raw(size, '\0');
        check(EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()),
                                          &size) == 1,
              "raw key");
        jwk = {{"kty", "OKP"}, {"crv", kind_}, {"x", base64url_encode(raw)}};
    }
    if (!kid.empty()) {
        jwk["kid"] = kid;
    }
    if (!alg.empty()) {
        jwk["alg"] = alg;
    }
    return jwk;
}

std::string TestKey::sign(std::string_view alg, std::string_view input) const {
    const auto* data = reinterpret_cast<const unsigned char*>(input.data());
    if (kind_ == "oct") {
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned int size = 0;
        check(HMAC(digest(alg), secret_.data(), static_cast<int>(secret_.size()), data,
                   input.size(), mac, &size) != nullptr,
              "HMAC");
        return std::string(reinterpret_cast<const char*>(mac), size);
    }
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_PKEY_CTX* pctx = nullptr;
    check(EVP_DigestSignInit(ctx.get(), &pctx, digest(alg), nullptr, pkey_.get()) == 1,
          "sign init");
    if (alg.starts_with("PS")) {
        check(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
                  EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1,
              "PSS");
    }
    std::size_t size = 0;
    check(EVP_DigestSign(ctx.get(), nullptr, &size, data, input.size()) == 1, "sign size");
    std::string signature(size, '\0');
    check(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, data,
                         input.size()) == 1,
          "sign");
    signature.resize(size);
    if (!kind_.starts_with("P-")) {
        return signature;
    }
    // DER ECDSA-Sig-Value → R‖S.
    const auto* der = reinterpret_cast<const unsigned char*>(signature.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(signature.size()));
    check(sig != nullptr, "ECDSA signature");
    int half = coordinate_bytes(kind_);
    std::string raw(static_cast<std::size_t>(2 * half), '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), half);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + half, half);
    ECDSA_SIG_free(sig);
    return raw;
}

std::string TestKey::public_key_der() const {
    if (!pkey_) {
        return {};
    }
    int size = i2d_PUBKEY(pkey_.get(), nullptr);
    check(size > 0, "public key DER");
    std::string der(static_cast<std::size_t>(size), '\0');
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    check(i2d_PUBKEY(pkey_.get(), &out) == size, "public key DER");
    return der;
}

std::string make_jws_raw(const TestKey& key, std::string_view alg, std::string_view header_json,
                         std::string_view payload) {
    std::string input = base64url_encode(header_json) + "." + base64url_encode(payload);
    return input + "." + base64url_encode(key.sign(alg, input));
}

std::string make_jws(const TestKey& key, std::string_view alg, nlohmann::json header,
                     const nlohmann::json& payload) {
    if (!header.contains("alg")) {
        header["alg"] = std::string{alg};
    }
    return make_jws_raw(key, alg, header.dump(), payload.dump());
}

} // namespace authflow::test

// JWS signing with OpenSSL 3 (RFC 7515 §5.1, RFC 7518 §3, RFC 8037 §3.1).
#include "internal/jose.hpp"

#include <authflow/core/crypto.hpp>
#include <authflow/core/encoding.hpp>
#include <authflow/jose/signing_key.hpp>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <array>
#include <atomic>

namespace authflow {

struct SigningKey::Impl {
    detail::EvpPkeyPtr pkey;
    JwsAlg alg = JwsAlg::ES256;
    KeyType kty = KeyType::ec;
    std::size_t part_bytes = 0; ///< EC: bytes of R and of S
    std::string kid;
    nlohmann::json public_jwk;
    std::string thumbprint;
    /// A context on which EVP_DigestSignInit already ran, made on first use; each signature
    /// copies it instead of initialising a fresh one (method fetches, key checks: about a tenth
    /// of an ES256 signature; see docs/BENCHMARKS.md).
    mutable std::atomic<EVP_MD_CTX*> prototype{nullptr};

    Impl() = default;
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    ~Impl() { EVP_MD_CTX_free(prototype.load()); }
};

namespace {

using detail::BioPtr;
using detail::BnPtr;
using detail::fail;
using detail::openssl_failed;
struct EcdsaSigFree {
    void operator()(ECDSA_SIG* s) const noexcept { ECDSA_SIG_free(s); }
};

bool is_rsa(JwsAlg alg) {
    switch (alg) {
    case JwsAlg::RS256:
    case JwsAlg::RS384:
    case JwsAlg::RS512:
    case JwsAlg::PS256:
    case JwsAlg::PS384:
    case JwsAlg::PS512:
        return true;
    default:
        return false;
    }
}

bool is_pss(JwsAlg alg) {
    return alg == JwsAlg::PS256 || alg == JwsAlg::PS384 || alg == JwsAlg::PS512;
}

// The curve an EC algorithm signs on (RFC 7518 §3.4), or empty.
std::string_view ec_curve(JwsAlg alg) {
    switch (alg) {
    case JwsAlg::ES256:
        return "P-256";
    case JwsAlg::ES384:
        return "P-384";
    case JwsAlg::ES512:
        return "P-521";
    default:
        return {};
    }
}

std::string bn_param(const EVP_PKEY* pkey, const char* name, std::size_t pad = 0) {
    BIGNUM* raw = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) {
        openssl_failed("read a public key parameter");
    }
    BnPtr bn(raw);
    std::size_t size = pad != 0 ? pad : static_cast<std::size_t>(BN_num_bytes(bn.get()));
    std::string out(size, '\0');
    if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()),
                     static_cast<int>(size)) < 0) {
        openssl_failed("encode a public key parameter");
    }
    return out;
}

// RFC 7638 §3.2: the required members in lexicographic order, no whitespace; the values here are
// base64url or fixed names, so no escaping is needed.
std::string thumbprint_of(const nlohmann::json& jwk, KeyType kty) {
    auto member = [&](const char* name) {
        return std::string("\"") + name + "\":\"" + jwk.at(name).get<std::string>() + "\"";
    };
    std::string input = "{";
    switch (kty) {
    case KeyType::ec:
        input += member("crv") + "," + member("kty") + "," + member("x") + "," + member("y");
        break;
    case KeyType::okp:
        input += member("crv") + "," + member("kty") + "," + member("x");
        break;
    case KeyType::rsa:
        input += member("e") + "," + member("kty") + "," + member("n");
        break;
    case KeyType::oct:
        break;
    }
    input += "}";
    return base64url_encode(sha256(input));
}

// Fills kty, part_bytes, the public JWK and its thumbprint from the key; checks `alg` fits.
std::shared_ptr<SigningKey::Impl> describe(detail::EvpPkeyPtr pkey, std::optional<JwsAlg> alg,
                                           std::string kid) {
    auto impl = std::make_shared<SigningKey::Impl>();
    nlohmann::json& jwk = impl->public_jwk;
    const EVP_PKEY* key = pkey.get();
    if (EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS")) {
        if (EVP_PKEY_get_bits(key) < 2048) {
            fail(errc::weak_key, "the RSA key has fewer than 2048 bits");
        }
        impl->kty = KeyType::rsa;
        impl->alg = alg.value_or(JwsAlg::PS256);
        if (!is_rsa(impl->alg)) {
            fail(errc::unsupported_alg,
                 "an RSA key cannot sign " + std::string(to_string(impl->alg)));
        }
        jwk["kty"] = "RSA";
        jwk["n"] = base64url_encode(bn_param(key, OSSL_PKEY_PARAM_RSA_N));
        jwk["e"] = base64url_encode(bn_param(key, OSSL_PKEY_PARAM_RSA_E));
    } else if (EVP_PKEY_is_a(key, "EC")) {
        std::array<char, 32> group{};
        std::size_t group_size = 0;
        if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(),
                                           group.size(), &group_size) != 1) {
            openssl_failed("read the key's curve");
        }
        std::string_view name(group.data(), group_size);
        JwsAlg natural = JwsAlg::ES256;
        if (name == "prime256v1" || name == "P-256") {
            natural = JwsAlg::ES256;
            impl->part_bytes = 32;
        } else if (name == "secp384r1" || name == "P-384") {
            natural = JwsAlg::ES384;
            impl->part_bytes = 48;
        } else if (name == "secp521r1" || name == "P-521") {
            natural = JwsAlg::ES512;
            impl->part_bytes = 66;
        } else {
            fail(errc::unsupported_key, "the EC key's curve is not P-256, P-384 or P-521");
        }
        impl->kty = KeyType::ec;
        impl->alg = alg.value_or(natural);
        if (impl->alg != natural) {
            fail(errc::unsupported_alg, "a key on " + std::string(ec_curve(natural)) +
                                            " cannot sign " + std::string(to_string(impl->alg)));
        }
        jwk["kty"] = "EC";
        jwk["crv"] = std::string(ec_curve(natural));
        jwk["x"] = base64url_encode(bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, impl->part_bytes));
        jwk["y"] = base64url_encode(bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, impl->part_bytes));
    } else if (EVP_PKEY_is_a(key, "ED25519")) {
        impl->kty = KeyType::okp;
        impl->alg = alg.value_or(JwsAlg::EdDSA);
        if (impl->alg != JwsAlg::EdDSA && impl->alg != JwsAlg::Ed25519) {
            fail(errc::unsupported_alg,
                 "an Ed25519 key cannot sign " + std::string(to_string(impl->alg)));
        }
        std::array<unsigned char, 32> raw{};
        std::size_t size = raw.size();
        if (EVP_PKEY_get_raw_public_key(key, raw.data(), &size) != 1) {
            openssl_failed("read the Ed25519 public key");
        }
        jwk["kty"] = "OKP";
        jwk["crv"] = "Ed25519";
        jwk["x"] = base64url_encode(std::string_view(reinterpret_cast<char*>(raw.data()), size));
    } else {
        fail(errc::unsupported_key, "the key is not RSA, EC or Ed25519");
    }
    impl->thumbprint = thumbprint_of(jwk, impl->kty);
    if (!kid.empty()) {
        jwk["kid"] = kid;
    }
    impl->kid = std::move(kid);
    impl->pkey = std::move(pkey);
    return impl;
}

// RFC 7518 §3.4: the DER ECDSA-Sig-Value OpenSSL makes → R‖S, each `half` bytes.
std::string ecdsa_raw(const unsigned char* der, std::size_t size, std::size_t half) {
    std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(
        d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(size)));
    if (!sig) {
        openssl_failed("decode an ECDSA signature");
    }
    std::string out(2 * half, '\0');
    auto* at = reinterpret_cast<unsigned char*>(out.data());
    if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), at, static_cast<int>(half)) < 0 ||
        BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), at + half, static_cast<int>(half)) < 0) {
        openssl_failed("encode an ECDSA signature");
    }
    return out;
}

bool init_sign(EVP_MD_CTX* ctx, const SigningKey::Impl& key) {
    EVP_PKEY_CTX* pctx = nullptr;
    if (EVP_DigestSignInit(ctx, &pctx, detail::jws_digest(key.alg), nullptr, key.pkey.get()) != 1) {
        return false;
    }
    // RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash.
    return !is_pss(key.alg) ||
           (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1);
}

// The key's initialised context (SigningKey::Impl::prototype), made on first use; null if
// OpenSSL cannot make one (then each signature initialises its own).
EVP_MD_CTX* sign_prototype(const SigningKey::Impl& key) {
    if (EVP_MD_CTX* ready = key.prototype.load(std::memory_order_acquire)) {
        return ready;
    }
    detail::EvpMdCtxPtr made(EVP_MD_CTX_new());
    if (!made || !init_sign(made.get(), key)) {
        ERR_clear_error();
        return nullptr;
    }
    EVP_MD_CTX* expected = nullptr;
    if (key.prototype.compare_exchange_strong(expected, made.get(), std::memory_order_acq_rel)) {
        return made.release();
    }
    return expected; // another thread made it first
}

} // namespace

SigningKey SigningKey::generate(JwsAlg alg) {
    EVP_PKEY* made = nullptr;
    if (is_symmetric(alg)) {
        fail(errc::unsupported_alg, std::string(to_string(alg)) + " signs with a shared secret");
    } else if (is_rsa(alg)) {
        made = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048));
    } else if (alg == JwsAlg::EdDSA || alg == JwsAlg::Ed25519) {
        made = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    } else {
        std::string_view curve = ec_curve(alg);
        made = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", std::string(curve).c_str());
    }
    if (made == nullptr) {
        openssl_failed("generate a key");
    }
    return SigningKey(describe(detail::EvpPkeyPtr(made), alg, {}));
}

SigningKey SigningKey::from_pem(std::string_view pem, std::optional<JwsAlg> alg, std::string kid) {
    if (alg && is_symmetric(*alg)) {
        fail(errc::unsupported_alg, std::string(to_string(*alg)) + " signs with a shared secret");
    }
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) {
        openssl_failed("read memory");
    }
    // An empty passphrase callback: an encrypted key fails instead of prompting on a terminal.
    auto no_passphrase = [](char*, int, int, void*) { return 0; };
    EVP_PKEY* read = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
    if (read == nullptr) {
        fail(errc::bad_key, "the text is not an unencrypted PEM private key");
    }
    return SigningKey(describe(detail::EvpPkeyPtr(read), alg, std::move(kid)));
}

std::string SigningKey::to_pem() const {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), impl_->pkey.get(), nullptr, nullptr, 0, nullptr,
                                         nullptr) != 1) {
        openssl_failed("write the key as PEM");
    }
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    std::string out(data, static_cast<std::size_t>(size));
    return out;
}

JwsAlg SigningKey::alg() const noexcept {
    return impl_->alg;
}
const std::string& SigningKey::kid() const noexcept {
    return impl_->kid;
}
const nlohmann::json& SigningKey::public_jwk() const noexcept {
    return impl_->public_jwk;
}
const std::string& SigningKey::thumbprint() const noexcept {
    return impl_->thumbprint;
}

std::string SigningKey::sign(std::string_view signing_input) const {
    detail::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx) {
        openssl_failed("make a context");
    }
    EVP_MD_CTX* prototype = sign_prototype(*impl_);
    if (prototype == nullptr || EVP_MD_CTX_copy_ex(ctx.get(), prototype) != 1) {
        EVP_MD_CTX_reset(ctx.get());
        if (!init_sign(ctx.get(), *impl_)) {
            openssl_failed("start a signature");
        }
    }
    // Largest signature: an RSA 16384-bit modulus, or a DER ECDSA signature on P-521.
    std::array<unsigned char, 2048> signature{};
    std::size_t size = signature.size();
    const auto* input = reinterpret_cast<const unsigned char*>(signing_input.data());
    if (EVP_DigestSign(ctx.get(), signature.data(), &size, input, signing_input.size()) != 1) {
        openssl_failed("sign");
    }
    if (impl_->kty == KeyType::ec) {
        return ecdsa_raw(signature.data(), size, impl_->part_bytes);
    }
    return std::string(reinterpret_cast<const char*>(signature.data()), size);
}

std::string SigningKey::sign_compact(std::string_view header_json,
                                     std::string_view payload_json) const {
    std::string jws = base64url_encode(header_json);
    jws += '.';
    jws += base64url_encode(payload_json);
    std::string signature = sign(jws);
    jws += '.';
    jws += base64url_encode(signature);
    return jws;
}

} // namespace authflow

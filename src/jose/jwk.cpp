// JWK → OpenSSL keys (RFC 7517, RFC 7518 §6, RFC 8037 §2), thumbprints (RFC 7638), key sets.
#include "internal/jose.hpp"

#include <authflow/core/crypto.hpp>
#include <authflow/core/encoding.hpp>
#include <authflow/core/log.hpp>
#include <authflow/jose/jwk.hpp>

#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <array>

namespace authflow {
namespace {

using json = nlohmann::json;

using detail::BnPtr;
using detail::fail;
using detail::ParamBldPtr;
using detail::ParamPtr;

constexpr int min_rsa_bits = 2048;
constexpr int max_rsa_bits = 16384;
// A larger public exponent only slows verification down; real keys use 65537.
constexpr std::size_t max_rsa_exponent_bytes = 8;

const unsigned char* bytes(const std::string& s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

// A member that must be a string when present.
const std::string* optional_member(const json& jwk, const char* name) {
    auto it = jwk.find(name);
    if (it == jwk.end()) {
        return nullptr;
    }
    if (!it->is_string()) {
        fail(errc::bad_key, std::string{"JWK member '"} + name + "' is not a string");
    }
    return &it->get_ref<const std::string&>();
}

const std::string& required_member(const json& jwk, const char* name) {
    const std::string* value = optional_member(jwk, name);
    if (value == nullptr) {
        fail(errc::bad_key, std::string{"JWK member '"} + name + "' is missing");
    }
    return *value;
}

// A required base64url member, decoded (RFC 7518 §6: Base64urlUInt and octet strings).
std::string required_bytes(const json& jwk, const char* name) {
    const std::string& text = required_member(jwk, name);
    std::string out;
    if (text.empty() || !base64url_decode_to(text, out)) {
        fail(errc::bad_key, std::string{"JWK member '"} + name + "' is not base64url");
    }
    return out;
}

detail::EvpPkeyPtr key_from_params(const char* type, OSSL_PARAM_BLD* builder) {
    ParamPtr params(OSSL_PARAM_BLD_to_param(builder));
    detail::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        fail(errc::bad_key, std::string{"OpenSSL rejected the "} + type + " key");
    }
    return detail::EvpPkeyPtr(raw);
}

void check_public_key(EVP_PKEY* pkey, const char* what) {
    detail::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
    if (!ctx || EVP_PKEY_public_check(ctx.get()) != 1) {
        fail(errc::bad_key, std::string{what} + " fails OpenSSL's public key check");
    }
}

void parse_rsa(const json& jwk, Jwk::Impl& key) {
    std::string n = required_bytes(jwk, "n");
    std::string e = required_bytes(jwk, "e");
    BnPtr bn_n(BN_bin2bn(bytes(n), static_cast<int>(n.size()), nullptr));
    BnPtr bn_e(BN_bin2bn(bytes(e), static_cast<int>(e.size()), nullptr));
    if (!bn_n || !bn_e) {
        fail(errc::internal, "out of memory");
    }
    key.bits = BN_num_bits(bn_n.get());
    if (key.bits < min_rsa_bits) {
        fail(errc::weak_key, "RSA key of " + std::to_string(key.bits) +
                                 " bits; at least 2048 are required (RFC 7518 §3.3)");
    }
    if (key.bits > max_rsa_bits) {
        fail(errc::unsupported_key, "RSA key of " + std::to_string(key.bits) + " bits");
    }
    if (BN_num_bytes(bn_e.get()) > static_cast<int>(max_rsa_exponent_bytes) ||
        !BN_is_odd(bn_e.get()) || BN_is_one(bn_e.get())) {
        fail(errc::bad_key, "RSA public exponent is not an odd number in range");
    }
    ParamBldPtr builder(OSSL_PARAM_BLD_new());
    if (!builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
        fail(errc::internal, "out of memory");
    }
    key.pkey = key_from_params("RSA", builder.get());
    key.thumbprint_input = R"({"e":")" + required_member(jwk, "e") + R"(","kty":"RSA","n":")" +
                           required_member(jwk, "n") + R"("})";
}

struct Curve {
    std::string_view jwk_name;
    const char* openssl_name;
    std::size_t coordinate_bytes;
    int bits;
};
constexpr std::array<Curve, 3> ec_curves{{
    {"P-256", "prime256v1", 32, 256},
    {"P-384", "secp384r1", 48, 384},
    {"P-521", "secp521r1", 66, 521},
}};

void parse_ec(const json& jwk, Jwk::Impl& key) {
    key.crv = required_member(jwk, "crv");
    auto curve = std::find_if(ec_curves.begin(), ec_curves.end(),
                              [&](const Curve& c) { return c.jwk_name == key.crv; });
    if (curve == ec_curves.end()) {
        fail(errc::unsupported_key, "EC curve '" + detail::printable(key.crv) + "'");
    }
    std::string x = required_bytes(jwk, "x");
    std::string y = required_bytes(jwk, "y");
    // RFC 7518 §6.2.1.2–3: each coordinate is exactly the full size, leading zeros included.
    if (x.size() != curve->coordinate_bytes || y.size() != curve->coordinate_bytes) {
        fail(errc::bad_key, "EC coordinates of the wrong length for " + key.crv);
    }
    std::string point;
    point.reserve(1 + 2 * curve->coordinate_bytes);
    point += '\x04'; // uncompressed (SEC 1 §2.3.3)
    point += x;
    point += y;
    ParamBldPtr builder(OSSL_PARAM_BLD_new());
    if (!builder ||
        OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                        curve->openssl_name, 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) != 1) {
        fail(errc::internal, "out of memory");
    }
    key.pkey = key_from_params("EC", builder.get());
    // The point must lie on the curve (and not be the point at infinity): an invalid-curve
    // point is an attack on ECDH and a sign of a broken key set here.
    check_public_key(key.pkey.get(), "EC point");
    key.part_bytes = curve->coordinate_bytes;
    key.bits = curve->bits;
    key.thumbprint_input = R"({"crv":")" + key.crv + R"(","kty":"EC","x":")" +
                           required_member(jwk, "x") + R"(","y":")" + required_member(jwk, "y") +
                           R"("})";
}

void parse_okp(const json& jwk, Jwk::Impl& key) {
    key.crv = required_member(jwk, "crv");
    const char* type = nullptr;
    std::size_t key_bytes = 0;
    if (key.crv == "Ed25519") {
        type = "ED25519";
        key_bytes = 32;
        key.part_bytes = 64;
        key.bits = 256;
    } else if (key.crv == "Ed448") {
        type = "ED448";
        key_bytes = 57;
        key.part_bytes = 114;
        key.bits = 456;
    } else {
        // X25519 and X448 are key-agreement curves (RFC 8037 §2): never for signatures.
        fail(errc::unsupported_key, "OKP curve '" + detail::printable(key.crv) + "'");
    }
    std::string x = required_bytes(jwk, "x");
    if (x.size() != key_bytes) {
        fail(errc::bad_key, "OKP key of the wrong length for " + key.crv);
    }
    key.pkey.reset(EVP_PKEY_new_raw_public_key_ex(nullptr, type, nullptr, bytes(x), x.size()));
    if (!key.pkey) {
        fail(errc::bad_key, "OpenSSL rejected the " + key.crv + " key");
    }
    key.thumbprint_input =
        R"({"crv":")" + key.crv + R"(","kty":"OKP","x":")" + required_member(jwk, "x") + R"("})";
}

// RFC 7518 §3.2: an HMAC key must be at least as long as the hash output.
std::size_t min_secret_bytes(JwsAlg alg) {
    switch (alg) {
    case JwsAlg::HS384:
        return 48;
    case JwsAlg::HS512:
        return 64;
    default:
        return 32;
    }
}

void set_secret(Jwk::Impl& key, std::string secret) {
    if (secret.size() < min_secret_bytes(key.alg.value_or(JwsAlg::HS256))) {
        fail(errc::weak_key, "HMAC secret of " + std::to_string(secret.size()) +
                                 " bytes is shorter than its hash output (RFC 7518 §3.2)");
    }
    key.bits = static_cast<int>(secret.size() * 8);
    key.thumbprint_input = R"({"k":")" + base64url_encode(secret) + R"(","kty":"oct"})";
    key.secret = std::move(secret);
}

bool kty_fits(const Jwk::Impl& key, JwsAlg alg) {
    switch (alg) {
    case JwsAlg::HS256:
    case JwsAlg::HS384:
    case JwsAlg::HS512:
        return key.kty == KeyType::oct && key.secret.size() >= min_secret_bytes(alg);
    case JwsAlg::RS256:
    case JwsAlg::RS384:
    case JwsAlg::RS512:
    case JwsAlg::PS256:
    case JwsAlg::PS384:
    case JwsAlg::PS512:
        return key.kty == KeyType::rsa;
    case JwsAlg::ES256:
        return key.kty == KeyType::ec && key.crv == "P-256";
    case JwsAlg::ES384:
        return key.kty == KeyType::ec && key.crv == "P-384";
    case JwsAlg::ES512:
        return key.kty == KeyType::ec && key.crv == "P-521";
    case JwsAlg::EdDSA:
        return key.kty == KeyType::okp;
    case JwsAlg::Ed25519:
        return key.kty == KeyType::okp && key.crv == "Ed25519";
    }
    return false;
}

std::shared_ptr<Jwk::Impl> parse_impl(const json& jwk) {
    if (!jwk.is_object()) {
        fail(errc::bad_json, "a JWK must be a JSON object");
    }
    auto key = std::make_shared<Jwk::Impl>();
    if (const std::string* kid = optional_member(jwk, "kid")) {
        key->kid = *kid;
    }
    if (const std::string* use = optional_member(jwk, "use")) {
        key->use = *use;
    }
    if (auto it = jwk.find("key_ops"); it != jwk.end()) {
        if (!it->is_array()) {
            fail(errc::bad_key, "JWK member 'key_ops' is not an array");
        }
        for (const auto& op : *it) {
            if (!op.is_string()) {
                fail(errc::bad_key, "JWK member 'key_ops' holds a non-string");
            }
            const auto& name = op.get_ref<const std::string&>();
            // RFC 7517 §4.3: duplicate key operation values MUST NOT be present.
            if (std::find(key->key_ops.begin(), key->key_ops.end(), name) != key->key_ops.end()) {
                fail(errc::bad_key, "JWK member 'key_ops' repeats a value");
            }
            key->key_ops.push_back(name);
        }
    }
    if (const std::string* alg = optional_member(jwk, "alg")) {
        key->alg = parse_jws_alg(*alg);
        if (!key->alg) {
            fail(errc::unsupported_key,
                 "JWK alg '" + detail::printable(*alg) + "' is not a signature algorithm");
        }
    }
    const std::string& kty = required_member(jwk, "kty");
    if (kty == "RSA") {
        key->kty = KeyType::rsa;
        parse_rsa(jwk, *key);
    } else if (kty == "EC") {
        key->kty = KeyType::ec;
        parse_ec(jwk, *key);
    } else if (kty == "OKP") {
        key->kty = KeyType::okp;
        parse_okp(jwk, *key);
    } else if (kty == "oct") {
        key->kty = KeyType::oct;
        std::string secret = required_bytes(jwk, "k");
        set_secret(*key, std::move(secret));
    } else {
        fail(errc::unsupported_key, "JWK kty '" + detail::printable(kty) + "'");
    }
    if (key->alg && !kty_fits(*key, *key->alg)) {
        fail(errc::bad_key, "JWK alg " + std::string{to_string(*key->alg)} + " does not fit its " +
                                std::string{to_string(key->kty)} + " key");
    }
    return key;
}

} // namespace

Jwk::Impl::~Impl() {
    for (auto& prototype : prototypes) {
        EVP_MD_CTX_free(prototype.load());
    }
    if (!secret.empty()) {
        OPENSSL_cleanse(secret.data(), secret.size());
        OPENSSL_cleanse(thumbprint_input.data(), thumbprint_input.size());
    }
}

std::string_view to_string(JwsAlg alg) noexcept {
    switch (alg) {
    case JwsAlg::HS256:
        return "HS256";
    case JwsAlg::HS384:
        return "HS384";
    case JwsAlg::HS512:
        return "HS512";
    case JwsAlg::RS256:
        return "RS256";
    case JwsAlg::RS384:
        return "RS384";
    case JwsAlg::RS512:
        return "RS512";
    case JwsAlg::PS256:
        return "PS256";
    case JwsAlg::PS384:
        return "PS384";
    case JwsAlg::PS512:
        return "PS512";
    case JwsAlg::ES256:
        return "ES256";
    case JwsAlg::ES384:
        return "ES384";
    case JwsAlg::ES512:
        return "ES512";
    case JwsAlg::EdDSA:
        return "EdDSA";
    case JwsAlg::Ed25519:
        return "Ed25519";
    }
    return "?";
}

std::optional<JwsAlg> parse_jws_alg(std::string_view name) noexcept {
    static constexpr std::array all{
        JwsAlg::HS256, JwsAlg::HS384, JwsAlg::HS512, JwsAlg::RS256,   JwsAlg::RS384,
        JwsAlg::RS512, JwsAlg::PS256, JwsAlg::PS384, JwsAlg::PS512,   JwsAlg::ES256,
        JwsAlg::ES384, JwsAlg::ES512, JwsAlg::EdDSA, JwsAlg::Ed25519,
    };
    for (JwsAlg alg : all) {
        if (to_string(alg) == name) {
            return alg;
        }
    }
    return std::nullopt;
}

bool is_symmetric(JwsAlg alg) noexcept {
    return alg == JwsAlg::HS256 || alg == JwsAlg::HS384 || alg == JwsAlg::HS512;
}

std::span<const JwsAlg> asymmetric_jws_algs() noexcept {
    static constexpr std::array algs{
        JwsAlg::RS256, JwsAlg::RS384, JwsAlg::RS512, JwsAlg::PS256, JwsAlg::PS384,   JwsAlg::PS512,
        JwsAlg::ES256, JwsAlg::ES384, JwsAlg::ES512, JwsAlg::EdDSA, JwsAlg::Ed25519,
    };
    return algs;
}

std::string_view to_string(KeyType type) noexcept {
    switch (type) {
    case KeyType::rsa:
        return "RSA";
    case KeyType::ec:
        return "EC";
    case KeyType::okp:
        return "OKP";
    case KeyType::oct:
        return "oct";
    }
    return "?";
}

Jwk Jwk::parse(std::string_view text) {
    json parsed = json::parse(text, nullptr, false);
    if (parsed.is_discarded()) {
        fail(errc::bad_json, "the JWK is not valid JSON");
    }
    return from_json(parsed);
}

Jwk Jwk::from_json(const nlohmann::json& jwk) {
    return Jwk(parse_impl(jwk));
}

Jwk Jwk::from_shared_secret(std::string_view secret, std::string kid) {
    auto key = std::make_shared<Impl>();
    key->kty = KeyType::oct;
    key->kid = std::move(kid);
    set_secret(*key, std::string{secret});
    return Jwk(std::move(key));
}

KeyType Jwk::kty() const noexcept {
    return impl_->kty;
}
const std::string& Jwk::kid() const noexcept {
    return impl_->kid;
}
std::optional<JwsAlg> Jwk::alg() const noexcept {
    return impl_->alg;
}
const std::string& Jwk::use() const noexcept {
    return impl_->use;
}
const std::vector<std::string>& Jwk::key_ops() const noexcept {
    return impl_->key_ops;
}
const std::string& Jwk::crv() const noexcept {
    return impl_->crv;
}
int Jwk::bits() const noexcept {
    return impl_->bits;
}

bool Jwk::fits(JwsAlg alg) const noexcept {
    const Impl& key = *impl_;
    if (key.alg && *key.alg != alg) {
        return false;
    }
    if (!key.use.empty() && key.use != "sig") {
        return false;
    }
    if (!key.key_ops.empty() &&
        std::find(key.key_ops.begin(), key.key_ops.end(), "verify") == key.key_ops.end()) {
        return false;
    }
    return kty_fits(key, alg);
}

std::string Jwk::thumbprint() const {
    return base64url_encode(sha256(impl_->thumbprint_input));
}

Jwks Jwks::parse(std::string_view text) {
    json parsed = json::parse(text, nullptr, false);
    if (parsed.is_discarded()) {
        fail(errc::bad_json, "the JWKS is not valid JSON");
    }
    return from_json(parsed);
}

Jwks Jwks::from_json(const nlohmann::json& jwks) {
    if (!jwks.is_object()) {
        fail(errc::bad_json, "a JWKS must be a JSON object");
    }
    auto keys = jwks.find("keys");
    if (keys == jwks.end() || !keys->is_array()) {
        fail(errc::bad_json, "a JWKS must have a 'keys' array");
    }
    Jwks set;
    for (const auto& entry : *keys) {
        std::string kid;
        if (entry.is_object()) {
            if (auto it = entry.find("kid"); it != entry.end() && it->is_string()) {
                kid = it->get<std::string>();
            }
        }
        auto skip = [&](errc code, const std::string& reason) {
            log(code == errc::unsupported_key ? LogLevel::info : LogLevel::warning,
                "JWKS: skipping key '" + detail::printable(kid) + "': " + reason);
            set.skipped_.push_back({kid, code, reason});
        };
        try {
            Jwk key = Jwk::from_json(entry);
            if (key.kty() == KeyType::oct) {
                skip(errc::unsupported_key, "a published key set never carries shared secrets");
            } else if (!key.use().empty() && key.use() != "sig") {
                skip(errc::unsupported_key, "use '" + detail::printable(key.use()) + "'");
            } else if (!key.key_ops().empty() &&
                       std::find(key.key_ops().begin(), key.key_ops().end(), "verify") ==
                           key.key_ops().end()) {
                skip(errc::unsupported_key, "key_ops without 'verify'");
            } else {
                set.keys_.push_back(std::move(key));
            }
        } catch (const TokenError& e) {
            skip(e.code() == errc::bad_json ? errc::bad_key : e.code(), e.what());
        }
    }
    return set;
}

const Jwk& Jwks::select(JwsAlg alg, std::optional<std::string_view> kid) const {
    const Jwk* found = nullptr;
    std::size_t fitting = 0;
    for (const Jwk& key : keys_) {
        if (kid && key.kid() != *kid) {
            continue;
        }
        if (key.fits(alg)) {
            found = &key;
            ++fitting;
        }
    }
    if (fitting == 1) {
        return *found;
    }
    std::string alg_name{to_string(alg)};
    if (fitting > 1) {
        throw TokenError(
            errc::ambiguous_key,
            kid ? "several keys with kid '" + detail::printable(*kid) + "' fit " + alg_name
                : "the token has no kid and " + std::to_string(fitting) + " keys fit " + alg_name);
    }
    if (kid) {
        for (const SkippedKey& skipped : skipped_) {
            if (skipped.kid == *kid) {
                throw TokenError(skipped.code,
                                 "key '" + detail::printable(*kid) +
                                     "' was left out of the key set: " + skipped.reason);
            }
        }
        throw TokenError(errc::unknown_key,
                         "no key with kid '" + detail::printable(*kid) + "' fits " + alg_name);
    }
    throw TokenError(errc::unknown_key, "no key fits " + alg_name);
}

} // namespace authflow

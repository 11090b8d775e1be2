// JWS compact verification (RFC 7515 §5.2) with the algorithms of RFC 7518 §3 and RFC 8037 §3.1.
#include "internal/jose.hpp"

#include <authflow/core/crypto.hpp>
#include <authflow/core/encoding.hpp>
#include <authflow/jose/jws.hpp>

#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <array>

namespace authflow {
namespace detail {

namespace {

const EVP_MD* fetch_digest(const char* name, const EVP_MD* fallback) noexcept {
    // Fetched once: an implicit fetch on every EVP_DigestVerifyInit costs a method-store lookup.
    const EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
    return md != nullptr ? md : fallback;
}

} // namespace

const EVP_MD* jws_digest(JwsAlg alg) noexcept {
    static const EVP_MD* sha256 = fetch_digest("SHA256", EVP_sha256());
    static const EVP_MD* sha384 = fetch_digest("SHA384", EVP_sha384());
    static const EVP_MD* sha512 = fetch_digest("SHA512", EVP_sha512());
    switch (alg) {
    case JwsAlg::HS256:
    case JwsAlg::RS256:
    case JwsAlg::PS256:
    case JwsAlg::ES256:
        return sha256;
    case JwsAlg::HS384:
    case JwsAlg::RS384:
    case JwsAlg::PS384:
    case JwsAlg::ES384:
        return sha384;
    case JwsAlg::HS512:
    case JwsAlg::RS512:
    case JwsAlg::PS512:
    case JwsAlg::ES512:
        return sha512;
    case JwsAlg::EdDSA:
    case JwsAlg::Ed25519:
        return nullptr;
    }
    return nullptr;
}

std::string printable(std::string_view text, std::size_t max) {
    std::string out;
    out.reserve(std::min(text.size(), max) + 3);
    for (std::size_t i = 0; i < text.size() && i < max; ++i) {
        char c = text[i];
        out += c >= 0x20 && c < 0x7f ? c : '?';
    }
    if (text.size() > max) {
        out += "...";
    }
    return out;
}

simdjson::dom::parser& json_parser() {
    thread_local simdjson::dom::parser parser;
    return parser;
}

namespace {

constexpr std::size_t max_json_depth = 64;

bool has_repeated_name(simdjson::dom::object object, std::vector<std::string_view>& names) {
    names.clear();
    for (auto field : object) {
        names.push_back(field.key);
    }
    if (names.size() < 2) {
        return false;
    }
    if (names.size() <= 16) {
        for (std::size_t i = 1; i < names.size(); ++i) {
            for (std::size_t j = 0; j < i; ++j) {
                if (names[i] == names[j]) {
                    return true;
                }
            }
        }
        return false;
    }
    std::sort(names.begin(), names.end());
    return std::adjacent_find(names.begin(), names.end()) != names.end();
}

bool has_repeated_member_at(simdjson::dom::element value, std::vector<std::string_view>& names,
                            std::size_t depth) {
    if (depth > max_json_depth) {
        return true; // deeper than any JOSE header or claim set: refused rather than walked
    }
    simdjson::dom::object object;
    simdjson::dom::array array;
    if (!value.get_object().get(object)) {
        if (has_repeated_name(object, names)) {
            return true;
        }
        for (auto field : object) {
            if (has_repeated_member_at(field.value, names, depth + 1)) {
                return true;
            }
        }
    } else if (!value.get_array().get(array)) {
        for (auto entry : array) {
            if (has_repeated_member_at(entry, names, depth + 1)) {
                return true;
            }
        }
    }
    return false;
}

} // namespace

bool has_repeated_member(simdjson::dom::element value) {
    thread_local std::vector<std::string_view> names;
    return has_repeated_member_at(value, names, 0);
}

bool decode_padded(std::string_view text, std::string& out) {
    out.clear();
    out.reserve(text.size() / 4 * 3 + 3 + simdjson::SIMDJSON_PADDING);
    return base64url_decode_to(text, out);
}

} // namespace detail

namespace {

[[noreturn]] void reject(errc code, const std::string& message) {
    ERR_clear_error();
    throw TokenError(code, message);
}

const unsigned char* ubytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

bool allowed(const JwsOptions& options, JwsAlg alg) {
    return std::find(options.allowed_algs.begin(), options.allowed_algs.end(), alg) !=
           options.allowed_algs.end();
}

// Reads the protected header (RFC 7515 §4). Duplicate member names, at any depth, are rejected
// (§5.2 step 4 allows either rejecting or taking the last; rejecting leaves no room for parser
// differentials).
JwsHeader parse_header(const std::string& text, const JwsOptions& options) {
    simdjson::dom::element root;
    simdjson::dom::object object;
    if (detail::json_parser().parse(text.data(), text.size(), false).get(root) ||
        root.get_object().get(object)) {
        reject(errc::malformed_jws, "the JWS header is not a JSON object");
    }
    if (detail::has_repeated_member(root)) {
        reject(errc::duplicate_member, "the JWS header repeats a member (or nests too deep)");
    }
    std::string_view alg_name;
    bool has_alg = false;
    bool has_crit = false;
    simdjson::dom::array crit;
    JwsHeader header;
    for (auto [name, value] : object) {
        if (name == "alg") {
            if (has_alg || value.get_string().get(alg_name)) {
                reject(errc::malformed_jws, "the JWS header's alg is repeated or not a string");
            }
            has_alg = true;
        } else if (name == "kid") {
            std::string_view kid;
            if (header.kid || value.get_string().get(kid)) {
                reject(errc::malformed_jws, "the JWS header's kid is repeated or not a string");
            }
            header.kid.emplace(kid);
        } else if (name == "typ") {
            std::string_view typ;
            if (header.typ || value.get_string().get(typ)) {
                reject(errc::malformed_jws, "the JWS header's typ is repeated or not a string");
            }
            header.typ.emplace(typ);
        } else if (name == "crit") {
            if (has_crit || value.get_array().get(crit)) {
                reject(errc::malformed_jws, "the JWS header's crit is repeated or not an array");
            }
            has_crit = true;
        }
        // jku, x5u, jwk, x5c, x5t: never fetched, never trusted; keys come from the caller.
    }
    if (!has_alg) {
        reject(errc::malformed_jws, "the JWS header has no alg");
    }
    // RFC 8725 §3.1: "none" is never acceptable here, whatever the allow-list says.
    if (alg_name == "none") {
        reject(errc::alg_none, "unsigned token (alg none)");
    }
    auto alg = parse_jws_alg(alg_name);
    if (!alg || !allowed(options, *alg)) {
        reject(errc::alg_not_allowed, "alg '" + detail::printable(alg_name) + "' is not allowed");
    }
    header.alg = *alg;
    if (has_crit) {
        // RFC 7515 §4.1.11: a non-empty list of names; each one must be understood.
        if (crit.size() == 0) {
            reject(errc::malformed_jws, "the JWS header's crit is empty");
        }
        for (auto entry : crit) {
            std::string_view name;
            if (entry.get_string().get(name)) {
                reject(errc::malformed_jws, "the JWS header's crit holds a non-string");
            }
            if (std::find(options.understood_crit.begin(), options.understood_crit.end(), name) ==
                options.understood_crit.end()) {
                reject(errc::crit_header,
                       "critical header '" + detail::printable(name) + "' is not understood");
            }
            simdjson::dom::element ignored;
            if (object.at_key(name).get(ignored)) {
                reject(errc::malformed_jws,
                       "critical header '" + detail::printable(name) + "' is listed but absent");
            }
        }
    }
    return header;
}

// RFC 7518 §3.4: R‖S (each exactly `half` bytes) → the DER ECDSA-Sig-Value OpenSSL verifies.
std::size_t ecdsa_der(std::string_view raw, std::size_t half, unsigned char* out) {
    auto put_integer = [](const unsigned char* value, std::size_t size, unsigned char* at) {
        while (size > 1 && *value == 0) { // minimal encoding
            ++value;
            --size;
        }
        bool pad = (*value & 0x80) != 0; // keep it positive
        std::size_t n = 0;
        at[n++] = 0x02;
        at[n++] = static_cast<unsigned char>(size + (pad ? 1 : 0));
        if (pad) {
            at[n++] = 0x00;
        }
        std::copy(value, value + size, at + n);
        return n + size;
    };
    std::array<unsigned char, 2 * (3 + 66)> body{};
    std::size_t length = put_integer(ubytes(raw), half, body.data());
    length += put_integer(ubytes(raw) + half, half, body.data() + length);
    std::size_t n = 0;
    out[n++] = 0x30;
    if (length >= 0x80) {
        out[n++] = 0x81;
    }
    out[n++] = static_cast<unsigned char>(length);
    std::copy(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(length), out + n);
    return n + length;
}

bool verify_hmac(const Jwk::Impl& key, JwsAlg alg, std::string_view input,
                 std::string_view signature) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int mac_size = 0;
    if (HMAC(detail::jws_digest(alg), key.secret.data(), static_cast<int>(key.secret.size()),
             ubytes(input), input.size(), mac.data(), &mac_size) == nullptr) {
        return false;
    }
    return constant_time_equal(
        std::string_view{reinterpret_cast<const char*>(mac.data()), mac_size}, signature);
}

bool init_verify(EVP_MD_CTX* ctx, const Jwk::Impl& key, JwsAlg alg) {
    EVP_PKEY_CTX* pctx = nullptr;
    if (EVP_DigestVerifyInit(ctx, &pctx, detail::jws_digest(alg), nullptr, key.pkey.get()) != 1) {
        return false;
    }
    if (alg == JwsAlg::PS256 || alg == JwsAlg::PS384 || alg == JwsAlg::PS512) {
        // RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash.
        return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
               EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
    }
    return true;
}

// The key's initialised context for `alg` (Jwk::Impl::prototypes), made on first use; null if
// OpenSSL cannot make one (then each verification initialises its own).
EVP_MD_CTX* verify_prototype(const Jwk::Impl& key, JwsAlg alg) {
    auto& slot = key.prototypes[static_cast<std::size_t>(alg)];
    if (EVP_MD_CTX* ready = slot.load(std::memory_order_acquire)) {
        return ready;
    }
    detail::EvpMdCtxPtr made(EVP_MD_CTX_new());
    if (!made || !init_verify(made.get(), key, alg)) {
        ERR_clear_error();
        return nullptr;
    }
    EVP_MD_CTX* expected = nullptr;
    if (slot.compare_exchange_strong(expected, made.get(), std::memory_order_acq_rel)) {
        return made.release();
    }
    return expected; // another thread made it first
}

bool verify_signature(const Jwk::Impl& key, JwsAlg alg, std::string_view input,
                      std::string_view signature) {
    if (is_symmetric(alg)) {
        return key.kty == KeyType::oct && !key.secret.empty() &&
               verify_hmac(key, alg, input, signature);
    }
    std::array<unsigned char, 3 + 2 * (3 + 66)> der{};
    const unsigned char* sig = ubytes(signature);
    std::size_t sig_size = signature.size();
    switch (key.kty) {
    case KeyType::rsa:
        // RFC 8017 §8.2.2 step 1: exactly the modulus length.
        if (sig_size != static_cast<std::size_t>(EVP_PKEY_get_size(key.pkey.get()))) {
            return false;
        }
        break;
    case KeyType::ec:
        if (sig_size != 2 * key.part_bytes) {
            return false;
        }
        sig_size = ecdsa_der(signature, key.part_bytes, der.data());
        sig = der.data();
        break;
    case KeyType::okp:
        if (sig_size != key.part_bytes) {
            return false;
        }
        break;
    case KeyType::oct:
        return false;
    }
    detail::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx) {
        return false;
    }
    EVP_MD_CTX* prototype = verify_prototype(key, alg);
    if (prototype == nullptr || EVP_MD_CTX_copy_ex(ctx.get(), prototype) != 1) {
        EVP_MD_CTX_reset(ctx.get());
        if (!init_verify(ctx.get(), key, alg)) {
            return false;
        }
    }
    return EVP_DigestVerify(ctx.get(), sig, sig_size, ubytes(input), input.size()) == 1;
}

template <typename Resolve>
VerifiedJws verify_compact(std::string_view token, const JwsOptions& options, Resolve&& resolve) {
    if (token.size() > options.max_token_bytes) {
        reject(errc::token_too_large, "token of " + std::to_string(token.size()) +
                                          " bytes exceeds the limit of " +
                                          std::to_string(options.max_token_bytes));
    }
    auto first = token.find('.');
    auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
    if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
        reject(errc::malformed_jws, "not a compact JWS (three dot-separated parts)");
    }
    std::string_view header_text = token.substr(0, first);
    std::string_view payload_text = token.substr(first + 1, second - first - 1);
    std::string_view signature_text = token.substr(second + 1);

    // Scratch buffers reused by the thread: no allocation per token once warm.
    thread_local std::string header_json;
    thread_local std::string signature;
    std::string payload;
    signature.clear();
    if (header_text.empty() || !detail::decode_padded(header_text, header_json)) {
        reject(errc::malformed_jws, "the JWS header is not base64url");
    }
    if (!detail::decode_padded(payload_text, payload)) {
        reject(errc::malformed_jws, "the JWS payload is not base64url");
    }
    if (!base64url_decode_to(signature_text, signature)) {
        reject(errc::malformed_jws, "the JWS signature is not base64url");
    }
    JwsHeader header = parse_header(header_json, options);
    Jwk key = resolve(header);
    // A resolver may be the caller's own: never let a key verify an algorithm it does not fit
    // (an RSA key as an HMAC secret is the classic confusion attack, RFC 8725 §2.1).
    if (!key.fits(header.alg)) {
        reject(errc::unknown_key,
               "the key found does not fit " + std::string{to_string(header.alg)});
    }
    if (!verify_signature(key.impl(), header.alg, token.substr(0, second), signature)) {
        reject(errc::bad_signature, "the signature does not verify");
    }
    // A JSON payload (a JWT's claims, RFC 7519 §7.2 step 10 reads them as a JSON object) must
    // not repeat a member either: two readers of one claim set (the validator's typed claims,
    // the raw JSON that roles and policies read) would otherwise see different values.
    simdjson::dom::element claims;
    if (!detail::json_parser().parse(payload.data(), payload.size(), false).get(claims) &&
        detail::has_repeated_member(claims)) {
        reject(errc::duplicate_member, "the JWS payload repeats a member (or nests too deep)");
    }
    return VerifiedJws{std::move(header), std::move(payload), std::move(key)};
}

} // namespace

VerifiedJws verify_jws(std::string_view token, KeyResolver& keys, const JwsOptions& options) {
    return verify_compact(token, options,
                          [&](const JwsHeader& header) { return keys.resolve(header); });
}

VerifiedJws verify_jws(std::string_view token, const Jwks& keys, const JwsOptions& options) {
    return verify_compact(token, options, [&](const JwsHeader& header) {
        return keys.select(header.alg, header.kid);
    });
}

} // namespace authflow

#pragma once
// The jose layer's internal interface, for jose and oidc: OpenSSL handles and errors, the parsed
// form of a JWK, and the simdjson parser of the hot path.

#include <authflow/core/errors.hpp>
#include <authflow/jose/jwk.hpp>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <simdjson.h>

#include <array>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authflow::detail {

struct EvpPkeyFree {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct EvpPkeyCtxFree {
    void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
};
struct EvpMdCtxFree {
    void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, EvpPkeyCtxFree>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree>;
struct BnFree {
    void operator()(BIGNUM* p) const noexcept { BN_free(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
struct BioFree {
    void operator()(BIO* p) const noexcept { BIO_free(p); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
struct ParamBldFree {
    void operator()(OSSL_PARAM_BLD* p) const noexcept { OSSL_PARAM_BLD_free(p); }
};
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree>;
struct ParamFree {
    void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};
using ParamPtr = std::unique_ptr<OSSL_PARAM, ParamFree>;

/// Throws TokenError(code, message), first clearing OpenSSL's error queue so that the failure
/// does not surface again in a later, unrelated call.
[[noreturn]] inline void fail(errc code, const std::string& message) {
    ERR_clear_error();
    throw TokenError(code, message);
}

/// Throws Error(internal, "OpenSSL could not <what>"), first clearing OpenSSL's error queue.
[[noreturn]] inline void openssl_failed(const char* what) {
    ERR_clear_error();
    throw Error(errc::internal, std::string("OpenSSL could not ") + what);
}

/// The digest of an algorithm (fetched once per process), or null for EdDSA.
const EVP_MD* jws_digest(JwsAlg alg) noexcept;

/// Text safe to put in a message: at most `max` characters, anything but printable ASCII as '?'.
std::string printable(std::string_view text, std::size_t max = 64);

/// The calling thread's simdjson DOM parser (reused: no allocation per document).
simdjson::dom::parser& json_parser();

/// Decodes strict base64url into `out` (replacing its content), leaving capacity for simdjson's
/// padding after the bytes. False on invalid text.
bool decode_padded(std::string_view text, std::string& out);

/// True when an object in `value`, at any depth, has a member name twice (after unescaping), or
/// when `value` nests deeper than 64 levels.
bool has_repeated_member(simdjson::dom::element value);

} // namespace authflow::detail

namespace authflow {

/// The parsed form of a JWK, shared by every copy of the Jwk.
struct Jwk::Impl {
    KeyType kty = KeyType::rsa;
    std::string kid;
    std::optional<JwsAlg> alg;
    std::string use;
    std::vector<std::string> key_ops;
    std::string crv;
    int bits = 0;
    /// EC: bytes of one coordinate (32, 48, 66); OKP: signature bytes (64, 114).
    std::size_t part_bytes = 0;
    detail::EvpPkeyPtr pkey; ///< null for oct keys
    std::string secret;      ///< oct keys only
    /// The RFC 7638 members in canonical JSON (computed at parse time from the JWK's own text).
    std::string thumbprint_input;
    /// Per algorithm, a context on which EVP_DigestVerifyInit already ran with this key, made on
    /// first use. Each verification copies it (EVP_MD_CTX_copy_ex only reads it) instead of
    /// initialising a fresh context, which costs about a tenth of an RS256 verification (method
    /// fetches, key export checks); see docs/BENCHMARKS.md.
    mutable std::array<std::atomic<EVP_MD_CTX*>, 14> prototypes{};

    Impl() = default;
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    ~Impl();
};

static_assert(std::tuple_size_v<decltype(Jwk::Impl::prototypes)> ==
                  static_cast<std::size_t>(JwsAlg::Ed25519) + 1,
              "one prototype slot per JwsAlg");

} // namespace authflow

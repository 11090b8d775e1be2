// Fuzz target: JWK and JWKS parsing (jose). The input is JSON text, read both as one key
// (Jwk::parse) and as a key set (Jwks::parse); parsed keys are asked for everything they offer
// (thumbprint, fits, select). TokenError is expected; anything else escaping is a bug.
#include "fuzz_common.hpp"

#include <authflow/jose/jwk.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace {

using namespace authflow;

constexpr JwsAlg all_algs[] = {JwsAlg::HS256, JwsAlg::HS384,  JwsAlg::HS512, JwsAlg::RS256,
                               JwsAlg::RS384, JwsAlg::RS512,  JwsAlg::PS256, JwsAlg::PS384,
                               JwsAlg::PS512, JwsAlg::ES256,  JwsAlg::ES384, JwsAlg::ES512,
                               JwsAlg::EdDSA, JwsAlg::Ed25519};

void inspect(const Jwk& key) {
    (void)to_string(key.kty());
    (void)key.kid().size();
    (void)key.use().size();
    (void)key.crv().size();
    (void)key.key_ops().size();
    fuzz::check(key.bits() > 0, "a parsed key has a size");
    for (const JwsAlg alg : all_algs) {
        (void)key.fits(alg);
    }
    fuzz::check(key.thumbprint().size() == 43, "an RFC 7638 thumbprint is 43 characters");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::quiet_logs();
    const std::string_view text = fuzz::as_text(data, size);
    try {
        inspect(Jwk::parse(text));
    } catch (const Error&) {
    }
    try {
        const Jwks keys = Jwks::parse(text);
        for (const Jwk& key : keys.keys()) {
            inspect(key);
            fuzz::check(key.kty() != KeyType::oct, "a published key set never yields a secret");
        }
        for (const SkippedKey& skipped : keys.skipped()) {
            (void)to_string(skipped.code);
        }
        std::optional<std::string> first_kid;
        if (!keys.empty()) {
            first_kid = keys.keys().front().kid();
        } else if (!keys.skipped().empty()) {
            first_kid = keys.skipped().front().kid;
        }
        for (const JwsAlg alg : all_algs) {
            for (const auto& kid :
                 {std::optional<std::string_view>{}, std::optional<std::string_view>{first_kid}}) {
                try {
                    const Jwk& selected = keys.select(alg, kid);
                    fuzz::check(selected.fits(alg), "a selected key fits the algorithm");
                } catch (const Error&) {
                }
            }
        }
    } catch (const Error&) {
    }
    return 0;
}

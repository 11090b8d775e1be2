// Fuzz target: back-channel logout token validation (OpenID Connect Back-Channel Logout 1.0
// §2.6, IdTokenValidator::validate_logout_token) of untrusted tokens. The input is a token,
// checked with the keys that signed the seed ID tokens (fuzz_keys.hpp) and the client secret
// (the seeds in corpus/logout_token are HS256 with it, iat 2026-01-01, the ManualClock's start).
// TokenError and the other authflow errors are expected; anything else escaping is a bug, and an
// accepted token must have what §2.4 requires of one.
#include "fuzz_common.hpp"
#include "fuzz_keys.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/jose/jwk.hpp>
#include <authflow/oidc/id_token.hpp>

#include <memory>
#include <string>

namespace {

using namespace authflow;

struct Fixture {
    std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
    std::unique_ptr<IdTokenValidator> validator;

    Fixture() {
        fuzz::quiet_logs();
        IdTokenValidatorOptions options;
        options.client_id = fuzz::seed_client_id;
        options.issuer = fuzz::seed_issuer;
        options.allowed_algs = {JwsAlg::HS256, JwsAlg::RS256, JwsAlg::ES256,
                                JwsAlg::ES384, JwsAlg::ES512, JwsAlg::EdDSA};
        options.client_secret = fuzz::seed_client_secret;
        options.trusted_audiences = {"other"};
        validator = std::make_unique<IdTokenValidator>(
            options, std::make_shared<StaticKeyResolver>(Jwks::parse(fuzz::seed_jwks)), clock);
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Fixture fixture;
    const std::string_view token = fuzz::as_text(data, size);
    try {
        const LogoutTokenClaims claims = fixture.validator->validate_logout_token(token);
        fuzz::check(claims.iss == fuzz::seed_issuer, "an accepted logout token has our issuer");
        fuzz::check(!claims.jti.empty(), "an accepted logout token has a jti");
        fuzz::check((claims.sub && !claims.sub->empty()) || (claims.sid && !claims.sid->empty()),
                    "an accepted logout token names a sub or a sid");
    } catch (const Error&) {
    }
    return 0;
}

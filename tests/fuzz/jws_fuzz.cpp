// Fuzz target: compact JWS verification (jose) and ID-token validation (oidc) of untrusted tokens.
// The input is a token. It is verified against three fixed key sets (the keys of RFC 7515
// Appendix A and RFC 8037, those of RFC 7520 section 4, and the keys that signed the seed ID
// tokens, see tests/support/node/fuzz_jws_seeds.mjs), validated as an ID token, and read as a
// JWT payload. TokenError and the other authflow errors are expected; anything else escaping is
// a bug.
#include "fuzz_common.hpp"
#include "fuzz_keys.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/jose/jwk.hpp>
#include <authflow/jose/jws.hpp>
#include <authflow/oidc/id_token.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace authflow;

/// RFC 7515 A.1-A.4 and RFC 8037 A.4: one key per type and no kids, so kid-less tokens find theirs.
constexpr const char* rfc_keys[] = {
    R"json({"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"})json",
    R"json({"kty":"RSA","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"AQAB"})json",
    R"json({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})json",
    R"json({"kty":"EC","crv":"P-521","x":"AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk","y":"ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2"})json",
    R"json({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})json",
};

/// RFC 7520 section 4: keys with kids.
constexpr const char* rfc7520_keys[] = {
    R"json({"kty":"RSA","kid":"bilbo.baggins@hobbiton.example","use":"sig","n":"n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw","e":"AQAB"})json",
    R"json({"kty":"EC","kid":"bilbo.baggins@hobbiton.example","use":"sig","crv":"P-521","x":"AHKZLLOsCOzz5cY97ewNUajB957y-C-U88c3v13nmGZx6sYl_oJXu9A5RkTKqjqvjyekWF-7ytDyRXYgCF5cj0Kt","y":"AdymlHvOiLxXkEhayXQnNCvDX4h9htZaCJN34kfmC6pV5OhQHiraVySsUdaQkAgDPrwQrJmbnX9cwlGfP-HqHZR1"})json",
    R"json({"kty":"oct","kid":"018c0ae5-4d9b-471b-bfd6-eef314bc7037","use":"sig","alg":"HS256","k":"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"})json",
};

template <std::size_t N> Jwks key_set(const char* const (&texts)[N]) {
    Jwks keys;
    for (const char* text : texts) {
        keys.add(Jwk::parse(text));
    }
    return keys;
}

std::vector<JwsAlg> every_alg() {
    return {JwsAlg::HS256, JwsAlg::HS384, JwsAlg::HS512, JwsAlg::RS256,  JwsAlg::RS384,
            JwsAlg::RS512, JwsAlg::PS256, JwsAlg::PS384, JwsAlg::PS512,  JwsAlg::ES256,
            JwsAlg::ES384, JwsAlg::ES512, JwsAlg::EdDSA, JwsAlg::Ed25519};
}

struct Fixture {
    Jwks rfc;
    Jwks rfc7520;
    std::shared_ptr<StaticKeyResolver> generated;
    JwsOptions all_algs;
    std::shared_ptr<ManualClock> clock =
        std::make_shared<ManualClock>(); // 2026-01-01, the seeds' iat
    std::unique_ptr<IdTokenValidator> validator;

    Fixture()
        : rfc(key_set(rfc_keys)), rfc7520(key_set(rfc7520_keys)),
          generated(std::make_shared<StaticKeyResolver>(Jwks::parse(fuzz::seed_jwks))) {
        fuzz::quiet_logs();
        all_algs.allowed_algs = every_alg();
        all_algs.understood_crit = {"b64"};
        IdTokenValidatorOptions options;
        options.client_id = fuzz::seed_client_id;
        options.issuer = fuzz::seed_issuer;
        options.allowed_algs = every_alg();
        options.client_secret = fuzz::seed_client_secret;
        options.trusted_audiences = {"other"};
        validator = std::make_unique<IdTokenValidator>(options, generated, clock);
    }
};

void verify_with(std::string_view token, const Jwks& keys, const JwsOptions& options) {
    try {
        const VerifiedJws verified = verify_jws(token, keys, options);
        fuzz::check(verified.key.fits(verified.header.alg), "a verified token's key fits its alg");
    } catch (const Error&) {
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Fixture fixture;
    const std::string_view token = fuzz::as_text(data, size);

    verify_with(token, fixture.rfc, fixture.all_algs);
    verify_with(token, fixture.rfc7520, fixture.all_algs);
    verify_with(token, fixture.rfc, JwsOptions{});
    try {
        const VerifiedJws verified = verify_jws(token, *fixture.generated, fixture.all_algs);
        fuzz::check(verified.key.fits(verified.header.alg), "a verified token's key fits its alg");
    } catch (const Error&) {
    }

    IdTokenChecks checks;
    checks.nonce = "n-1";
    checks.max_age = std::chrono::seconds{3600};
    checks.access_token = "AT-1";
    checks.code = "C-1";
    for (const IdTokenChecks& with : {IdTokenChecks{}, checks}) {
        try {
            const IdTokenClaims claims = fixture.validator->validate(token, with);
            fuzz::check(claims.iss() == "https://op.example", "a valid ID token has our issuer");
        } catch (const Error&) {
        }
    }

    // The same bytes as a JWT payload (what verification decodes).
    try {
        const IdTokenClaims claims = IdTokenClaims::from_payload(std::string{token});
        (void)claims.raw().dump();
    } catch (const Error&) {
    }
    return 0;
}

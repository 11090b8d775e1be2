// ID-token validation: one test per failure mode of ../shared/testing/rp-negative-cases.md (OIDC
// Core §3.1.3.7, §2, §12.2), with tokens signed on the fly, and the success path.
#include "support/jose_signer.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/core/encoding.hpp>
#include <authflow/oidc/id_token.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

namespace authflow {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using test::make_jws;
using test::TestKey;

constexpr const char* issuer = "https://op.example/tenant";
constexpr const char* client_id = "client-1";
constexpr const char* client_secret = "a-client-secret-of-at-least-32-bytes!";

struct ProviderKeys {
    TestKey rsa = TestKey::rsa(2048);
    TestKey p256 = TestKey::ec("P-256");
    TestKey ed25519 = TestKey::okp("Ed25519");
    json jwks = {{"keys", json::array({rsa.public_jwk("rs1"), p256.public_jwk("es1"),
                                       ed25519.public_jwk("ed1")})}};
};

const ProviderKeys& provider() {
    static const ProviderKeys keys;
    return keys;
}

class IdTokenValidatorTest : public ::testing::Test {
protected:
    std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();

    std::int64_t now() const {
        return std::chrono::duration_cast<std::chrono::seconds>(clock->now().time_since_epoch())
            .count();
    }

    json claims() const {
        return {{"iss", issuer},      {"sub", "alice"}, {"aud", client_id},
                {"exp", now() + 600}, {"iat", now()},   {"nonce", "n-0S6_WzA2Mj"}};
    }

    IdTokenValidatorOptions options() const {
        IdTokenValidatorOptions o;
        o.client_id = client_id;
        o.issuer = issuer;
        o.allowed_algs = {JwsAlg::RS256, JwsAlg::PS256, JwsAlg::ES256, JwsAlg::EdDSA};
        return o;
    }

    IdTokenValidator validator(IdTokenValidatorOptions o) {
        return IdTokenValidator(
            std::move(o), std::make_shared<StaticKeyResolver>(Jwks::from_json(provider().jwks)),
            clock);
    }
    IdTokenValidator validator() { return validator(options()); }

    static std::string sign(const json& payload, const char* alg = "RS256",
                            json header = {{"kid", "rs1"}}) {
        const auto& keys = provider();
        const TestKey& key = std::string{alg}.starts_with("ES")   ? keys.p256
                             : std::string{alg}.starts_with("Ed") ? keys.ed25519
                                                                  : keys.rsa;
        return make_jws(key, alg, std::move(header), payload);
    }

    errc code_of(const std::string& token, const IdTokenChecks& checks = {}) {
        return code_with(validator(), token, checks);
    }
    static errc code_with(const IdTokenValidator& v, const std::string& token,
                          const IdTokenChecks& checks = {}) {
        try {
            v.validate(token, checks);
        } catch (const TokenError& e) {
            return e.code();
        }
        ADD_FAILURE() << "the token was accepted";
        return errc::internal;
    }
};

IdTokenChecks with_nonce(std::string nonce = "n-0S6_WzA2Mj") {
    IdTokenChecks checks;
    checks.nonce = std::move(nonce);
    return checks;
}

std::string flip_signature(const std::string& token) {
    auto dot = token.rfind('.');
    std::string signature = base64url_decode(token.substr(dot + 1));
    signature[signature.size() / 2] = static_cast<char>(signature[signature.size() / 2] ^ 0x10);
    return token.substr(0, dot + 1) + base64url_encode(signature);
}

TEST_F(IdTokenValidatorTest, AcceptsAValidTokenAndExposesItsClaims) {
    json c = claims();
    c["email"] = "alice@example.test";
    c["email_verified"] = "true";
    c["name"] = "Alice";
    c["auth_time"] = now() - 10;
    c["amr"] = {"pwd", "mfa"};
    c["groups"] = {"admins"};
    IdTokenClaims result = validator().validate(sign(c), with_nonce());
    EXPECT_EQ(result.iss(), issuer);
    EXPECT_EQ(result.sub(), "alice");
    EXPECT_EQ(result.aud(), std::vector<std::string>{client_id});
    EXPECT_EQ(result.exp()->time_since_epoch().count(), now() + 600);
    EXPECT_EQ(result.iat()->time_since_epoch().count(), now());
    EXPECT_EQ(result.auth_time()->time_since_epoch().count(), now() - 10);
    EXPECT_EQ(result.nonce(), "n-0S6_WzA2Mj");
    EXPECT_EQ(result.email(), "alice@example.test");
    EXPECT_EQ(result.email_verified(), true);
    EXPECT_EQ(result.name(), "Alice");
    EXPECT_EQ(result.amr(), (std::vector<std::string>{"pwd", "mfa"}));
    EXPECT_FALSE(result.azp());
    EXPECT_EQ(result.raw()["groups"][0], "admins");
    EXPECT_EQ(result.raw(), c);
}

TEST_F(IdTokenValidatorTest, AcceptsEveryAllowedAlgorithm) {
    for (const char* alg : {"RS256", "PS256", "ES256", "EdDSA"}) {
        json header = {{"kid", std::string{alg} == "ES256"   ? "es1"
                               : std::string{alg} == "EdDSA" ? "ed1"
                                                             : "rs1"}};
        EXPECT_EQ(validator().validate(sign(claims(), alg, header)).sub(), "alice") << alg;
    }
}

// --- signature and algorithm ---

TEST_F(IdTokenValidatorTest, RejectsAnInvalidRs256Signature) {
    EXPECT_EQ(code_of(flip_signature(sign(claims(), "RS256", {{"kid", "rs1"}}))),
              errc::bad_signature);
}
TEST_F(IdTokenValidatorTest, RejectsAnInvalidEs256Signature) {
    EXPECT_EQ(code_of(flip_signature(sign(claims(), "ES256", {{"kid", "es1"}}))),
              errc::bad_signature);
}
TEST_F(IdTokenValidatorTest, RejectsAnInvalidPs256Signature) {
    EXPECT_EQ(code_of(flip_signature(sign(claims(), "PS256", {{"kid", "rs1"}}))),
              errc::bad_signature);
}
TEST_F(IdTokenValidatorTest, RejectsAnInvalidEdDsaSignature) {
    EXPECT_EQ(code_of(flip_signature(sign(claims(), "EdDSA", {{"kid", "ed1"}}))),
              errc::bad_signature);
}

TEST_F(IdTokenValidatorTest, RejectsHs256SignedWithTheClientSecretWhenHsIsNotAllowed) {
    auto o = options();
    o.client_secret = client_secret;
    std::string token = make_jws(TestKey::hmac(client_secret), "HS256", json::object(), claims());
    EXPECT_EQ(code_with(validator(o), token), errc::alg_not_allowed);
    // Allowed explicitly, the same token verifies with the client secret.
    o.allowed_algs.push_back(JwsAlg::HS256);
    EXPECT_EQ(validator(o).validate(token).sub(), "alice");
    EXPECT_EQ(code_with(validator(o), flip_signature(token)), errc::bad_signature);
}

TEST_F(IdTokenValidatorTest, RejectsAlgNone) {
    std::string token =
        base64url_encode(R"({"alg":"none"})") + "." + base64url_encode(claims().dump()) + ".";
    EXPECT_EQ(code_of(token), errc::alg_none);
}

TEST_F(IdTokenValidatorTest, RejectsAnAlgorithmOutsideTheAllowList) {
    EXPECT_EQ(code_of(sign(claims(), "RS512")), errc::alg_not_allowed);
    auto o = options();
    o.allowed_algs = {JwsAlg::ES256};
    EXPECT_EQ(code_with(validator(o), sign(claims(), "RS256")), errc::alg_not_allowed);
}

TEST_F(IdTokenValidatorTest, DefaultAllowListIsRs256Only) {
    auto o = options();
    o.allowed_algs.clear();
    EXPECT_NO_THROW(validator(o).validate(sign(claims(), "RS256")));
    EXPECT_EQ(code_with(validator(o), sign(claims(), "ES256", {{"kid", "es1"}})),
              errc::alg_not_allowed);
}

TEST_F(IdTokenValidatorTest, RejectsHs256MadeWithAnRsaKeysBytesAsTheSecret) {
    json jwk = provider().rsa.public_jwk("rs1");
    std::string n = base64url_decode(jwk["n"].get<std::string>());
    std::string token = make_jws(TestKey::hmac(n), "HS256", {{"kid", "rs1"}}, claims());
    // HS256 not allowed: rejected by the allow-list.
    EXPECT_EQ(code_of(token), errc::alg_not_allowed);
    // Allowed, it is checked against the client secret only, never the RSA key.
    auto o = options();
    o.client_secret = client_secret;
    o.allowed_algs.push_back(JwsAlg::HS256);
    EXPECT_EQ(code_with(validator(o), token), errc::bad_signature);
}

// --- key selection ---

TEST_F(IdTokenValidatorTest, AcceptsAKidlessTokenWhenTheSetHasOneKey) {
    Jwks one = Jwks::from_json({{"keys", json::array({provider().rsa.public_jwk("rs1")})}});
    IdTokenValidator v(options(), std::make_shared<StaticKeyResolver>(one), clock);
    EXPECT_EQ(v.validate(sign(claims(), "RS256", json::object())).sub(), "alice");
}

TEST_F(IdTokenValidatorTest, RejectsAKidlessTokenWhenSeveralKeysFit) {
    json set = provider().jwks;
    set["keys"].push_back(TestKey::rsa(2048).public_jwk("rs2"));
    IdTokenValidator v(options(), std::make_shared<StaticKeyResolver>(Jwks::from_json(set)), clock);
    EXPECT_EQ(code_with(v, sign(claims(), "RS256", json::object())), errc::ambiguous_key);
    // Several keys, but exactly one fits ES256: accepted.
    EXPECT_EQ(v.validate(sign(claims(), "ES256", json::object())).sub(), "alice");
}

TEST_F(IdTokenValidatorTest, RejectsAnUnknownKid) {
    EXPECT_EQ(code_of(sign(claims(), "RS256", {{"kid", "rs-unknown"}})), errc::unknown_key);
}

TEST_F(IdTokenValidatorTest, RejectsATokenWhoseKidNamesAWeakKey) {
    TestKey weak = TestKey::rsa(1024);
    json set = {{"keys", json::array({weak.public_jwk("weak")})}};
    IdTokenValidator v(options(), std::make_shared<StaticKeyResolver>(Jwks::from_json(set)), clock);
    EXPECT_EQ(code_with(v, make_jws(weak, "RS256", {{"kid", "weak"}}, claims())), errc::weak_key);
}

// --- iss ---

TEST_F(IdTokenValidatorTest, RejectsAMissingIssuer) {
    json c = claims();
    c.erase("iss");
    EXPECT_EQ(code_of(sign(c)), errc::missing_claim);
}
TEST_F(IdTokenValidatorTest, RejectsAnotherIssuer) {
    json c = claims();
    c["iss"] = "https://evil.example/tenant";
    EXPECT_EQ(code_of(sign(c)), errc::bad_issuer);
}
TEST_F(IdTokenValidatorTest, TrailingSlashMakesAnotherIssuer) {
    json c = claims();
    c["iss"] = std::string{issuer} + "/";
    EXPECT_EQ(code_of(sign(c)), errc::bad_issuer);
    c["iss"] = "https://OP.example/tenant"; // exact comparison: case matters too
    EXPECT_EQ(code_of(sign(c)), errc::bad_issuer);
}

// --- aud and azp ---

TEST_F(IdTokenValidatorTest, RejectsAMissingAudience) {
    json c = claims();
    c.erase("aud");
    EXPECT_EQ(code_of(sign(c)), errc::missing_claim);
    c["aud"] = json::array();
    EXPECT_EQ(code_of(sign(c)), errc::missing_claim);
}
TEST_F(IdTokenValidatorTest, RejectsAnotherAudience) {
    json c = claims();
    c["aud"] = "client-2";
    EXPECT_EQ(code_of(sign(c)), errc::bad_audience);
}
TEST_F(IdTokenValidatorTest, RejectsAnAudienceListWithoutTheClient) {
    json c = claims();
    c["aud"] = {"client-2", "client-3"};
    c["azp"] = "client-2";
    EXPECT_EQ(code_of(sign(c)), errc::bad_audience);
}
TEST_F(IdTokenValidatorTest, RejectsSeveralAudiencesWithoutAzp) {
    json c = claims();
    c["aud"] = {client_id, "api"};
    auto o = options();
    o.trusted_audiences = {"api"};
    EXPECT_EQ(code_with(validator(o), sign(c)), errc::bad_azp);
    c["azp"] = client_id;
    EXPECT_EQ(validator(o).validate(sign(c)).aud().size(), 2u);
}
TEST_F(IdTokenValidatorTest, RejectsAnAzpThatIsNotTheClient) {
    json c = claims();
    c["azp"] = "client-2";
    EXPECT_EQ(code_of(sign(c)), errc::bad_azp);
    c["aud"] = {client_id, "client-2"};
    auto o = options();
    o.trusted_audiences = {"client-2"};
    EXPECT_EQ(code_with(validator(o), sign(c)), errc::bad_azp);
}
TEST_F(IdTokenValidatorTest, RejectsAnUntrustedAdditionalAudience) {
    json c = claims();
    c["aud"] = {client_id, "someone-else"};
    c["azp"] = client_id;
    EXPECT_EQ(code_of(sign(c)), errc::bad_audience);
}

// --- sub ---

TEST_F(IdTokenValidatorTest, RejectsAMissingSubject) {
    json c = claims();
    c.erase("sub");
    EXPECT_EQ(code_of(sign(c)), errc::missing_claim);
    c["sub"] = "";
    EXPECT_EQ(code_of(sign(c)), errc::missing_claim);
}

// --- exp, iat, nbf ---

TEST_F(IdTokenValidatorTest, RejectsAMissingExpiry) {
    json c = claims();
    c.erase("exp");
    EXPECT_EQ(code_of(sign(c)), errc::missing_claim);
}
TEST_F(IdTokenValidatorTest, RejectsAnExpiredTokenAfterTheLeeway) {
    json c = claims();
    c["exp"] = now() - 59; // within the 60 s default leeway
    EXPECT_NO_THROW(validator().validate(sign(c)));
    c["exp"] = now() - 60;
    EXPECT_EQ(code_of(sign(c)), errc::expired);
    EXPECT_THROW(validator().validate(sign(c)), TokenExpiredError);
    auto strict = options();
    strict.leeway = 0s;
    c["exp"] = now();
    EXPECT_EQ(code_with(validator(strict), sign(c)), errc::expired);
    c["exp"] = now() + 1;
    EXPECT_NO_THROW(validator(strict).validate(sign(c)));
}
TEST_F(IdTokenValidatorTest, ExpiryFollowsTheInjectedClock) {
    std::string token = sign(claims()); // exp = now + 600
    EXPECT_NO_THROW(validator().validate(token));
    clock->advance(659s);
    EXPECT_NO_THROW(validator().validate(token));
    clock->advance(1s);
    EXPECT_EQ(code_of(token), errc::expired);
}
TEST_F(IdTokenValidatorTest, RejectsAMissingIssuedAt) {
    json c = claims();
    c.erase("iat");
    EXPECT_EQ(code_of(sign(c)), errc::missing_claim);
}
TEST_F(IdTokenValidatorTest, RejectsATokenIssuedInTheFuture) {
    json c = claims();
    c["iat"] = now() + 60; // at the edge of the leeway
    EXPECT_NO_THROW(validator().validate(sign(c)));
    c["iat"] = now() + 61;
    EXPECT_EQ(code_of(sign(c)), errc::issued_in_future);
}
TEST_F(IdTokenValidatorTest, RejectsATokenNotValidYet) {
    json c = claims();
    c["nbf"] = now() + 61;
    EXPECT_EQ(code_of(sign(c)), errc::not_yet_valid);
    c["nbf"] = now() + 60;
    EXPECT_NO_THROW(validator().validate(sign(c)));
}
TEST_F(IdTokenValidatorTest, AcceptsFractionalDatesAndRejectsNonsense) {
    json c = claims();
    c["exp"] = static_cast<double>(now()) + 600.5;
    EXPECT_NO_THROW(validator().validate(sign(c)));
    for (json bad : {json("1767225600"), json(true), json(1e300), json(-1e300),
                     json(18446744073709551615ull)}) {
        c["exp"] = bad;
        EXPECT_EQ(code_of(sign(c)), errc::token_invalid) << bad.dump();
    }
}

// --- nonce ---

TEST_F(IdTokenValidatorTest, RejectsAMissingNonceWhenOneWasSent) {
    json c = claims();
    c.erase("nonce");
    EXPECT_EQ(code_of(sign(c), with_nonce()), errc::missing_claim);
    EXPECT_NO_THROW(validator().validate(sign(c))); // none sent: none needed
}
TEST_F(IdTokenValidatorTest, RejectsAnotherNonce) {
    EXPECT_EQ(code_of(sign(claims()), with_nonce("another")), errc::bad_nonce);
    EXPECT_EQ(code_of(sign(claims()), with_nonce("n-0S6_WzA2Mj ")), errc::bad_nonce);
    EXPECT_NO_THROW(validator().validate(sign(claims()), with_nonce()));
}

// --- at_hash, c_hash ---

TEST_F(IdTokenValidatorTest, ChecksAtHashAndCHashWhenPresent) {
    const std::string access_token = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y";
    const std::string code = "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk";
    json c = claims();
    c["at_hash"] = "77QmUPtjPfzWtF2AnpK9RQ";
    c["c_hash"] = "LDktKdoQak3Pk0cnXxCltA";
    IdTokenChecks checks;
    checks.access_token = access_token;
    checks.code = code;
    EXPECT_NO_THROW(validator().validate(sign(c), checks));

    IdTokenChecks wrong_token = checks;
    wrong_token.access_token = access_token + "x";
    EXPECT_EQ(code_of(sign(c), wrong_token), errc::bad_at_hash);
    IdTokenChecks wrong_code = checks;
    wrong_code.code = "another-code";
    EXPECT_EQ(code_of(sign(c), wrong_code), errc::bad_c_hash);

    json forged = c;
    forged["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA";
    EXPECT_EQ(code_of(sign(forged), checks), errc::bad_at_hash);
    forged = c;
    forged["c_hash"] = "AAAAAAAAAAAAAAAAAAAAAA";
    EXPECT_EQ(code_of(sign(forged), checks), errc::bad_c_hash);
    // Absent hashes are not required in the code flow.
    EXPECT_NO_THROW(validator().validate(sign(claims()), checks));
}

TEST_F(IdTokenValidatorTest, AtHashUsesTheHashOfTheSigningAlgorithm) {
    const std::string access_token = "an-access-token";
    for (const char* alg : {"ES256", "EdDSA", "PS256"}) {
        JwsAlg parsed = *parse_jws_alg(alg);
        std::string crv = parsed == JwsAlg::EdDSA ? "Ed25519" : "";
        json c = claims();
        c["at_hash"] = oidc_token_hash(access_token, parsed, crv);
        json header = {{"kid", parsed == JwsAlg::ES256   ? "es1"
                               : parsed == JwsAlg::EdDSA ? "ed1"
                                                         : "rs1"}};
        IdTokenChecks checks;
        checks.access_token = access_token;
        EXPECT_NO_THROW(validator().validate(sign(c, alg, header), checks)) << alg;
    }
    // EdDSA: SHA-512 (32 bytes kept: 43 characters), not SHA-256 (22 characters).
    EXPECT_EQ(oidc_token_hash(access_token, JwsAlg::EdDSA, "Ed25519").size(), 43u);
    EXPECT_EQ(oidc_token_hash(access_token, JwsAlg::RS256).size(), 22u);
    EXPECT_EQ(oidc_token_hash(access_token, JwsAlg::ES384).size(), 32u);
}

// --- auth_time and max_age ---

TEST_F(IdTokenValidatorTest, RejectsAMissingAuthTimeWhenMaxAgeWasSent) {
    IdTokenChecks checks;
    checks.max_age = 300s;
    EXPECT_EQ(code_of(sign(claims()), checks), errc::missing_claim);
}
TEST_F(IdTokenValidatorTest, RejectsAnAuthenticationOlderThanMaxAge) {
    IdTokenChecks checks;
    checks.max_age = 300s;
    json c = claims();
    c["auth_time"] = now() - 360; // 300 + 60 leeway: still fine
    EXPECT_NO_THROW(validator().validate(sign(c), checks));
    c["auth_time"] = now() - 361;
    EXPECT_EQ(code_of(sign(c), checks), errc::auth_too_old);
}

// --- headers ---

TEST_F(IdTokenValidatorTest, RejectsACriticalHeaderItDoesNotUnderstand) {
    EXPECT_EQ(code_of(sign(claims(), "RS256", {{"kid", "rs1"}, {"crit", {"x"}}, {"x", 1}})),
              errc::crit_header);
}
TEST_F(IdTokenValidatorTest, NeverTrustsJkuX5uOrAnEmbeddedJwk) {
    TestKey attacker = TestKey::rsa(2048);
    json header = {{"kid", "rs1"},
                   {"jku", "https://attacker.example/keys"},
                   {"x5u", "https://attacker.example/cert"},
                   {"jwk", attacker.public_jwk("rs1")}};
    EXPECT_EQ(code_of(make_jws(attacker, "RS256", header, claims())), errc::bad_signature);
    header["kid"] = "attacker";
    EXPECT_EQ(code_of(make_jws(attacker, "RS256", header, claims())), errc::unknown_key);
}
TEST_F(IdTokenValidatorTest, RejectsOtherKindsOfJwt) {
    EXPECT_EQ(code_of(sign(claims(), "RS256", {{"kid", "rs1"}, {"typ", "at+jwt"}})),
              errc::token_invalid);
    EXPECT_EQ(code_of(sign(claims(), "RS256", {{"kid", "rs1"}, {"typ", "logout+JWT"}})),
              errc::token_invalid);
    EXPECT_NO_THROW(
        validator().validate(sign(claims(), "RS256", {{"kid", "rs1"}, {"typ", "JWT"}})));
}

// --- malformed and oversized ---

TEST_F(IdTokenValidatorTest, RejectsMalformedClaims) {
    const auto& key = provider().rsa;
    auto raw = [&](std::string payload) {
        return test::make_jws_raw(key, "RS256", R"({"alg":"RS256","kid":"rs1"})", payload);
    };
    EXPECT_EQ(code_of(raw("not json")), errc::malformed_jws);
    EXPECT_EQ(code_of(raw("[1]")), errc::malformed_jws);
    std::string good = claims().dump();
    std::string repeated = good.substr(0, good.size() - 1) + R"(,"sub":"mallory"})";
    EXPECT_EQ(code_of(raw(repeated)), errc::duplicate_member);
    // A repeated profile claim too: the typed claims and the raw JSON would disagree.
    std::string two_emails =
        good.substr(0, good.size() - 1) + R"(,"email":"admin@corp.example","email":5})";
    EXPECT_EQ(code_of(raw(two_emails)), errc::duplicate_member);
    json c = claims();
    c["iss"] = 42;
    EXPECT_EQ(code_of(sign(c)), errc::token_invalid);
    c = claims();
    c["aud"] = {client_id, 7};
    EXPECT_EQ(code_of(sign(c)), errc::token_invalid);
    c = claims();
    c["nonce"] = json::array();
    EXPECT_EQ(code_of(sign(c)), errc::token_invalid);
    // Informational claims of an unexpected type are simply absent.
    c = claims();
    c["email"] = 5;
    EXPECT_FALSE(validator().validate(sign(c)).email());
}
TEST_F(IdTokenValidatorTest, RejectsAnOversizedToken) {
    json c = claims();
    c["padding"] = std::string(70000, 'x');
    EXPECT_EQ(code_of(sign(c)), errc::token_too_large);
}

// --- configuration ---

TEST_F(IdTokenValidatorTest, RequiresClientIdIssuerAndASecretForHmac) {
    auto keys = std::make_shared<StaticKeyResolver>(Jwks::from_json(provider().jwks));
    auto o = options();
    o.client_id.clear();
    EXPECT_THROW(IdTokenValidator(o, keys, clock), ConfigError);
    o = options();
    o.issuer.clear();
    EXPECT_THROW(IdTokenValidator(o, keys, clock), ConfigError);
    o = options();
    o.allowed_algs = {JwsAlg::HS256};
    try {
        IdTokenValidator(o, keys, clock);
        ADD_FAILURE();
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.code(), errc::config_invalid);
    }
    o.client_secret = "short";
    try {
        IdTokenValidator(o, keys, clock);
        ADD_FAILURE();
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.code(), errc::weak_key);
    }
    o = options();
    EXPECT_THROW(IdTokenValidator(o, nullptr, clock), ConfigError);
}

// --- Microsoft-style tenant issuers ---

TEST_F(IdTokenValidatorTest, TenantTemplateMatchesTheTokensTid) {
    auto o = options();
    o.issuer.clear();
    o.issuer_resolver = tenant_issuer_template("https://login.example/{tenantid}/v2.0");
    json c = claims();
    c["tid"] = "9188040d-6c67-4c5b-b112-36a304b66dad";
    c["iss"] = "https://login.example/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0";
    EXPECT_EQ(validator(o).validate(sign(c)).tid(), "9188040d-6c67-4c5b-b112-36a304b66dad");
    c["iss"] = "https://login.example/00000000-0000-0000-0000-000000000000/v2.0";
    EXPECT_EQ(code_with(validator(o), sign(c)), errc::bad_issuer);
    c.erase("tid");
    EXPECT_EQ(code_with(validator(o), sign(c)), errc::bad_issuer);
    c["tid"] = "../evil";
    c["iss"] = "https://login.example/../evil/v2.0";
    EXPECT_EQ(code_with(validator(o), sign(c)), errc::bad_issuer);
}

// --- refresh (OIDC Core §12.2) ---

TEST_F(IdTokenValidatorTest, RefreshedTokenMustKeepIssSubAudAndAzp) {
    json original = claims();
    IdTokenClaims first = validator().validate(sign(original), with_nonce());
    json refreshed = claims();
    refreshed.erase("nonce");
    refreshed["iat"] = now() + 1;
    EXPECT_NO_THROW(check_refreshed_id_token(first, validator().validate(sign(refreshed))));

    auto code = [&](const json& changed) {
        try {
            check_refreshed_id_token(first, IdTokenClaims::from_payload(changed.dump()));
        } catch (const TokenError& e) {
            return e.code();
        }
        return errc::internal;
    };
    json c = refreshed;
    c["iss"] = "https://other.example";
    EXPECT_EQ(code(c), errc::bad_issuer);
    c = refreshed;
    c["sub"] = "bob";
    EXPECT_EQ(code(c), errc::bad_subject);
    c = refreshed;
    c["aud"] = {client_id, "api"};
    EXPECT_EQ(code(c), errc::bad_audience);
    c = refreshed;
    c["azp"] = client_id;
    EXPECT_EQ(code(c), errc::bad_azp);
    c = refreshed;
    c["nonce"] = "different";
    EXPECT_EQ(code(c), errc::bad_nonce);
    c["nonce"] = original["nonce"];
    EXPECT_EQ(code(c), errc::internal); // the same nonce is allowed
}

TEST(IdTokenClaims, ParsesAudienceAsStringOrList) {
    auto one = IdTokenClaims::from_payload(R"({"aud":"a"})");
    EXPECT_EQ(one.aud(), std::vector<std::string>{"a"});
    auto many = IdTokenClaims::from_payload(R"({"aud":["a","b"]})");
    EXPECT_EQ(many.aud(), (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(many.has_aud());
    EXPECT_FALSE(many.has_iss());
    auto verified = IdTokenClaims::from_payload(R"({"email_verified":false})");
    EXPECT_EQ(verified.email_verified(), false);
}

} // namespace
} // namespace authflow

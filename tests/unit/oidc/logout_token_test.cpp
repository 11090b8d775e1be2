// Back-channel logout tokens: OpenID Connect Back-Channel Logout 1.0 §2.6, one test per check,
// each with a token that differs from a valid one in that one way.
#include "support/jose_signer.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/oidc/id_token.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

namespace authflow {
namespace {

using json = nlohmann::json;
using test::make_jws;
using test::TestKey;

constexpr const char* issuer = "https://op.example";
constexpr const char* client_id = "client-1";

const TestKey& provider_key() {
    static const TestKey key = TestKey::ec("P-256");
    return key;
}

class LogoutToken : public ::testing::Test {
protected:
    std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
    IdTokenValidator validator{[] {
                                   IdTokenValidatorOptions o;
                                   o.client_id = client_id;
                                   o.issuer = issuer;
                                   o.allowed_algs = {JwsAlg::ES256};
                                   return o;
                               }(),
                               std::make_shared<StaticKeyResolver>(Jwks::from_json(
                                   {{"keys", json::array({provider_key().public_jwk("k1")})}})),
                               clock};

    std::int64_t now() const {
        return std::chrono::duration_cast<std::chrono::seconds>(clock->now().time_since_epoch())
            .count();
    }

    // A valid logout token's claims (§2.4), as oidc-provider sends them.
    json claims() const {
        return {{"iss", issuer},  {"aud", client_id},
                {"iat", now()},   {"exp", now() + 120},
                {"jti", "bWJq"},  {"sid", "08a5019c-17e1-4977-8f42-65a12843ea02"},
                {"sub", "alice"}, {"events", {{backchannel_logout_event, json::object()}}}};
    }

    static std::string sign(const json& payload,
                            json header = {{"kid", "k1"}, {"typ", "logout+jwt"}}) {
        return make_jws(provider_key(), "ES256", std::move(header), payload);
    }

    errc code_of(const std::string& token) {
        try {
            validator.validate_logout_token(token);
        } catch (const TokenError& e) {
            return e.code();
        }
        return errc::internal; // accepted
    }
};

TEST_F(LogoutToken, AcceptsAValidToken) {
    LogoutTokenClaims got = validator.validate_logout_token(sign(claims()));
    EXPECT_EQ(got.iss, issuer);
    EXPECT_EQ(got.sub, "alice");
    EXPECT_EQ(got.sid, "08a5019c-17e1-4977-8f42-65a12843ea02");
    EXPECT_EQ(got.jti, "bWJq");
    EXPECT_EQ(got.exp.time_since_epoch().count(), now() + 120);
}

TEST_F(LogoutToken, AcceptsSidOnlyOrSubOnly) {
    json sid_only = claims();
    sid_only.erase("sub");
    EXPECT_FALSE(validator.validate_logout_token(sign(sid_only)).sub);
    json sub_only = claims();
    sub_only.erase("sid");
    EXPECT_FALSE(validator.validate_logout_token(sign(sub_only)).sid);
}

TEST_F(LogoutToken, AcceptsAnUntypedToken) {
    EXPECT_EQ(validator.validate_logout_token(sign(claims(), {{"kid", "k1"}})).jti, "bWJq");
}

TEST_F(LogoutToken, RefusesAnotherSigner) {
    TestKey other = TestKey::ec("P-256");
    EXPECT_EQ(code_of(make_jws(other, "ES256", {{"kid", "k1"}}, claims())), errc::bad_signature);
}

TEST_F(LogoutToken, RefusesAnAlgorithmOutsideTheAllowList) {
    TestKey rsa = TestKey::rsa(2048);
    EXPECT_EQ(code_of(make_jws(rsa, "RS256", {{"kid", "k1"}}, claims())), errc::alg_not_allowed);
}

TEST_F(LogoutToken, RefusesAnotherIssuer) { // step 3
    json c = claims();
    c["iss"] = "https://evil.example";
    EXPECT_EQ(code_of(sign(c)), errc::bad_issuer);
}

TEST_F(LogoutToken, RefusesAWrongAudience) { // step 3
    json c = claims();
    c["aud"] = "client-2";
    EXPECT_EQ(code_of(sign(c)), errc::bad_audience);
}

TEST_F(LogoutToken, RefusesAnExpiredToken) { // step 3
    json c = claims();
    c["iat"] = now() - 3600;
    c["exp"] = now() - 600;
    EXPECT_EQ(code_of(sign(c)), errc::expired);
}

TEST_F(LogoutToken, RefusesATokenIssuedInTheFuture) { // step 3
    json c = claims();
    c["iat"] = now() + 3600;
    c["exp"] = now() + 7200;
    EXPECT_EQ(code_of(sign(c)), errc::issued_in_future);
}

TEST_F(LogoutToken, RefusesATokenWithoutIat) { // step 3
    json c = claims();
    c.erase("iat");
    EXPECT_EQ(code_of(sign(c)), errc::missing_claim);
}

TEST_F(LogoutToken, RefusesNeitherSubNorSid) { // step 4
    json c = claims();
    c.erase("sub");
    c.erase("sid");
    EXPECT_EQ(code_of(sign(c)), errc::missing_claim);
}

TEST_F(LogoutToken, RefusesMissingEvents) { // step 5
    json c = claims();
    c.erase("events");
    EXPECT_EQ(code_of(sign(c)), errc::missing_claim);
}

TEST_F(LogoutToken, RefusesEventsWithoutTheLogoutEvent) { // step 5
    json c = claims();
    c["events"] = {{"http://schemas.openid.net/event/other", json::object()}};
    EXPECT_EQ(code_of(sign(c)), errc::token_invalid);
    c["events"] = {{backchannel_logout_event, "yes"}};
    EXPECT_EQ(code_of(sign(c)), errc::token_invalid);
    c["events"] = json::array({backchannel_logout_event});
    EXPECT_EQ(code_of(sign(c)), errc::token_invalid);
}

TEST_F(LogoutToken, RefusesANonce) { // step 6: an ID token must not pass as a logout token
    json c = claims();
    c["nonce"] = "n-0S6_WzA2Mj";
    EXPECT_EQ(code_of(sign(c)), errc::token_invalid);
}

TEST_F(LogoutToken, RefusesAMissingJti) { // §2.4
    json c = claims();
    c.erase("jti");
    EXPECT_EQ(code_of(sign(c)), errc::missing_claim);
    c["jti"] = 5;
    EXPECT_EQ(code_of(sign(c)), errc::token_invalid);
}

TEST_F(LogoutToken, RefusesAnotherExplicitType) { // §2.4, RFC 8725 §3.11
    EXPECT_EQ(code_of(sign(claims(), {{"kid", "k1"}, {"typ", "at+jwt"}})), errc::token_invalid);
    EXPECT_EQ(code_of(sign(claims(), {{"kid", "k1"}, {"typ", "dpop+jwt"}})), errc::token_invalid);
}

TEST_F(LogoutToken, IsNotAnIdToken) {
    // The same validator refuses a logout token offered as an ID token.
    try {
        validator.validate(sign(claims()));
        FAIL() << "a logout token passed as an ID token";
    } catch (const TokenError& e) {
        EXPECT_EQ(e.code(), errc::token_invalid);
    }
}

} // namespace
} // namespace authflow

// JWK and JWKS parsing, key fit, key selection.
#include "support/jose_signer.hpp"

#include <authflow/core/encoding.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/jose/jwk.hpp>

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

namespace authflow {
namespace {

using json = nlohmann::json;
using test::TestKey;

const TestKey& rsa_key() {
    static const TestKey key = TestKey::rsa(2048);
    return key;
}
const TestKey& ec_key() {
    static const TestKey key = TestKey::ec("P-256");
    return key;
}

template <typename F> errc code_of(F&& f) {
    try {
        f();
    } catch (const TokenError& e) {
        return e.code();
    }
    ADD_FAILURE() << "no TokenError thrown";
    return errc::internal;
}

TEST(Jwk, ParsesRsaKey) {
    Jwk key = Jwk::from_json(rsa_key().public_jwk("r1", "RS256"));
    EXPECT_EQ(key.kty(), KeyType::rsa);
    EXPECT_EQ(key.kid(), "r1");
    EXPECT_EQ(key.alg(), JwsAlg::RS256);
    EXPECT_EQ(key.bits(), 2048);
    EXPECT_TRUE(key.fits(JwsAlg::RS256));
    EXPECT_FALSE(key.fits(JwsAlg::PS256)); // the JWK's alg pins it to RS256
}

TEST(Jwk, RsaKeyWithoutAlgFitsEveryRsaAlgorithm) {
    Jwk key = Jwk::from_json(rsa_key().public_jwk());
    for (JwsAlg alg : {JwsAlg::RS256, JwsAlg::RS384, JwsAlg::RS512, JwsAlg::PS256, JwsAlg::PS384,
                       JwsAlg::PS512}) {
        EXPECT_TRUE(key.fits(alg)) << to_string(alg);
    }
    for (JwsAlg alg : {JwsAlg::ES256, JwsAlg::EdDSA, JwsAlg::HS256}) {
        EXPECT_FALSE(key.fits(alg)) << to_string(alg);
    }
}

TEST(Jwk, RejectsRsaKeyShorterThan2048Bits) {
    TestKey weak = TestKey::rsa(1024);
    EXPECT_EQ(code_of([&] { Jwk::from_json(weak.public_jwk()); }), errc::weak_key);
}

TEST(Jwk, RejectsRsaKeyWithEvenExponent) {
    json jwk = rsa_key().public_jwk();
    jwk["e"] = base64url_encode(std::string("\x01\x00\x00", 3));
    EXPECT_EQ(code_of([&] { Jwk::from_json(jwk); }), errc::bad_key);
}

TEST(Jwk, ParsesEveryCurve) {
    for (const char* crv : {"P-256", "P-384", "P-521"}) {
        Jwk key = Jwk::from_json(TestKey::ec(crv).public_jwk());
        EXPECT_EQ(key.kty(), KeyType::ec);
        EXPECT_EQ(key.crv(), crv);
    }
    for (const char* crv : {"Ed25519", "Ed448"}) {
        Jwk key = Jwk::from_json(TestKey::okp(crv).public_jwk());
        EXPECT_EQ(key.kty(), KeyType::okp);
        EXPECT_EQ(key.crv(), crv);
        EXPECT_TRUE(key.fits(JwsAlg::EdDSA));
        EXPECT_EQ(key.fits(JwsAlg::Ed25519), std::string{crv} == "Ed25519");
    }
}

TEST(Jwk, EcKeyFitsOnlyItsCurvesAlgorithm) {
    Jwk key = Jwk::from_json(ec_key().public_jwk());
    EXPECT_TRUE(key.fits(JwsAlg::ES256));
    EXPECT_FALSE(key.fits(JwsAlg::ES384));
    EXPECT_FALSE(key.fits(JwsAlg::ES512));
    EXPECT_FALSE(key.fits(JwsAlg::RS256));
}

TEST(Jwk, RejectsEcPointNotOnCurve) {
    json jwk = ec_key().public_jwk();
    std::string y = base64url_decode(jwk["y"].get<std::string>());
    y.back() = static_cast<char>(y.back() ^ 1);
    jwk["y"] = base64url_encode(y);
    EXPECT_EQ(code_of([&] { Jwk::from_json(jwk); }), errc::bad_key);
}

TEST(Jwk, RejectsEcCoordinatesOfTheWrongLength) {
    json jwk = ec_key().public_jwk();
    // Leading zero bytes stripped (a common encoder bug): RFC 7518 §6.2.1.2 forbids it.
    std::string x = base64url_decode(jwk["x"].get<std::string>());
    jwk["x"] = base64url_encode(x.substr(1));
    EXPECT_EQ(code_of([&] { Jwk::from_json(jwk); }), errc::bad_key);
}

TEST(Jwk, RejectsUnsupportedTypesAndCurves) {
    EXPECT_EQ(code_of([] { Jwk::parse(R"({"kty":"XYZ"})"); }), errc::unsupported_key);
    EXPECT_EQ(code_of([] { Jwk::parse(R"({"kty":"EC","crv":"secp256k1","x":"AA","y":"AA"})"); }),
              errc::unsupported_key);
    // X25519 is for key agreement, never for signatures.
    EXPECT_EQ(code_of([] {
                  Jwk::parse(R"({"kty":"OKP","crv":"X25519",)"
                             R"("x":"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"})");
              }),
              errc::unsupported_key);
    EXPECT_EQ(code_of([&] {
                  json jwk = rsa_key().public_jwk();
                  jwk["alg"] = "RSA-OAEP";
                  Jwk::from_json(jwk);
              }),
              errc::unsupported_key);
}

TEST(Jwk, RejectsMalformedMembers) {
    json good = rsa_key().public_jwk();
    auto with = [&](const char* name, json value) {
        json jwk = good;
        if (value.is_null()) {
            jwk.erase(name);
        } else {
            jwk[name] = std::move(value);
        }
        return code_of([&] { Jwk::from_json(jwk); });
    };
    EXPECT_EQ(with("n", nullptr), errc::bad_key);
    EXPECT_EQ(with("e", nullptr), errc::bad_key);
    EXPECT_EQ(with("n", 42), errc::bad_key);
    EXPECT_EQ(with("n", "not base64url!"), errc::bad_key);
    EXPECT_EQ(with("n", good["n"].get<std::string>() + "="), errc::bad_key); // no padding
    EXPECT_EQ(with("kid", 7), errc::bad_key);
    EXPECT_EQ(with("use", json::array()), errc::bad_key);
    EXPECT_EQ(with("key_ops", "verify"), errc::bad_key);
    EXPECT_EQ(with("key_ops", json::array({"verify", "verify"})), errc::bad_key);
    EXPECT_EQ(with("alg", "ES256"), errc::bad_key); // does not fit an RSA key
    EXPECT_EQ(code_of([] { Jwk::parse("[1,2]"); }), errc::bad_json);
    EXPECT_EQ(code_of([] { Jwk::parse("{\"kty\":"); }), errc::bad_json);
    EXPECT_EQ(code_of([] { Jwk::parse(R"({"n":"AQAB"})"); }), errc::bad_key); // no kty
}

TEST(Jwk, HonoursUseAndKeyOps) {
    json jwk = ec_key().public_jwk();
    jwk["use"] = "enc";
    EXPECT_FALSE(Jwk::from_json(jwk).fits(JwsAlg::ES256));
    jwk["use"] = "sig";
    EXPECT_TRUE(Jwk::from_json(jwk).fits(JwsAlg::ES256));
    jwk["key_ops"] = json::array({"encrypt"});
    EXPECT_FALSE(Jwk::from_json(jwk).fits(JwsAlg::ES256));
    jwk["key_ops"] = json::array({"verify"});
    EXPECT_TRUE(Jwk::from_json(jwk).fits(JwsAlg::ES256));
}

TEST(Jwk, SharedSecretMustBeAsLongAsTheHash) {
    EXPECT_EQ(code_of([] { Jwk::from_shared_secret(""); }), errc::weak_key);
    EXPECT_EQ(code_of([] { Jwk::from_shared_secret(std::string(31, 'k')); }), errc::weak_key);
    Jwk key = Jwk::from_shared_secret(std::string(40, 'k'));
    EXPECT_TRUE(key.fits(JwsAlg::HS256));
    EXPECT_FALSE(key.fits(JwsAlg::HS384)); // 40 bytes < 48
    EXPECT_FALSE(key.fits(JwsAlg::HS512));
    EXPECT_FALSE(key.fits(JwsAlg::RS256));
    json jwk = {{"kty", "oct"}, {"alg", "HS512"}, {"k", base64url_encode(std::string(40, 'k'))}};
    EXPECT_EQ(code_of([&] { Jwk::from_json(jwk); }), errc::weak_key);
}

TEST(Jwk, ThumbprintIgnoresOptionalMembers) {
    json plain = ec_key().public_jwk();
    json decorated = ec_key().public_jwk("some-kid", "ES256");
    decorated["use"] = "sig";
    EXPECT_EQ(Jwk::from_json(plain).thumbprint(), Jwk::from_json(decorated).thumbprint());
    EXPECT_NE(Jwk::from_json(plain).thumbprint(),
              Jwk::from_json(TestKey::ec("P-256").public_jwk()).thumbprint());
}

TEST(Jwks, KeepsGoodKeysAndSkipsBadOnesWithALogLine) {
    std::vector<std::string> lines;
    std::mutex mutex;
    set_log_level(LogLevel::debug);
    set_log_callback([&](LogLevel, std::string_view line) {
        std::lock_guard lock(mutex);
        lines.emplace_back(line);
    });
    json bad_point = ec_key().public_jwk("bad-point");
    std::string y = base64url_decode(bad_point["y"].get<std::string>());
    y.back() = static_cast<char>(y.back() ^ 1);
    bad_point["y"] = base64url_encode(y);
    json set = {{"keys", json::array({
                             rsa_key().public_jwk("good-rsa"),
                             {{"kty", "XYZ"}, {"kid", "unknown-type"}},
                             TestKey::rsa(1024).public_jwk("weak"),
                             bad_point,
                             ec_key().public_jwk("good-ec"),
                             {{"kty", "oct"}, {"kid", "secret"}, {"k", std::string(64, 'A')}},
                             TestKey::okp("Ed25519").public_jwk("enc", ""),
                             "not an object",
                         })}};
    set["keys"][6]["use"] = "enc";
    Jwks jwks = Jwks::from_json(set);
    set_log_callback({});
    set_log_level(LogLevel::warning);

    ASSERT_EQ(jwks.size(), 2u);
    EXPECT_EQ(jwks.keys()[0].kid(), "good-rsa");
    EXPECT_EQ(jwks.keys()[1].kid(), "good-ec");
    ASSERT_EQ(jwks.skipped().size(), 6u);
    EXPECT_EQ(jwks.skipped()[0].code, errc::unsupported_key);
    EXPECT_EQ(jwks.skipped()[1].code, errc::weak_key);
    EXPECT_EQ(jwks.skipped()[2].code, errc::bad_key);
    EXPECT_EQ(jwks.skipped()[3].code, errc::unsupported_key); // oct: never from a published set
    EXPECT_EQ(jwks.skipped()[4].code, errc::unsupported_key); // use enc
    EXPECT_EQ(jwks.skipped()[5].code, errc::bad_key);
    EXPECT_EQ(lines.size(), 6u);
    // A token naming a skipped key learns why it was skipped.
    EXPECT_EQ(code_of([&] { jwks.select(JwsAlg::RS256, "weak"); }), errc::weak_key);
    EXPECT_EQ(code_of([&] { jwks.select(JwsAlg::ES256, "bad-point"); }), errc::bad_key);
}

TEST(Jwks, RejectsDocumentsThatAreNotKeySets) {
    EXPECT_EQ(code_of([] { Jwks::parse("not json"); }), errc::bad_json);
    EXPECT_EQ(code_of([] { Jwks::parse("[]"); }), errc::bad_json);
    EXPECT_EQ(code_of([] { Jwks::parse("{}"); }), errc::bad_json);
    EXPECT_EQ(code_of([] { Jwks::parse(R"({"keys":{}})"); }), errc::bad_json);
    EXPECT_EQ(Jwks::parse(R"({"keys":[]})").size(), 0u);
}

TEST(Jwks, SelectsByKidAndAlgorithm) {
    TestKey other = TestKey::rsa(2048);
    Jwks jwks =
        Jwks::from_json({{"keys", json::array({rsa_key().public_jwk("a"), other.public_jwk("b"),
                                               ec_key().public_jwk("a")})}});
    EXPECT_EQ(jwks.select(JwsAlg::RS256, "b").kid(), "b");
    // Two keys share kid "a"; the algorithm decides.
    EXPECT_EQ(jwks.select(JwsAlg::RS256, "a").kty(), KeyType::rsa);
    EXPECT_EQ(jwks.select(JwsAlg::ES256, "a").kty(), KeyType::ec);
    EXPECT_EQ(code_of([&] { jwks.select(JwsAlg::RS256, "c"); }), errc::unknown_key);
    EXPECT_EQ(code_of([&] { jwks.select(JwsAlg::ES384, "a"); }), errc::unknown_key);
}

TEST(Jwks, TokenWithoutKidNeedsExactlyOneFittingKey) {
    Jwks one = Jwks::from_json({{"keys", json::array({rsa_key().public_jwk("a")})}});
    EXPECT_EQ(one.select(JwsAlg::RS256, std::nullopt).kid(), "a");

    Jwks two = Jwks::from_json(
        {{"keys", json::array({rsa_key().public_jwk("a"), TestKey::rsa(2048).public_jwk("b")})}});
    EXPECT_EQ(code_of([&] { two.select(JwsAlg::RS256, std::nullopt); }), errc::ambiguous_key);

    // Several keys, but only one of them fits the algorithm: accepted.
    Jwks mixed = Jwks::from_json(
        {{"keys", json::array({rsa_key().public_jwk("a"), ec_key().public_jwk("b")})}});
    EXPECT_EQ(mixed.select(JwsAlg::ES256, std::nullopt).kid(), "b");
    EXPECT_EQ(code_of([&] { mixed.select(JwsAlg::ES384, std::nullopt); }), errc::unknown_key);
}

TEST(JwsAlgNames, RoundTripAndRejectNone) {
    for (const char* name : {"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384",
                             "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"}) {
        auto alg = parse_jws_alg(name);
        ASSERT_TRUE(alg) << name;
        EXPECT_EQ(to_string(*alg), name);
    }
    EXPECT_FALSE(parse_jws_alg("none"));
    EXPECT_FALSE(parse_jws_alg("rs256")); // case-sensitive
    EXPECT_FALSE(parse_jws_alg("ES256K"));
    EXPECT_TRUE(is_symmetric(JwsAlg::HS384));
    EXPECT_FALSE(is_symmetric(JwsAlg::PS384));
    for (JwsAlg alg : asymmetric_jws_algs()) {
        EXPECT_FALSE(is_symmetric(alg));
    }
}

} // namespace
} // namespace authflow

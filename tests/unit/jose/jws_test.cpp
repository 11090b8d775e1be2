// JWS compact verification: every algorithm, and every way a token must be rejected.
#include "support/jose_signer.hpp"

#include <authflow/core/encoding.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/jose/jws.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace authflow {
namespace {

using json = nlohmann::json;
using test::make_jws;
using test::make_jws_raw;
using test::TestKey;

struct Keys {
    TestKey rsa = TestKey::rsa(2048);
    TestKey p256 = TestKey::ec("P-256");
    TestKey p384 = TestKey::ec("P-384");
    TestKey p521 = TestKey::ec("P-521");
    TestKey ed25519 = TestKey::okp("Ed25519");
    TestKey ed448 = TestKey::okp("Ed448");
    Jwks jwks;
    Keys() {
        jwks = Jwks::from_json(
            {{"keys", json::array({rsa.public_jwk("rsa"), p256.public_jwk("p256"),
                                   p384.public_jwk("p384"), p521.public_jwk("p521"),
                                   ed25519.public_jwk("ed25519"), ed448.public_jwk("ed448")})}});
    }
};

const Keys& keys() {
    static const Keys k;
    return k;
}

const json payload = {{"sub", "alice"}, {"n", 1}};

template <typename F> errc code_of(F&& f) {
    try {
        f();
    } catch (const TokenError& e) {
        return e.code();
    }
    ADD_FAILURE() << "no TokenError thrown";
    return errc::internal;
}

errc verify_code(const std::string& token, const JwsOptions& options = {}) {
    return code_of([&] { verify_jws(token, keys().jwks, options); });
}

std::string flip_last_signature_byte(const std::string& token) {
    auto dot = token.rfind('.');
    std::string signature = base64url_decode(token.substr(dot + 1));
    signature.back() = static_cast<char>(signature.back() ^ 0x01);
    return token.substr(0, dot + 1) + base64url_encode(signature);
}

std::string replace_payload(const std::string& token, const std::string& new_payload) {
    auto first = token.find('.');
    auto second = token.rfind('.');
    return token.substr(0, first + 1) + base64url_encode(new_payload) + token.substr(second);
}

struct AlgCase {
    const char* alg;
    const TestKey& (*key)();
    const char* kid;
};

const TestKey& rsa() {
    return keys().rsa;
}
const TestKey& p256() {
    return keys().p256;
}
const TestKey& p384() {
    return keys().p384;
}
const TestKey& p521() {
    return keys().p521;
}
const TestKey& ed25519() {
    return keys().ed25519;
}
const TestKey& ed448() {
    return keys().ed448;
}

const AlgCase alg_cases[] = {
    {"RS256", rsa, "rsa"},         {"RS384", rsa, "rsa"},     {"RS512", rsa, "rsa"},
    {"PS256", rsa, "rsa"},         {"PS384", rsa, "rsa"},     {"PS512", rsa, "rsa"},
    {"ES256", p256, "p256"},       {"ES384", p384, "p384"},   {"ES512", p521, "p521"},
    {"EdDSA", ed25519, "ed25519"}, {"EdDSA", ed448, "ed448"}, {"Ed25519", ed25519, "ed25519"},
};

TEST(Jws, VerifiesEveryAsymmetricAlgorithm) {
    for (const auto& c : alg_cases) {
        SCOPED_TRACE(std::string{c.alg} + " " + c.kid);
        std::string token = make_jws(c.key(), c.alg, {{"kid", c.kid}}, payload);
        VerifiedJws verified = verify_jws(token, keys().jwks);
        EXPECT_EQ(to_string(verified.header.alg), c.alg);
        EXPECT_EQ(verified.header.kid, c.kid);
        EXPECT_EQ(verified.key.kid(), c.kid);
        EXPECT_EQ(json::parse(verified.payload), payload);
    }
}

TEST(Jws, RejectsABadSignatureForEveryAlgorithm) {
    for (const auto& c : alg_cases) {
        SCOPED_TRACE(std::string{c.alg} + " " + c.kid);
        std::string token = make_jws(c.key(), c.alg, {{"kid", c.kid}}, payload);
        EXPECT_EQ(verify_code(flip_last_signature_byte(token)), errc::bad_signature);
        EXPECT_EQ(verify_code(replace_payload(token, R"({"sub":"mallory","n":1})")),
                  errc::bad_signature);
    }
}

TEST(Jws, RejectsASignatureByAnotherKeyUnderTheSameKid) {
    TestKey impostor = TestKey::rsa(2048);
    EXPECT_EQ(verify_code(make_jws(impostor, "RS256", {{"kid", "rsa"}}, payload)),
              errc::bad_signature);
    TestKey impostor_ec = TestKey::ec("P-256");
    EXPECT_EQ(verify_code(make_jws(impostor_ec, "ES256", {{"kid", "p256"}}, payload)),
              errc::bad_signature);
}

TEST(Jws, VerifiesHmacOnlyWithAnExplicitSecretAndWhenAllowed) {
    std::string secret(32, 's');
    TestKey hmac = TestKey::hmac(secret);
    Jwks with_secret;
    with_secret.add(Jwk::from_shared_secret(secret, "client-secret"));
    JwsOptions hs;
    hs.allowed_algs = {JwsAlg::HS256};
    for (const char* alg : {"HS256", "HS384", "HS512"}) {
        SCOPED_TRACE(alg);
        std::string long_secret(64, 'q');
        Jwks set;
        set.add(Jwk::from_shared_secret(long_secret));
        JwsOptions options;
        options.allowed_algs = {*parse_jws_alg(alg)};
        std::string token = make_jws(TestKey::hmac(long_secret), alg, json::object(), payload);
        EXPECT_EQ(json::parse(verify_jws(token, set, options).payload), payload);
        EXPECT_EQ(code_of([&] { verify_jws(flip_last_signature_byte(token), set, options); }),
                  errc::bad_signature);
    }
    std::string token = make_jws(hmac, "HS256", json::object(), payload);
    EXPECT_NO_THROW(verify_jws(token, with_secret, hs));
    // HS* is never in the default allow-list.
    EXPECT_EQ(code_of([&] { verify_jws(token, with_secret); }), errc::alg_not_allowed);
}

TEST(Jws, RejectsAlgNoneWhateverTheAllowList) {
    std::string header = base64url_encode(R"({"alg":"none"})");
    std::string body = base64url_encode(payload.dump());
    EXPECT_EQ(verify_code(header + "." + body + "."), errc::alg_none);
    EXPECT_EQ(verify_code(header + "." + body + ".c2ln"), errc::alg_none);
    JwsOptions everything;
    everything.allowed_algs = {JwsAlg::HS256, JwsAlg::RS256};
    EXPECT_EQ(verify_code(header + "." + body + ".", everything), errc::alg_none);
}

TEST(Jws, RejectsAlgorithmsOutsideTheAllowList) {
    JwsOptions only_es256;
    only_es256.allowed_algs = {JwsAlg::ES256};
    std::string token = make_jws(rsa(), "RS256", {{"kid", "rsa"}}, payload);
    EXPECT_EQ(verify_code(token, only_es256), errc::alg_not_allowed);
    JwsOptions nothing;
    nothing.allowed_algs.clear();
    EXPECT_EQ(verify_code(token, nothing), errc::alg_not_allowed);
    // Names authflow does not implement, or spelled differently, are not allowed either.
    for (const char* alg : {"ES256K", "rs256", "RSA-OAEP", "", "None", "NONE"}) {
        std::string forged = base64url_encode(json{{"alg", alg}}.dump()) + "." +
                             base64url_encode(payload.dump()) + ".c2ln";
        EXPECT_EQ(verify_code(forged), errc::alg_not_allowed) << alg;
    }
}

// The classic confusion: an HMAC "signed" with the RSA public key's bytes as the secret.
TEST(Jws, NeverUsesAPublicKeyAsAnHmacSecret) {
    JwsOptions both;
    both.allowed_algs = {JwsAlg::HS256, JwsAlg::RS256};
    json jwk = rsa().public_jwk("rsa");
    for (const std::string& secret :
         {base64url_decode(jwk["n"].get<std::string>()), jwk.dump(), jwk["n"].get<std::string>()}) {
        std::string token = make_jws(TestKey::hmac(secret), "HS256", {{"kid", "rsa"}}, payload);
        EXPECT_EQ(verify_code(token, both), errc::unknown_key);
        EXPECT_EQ(verify_code(token), errc::alg_not_allowed);
    }
    // Even a resolver that hands back the RSA key for an HS256 token cannot make it verify.
    struct Careless final : KeyResolver {
        Jwk key;
        explicit Careless(Jwk k) : key(std::move(k)) {}
        Jwk resolve(const JwsHeader&) override { return key; }
    } careless(Jwk::from_json(jwk));
    std::string token = make_jws(TestKey::hmac(""), "HS256", {{"kid", "rsa"}}, payload);
    EXPECT_EQ(code_of([&] { verify_jws(token, careless, both); }), errc::unknown_key);
}

TEST(Jws, RejectsCriticalHeadersItDoesNotUnderstand) {
    std::string token =
        make_jws(rsa(), "RS256", {{"kid", "rsa"}, {"crit", {"exp"}}, {"exp", 1}}, payload);
    EXPECT_EQ(verify_code(token), errc::crit_header);
    JwsOptions understood;
    understood.understood_crit = {"exp"};
    EXPECT_NO_THROW(verify_jws(token, keys().jwks, understood));
    // Listed as critical but absent; an empty list; a non-string entry.
    std::string absent = make_jws(rsa(), "RS256", {{"kid", "rsa"}, {"crit", {"exp"}}}, payload);
    EXPECT_EQ(verify_code(absent, understood), errc::malformed_jws);
    std::string empty =
        make_jws(rsa(), "RS256", {{"kid", "rsa"}, {"crit", json::array()}}, payload);
    EXPECT_EQ(verify_code(empty), errc::malformed_jws);
    std::string number = make_jws(rsa(), "RS256", {{"kid", "rsa"}, {"crit", {7}}}, payload);
    EXPECT_EQ(verify_code(number), errc::malformed_jws);
    std::string b64 =
        make_jws(rsa(), "RS256", {{"kid", "rsa"}, {"crit", {"b64"}}, {"b64", false}}, payload);
    EXPECT_EQ(verify_code(b64), errc::crit_header);
}

// jku, x5u and an embedded jwk are attacker-controlled: a token signed by the attacker's key
// that carries that key (or a URL to it) must still fail against the real key set.
TEST(Jws, NeverTrustsKeysNamedByTheToken) {
    TestKey attacker = TestKey::rsa(2048);
    json header = {{"kid", "rsa"},
                   {"jwk", attacker.public_jwk("rsa")},
                   {"jku", "https://attacker.example/jwks.json"},
                   {"x5u", "https://attacker.example/cert.pem"}};
    EXPECT_EQ(verify_code(make_jws(attacker, "RS256", header, payload)), errc::bad_signature);
    header.erase("kid");
    EXPECT_EQ(verify_code(make_jws(attacker, "RS256", header, payload)), errc::bad_signature);
    // An attacker kid the set does not have: unknown, never fetched from jku.
    header["kid"] = "attacker";
    EXPECT_EQ(verify_code(make_jws(attacker, "RS256", header, payload)), errc::unknown_key);
    // The legitimate key still verifies a token that carries these headers.
    header["kid"] = "rsa";
    EXPECT_NO_THROW(verify_jws(make_jws(rsa(), "RS256", header, payload), keys().jwks));
}

TEST(Jws, KidlessTokenNeedsExactlyOneFittingKey) {
    // Six keys, but only one P-384 key: accepted without a kid.
    EXPECT_NO_THROW(verify_jws(make_jws(p384(), "ES384", json::object(), payload), keys().jwks));
    // Two Ed keys fit EdDSA: ambiguous.
    EXPECT_EQ(verify_code(make_jws(ed25519(), "EdDSA", json::object(), payload)),
              errc::ambiguous_key);
    // Ed25519 (fully specified) fits only one of them.
    EXPECT_NO_THROW(
        verify_jws(make_jws(ed25519(), "Ed25519", json::object(), payload), keys().jwks));
}

TEST(Jws, RejectsTokensOverTheSizeCap) {
    std::string token = make_jws(rsa(), "RS256", {{"kid", "rsa"}}, payload);
    JwsOptions small;
    small.max_token_bytes = token.size() - 1;
    EXPECT_EQ(verify_code(token, small), errc::token_too_large);
    small.max_token_bytes = token.size();
    EXPECT_NO_THROW(verify_jws(token, keys().jwks, small));
    // The default cap is 64 KiB.
    json big = {{"blob", std::string(70 * 1024, 'x')}};
    EXPECT_EQ(verify_code(make_jws(rsa(), "RS256", {{"kid", "rsa"}}, big)), errc::token_too_large);
}

TEST(Jws, RejectsMalformedCompactSerializations) {
    std::string token = make_jws(rsa(), "RS256", {{"kid", "rsa"}}, payload);
    auto first = token.find('.');
    auto second = token.rfind('.');
    std::string header = token.substr(0, first);
    std::string body = token.substr(first + 1, second - first - 1);
    std::string signature = token.substr(second + 1);
    for (const std::string& bad : {
             std::string{},
             header,
             header + "." + body,
             token + ".",
             token + "." + signature,
             "." + body + "." + signature,
             header + "=." + body + "." + signature,       // padding
             header + "." + body + "=." + signature,       // padding
             header + "." + body + "." + signature + "=",  // padding
             header + "." + body + " ." + signature,       // whitespace
             header + "." + body + "." + signature + "\n", // whitespace
             header + "." + body + "+." + signature,       // standard alphabet
             "e30." + body + "." + signature,              // {} : no alg
             "W10." + body + "." + signature,              // [] : not an object
             "bnVsbA." + body + "." + signature,           // null
             "e30K" + std::string{"."} + body + "." + signature,
             base64url_encode(R"({"alg":"RS256")") + "." + body + "." + signature, // truncated
             base64url_encode(R"({"alg":256})") + "." + body + "." + signature,
             base64url_encode(R"({"alg":"RS256","kid":1})") + "." + body + "." + signature,
             base64url_encode(R"({"alg":"RS256","typ":{}})") + "." + body + "." + signature,
         }) {
        EXPECT_EQ(verify_code(bad), errc::malformed_jws) << bad;
    }
    // A JWE (five parts) is not a JWS.
    EXPECT_EQ(verify_code(header + ".a.b.c." + signature), errc::malformed_jws);
}

// Two readers of one header or claim set (simdjson iterating members, nlohmann keeping the last)
// must never see different values: any repeated member name, at any depth, is refused.
TEST(Jws, RejectsRepeatedMembersInHeaderAndPayload) {
    const auto& rsa = keys().rsa;
    const std::string header = R"({"alg":"RS256","kid":"rsa")";
    for (const std::string& bad_header : {
             std::string{R"({"alg":"RS256","alg":"RS256","kid":"rsa"})"},
             header + R"(,"kid":"rsa"})",
             header + R"(,"x":1,"x":2})",
             header + R"(,"\u0078":1,"x":2})", // the same name once unescaped
             header + R"(,"jwk":{"kty":"RSA","kty":"EC"}})",
         }) {
        EXPECT_EQ(verify_code(make_jws_raw(rsa, "RS256", bad_header, R"({"sub":"alice"})")),
                  errc::duplicate_member)
            << bad_header;
    }
    for (const std::string& bad_payload : {
             std::string{R"({"email":"admin@corp.example","email":5})"},
             std::string{R"({"sub":"alice","sub":"mallory"})"},
             std::string{R"({"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,)"
                         R"("k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17,"a":18})"},
             std::string{R"({"realm_access":{"roles":["user"],"roles":["admin"]}})"},
             std::string{R"({"list":[{"x":1},{"y":1,"y":2}]})"},
         }) {
        EXPECT_EQ(verify_code(make_jws_raw(rsa, "RS256", header + "}", bad_payload)),
                  errc::duplicate_member)
            << bad_payload;
    }
    // Same names in different objects, and payloads that are not JSON, are fine.
    EXPECT_NO_THROW(verify_jws(
        make_jws_raw(rsa, "RS256", header + "}", R"({"a":{"a":1},"b":[{"a":2},{"a":3}],"c":"a"})"),
        keys().jwks));
    EXPECT_EQ(verify_jws(make_jws_raw(rsa, "RS256", header + "}", "not json"), keys().jwks).payload,
              "not json");
    // The signature is checked first: a forged token is bad_signature whatever it holds.
    const std::string forged = flip_last_signature_byte(
        make_jws_raw(rsa, "RS256", header + "}", R"({"email":"a","email":5})"));
    EXPECT_EQ(verify_code(forged), errc::bad_signature);
}

TEST(Jws, RejectsEcdsaSignaturesNotInRawForm) {
    std::string input = base64url_encode(R"({"alg":"ES256","kid":"p256"})") + "." +
                        base64url_encode(payload.dump());
    std::string raw = p256().sign("ES256", input);
    ASSERT_EQ(raw.size(), 64u);
    // DER encoding (what OpenSSL emits natively) is not the JWS form: rejected by length.
    std::string der;
    der += '\x30';
    der += static_cast<char>(2 + 33 + 2 + 33);
    der += std::string("\x02\x21\x00", 3) + raw.substr(0, 32);
    der += std::string("\x02\x21\x00", 3) + raw.substr(32);
    EXPECT_EQ(verify_code(input + "." + base64url_encode(der)), errc::bad_signature);
    EXPECT_EQ(verify_code(input + "." + base64url_encode(raw.substr(0, 63))), errc::bad_signature);
    EXPECT_EQ(verify_code(input + "." + base64url_encode(raw + '\0')), errc::bad_signature);
    EXPECT_EQ(verify_code(input + "." + base64url_encode(std::string(64, '\0'))),
              errc::bad_signature);
    EXPECT_NO_THROW(verify_jws(input + "." + base64url_encode(raw), keys().jwks));
}

TEST(Jws, ConvertsEveryShapeOfEcdsaSignature) {
    // R and S with leading zero bytes or a high bit set need different DER encodings; many
    // signatures cover both cases on every curve.
    for (const auto* key : {&p256(), &p384(), &p521()}) {
        const char* alg = key == &p256() ? "ES256" : key == &p384() ? "ES384" : "ES512";
        for (int i = 0; i < 64; ++i) {
            std::string token = make_jws(*key, alg, json::object(), {{"i", i}});
            ASSERT_NO_THROW(verify_jws(token, keys().jwks)) << alg << " " << i;
        }
    }
}

TEST(Jws, RejectsRsaSignaturesOfTheWrongLength) {
    std::string token = make_jws(rsa(), "RS256", {{"kid", "rsa"}}, payload);
    auto dot = token.rfind('.');
    std::string signature = base64url_decode(token.substr(dot + 1));
    EXPECT_EQ(verify_code(token.substr(0, dot + 1) + base64url_encode(signature.substr(1))),
              errc::bad_signature);
    EXPECT_EQ(verify_code(token.substr(0, dot + 1) + base64url_encode('\0' + signature)),
              errc::bad_signature);
    EXPECT_EQ(verify_code(token.substr(0, dot + 1)), errc::bad_signature);
}

// Verification contexts are prepared once per key and copied by every verification: many
// threads verifying with the same keys, good and bad signatures mixed, must all get the right
// answer.
TEST(Jws, VerifiesConcurrentlyWithSharedKeys) {
    std::vector<std::pair<std::string, bool>> tokens;
    for (const auto& c : alg_cases) {
        std::string token = make_jws(c.key(), c.alg, {{"kid", c.kid}}, payload);
        tokens.emplace_back(token, true);
        tokens.emplace_back(flip_last_signature_byte(token), false);
    }
    Jwks fresh = Jwks::from_json( // no prototype made yet: threads race to make them
        {{"keys", json::array({rsa().public_jwk("rsa"), p256().public_jwk("p256"),
                               p384().public_jwk("p384"), p521().public_jwk("p521"),
                               ed25519().public_jwk("ed25519"), ed448().public_jwk("ed448")})}});
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 20; ++i) {
                const auto& [token, good] =
                    tokens[(static_cast<std::size_t>(t) + i) % tokens.size()];
                bool accepted = true;
                try {
                    verify_jws(token, fresh);
                } catch (const TokenError&) {
                    accepted = false;
                }
                if (accepted != good) {
                    ++wrong;
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(wrong.load(), 0);
}

TEST(Jws, PayloadNeedNotBeJson) {
    std::string token = make_jws_raw(rsa(), "RS256", R"({"alg":"RS256"})", "plain bytes \x01");
    Jwks one;
    one.add(Jwk::from_json(rsa().public_jwk()));
    EXPECT_EQ(verify_jws(token, one).payload, "plain bytes \x01");
}

TEST(Jws, RejectsAPayloadThatIsNotBase64url) {
    std::string input = base64url_encode(R"({"alg":"RS256","kid":"rsa"})") + ".e30=";
    std::string token = input + "." + base64url_encode(rsa().sign("RS256", input));
    EXPECT_EQ(verify_code(token), errc::malformed_jws);
}

} // namespace
} // namespace authflow

// RFC test vectors (tests/vectors/jose, each with its source): RFC 7515 A.1–A.4, RFC 7520 §4.1–4.4,
// RFC 8037 A.3–A.4, RFC 7638 §3.1.
#include "support/test_env.hpp"

#include <authflow/core/encoding.hpp>
#include <authflow/jose/jws.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace authflow {
namespace {

using json = nlohmann::json;

json load(const char* name) {
    auto path = test::source_dir() / "tests" / "vectors" / "jose" / name;
    json doc = json::parse(test::read_file(path));
    EXPECT_TRUE(doc.contains("source") && doc.contains("url")) << name << " must name its source";
    return doc;
}

std::string tamper(const std::string& token) {
    // Change one payload character: the signature no longer matches.
    auto first = token.find('.');
    std::string copy = token;
    copy[first + 1] = copy[first + 1] == 'A' ? 'B' : 'A';
    return copy;
}

void check_jws_vectors(const char* file) {
    json doc = load(file);
    ASSERT_FALSE(doc["vectors"].empty());
    for (const auto& vector : doc["vectors"]) {
        SCOPED_TRACE(vector["section"].get<std::string>());
        Jwks keys;
        keys.add(Jwk::from_json(vector["jwk"]));
        JwsOptions options;
        options.allowed_algs = {*parse_jws_alg(vector["alg"].get<std::string>())};
        std::string token = vector["jws"];
        VerifiedJws verified = verify_jws(token, keys, options);
        EXPECT_EQ(verified.payload, vector["payload"].get<std::string>());
        EXPECT_EQ(to_string(verified.header.alg), vector["alg"].get<std::string>());
        try {
            verify_jws(tamper(token), keys, options);
            ADD_FAILURE() << "a tampered vector verified";
        } catch (const TokenError& e) {
            EXPECT_TRUE(e.code() == errc::bad_signature || e.code() == errc::malformed_jws)
                << to_string(e.code());
        }
        if (vector.contains("thumbprint")) {
            EXPECT_EQ(Jwk::from_json(vector["jwk"]).thumbprint(),
                      vector["thumbprint"].get<std::string>());
        }
    }
}

TEST(Rfc7515, AppendixAExamplesVerify) {
    check_jws_vectors("rfc7515_appendix_a.json");
}

TEST(Rfc7520, Section4SignatureExamplesVerify) {
    check_jws_vectors("rfc7520_section4.json");
}

TEST(Rfc8037, Ed25519ExampleVerifiesAndHasTheA3Thumbprint) {
    check_jws_vectors("rfc8037_appendix_a.json");
}

TEST(Rfc7638, ThumbprintOfTheSection31Key) {
    json doc = load("rfc7638_section3.json");
    for (const auto& vector : doc["vectors"]) {
        EXPECT_EQ(Jwk::from_json(vector["jwk"]).thumbprint(),
                  vector["thumbprint"].get<std::string>());
    }
}

TEST(Rfc7515, HmacVectorNeedsHs256InTheAllowList) {
    json doc = load("rfc7515_appendix_a.json");
    const auto& a1 = doc["vectors"][0];
    Jwks keys;
    keys.add(Jwk::from_json(a1["jwk"]));
    try {
        verify_jws(a1["jws"].get<std::string>(), keys);
        ADD_FAILURE() << "HS256 accepted by the default allow-list";
    } catch (const TokenError& e) {
        EXPECT_EQ(e.code(), errc::alg_not_allowed);
    }
}

} // namespace
} // namespace authflow

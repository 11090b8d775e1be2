// at_hash / c_hash (OIDC Core §3.1.3.6, §3.3.2.11) against the OIDC Core Appendix A vectors.
#include "support/test_env.hpp"

#include <authflow/core/encoding.hpp>
#include <authflow/oidc/id_token.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

namespace authflow {
namespace {

TEST(OidcTokenHash, MatchesTheOidcCoreAppendixAVectors) {
    auto path =
        test::source_dir() / "tests" / "vectors" / "jose" / "oidc_core_appendix_a_hashes.json";
    auto doc = nlohmann::json::parse(test::read_file(path));
    ASSERT_TRUE(doc.contains("source"));
    ASSERT_EQ(doc["vectors"].size(), 2u);
    for (const auto& vector : doc["vectors"]) {
        EXPECT_EQ(oidc_token_hash(vector["value"].get<std::string>(),
                                  *parse_jws_alg(vector["alg"].get<std::string>())),
                  vector["hash"].get<std::string>())
            << vector["name"];
    }
}

std::string left_half_b64(const EVP_MD* md, std::string_view value) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_Digest(value.data(), value.size(), digest, &size, md, nullptr);
    return base64url_encode(std::string_view{reinterpret_cast<const char*>(digest), size / 2});
}

TEST(OidcTokenHash, UsesTheHashOfEachAlgorithm) {
    const std::string value = "some-access-token";
    EXPECT_EQ(oidc_token_hash(value, JwsAlg::RS256), left_half_b64(EVP_sha256(), value));
    EXPECT_EQ(oidc_token_hash(value, JwsAlg::PS384), left_half_b64(EVP_sha384(), value));
    EXPECT_EQ(oidc_token_hash(value, JwsAlg::ES512), left_half_b64(EVP_sha512(), value));
    EXPECT_EQ(oidc_token_hash(value, JwsAlg::HS256), left_half_b64(EVP_sha256(), value));
    // Ed25519: SHA-512, as oidc-provider and the OpenID Foundation's errata do.
    EXPECT_EQ(oidc_token_hash(value, JwsAlg::EdDSA, "Ed25519"), left_half_b64(EVP_sha512(), value));
    EXPECT_EQ(oidc_token_hash(value, JwsAlg::Ed25519), left_half_b64(EVP_sha512(), value));
    // Ed448: SHAKE256 with 114 bytes of output, left half kept.
    EXPECT_EQ(base64url_decode(oidc_token_hash(value, JwsAlg::EdDSA, "Ed448")).size(), 57u);
}

} // namespace
} // namespace authflow

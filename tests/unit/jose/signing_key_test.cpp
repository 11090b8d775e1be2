// Signing keys: every algorithm signs what authflow's verifier (tested against RFC vectors and
// node jose) accepts; PEM round trips; keys that must be refused are.
#include <authflow/core/errors.hpp>
#include <authflow/jose/jws.hpp>
#include <authflow/jose/signing_key.hpp>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <functional>
#include <memory>
#include <string>

namespace authflow {
namespace {

using json = nlohmann::json;

// A private key made by OpenSSL directly, as PEM (for keys SigningKey must refuse).
std::string openssl_pem(EVP_PKEY* made) {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(made, EVP_PKEY_free);
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    EXPECT_EQ(PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr),
              1);
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

errc code_of(const std::function<void()>& call) {
    try {
        call();
    } catch (const Error& e) {
        return e.code();
    }
    return errc::internal;
}

class EveryAlgorithm : public testing::TestWithParam<JwsAlg> {};

TEST_P(EveryAlgorithm, SignsWhatTheVerifierAccepts) {
    SigningKey key = SigningKey::generate(GetParam());
    EXPECT_EQ(key.alg(), GetParam());
    json header = {{"alg", std::string(to_string(GetParam()))}, {"typ", "JWT"}};
    std::string jws = key.sign_compact(header.dump(), R"({"sub":"alice"})");

    Jwks keys({Jwk::from_json(key.public_jwk())});
    VerifiedJws verified = verify_jws(jws, keys);
    EXPECT_EQ(verified.payload, R"({"sub":"alice"})");
    EXPECT_EQ(verified.header.alg, GetParam());

    // A changed payload no longer verifies: the signature covers it.
    std::string tampered = jws;
    tampered[tampered.find('.') + 2] ^= 1;
    EXPECT_EQ(code_of([&] { verify_jws(tampered, keys); }), errc::bad_signature);
}

TEST_P(EveryAlgorithm, PublicJwkHasNoPrivateMemberAndTheVerifiersThumbprint) {
    SigningKey key = SigningKey::generate(GetParam());
    for (const char* secret : {"d", "p", "q", "dp", "dq", "qi", "k"}) {
        EXPECT_FALSE(key.public_jwk().contains(secret)) << secret;
    }
    // Jwk computes RFC 7638 from the JWK's own text (tested against the RFC's example).
    EXPECT_EQ(key.thumbprint(), Jwk::from_json(key.public_jwk()).thumbprint());
}

TEST_P(EveryAlgorithm, PemRoundTripKeepsTheKey) {
    SigningKey key = SigningKey::generate(GetParam());
    SigningKey again = SigningKey::from_pem(key.to_pem(), GetParam(), "k1");
    EXPECT_EQ(again.thumbprint(), key.thumbprint());
    EXPECT_EQ(again.kid(), "k1");
    EXPECT_EQ(again.public_jwk().at("kid"), "k1");
    std::string jws =
        again.sign_compact(R"({"alg":")" + std::string(to_string(GetParam())) + "\"}", "{}");
    EXPECT_NO_THROW(verify_jws(jws, Jwks({Jwk::from_json(key.public_jwk())})));
}

INSTANTIATE_TEST_SUITE_P(SigningKey, EveryAlgorithm,
                         testing::Values(JwsAlg::ES256, JwsAlg::ES384, JwsAlg::ES512, JwsAlg::EdDSA,
                                         JwsAlg::PS256, JwsAlg::RS256),
                         [](const testing::TestParamInfo<JwsAlg>& alg) {
                             return std::string(to_string(alg.param));
                         });

TEST(SigningKey, EcdsaSignaturesAreRawRAndS) {
    // RFC 7518 §3.4: exactly 64 bytes for ES256, whatever the DER length was.
    SigningKey key = SigningKey::generate(JwsAlg::ES256);
    for (int i = 0; i < 50; ++i) {
        EXPECT_EQ(key.sign("input " + std::to_string(i)).size(), 64U);
    }
    EXPECT_EQ(SigningKey::generate(JwsAlg::ES512).sign("x").size(), 132U);
}

TEST(SigningKey, NaturalAlgorithmComesFromTheKey) {
    EXPECT_EQ(SigningKey::from_pem(SigningKey::generate(JwsAlg::ES384).to_pem()).alg(),
              JwsAlg::ES384);
    EXPECT_EQ(SigningKey::from_pem(SigningKey::generate(JwsAlg::EdDSA).to_pem()).alg(),
              JwsAlg::EdDSA);
    EXPECT_EQ(SigningKey::from_pem(SigningKey::generate(JwsAlg::RS256).to_pem()).alg(),
              JwsAlg::PS256);
}

TEST(SigningKey, RefusesAnAlgorithmTheKeyCannotSign) {
    std::string ec = SigningKey::generate(JwsAlg::ES256).to_pem();
    EXPECT_EQ(code_of([&] { SigningKey::from_pem(ec, JwsAlg::PS256); }), errc::unsupported_alg);
    EXPECT_EQ(code_of([&] { SigningKey::from_pem(ec, JwsAlg::ES384); }), errc::unsupported_alg);
    EXPECT_EQ(code_of([&] { SigningKey::from_pem(ec, JwsAlg::HS256); }), errc::unsupported_alg);
    EXPECT_EQ(code_of([&] { SigningKey::generate(JwsAlg::HS256); }), errc::unsupported_alg);
}

TEST(SigningKey, RefusesWhatIsNotAUsablePrivateKey) {
    EXPECT_EQ(code_of([] { SigningKey::from_pem("not a key"); }), errc::bad_key);
    EXPECT_EQ(code_of([] { SigningKey::from_pem(""); }), errc::bad_key);
    EXPECT_EQ(code_of([] {
                  SigningKey::from_pem(openssl_pem(
                      EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(1024))));
              }),
              errc::weak_key);
    EXPECT_EQ(code_of([] {
                  SigningKey::from_pem(
                      openssl_pem(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp256k1")));
              }),
              errc::unsupported_key);
    EXPECT_EQ(code_of([] {
                  SigningKey::from_pem(openssl_pem(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED448")));
              }),
              errc::unsupported_key);
}

TEST(SigningKey, AnErrorNeverQuotesTheKeyText) {
    std::string pem = SigningKey::generate(JwsAlg::ES256).to_pem();
    std::string broken = pem.substr(0, pem.size() / 2); // a truncated key
    try {
        SigningKey::from_pem(broken);
        FAIL() << "a truncated key was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), errc::bad_key);
        std::string what = e.what();
        EXPECT_EQ(what.find(broken.substr(28, 20)), std::string::npos);
    }
}

// RFC 8037 §A.1 (the Ed25519 private key) and §A.4: Ed25519 is deterministic, so the key read
// from the JWK must give the RFC's signature byte for byte.
TEST(SigningKeyFromJwk, Rfc8037Ed25519SignatureReproduced) {
    const json jwk = {{"kty", "OKP"},
                      {"crv", "Ed25519"},
                      {"d", "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"},
                      {"x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}};
    SigningKey key = SigningKey::from_jwk(jwk);
    EXPECT_EQ(key.alg(), JwsAlg::EdDSA);
    EXPECT_EQ(key.thumbprint(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"); // §A.3
    EXPECT_EQ(key.sign_compact(R"({"alg":"EdDSA"})", "Example of Ed25519 signing"),
              "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt"
              "7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg");
}

TEST(SigningKeyFromJwk, RefusesWhatIsNotAUsablePrivateJwk) {
    const json ed = {{"kty", "OKP"},
                     {"crv", "Ed25519"},
                     {"d", "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"},
                     {"x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}};
    auto without = [&](const char* name) {
        json copy = ed;
        copy.erase(name);
        return copy;
    };
    auto with = [&](const char* name, json value) {
        json copy = ed;
        copy[name] = std::move(value);
        return copy;
    };
    EXPECT_EQ(code_of([&] { SigningKey::from_jwk(json::array()); }), errc::bad_key);
    EXPECT_EQ(code_of([&] { SigningKey::from_jwk(without("d")); }), errc::bad_key); // public only
    EXPECT_EQ(code_of([&] { SigningKey::from_jwk(without("kty")); }), errc::bad_key);
    EXPECT_EQ(code_of([&] { SigningKey::from_jwk(with("d", "***")); }), errc::bad_key);
    EXPECT_EQ(code_of([&] { SigningKey::from_jwk(with("d", 7)); }), errc::bad_key);
    // The private part of another key: RFC 8037's x with another d.
    EXPECT_EQ(code_of([&] {
                  SigningKey::from_jwk(with("d", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
              }),
              errc::bad_key);
    EXPECT_EQ(code_of([&] { SigningKey::from_jwk(with("crv", "Ed448")); }), errc::unsupported_key);
    EXPECT_EQ(code_of([&] { SigningKey::from_jwk(with("kty", "oct")); }), errc::unsupported_key);
    EXPECT_EQ(code_of([&] { SigningKey::from_jwk(with("alg", "ES256")); }), errc::unsupported_alg);
    EXPECT_EQ(code_of([&] { SigningKey::from_jwk(with("alg", "HS256")); }), errc::unsupported_alg);
    // Errors never quote the private member.
    try {
        SigningKey::from_jwk(with("d", "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2!"));
        FAIL() << "accepted";
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()).find("nWGxne"), std::string::npos);
    }
}

} // namespace
} // namespace authflow

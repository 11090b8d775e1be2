// DPoP proofs (RFC 9449 §4): what a proof holds, checked by verifying it with the key its header
// carries, as a server does (§4.3).
#include <authflow/core/clock.hpp>
#include <authflow/core/encoding.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/jose/dpop.hpp>
#include <authflow/jose/jws.hpp>

#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>

namespace authflow {
namespace {

using json = nlohmann::json;

struct Proof {
    json header;
    json payload;
};

// §4.3 steps 1–6 as a server runs them: one JWT, typ dpop+jwt, an asymmetric alg, a signature
// by the public key in the header, which holds no private part.
Proof open_proof(const std::string& proof) {
    std::string header_text = base64url_decode(proof.substr(0, proof.find('.')));
    json header = json::parse(header_text);
    EXPECT_EQ(header.at("typ"), "dpop+jwt");
    EXPECT_FALSE(header.at("jwk").contains("d"));
    VerifiedJws verified = verify_jws(proof, Jwks({Jwk::from_json(header.at("jwk"))}));
    return {header, json::parse(verified.payload)};
}

errc code_of(const std::function<void()>& call) {
    try {
        call();
    } catch (const Error& e) {
        return e.code();
    }
    return errc::internal;
}

class DpopProof : public testing::TestWithParam<JwsAlg> {
protected:
    ManualClock clock;
    DpopProofMaker maker{SigningKey::generate(GetParam())};
};

TEST_P(DpopProof, CarriesMethodUrlTimeAndAUniqueId) {
    Proof proof = open_proof(maker.make({"POST", "https://op.example/token"}, clock));
    EXPECT_EQ(proof.header.at("alg"), std::string(to_string(GetParam())));
    EXPECT_EQ(proof.payload.at("htm"), "POST");
    EXPECT_EQ(proof.payload.at("htu"), "https://op.example/token");
    EXPECT_EQ(proof.payload.at("iat"), 1767225600);
    EXPECT_FALSE(proof.payload.contains("nonce"));
    EXPECT_FALSE(proof.payload.contains("ath"));

    std::set<std::string> ids;
    for (int i = 0; i < 100; ++i) {
        ids.insert(open_proof(maker.make({"GET", "https://api.example/"}, clock))
                       .payload.at("jti")
                       .get<std::string>());
    }
    EXPECT_EQ(ids.size(), 100U);
}

TEST_P(DpopProof, TheHeaderKeyIsTheMakersKey) {
    Proof proof = open_proof(maker.make({"GET", "https://api.example/"}, clock));
    EXPECT_EQ(Jwk::from_json(proof.header.at("jwk")).thumbprint(), maker.thumbprint());
}

INSTANTIATE_TEST_SUITE_P(Algorithms, DpopProof,
                         testing::Values(JwsAlg::ES256, JwsAlg::EdDSA, JwsAlg::PS256),
                         [](const testing::TestParamInfo<JwsAlg>& alg) {
                             return std::string(to_string(alg.param));
                         });

TEST(DpopProofMaker, HtuHasNoQueryOrFragment) {
    ManualClock clock;
    DpopProofMaker maker(SigningKey::generate(JwsAlg::ES256));
    Proof proof =
        open_proof(maker.make({"GET", "https://api.example/items?page=2&q=x#top"}, clock));
    EXPECT_EQ(proof.payload.at("htu"), "https://api.example/items");
    EXPECT_EQ(dpop_htu("https://api.example/a#b?c"), "https://api.example/a");
}

TEST(DpopProofMaker, CarriesTheServersNonceAndTheTokenHash) {
    ManualClock clock;
    DpopProofMaker maker(SigningKey::generate(JwsAlg::ES256));
    // RFC 9449 §7.1's example access token and its ath.
    Proof proof = open_proof(
        maker.make({"GET", "https://resource.example.org/protectedresource",
                    "eyJ7S_zG.eyJH0-Z.HX4w-7v", "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"},
                   clock));
    EXPECT_EQ(proof.payload.at("nonce"), "eyJ7S_zG.eyJH0-Z.HX4w-7v");
    EXPECT_EQ(proof.payload.at("ath"), "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
}

TEST(DpopProofMaker, IatFollowsTheClock) {
    ManualClock clock;
    DpopProofMaker maker(SigningKey::generate(JwsAlg::ES256));
    clock.advance(std::chrono::seconds(90));
    EXPECT_EQ(open_proof(maker.make({"GET", "https://api.example/"}, clock)).payload.at("iat"),
              1767225690);
}

TEST(DpopProofMaker, KeyIdIsNotInTheHeaderKey) {
    SigningKey key =
        SigningKey::from_pem(SigningKey::generate(JwsAlg::ES256).to_pem(), JwsAlg::ES256, "k1");
    ManualClock clock;
    Proof proof = open_proof(DpopProofMaker(key).make({"GET", "https://api.example/"}, clock));
    EXPECT_FALSE(proof.header.at("jwk").contains("kid"));
}

TEST(DpopProofMaker, RefusesWhatWouldMakeABrokenProof) {
    ManualClock clock;
    DpopProofMaker maker(SigningKey::generate(JwsAlg::ES256));
    auto make = [&](DpopRequest request) { return code_of([&] { maker.make(request, clock); }); };
    EXPECT_EQ(make({"", "https://api.example/"}), errc::invalid_argument);
    EXPECT_EQ(make({"G T", "https://api.example/"}), errc::invalid_argument);
    EXPECT_EQ(make({"GET", "ftp://api.example/"}), errc::invalid_argument);
    EXPECT_EQ(make({"GET", "/relative"}), errc::invalid_argument);
    EXPECT_EQ(make({"GET", "https://api.example/\"x"}), errc::invalid_argument);
    EXPECT_EQ(make({"GET", "https://api.example/", "a\"b"}), errc::invalid_argument);
    EXPECT_EQ(make({"GET", "https://api.example/", "a\\b"}), errc::invalid_argument);
}

} // namespace
} // namespace authflow

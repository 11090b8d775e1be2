// Cross-implementation: ID tokens signed by node's `jose` (tests/support/node, pinned) with every
// algorithm authflow supports verify here; variants that jose rejects are rejected here too, with
// the expected code. The fixture is generated at test time into a temporary directory.
#include "support/process.hpp"
#include "support/test_env.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/jose/dpop.hpp>
#include <authflow/oidc/id_token.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>
#include <string>

namespace authflow {
namespace {

using json = nlohmann::json;

std::filesystem::path node_dir() {
    return test::source_dir() / "tests" / "support" / "node";
}

bool have_node_and_jose() {
    if (!test::have_program("node") ||
        !std::filesystem::exists(node_dir() / "node_modules" / "jose" / "package.json")) {
        return false;
    }
    auto version = test::run_command(
        {"node", "-e", "process.exit(+process.versions.node.split('.')[0] >= 20 ? 0 : 1)"});
    return version.exit_code == 0;
}

class JoseInterop : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (!have_node_and_jose()) {
            return;
        }
        dir_ = new test::TempDir();
        auto out = dir_->path() / "fixture.json";
        auto result = test::run_command(
            {"node", (node_dir() / "jose_fixture.mjs").string(), out.string()}, {}, {}, 120000);
        ASSERT_EQ(result.exit_code, 0) << result.err;
        fixture_ = json::parse(test::read_file(out));
    }
    static void TearDownTestSuite() {
        delete dir_;
        dir_ = nullptr;
    }

    void SetUp() override {
        AUTHFLOW_REQUIRE_SERVICE(have_node_and_jose(),
                                 "node >= 20 with the pinned jose package (npm ci in "
                                 "tests/support/node)");
        ASSERT_FALSE(fixture_.is_null());
    }

    static inline test::TempDir* dir_ = nullptr;
    static inline json fixture_;
};

TEST_F(JoseInterop, AgreesWithJoseOnEveryToken) {
    auto clock = std::make_shared<ManualClock>(
        Clock::wall_time{std::chrono::seconds{fixture_["now"].get<std::int64_t>()}});
    IdTokenValidatorOptions options;
    options.client_id = fixture_["audience"];
    options.issuer = fixture_["issuer"];
    options.client_secret = fixture_["hs_secret"];
    options.allowed_algs.assign(asymmetric_jws_algs().begin(), asymmetric_jws_algs().end());
    options.allowed_algs.push_back(JwsAlg::HS256);
    auto keys = std::make_shared<StaticKeyResolver>(Jwks::from_json(fixture_["jwks"]));
    ASSERT_EQ(keys->keys().size(), fixture_["jwks"]["keys"].size()) << "a jose key was skipped";
    IdTokenValidator validator(options, keys, clock);

    std::set<std::string> algs_accepted;
    std::size_t rejected = 0;
    for (const auto& entry : fixture_["tokens"]) {
        std::string alg = entry["alg"];
        std::string why = entry["why"];
        SCOPED_TRACE(alg + ": " + why);
        if (entry["expect"] == "valid") {
            IdTokenClaims claims = validator.validate(entry["token"].get<std::string>());
            EXPECT_EQ(claims.sub(), "alice");
            EXPECT_EQ(claims.email(), "alice@example.test");
            algs_accepted.insert(alg);
        } else {
            try {
                validator.validate(entry["token"].get<std::string>());
                ADD_FAILURE() << "accepted a token jose rejects";
            } catch (const TokenError& e) {
                EXPECT_EQ(to_string(e.code()), entry["code"].get<std::string>());
                ++rejected;
            }
        }
    }
    // Every algorithm of the fixture, good and bad variants alike.
    EXPECT_EQ(algs_accepted,
              (std::set<std::string>{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
                                     "ES384", "ES512", "EdDSA", "Ed25519", "HS256"}));
    EXPECT_EQ(rejected, 6u * algs_accepted.size());
}

TEST_F(JoseInterop, ThumbprintsMatchJose) {
    ASSERT_EQ(fixture_["thumbprints"].size(), fixture_["jwks"]["keys"].size());
    for (const auto& jwk : fixture_["jwks"]["keys"]) {
        std::string kid = jwk["kid"];
        EXPECT_EQ(Jwk::from_json(jwk).thumbprint(), fixture_["thumbprints"][kid].get<std::string>())
            << kid;
    }
}

TEST_F(JoseInterop, JoseAcceptsOurDpopProofs) {
    ManualClock clock;
    json input = {{"proofs", json::array()}};
    for (JwsAlg alg : {JwsAlg::ES256, JwsAlg::EdDSA, JwsAlg::PS256}) {
        DpopProofMaker maker(SigningKey::generate(alg));
        // At a token endpoint (no ath), then at a resource with the server's nonce and ath.
        input["proofs"].push_back({{"proof", maker.make({"POST", "https://op.test/token"}, clock)},
                                   {"htm", "POST"},
                                   {"htu", "https://op.test/token"},
                                   {"jkt", maker.thumbprint()}});
        input["proofs"].push_back(
            {{"proof", maker.make({"GET", "https://api.test/x?y=1", "n-1", "at.token"}, clock)},
             {"htm", "GET"},
             {"htu", "https://api.test/x"},
             {"nonce", "n-1"},
             {"access_token", "at.token"},
             {"jkt", maker.thumbprint()}});
    }
    // The check can fail: a proof for another URL than the one the server expects.
    DpopProofMaker other(SigningKey::generate(JwsAlg::ES256));
    input["proofs"].push_back({{"proof", other.make({"GET", "https://api.test/a"}, clock)},
                               {"htm", "GET"},
                               {"htu", "https://api.test/b"},
                               {"jkt", other.thumbprint()}});
    auto in = dir_->path() / "dpop_in.json";
    auto out = dir_->path() / "dpop_out.json";
    test::write_file(in, input.dump());
    auto result = test::run_command(
        {"node", (node_dir() / "dpop_verify.mjs").string(), in.string(), out.string()}, {}, {},
        120000);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    json verdicts = json::parse(test::read_file(out));
    ASSERT_EQ(verdicts.size(), input["proofs"].size());
    for (std::size_t i = 0; i + 1 < verdicts.size(); ++i) {
        EXPECT_TRUE(verdicts[i]["ok"].get<bool>()) << i << ": " << verdicts[i].value("error", "");
    }
    EXPECT_FALSE(verdicts.back()["ok"].get<bool>());
}

} // namespace
} // namespace authflow

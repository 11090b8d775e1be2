// `authflow id-token verify`: the built program, run with a JWKS file and tokens signed here.
#include "support/jose_signer.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace authflow {
namespace {

using json = nlohmann::json;
using test::TestKey;

constexpr const char* issuer = "https://op.example";

class IdTokenCli : public ::testing::Test {
protected:
    test::TempDir dir;
    TestKey rsa = TestKey::rsa(2048);
    TestKey ec = TestKey::ec("P-256");
    std::string jwks_file;
    std::map<std::string, std::string> env;

    void SetUp() override {
        jwks_file = (dir.path() / "jwks.json").string();
        test::write_file(
            jwks_file,
            json{{"keys", json::array({rsa.public_jwk("rs1"), ec.public_jwk("es1")})}}.dump());
        // A private, empty configuration: no user config file leaks into the test.
        env = {{"HOME", dir.path().string()},
               {"XDG_CONFIG_HOME", (dir.path() / "config").string()},
               {"AUTHFLOW_CONFIG_FILE", ""}};
    }

    static std::int64_t now() {
        return std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }

    static json claims() {
        return {{"iss", issuer},      {"sub", "alice"}, {"aud", "client-1"},
                {"exp", now() + 600}, {"iat", now()},   {"nonce", "abc"}};
    }

    std::string token(const json& payload, const char* alg = "RS256") const {
        const TestKey& key = std::string{alg}.starts_with("ES") ? ec : rsa;
        return test::make_jws(key, alg, {{"kid", alg[0] == 'E' ? "es1" : "rs1"}}, payload);
    }

    test::CommandResult run(std::vector<std::string> args, const std::string& input = {}) {
        std::vector<std::string> argv{test::cli_path().string(), "id-token", "verify"};
        argv.insert(argv.end(), args.begin(), args.end());
        return test::run_command(argv, env, input);
    }

    std::vector<std::string> base(const std::string& jwt) const {
        return {"--issuer", issuer, "--jwks", jwks_file, "--audience", "client-1", jwt};
    }
};

TEST_F(IdTokenCli, PrintsTheClaimsOfAValidToken) {
    json c = claims();
    auto result = run(base(token(c)));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(json::parse(result.out), c);
    EXPECT_EQ(result.out, c.dump(2) + "\n"); // pretty, two spaces
    EXPECT_TRUE(result.err.empty()) << result.err;
}

TEST_F(IdTokenCli, ReadsTheTokenFromStdin) {
    json c = claims();
    auto result = run(base("-"), token(c, "ES256") + "\n");
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(json::parse(result.out)["sub"], "alice");
}

TEST_F(IdTokenCli, FailsWithTheErrorCodeOnAWrongAudience) {
    auto result =
        run({"--issuer", issuer, "--jwks", jwks_file, "--audience", "client-2", token(claims())});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_TRUE(result.out.empty());
    EXPECT_EQ(result.err.rfind("error: bad_audience: ", 0), 0u) << result.err;
}

TEST_F(IdTokenCli, ReportsEachValidationFailure) {
    json expired = claims();
    expired["exp"] = now() - 3600;
    std::string bad_signature = token(claims());
    // A character inside the signature: the last one also carries padding bits, and changing
    // those makes the text non-canonical base64url (malformed_jws) rather than a bad signature.
    char& inside = bad_signature[bad_signature.size() - 10];
    inside = inside == 'A' ? 'B' : 'A';
    struct Case {
        std::vector<std::string> args;
        std::string code;
    };
    std::vector<Case> cases = {
        {base(token(expired)), "expired"},
        {base(bad_signature), "bad_signature"},
        {{"--issuer", "https://other.example", "--jwks", jwks_file, "--audience", "client-1",
          token(claims())},
         "bad_issuer"},
        {{"--nonce", "xyz", "--issuer", issuer, "--jwks", jwks_file, "--audience", "client-1",
          token(claims())},
         "bad_nonce"},
        {{"--alg", "ES256", "--issuer", issuer, "--jwks", jwks_file, "--audience", "client-1",
          token(claims())},
         "alg_not_allowed"},
        {{"--max-age", "10", "--issuer", issuer, "--jwks", jwks_file, "--audience", "client-1",
          token(claims())},
         "missing_claim"},
        {base("not-a-token"), "malformed_jws"},
    };
    for (const auto& c : cases) {
        auto result = run(c.args);
        EXPECT_EQ(result.exit_code, 1) << c.code << ": " << result.err;
        EXPECT_EQ(result.err.rfind("error: " + c.code + ": ", 0), 0u) << result.err;
        EXPECT_TRUE(result.out.empty());
    }
}

TEST_F(IdTokenCli, LeewayAndMaxAgeOptions) {
    json c = claims();
    c["exp"] = now() - 30;
    EXPECT_EQ(run(base(token(c))).exit_code, 0); // default leeway 60 s
    auto strict = base(token(c));
    strict.insert(strict.begin(), {"--leeway", "0"});
    auto result = run(strict);
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(result.err.rfind("error: expired: ", 0), 0u) << result.err;

    c = claims();
    c["auth_time"] = now() - 1000;
    auto max_age = base(token(c));
    max_age.insert(max_age.begin(), {"--max-age", "100"});
    result = run(max_age);
    EXPECT_EQ(result.err.rfind("error: auth_too_old: ", 0), 0u) << result.err;
    max_age[1] = "5000";
    EXPECT_EQ(run(max_age).exit_code, 0);
}

TEST_F(IdTokenCli, AudienceDefaultsToTheConfiguredClientId) {
    std::string jwt = token(claims());
    auto without = run({"--issuer", issuer, "--jwks", jwks_file, jwt});
    EXPECT_EQ(without.exit_code, 2) << without.err;
    EXPECT_EQ(without.err.rfind("error: ", 0), 0u);
    env["AUTHFLOW_OAUTH2__CLIENT_ID"] = "client-1";
    auto with = run({"--issuer", issuer, "--jwks", jwks_file, jwt});
    EXPECT_EQ(with.exit_code, 0) << with.err;
    // The global --client-id works too.
    env.erase("AUTHFLOW_OAUTH2__CLIENT_ID");
    auto flag = test::run_command({test::cli_path().string(), "--client-id", "client-1", "id-token",
                                   "verify", "--issuer", issuer, "--jwks", jwks_file, jwt},
                                  env);
    EXPECT_EQ(flag.exit_code, 0) << flag.err;
}

TEST_F(IdTokenCli, UsageErrorsExitWithTwo) {
    std::string jwt = token(claims());
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"--jwks", jwks_file, "--audience", "client-1", jwt},                // no issuer
             {"--issuer", issuer, "--jwks", jwks_file, "--audience", "client-1"}, // no token
             {"--alg", "XS999", "--issuer", issuer, "--jwks", jwks_file, "--audience", "client-1",
              jwt},
             {"--leeway", "-5", "--issuer", issuer, "--jwks", jwks_file, "--audience", "client-1",
              jwt},
             {"--issuer", issuer, "--jwks", (dir.path() / "missing.json").string(), "--audience",
              "client-1", jwt},
             {"--issuer", issuer, "--jwks", "http://op.example/jwks", "--audience", "client-1",
              jwt},
         }) {
        auto result = run(args);
        EXPECT_EQ(result.exit_code, 2) << result.err;
        EXPECT_EQ(result.err.rfind("error: ", 0), 0u) << result.err;
    }
}

TEST_F(IdTokenCli, AcceptsASingleJwkFile) {
    std::string single = (dir.path() / "key.json").string();
    test::write_file(single, ec.public_jwk("es1").dump());
    auto result = run(
        {"--issuer", issuer, "--jwks", single, "--audience", "client-1", token(claims(), "ES256")});
    EXPECT_EQ(result.exit_code, 0) << result.err;
}

TEST_F(IdTokenCli, VerifiesHs256WithTheConfiguredClientSecret) {
    const std::string secret = "a-client-secret-of-at-least-32-bytes!";
    std::string secret_file = (dir.path() / "secret").string();
    test::write_file(secret_file, secret + "\n");
    std::string jwt = test::make_jws(TestKey::hmac(secret), "HS256", json::object(), claims());
    auto args = [&](std::vector<std::string> extra) {
        std::vector<std::string> argv{test::cli_path().string(),
                                      "--client-secret-file",
                                      secret_file,
                                      "id-token",
                                      "verify",
                                      "--issuer",
                                      issuer,
                                      "--jwks",
                                      jwks_file,
                                      "--audience",
                                      "client-1"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        argv.push_back(jwt);
        return argv;
    };
    // HS256 only when asked for: the default allow-list never includes it.
    auto refused = test::run_command(args({}), env);
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_EQ(refused.err.rfind("error: alg_not_allowed: ", 0), 0u) << refused.err;
    auto accepted = test::run_command(args({"--alg", "HS256"}), env);
    EXPECT_EQ(accepted.exit_code, 0) << accepted.err;
    // Without a client secret, allowing HS256 is a configuration error.
    auto no_secret = run(
        {"--alg", "HS256", "--issuer", issuer, "--jwks", jwks_file, "--audience", "client-1", jwt});
    EXPECT_EQ(no_secret.exit_code, 2) << no_secret.err;
}

TEST_F(IdTokenCli, NeverPrintsTheToken) {
    std::string jwt = token(claims());
    auto result = run({"--issuer", issuer, "--jwks", jwks_file, "--audience", "nobody", jwt});
    EXPECT_EQ(result.exit_code, 1);
    auto signature = jwt.substr(jwt.rfind('.') + 1);
    EXPECT_EQ(result.err.find(signature), std::string::npos);
    EXPECT_EQ(result.err.find(jwt.substr(0, 20)), std::string::npos);
}

} // namespace
} // namespace authflow

// `authflow discover`, run as a program against a local discovery document (cpp-httplib).
#include "support/httplib_server.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace authflow {
namespace {

using json = nlohmann::json;

class DiscoverCli : public ::testing::Test {
protected:
    httplib::Server server;
    std::string base;
    std::mutex mutex;
    std::string document; // served at /.well-known/openid-configuration
    int status = 200;
    test::TempDir dir;
    // Last: stopped and joined first, before anything its handler reads is destroyed.
    std::unique_ptr<test::ServerThread> thread;

    void SetUp() override {
        server.Get("/.well-known/openid-configuration",
                   [this](const httplib::Request&, httplib::Response& res) {
                       std::lock_guard lock(mutex);
                       res.status = status;
                       res.set_content(document, "application/json");
                   });
        thread = std::make_unique<test::ServerThread>(server);
        base = "http://127.0.0.1:" + std::to_string(thread->port());
        serve(200, metadata().dump());
    }

    json metadata() const {
        return {{"issuer", base},
                {"authorization_endpoint", base + "/authorize"},
                {"token_endpoint", base + "/token"},
                {"jwks_uri", base + "/jwks"},
                {"response_types_supported", json::array({"code", "code id_token"})},
                {"id_token_signing_alg_values_supported", json::array({"RS256", "ES256"})},
                {"grant_types_supported", json::array({"authorization_code", "refresh_token"})},
                {"code_challenge_methods_supported", json::array({"S256"})},
                {"token_endpoint_auth_methods_supported",
                 json::array({"client_secret_basic", "private_key_jwt"})}};
    }

    void serve(int code, std::string body) {
        std::lock_guard lock(mutex);
        status = code;
        document = std::move(body);
    }

    test::CommandResult run(std::vector<std::string> args) {
        std::vector<std::string> argv{test::cli_path().string(), "discover"};
        argv.insert(argv.end(), args.begin(), args.end());
        return test::run_command(argv, {{"HOME", dir.path().string()},
                                        {"XDG_CONFIG_HOME", (dir.path() / "config").string()},
                                        {"AUTHFLOW_CONFIG_FILE", ""}});
    }
};

TEST_F(DiscoverCli, PrintsTheSummary) {
    auto result = run({base});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "issuer: " + base + "\n" +                               //
                              "authorization_endpoint: " + base + "/authorize\n" + //
                              "token_endpoint: " + base + "/token\n" +
                              "userinfo_endpoint: (none)\n"
                              "jwks_uri: " +
                              base + "/jwks\n" +
                              "revocation_endpoint: (none)\n"
                              "introspection_endpoint: (none)\n"
                              "device_authorization_endpoint: (none)\n"
                              "end_session_endpoint: (none)\n"
                              "pushed_authorization_request_endpoint: (none)\n"
                              "id_token_signing_alg_values_supported: RS256, ES256\n"
                              "grant_types_supported: authorization_code, refresh_token\n"
                              "response_types_supported: code, code id_token\n"
                              "code_challenge_methods_supported: S256\n"
                              "token_endpoint_auth_methods_supported: client_secret_basic, "
                              "private_key_jwt\n"
                              "scopes_supported: (not advertised)\n"
                              "authorization_response_iss_parameter_supported: false\n");
    EXPECT_TRUE(result.err.empty()) << result.err;
}

TEST_F(DiscoverCli, JsonPrintsTheDocument) {
    auto result = run({base, "--json"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(json::parse(result.out), metadata());
}

TEST_F(DiscoverCli, TheIssuerDefaultsToTheSettings) {
    test::write_file(dir.path() / "config.toml", "[oauth2]\nissuer_url = \"" + base + "\"\n");
    auto result = run({"--config", (dir.path() / "config.toml").string()});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_TRUE(result.out.starts_with("issuer: " + base + "\n"));
    auto none = run({});
    EXPECT_EQ(none.exit_code, 2);
    EXPECT_TRUE(none.err.starts_with("error: config_missing: ")) << none.err;
}

TEST_F(DiscoverCli, BrokenProvidersExitOneWithDiscoveryFailed) {
    auto expect_failure = [&](const std::string& what) {
        auto result = run({base});
        EXPECT_EQ(result.exit_code, 1) << what;
        EXPECT_TRUE(result.err.starts_with("error: discovery_failed: ")) << what << result.err;
        EXPECT_TRUE(result.out.empty()) << what;
    };
    serve(200, "<html>not json</html>");
    expect_failure("not JSON");
    serve(404, "{}");
    expect_failure("404");
    auto other = metadata();
    other["issuer"] = "https://op.example";
    serve(200, other.dump());
    expect_failure("another issuer");
    auto insecure = metadata();
    insecure["token_endpoint"] = "http://op.example/token";
    serve(200, insecure.dump());
    expect_failure("plain-http endpoint");
}

} // namespace
} // namespace authflow

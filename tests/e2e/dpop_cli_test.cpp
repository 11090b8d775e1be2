// The `authflow` program with DPoP (RFC 9449) against node oidc-provider with its dPoP feature:
// `login` binds the tokens to a key, then in new processes `token`, `dpop-proof` and
// `token --header` print what makes a successful userinfo request (the provider's userinfo
// endpoint asks every DPoP request for a nonce first), and `userinfo` does it itself.
#include "cli_env.hpp"
#include "e2e_util.hpp"
#include "support/oidc_provider.hpp"
#include "support/test_env.hpp"

#include <authflow/http/http_client.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace authflow {
namespace {

using test::CliEnv;
using test::CommandResult;
using test::OidcProvider;

class DpopCli : public ::testing::Test {
protected:
    static inline std::unique_ptr<OidcProvider> op;
    static inline int fixed_port = 0;

    static void SetUpTestSuite() {
        if (!OidcProvider::available()) {
            return;
        }
        fixed_port = test::free_port();
        test::OidcProviderOptions options;
        options.redirect_uris = {"http://127.0.0.1:" + std::to_string(fixed_port) + "/callback"};
        options.dpop = true;
        op = std::make_unique<OidcProvider>(options);
    }
    static void TearDownTestSuite() { op.reset(); }

    void SetUp() override {
        AUTHFLOW_REQUIRE_SERVICE(OidcProvider::available(), OidcProvider::missing());
        ASSERT_TRUE(op);
    }

    static std::string describe(const CommandResult& r) {
        return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" +
               r.err;
    }

    static std::string first_line(const std::string& text) {
        return text.substr(0, text.find('\n'));
    }

    /// Signs in with dpop-client (its tokens must be DPoP-bound) through the CLI.
    static void login(CliEnv& cli) {
        auto env = cli.env();
        cli.env()["AUTHFLOW_OAUTH2__CLIENT_SECRET"] = OidcProvider::secret_of("dpop-client");
        auto result = cli.run({"--provider", "oidc", "--issuer", op->issuer(), "--client-id",
                               "dpop-client", "login", "--port", std::to_string(fixed_port)});
        cli.env() = env;
        ASSERT_EQ(result.exit_code, 0) << describe(result) << cli.browser_log();
    }

    static HttpResponse userinfo_with(const HttpHeaders& headers) {
        HttpRequest request;
        request.url = op->url("/me");
        request.headers = headers;
        return make_http_client()->send(request);
    }
};

TEST_F(DpopCli, ProofAndHeaderLinesMakeAUserinfoRequest) {
    CliEnv cli;
    login(cli);
    const std::string userinfo = op->url("/me");

    auto token = cli.run({"token"});
    ASSERT_EQ(token.exit_code, 0) << describe(token);
    const std::string access_token = first_line(token.out);
    ASSERT_FALSE(access_token.empty());

    // curl -H "Authorization: DPoP $(authflow token)" -H "DPoP: $(authflow dpop-proof GET …)"
    auto proof = cli.run({"dpop-proof", "GET", userinfo});
    ASSERT_EQ(proof.exit_code, 0) << describe(proof);
    auto challenged =
        userinfo_with({{"Authorization", "DPoP " + access_token}, {"DPoP", first_line(proof.out)}});
    ASSERT_EQ(challenged.status, 401); // this endpoint wants a nonce first
    const std::string nonce = challenged.header("DPoP-Nonce").value_or("");
    ASSERT_FALSE(nonce.empty());
    auto with_nonce = cli.run({"dpop-proof", "GET", userinfo, "--nonce", nonce});
    ASSERT_EQ(with_nonce.exit_code, 0) << describe(with_nonce);
    auto answered = userinfo_with(
        {{"Authorization", "DPoP " + access_token}, {"DPoP", first_line(with_nonce.out)}});
    EXPECT_EQ(answered.status, 200) << answered.body;
    EXPECT_EQ(nlohmann::json::parse(answered.body).value("sub", ""), "alice");
    // The same token as Bearer, without its proof: refused.
    EXPECT_EQ(userinfo_with({{"Authorization", "Bearer " + access_token}}).status, 401);

    // `token --header`: both header lines, ready for curl -H.
    auto header =
        cli.run({"token", "--header", "--method", "GET", "--url", userinfo, "--nonce", nonce});
    ASSERT_EQ(header.exit_code, 0) << describe(header);
    HttpHeaders headers;
    std::size_t start = 0;
    while (start < header.out.size()) {
        const std::string line = header.out.substr(start, header.out.find('\n', start) - start);
        start += line.size() + 1;
        const auto colon = line.find(": ");
        ASSERT_NE(colon, std::string::npos) << line;
        headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
    }
    ASSERT_EQ(headers.size(), 2u);
    EXPECT_EQ(headers[0].first, "Authorization");
    EXPECT_EQ(headers[0].second, "DPoP " + access_token);
    EXPECT_EQ(headers[1].first, "DPoP");
    EXPECT_EQ(userinfo_with(headers).status, 200);

    // A DPoP-bound token's header lines need the request they are for.
    auto no_url = cli.run({"token", "--header"});
    EXPECT_EQ(no_url.exit_code, 2) << describe(no_url);
    EXPECT_EQ(no_url.out, "");

    // `authflow userinfo` sends the proof itself (and answers the nonce challenge).
    auto info = cli.run({"userinfo"});
    ASSERT_EQ(info.exit_code, 0) << describe(info);
    EXPECT_EQ(nlohmann::json::parse(info.out).value("sub", ""), "alice");
    // Never the key or a token in what userinfo printed or logged.
    EXPECT_EQ(info.out.find(access_token), std::string::npos);
    EXPECT_EQ(info.err.find("PRIVATE KEY"), std::string::npos);
}

TEST_F(DpopCli, BearerTokensGetJustTheAuthorizationHeader) {
    CliEnv cli;
    auto env = cli.env();
    cli.env()["AUTHFLOW_OAUTH2__CLIENT_SECRET"] = OidcProvider::secret_of("conf-client");
    cli.env()["AUTHFLOW_OAUTH2__DPOP"] = "off";
    auto login = cli.run({"--provider", "oidc", "--issuer", op->issuer(), "--client-id",
                          "conf-client", "login", "--port", std::to_string(fixed_port)});
    cli.env() = env;
    ASSERT_EQ(login.exit_code, 0) << describe(login) << cli.browser_log();
    auto token = cli.run({"token"});
    ASSERT_EQ(token.exit_code, 0) << describe(token);
    auto header = cli.run({"token", "--header"});
    ASSERT_EQ(header.exit_code, 0) << describe(header);
    EXPECT_EQ(header.out, "Authorization: Bearer " + first_line(token.out) + "\n");
    auto proof = cli.run({"dpop-proof", "GET", op->url("/me")});
    EXPECT_EQ(proof.exit_code, 1) << describe(proof);
    EXPECT_EQ(proof.out, "");
}

} // namespace
} // namespace authflow

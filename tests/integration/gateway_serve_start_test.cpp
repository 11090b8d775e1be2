// `authflow serve` as an operator starts it: --check-config validates and prints the redirect URI
// to register; a bad gateway setting names itself; a provider that does not answer stops the start
// with the cause and the URL; a misspelt [deploy] key stops it too, naming the closest setting;
// Redis that does not answer stops the start too; so does a port another server listens on.
#include "support/oidc_provider.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/test_env.hpp"

#include <authflow/store/encryption.hpp>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <cstdint>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace authflow::test {
namespace {

class ServeStart : public ::testing::Test {
protected:
    void SetUp() override {
        AUTHFLOW_REQUIRE_SERVICE(std::filesystem::exists(cli_path()), "the authflow program");
        write_file(dir_.path() / "secret", "conf-client-secret");
        write_file(dir_.path() / "config.toml", "");
    }

    CommandResult serve(const std::string& issuer, const std::vector<std::string>& extra,
                        const std::map<std::string, std::string>& env = {},
                        const std::string& listen = "127.0.0.1:0") {
        std::vector<std::string> argv{cli_path().string(),
                                      "--config",
                                      (dir_.path() / "config.toml").string(),
                                      "--provider",
                                      "oidc",
                                      "--issuer",
                                      issuer,
                                      "--client-id",
                                      "conf-client",
                                      "--client-secret-file",
                                      (dir_.path() / "secret").string(),
                                      "serve",
                                      "--listen",
                                      listen};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return run_command(argv, env, {}, 60000);
    }

    TempDir dir_;
};

TEST_F(ServeStart, CheckConfigPrintsTheRedirectUriToRegister) {
    const auto result =
        serve("https://op.example", {"--check-config", "--public-url", "https://app.example.com",
                                     "--allowed-groups", "staff,admin", "--cookie-domain",
                                     "example.com", "--allowed-redirect-hosts", ".example.com"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find("Redirect URI to register at the provider: "
                              "https://app.example.com/auth/callback"),
              std::string::npos)
        << result.out;
}

TEST_F(ServeStart, CheckConfigRunsBesideAServerOnTheSamePort) {
    const int port = free_port();
    ChildProcess holder(
        {"node", "-e",
         "require('net').createServer().listen(" + std::to_string(port) + ", '127.0.0.1')"});
    ASSERT_TRUE(wait_for_port(port));
    const auto result =
        serve("https://op.example", {"--check-config"}, {}, "127.0.0.1:" + std::to_string(port));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find("http://127.0.0.1:" + std::to_string(port) + "/auth/callback"),
              std::string::npos)
        << result.out;
}

TEST_F(ServeStart, CheckConfigNamesTheBadSetting) {
    const auto result =
        serve("https://op.example", {"--check-config", "--public-url", "https://app.example.com",
                                     "--cookie-domain", "other.example"});
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_NE(result.err.find("cookie_domain"), std::string::npos) << result.err;
    const auto env_result =
        serve("https://op.example", {"--check-config", "--public-url", "https://app.example.com"},
              {{"AUTHFLOW_DEPLOY__ALLOWED_EMAILS", "not-an-address"}});
    EXPECT_EQ(env_result.exit_code, 2) << env_result.err;
    EXPECT_NE(env_result.err.find("allowed_emails"), std::string::npos) << env_result.err;
}

// A misspelt policy would leave the gate open to everyone: the start is refused, as is the check.
TEST_F(ServeStart, AMisspeltDeployKeyStopsTheStartNamingTheClosestSetting) {
    write_file(dir_.path() / "config.toml", "[deploy]\nallowed_group = [\"staff\"]\n");
    for (const bool check_only : {true, false}) {
        std::vector<std::string> extra{"--public-url", "https://app.example.com"};
        if (check_only) {
            extra.emplace_back("--check-config");
        }
        const auto result = serve("https://op.example", extra);
        EXPECT_EQ(result.exit_code, 2) << result.err;
        EXPECT_NE(result.err.find("unknown setting 'allowed_group' (did you mean "
                                  "'allowed_groups'?)"),
                  std::string::npos)
            << result.err;
        EXPECT_EQ(result.out.find("Configuration is valid"), std::string::npos) << result.out;
    }
    write_file(dir_.path() / "config.toml", "");
    const auto env_result =
        serve("https://op.example", {"--check-config", "--public-url", "https://app.example.com"},
              {{"AUTHFLOW_DEPLOY__ALLOWED_GRUPS", "staff"}});
    EXPECT_EQ(env_result.exit_code, 2) << env_result.err;
    EXPECT_NE(env_result.err.find("AUTHFLOW_DEPLOY__ALLOWED_GRUPS (did you mean "
                                  "AUTHFLOW_DEPLOY__ALLOWED_GROUPS?)"),
              std::string::npos)
        << env_result.err;
}

TEST_F(ServeStart, AProviderThatDoesNotAnswerStopsTheStartWithItsCause) {
    const std::string issuer = "http://127.0.0.1:" + std::to_string(free_port());
    const auto result = serve(issuer, {});
    EXPECT_EQ(result.exit_code, 1) << result.err;
    EXPECT_NE(result.err.find("error: discovery_failed: "), std::string::npos) << result.err;
    EXPECT_NE(result.err.find(issuer + "/.well-known/openid-configuration"), std::string::npos)
        << result.err;
    EXPECT_NE(result.err.find("connect"), std::string::npos) << result.err;
}

// A server that lets others share its port (SO_REUSEPORT, as cpp-httplib sets by default)
// listens there: serve must refuse the port, not split the connections with it.
TEST_F(ServeStart, APortAnotherServerListensOnStopsTheStart) {
    const int sock = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(sock, 0);
    int yes = 1;
    ASSERT_EQ(::setsockopt(sock, SOL_SOCKET, SO_REUSEPORT, &yes, sizeof(yes)), 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int port = free_port();
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    ASSERT_EQ(::bind(sock, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0);
    ASSERT_EQ(::listen(sock, 4), 0);
    const std::string listen = "127.0.0.1:" + std::to_string(port);
    const auto result = serve("http://127.0.0.1:" + std::to_string(free_port()), {}, {}, listen);
    ::close(sock);
    EXPECT_NE(result.exit_code, 0) << result.out;
    EXPECT_NE(result.err.find("cannot listen on " + listen), std::string::npos) << result.err;
}

TEST_F(ServeStart, RedisThatDoesNotAnswerStopsTheStart) {
    AUTHFLOW_REQUIRE_SERVICE(OidcProvider::available(), OidcProvider::missing());
    OidcProvider op;
    const std::string redis_url = "redis://127.0.0.1:" + std::to_string(free_port()) + "/0";
    const auto result = serve(op.issuer(), {"--session-store", "redis", "--redis-url", redis_url},
                              {{"AUTHFLOW_STORE_KEY", StoreKey::generate().to_base64()}});
    EXPECT_EQ(result.exit_code, 1) << result.err;
    EXPECT_NE(result.err.find("Redis does not answer"), std::string::npos) << result.err;
}

} // namespace
} // namespace authflow::test

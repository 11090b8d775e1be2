// Discovery, the JWKS cache and `authflow id-token verify` against a real HTTP server (cpp-httplib
// on 127.0.0.1, in this process) through the real libcurl client.
#include "support/jose_signer.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/http/http_client.hpp>
#include <authflow/oidc/id_token.hpp>
#include <authflow/oidc/jwks_cache.hpp>
#include <authflow/oidc/provider_metadata.hpp>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace authflow {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using test::TestKey;

// A tiny OpenID Provider: discovery and a key set that the test can swap.
class LocalProvider {
public:
    LocalProvider() {
        server_.set_tcp_nodelay(true);
        port_ = server_.bind_to_any_port("127.0.0.1");
        issuer_ = "http://127.0.0.1:" + std::to_string(port_);
        server_.Get("/.well-known/openid-configuration",
                    [this](const httplib::Request&, httplib::Response& response) {
                        json doc = {{"issuer", issuer_},
                                    {"jwks_uri", issuer_ + "/jwks"},
                                    {"authorization_endpoint", issuer_ + "/auth"},
                                    {"token_endpoint", issuer_ + "/token"},
                                    {"id_token_signing_alg_values_supported", {"ES256"}}};
                        response.set_content(doc.dump(), "application/json");
                    });
        server_.Get("/jwks", [this](const httplib::Request&, httplib::Response& response) {
            std::lock_guard lock(mutex_);
            ++jwks_requests_;
            response.set_header("Cache-Control", cache_control_);
            response.set_content(jwks_, "application/json");
        });
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        auto deadline = std::chrono::steady_clock::now() + 10s;
        while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::yield();
        }
    }
    ~LocalProvider() {
        server_.stop();
        thread_.join();
    }

    void set_keys(std::string jwks, std::string cache_control = "max-age=300") {
        std::lock_guard lock(mutex_);
        jwks_ = std::move(jwks);
        cache_control_ = std::move(cache_control);
    }
    int jwks_requests() {
        std::lock_guard lock(mutex_);
        return jwks_requests_;
    }
    const std::string& issuer() const { return issuer_; }
    bool running() const { return server_.is_running(); }

private:
    httplib::Server server_;
    std::thread thread_;
    int port_ = 0;
    std::string issuer_;
    std::mutex mutex_;
    std::string jwks_ = R"({"keys":[]})";
    std::string cache_control_;
    int jwks_requests_ = 0;
};

const TestKey& key_one() {
    static const TestKey key = TestKey::ec("P-256");
    return key;
}
const TestKey& key_two() {
    static const TestKey key = TestKey::ec("P-256");
    return key;
}

std::string jwks(std::initializer_list<std::pair<const TestKey*, const char*>> keys) {
    json set = {{"keys", json::array()}};
    for (auto [key, kid] : keys) {
        set["keys"].push_back(key->public_jwk(kid));
    }
    return set.dump();
}

json claims_at(const std::string& issuer, std::int64_t now) {
    return {
        {"iss", issuer}, {"sub", "alice"}, {"aud", "client-1"}, {"exp", now + 600}, {"iat", now}};
}

std::int64_t seconds_of(Clock::wall_time t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

TEST(LocalProvider, DiscoveryAndKeyRotationThroughTheRealClient) {
    LocalProvider op;
    ASSERT_TRUE(op.running());
    op.set_keys(jwks({{&key_one(), "one"}}), "public, max-age=120");
    auto http = make_http_client();
    auto clock = std::make_shared<ManualClock>();

    ProviderMetadata metadata = fetch_provider_metadata(op.issuer(), *http);
    EXPECT_EQ(metadata.jwks_uri, op.issuer() + "/jwks");
    EXPECT_EQ(metadata.id_token_algs(), std::vector<JwsAlg>{JwsAlg::ES256});

    auto keys = std::make_shared<JwksCache>(metadata.jwks_uri, http, clock);
    IdTokenValidatorOptions options;
    options.client_id = "client-1";
    options.issuer = metadata.issuer;
    options.allowed_algs = metadata.id_token_algs();
    IdTokenValidator validator(options, keys, clock);

    auto now = seconds_of(clock->now());
    auto claims = claims_at(op.issuer(), now);
    EXPECT_NO_THROW(
        validator.validate(test::make_jws(key_one(), "ES256", {{"kid", "one"}}, claims)));
    EXPECT_EQ(op.jwks_requests(), 1);

    // Cache-Control: max-age=120 is honoured: no request before it runs out.
    clock->advance(119s);
    keys->keys();
    EXPECT_EQ(op.jwks_requests(), 1);
    clock->advance(1s);
    keys->keys();
    EXPECT_EQ(op.jwks_requests(), 2);

    // Rotation: the provider now signs with key two; one refetch later it verifies.
    op.set_keys(jwks({{&key_two(), "two"}}));
    clock->advance(31s);
    claims = claims_at(op.issuer(), seconds_of(clock->now()));
    EXPECT_EQ(
        validator.validate(test::make_jws(key_two(), "ES256", {{"kid", "two"}}, claims)).sub(),
        "alice");
    EXPECT_EQ(op.jwks_requests(), 3);
}

TEST(LocalProvider, DiscoveryRejectsAForeignIssuer) {
    LocalProvider op;
    ASSERT_TRUE(op.running());
    auto http = make_http_client();
    // Same server, named differently: the document's issuer does not match.
    std::string alias = op.issuer();
    alias.replace(alias.find("127.0.0.1"), 9, "localhost");
    try {
        fetch_provider_metadata(alias, *http);
        ADD_FAILURE();
    } catch (const AuthenticationError& e) {
        EXPECT_EQ(e.code(), errc::discovery_failed);
    }
}

TEST(LocalProvider, CliVerifiesThroughDiscovery) {
    LocalProvider op;
    ASSERT_TRUE(op.running());
    op.set_keys(jwks({{&key_one(), "one"}}));
    test::TempDir home;
    std::map<std::string, std::string> env = {{"HOME", home.path().string()},
                                              {"XDG_CONFIG_HOME", home.path().string()}};
    auto now = seconds_of(std::chrono::system_clock::now());
    std::string token =
        test::make_jws(key_one(), "ES256", {{"kid", "one"}}, claims_at(op.issuer(), now));
    auto result = test::run_command({test::cli_path().string(), "id-token", "verify", "--issuer",
                                     op.issuer(), "--audience", "client-1", token},
                                    env);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(json::parse(result.out)["iss"], op.issuer());
    // The provider advertises ES256 only: an RS256 token is refused by the allow-list.
    TestKey rsa = TestKey::rsa(2048);
    op.set_keys(json{{"keys", json::array({rsa.public_jwk("r")})}}.dump());
    std::string rs256 = test::make_jws(rsa, "RS256", {{"kid", "r"}}, claims_at(op.issuer(), now));
    result = test::run_command({test::cli_path().string(), "id-token", "verify", "--issuer",
                                op.issuer(), "--audience", "client-1", rs256},
                               env);
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(result.err.rfind("error: alg_not_allowed: ", 0), 0u) << result.err;
}

} // namespace
} // namespace authflow

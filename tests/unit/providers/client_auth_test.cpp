// Client authentication as a strategy (RFC 6749 §2.3.1, OIDC Core §9): what each method puts
// on the wire.
#include "providers/client_auth.hpp"
#include "token_endpoint_test_util.hpp"

#include <authflow/core/encoding.hpp>
#include <authflow/providers/oauth_provider.hpp>

#include <gtest/gtest.h>

namespace authflow {
namespace {

using detail::authenticated_form_post;
using detail::make_client_auth;

ProviderConfig client(std::string id, std::string secret) {
    ProviderConfig config;
    config.client_id = std::move(id);
    config.client_secret = std::move(secret);
    return config;
}

std::string header(const HttpRequest& request, std::string_view name) {
    for (const auto& [n, v] : request.headers) {
        if (n == name) {
            return v;
        }
    }
    return {};
}

TEST(ClientAuth, EachMethodIsItsOwnStrategy) {
    for (auto method : {ClientAuthMethod::client_secret_basic, ClientAuthMethod::client_secret_post,
                        ClientAuthMethod::none}) {
        EXPECT_EQ(make_client_auth(method, client("c", "s"))->method(), method);
    }
}

TEST(ClientAuth, AutomaticMustBeResolvedFirst) {
    EXPECT_EQ(test::thrown_code<Error>(
                  [] { make_client_auth(ClientAuthMethod::automatic, client("c", "s")); }),
              errc::internal);
}

TEST(ClientAuth, AutomaticIsNoneWithoutSecret) {
    EXPECT_EQ(detail::choose_client_auth_method(client("c", ""), {"client_secret_basic"},
                                                ClientAuthMethod::client_secret_basic),
              ClientAuthMethod::none);
}

TEST(ClientAuth, AutomaticTakesBasicBeforePostAndThePresetsDefaultWithoutDiscovery) {
    EXPECT_EQ(detail::choose_client_auth_method(client("c", "s"),
                                                {"client_secret_post", "client_secret_basic"},
                                                ClientAuthMethod::client_secret_post),
              ClientAuthMethod::client_secret_basic);
    EXPECT_EQ(detail::choose_client_auth_method(client("c", "s"), {"none", "client_secret_post"},
                                                ClientAuthMethod::client_secret_basic),
              ClientAuthMethod::client_secret_post);
    EXPECT_EQ(detail::choose_client_auth_method(client("c", "s"), {},
                                                ClientAuthMethod::client_secret_post),
              ClientAuthMethod::client_secret_post);
}

TEST(ClientAuth, ConfiguredMethodWins) {
    auto config = client("c", "s");
    config.client_auth_method = ClientAuthMethod::client_secret_post;
    EXPECT_EQ(detail::choose_client_auth_method(config,
                                                {"client_secret_basic", "client_secret_post"},
                                                ClientAuthMethod::client_secret_basic),
              ClientAuthMethod::client_secret_post);
}

TEST(ClientAuth, NoSecretMethodAdvertisedIsConfigInvalid) {
    EXPECT_EQ(test::thrown_code<ConfigError>([] {
                  detail::choose_client_auth_method(client("c", "s"), {"private_key_jwt"},
                                                    ClientAuthMethod::client_secret_basic);
              }),
              errc::config_invalid);
}

TEST(ClientAuth, BasicFormUrlencodesIdAndSecret) {
    const auto auth =
        make_client_auth(ClientAuthMethod::client_secret_basic, client("my client", "p:w%d"));
    const HttpRequest request =
        authenticated_form_post("https://op.example/token", QueryParams{{"a", "1"}}, *auth);
    // RFC 6749 §2.3.1: "my+client" ":" "p%3Aw%25d", then base64.
    EXPECT_EQ(header(request, "Authorization"), "Basic " + base64_encode("my+client:p%3Aw%25d"));
    EXPECT_EQ(request.body, "a=1");
}

TEST(ClientAuth, PostPutsIdAndSecretInTheBody) {
    const auto auth = make_client_auth(ClientAuthMethod::client_secret_post, client("c", "s"));
    const HttpRequest request =
        authenticated_form_post("https://op.example/token", QueryParams{{"a", "1"}}, *auth);
    EXPECT_EQ(header(request, "Authorization"), "");
    EXPECT_EQ(request.body, "a=1&client_id=c&client_secret=s");
}

TEST(ClientAuth, NoneNamesTheClientOnly) {
    const auto auth = make_client_auth(ClientAuthMethod::none, client("c", "s"));
    const HttpRequest request =
        authenticated_form_post("https://op.example/token", QueryParams{{"a", "1"}}, *auth);
    EXPECT_EQ(header(request, "Authorization"), "");
    EXPECT_EQ(request.body, "a=1&client_id=c");
}

TEST(ClientAuth, FormPostAsksForJson) {
    const auto auth = make_client_auth(ClientAuthMethod::none, client("c", ""));
    const HttpRequest request = authenticated_form_post("https://op.example/token", {}, *auth);
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.url, "https://op.example/token");
    ASSERT_GE(request.headers.size(), 2u);
    EXPECT_EQ(request.headers[0],
              (std::pair<std::string, std::string>{"Accept", "application/json"}));
    EXPECT_EQ(request.headers[1], (std::pair<std::string, std::string>{
                                      "Content-Type", "application/x-www-form-urlencoded"}));
}

} // namespace
} // namespace authflow

// The client credentials grant (RFC 6749 §4.4): its form and its error type.
#include "providers/token_endpoint/client_credentials_grant.hpp"
#include "token_endpoint_test_util.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/providers/oauth_provider.hpp>

#include <gtest/gtest.h>

namespace authflow {
namespace {

using detail::ClientCredentialsGrant;

TEST(ClientCredentialsGrant, FormCarriesScopesAndExtrasInOrder) {
    const ClientCredentialsGrant grant{{"api:read", "api:write"}, QueryParams{{"audience", "x"}}};
    const QueryParams form = grant.form();
    ASSERT_EQ(form.size(), 3u);
    EXPECT_EQ(form.items()[0], (QueryParams::value_type{"grant_type", "client_credentials"}));
    EXPECT_EQ(form.items()[1], (QueryParams::value_type{"scope", "api:read api:write"}));
    EXPECT_EQ(form.items()[2], (QueryParams::value_type{"audience", "x"}));
}

TEST(ClientCredentialsGrant, NoScopeWhenNoneAsked) {
    EXPECT_FALSE(ClientCredentialsGrant{}.form().contains("scope"));
}

TEST(ClientCredentialsGrant, ProviderErrorIsTokenError) {
    ManualClock clock;
    try {
        ClientCredentialsGrant{}.read(test::json_response(401, {{"error", "invalid_client"}}),
                                      clock);
        FAIL() << "no exception";
    } catch (const TokenRefreshError&) {
        FAIL() << "not a refresh failure";
    } catch (const TokenError& e) {
        EXPECT_EQ(e.code(), errc::provider_error);
        EXPECT_EQ(e.provider_answer().error, "invalid_client");
        EXPECT_EQ(e.provider_answer().http_status, 401);
    }
}

TEST(ClientCredentialsGrant, BadAnswerIsInvalidResponse) {
    ManualClock clock;
    EXPECT_EQ(test::thrown_code<TokenError>([&] {
                  ClientCredentialsGrant{}.read(
                      test::json_response(200, {{"token_type", "Bearer"}}), clock);
              }),
              errc::invalid_response);
}

} // namespace
} // namespace authflow

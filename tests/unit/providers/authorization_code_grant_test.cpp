// The authorization code grant (RFC 6749 §4.1.3, RFC 7636 §4.5): its form and its error type.
#include "providers/token_endpoint/authorization_code_grant.hpp"
#include "token_endpoint_test_util.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/providers/oauth_provider.hpp>

#include <gtest/gtest.h>

namespace authflow {
namespace {

using detail::AuthorizationCodeGrant;

TEST(AuthorizationCodeGrant, FormCarriesCodeRedirectUriAndVerifier) {
    const AuthorizationCodeGrant grant{"CODE", "http://127.0.0.1:1/cb", "VERIFIER"};
    const QueryParams form = grant.form();
    ASSERT_EQ(form.size(), 4u);
    EXPECT_EQ(form.get("grant_type"), "authorization_code");
    EXPECT_EQ(form.get("code"), "CODE");
    EXPECT_EQ(form.get("redirect_uri"), "http://127.0.0.1:1/cb");
    EXPECT_EQ(form.get("code_verifier"), "VERIFIER");
}

TEST(AuthorizationCodeGrant, NoVerifierWithoutPkce) {
    EXPECT_FALSE(AuthorizationCodeGrant({"CODE", "http://127.0.0.1:1/cb", std::nullopt})
                     .form()
                     .contains("code_verifier"));
    EXPECT_FALSE(AuthorizationCodeGrant({"CODE", "http://127.0.0.1:1/cb", ""})
                     .form()
                     .contains("code_verifier"));
}

TEST(AuthorizationCodeGrant, ReadsTokens) {
    ManualClock clock;
    const AuthorizationCodeGrant grant{"CODE", "http://127.0.0.1:1/cb", std::nullopt};
    EXPECT_EQ(grant.read(test::json_response(200, test::bearer_tokens()), clock).access_token,
              "AT-1");
}

TEST(AuthorizationCodeGrant, ProviderErrorIsTokenErrorNotRefreshError) {
    ManualClock clock;
    const AuthorizationCodeGrant grant{"CODE", "http://127.0.0.1:1/cb", std::nullopt};
    try {
        grant.read(test::json_response(400, {{"error", "invalid_grant"}}), clock);
        FAIL() << "no exception";
    } catch (const TokenRefreshError&) {
        FAIL() << "a sign-in's failure is not a refresh failure";
    } catch (const TokenError& e) {
        EXPECT_EQ(e.code(), errc::provider_error);
        EXPECT_EQ(e.provider_answer().error, "invalid_grant");
    }
}

TEST(AuthorizationCodeGrant, RetryAfterDoesNotMakeARetryLaterError) {
    ManualClock clock;
    const AuthorizationCodeGrant grant{"CODE", "http://127.0.0.1:1/cb", std::nullopt};
    try {
        grant.read(test::json_response(503, {{"error", "temporarily_unavailable"}},
                                       {{"Retry-After", "5"}}),
                   clock);
        FAIL() << "no exception";
    } catch (const TokenRefreshError&) {
        FAIL() << "a sign-in's failure is not a refresh failure";
    } catch (const TokenError& e) {
        EXPECT_EQ(e.code(), errc::provider_error);
    }
}

TEST(AuthorizationCodeGrant, BadAnswerIsInvalidResponse) {
    ManualClock clock;
    const AuthorizationCodeGrant grant{"CODE", "http://127.0.0.1:1/cb", std::nullopt};
    EXPECT_EQ(test::thrown_code<TokenError>(
                  [&] { grant.read(test::text_response(200, "not json"), clock); }),
              errc::invalid_response);
}

} // namespace
} // namespace authflow

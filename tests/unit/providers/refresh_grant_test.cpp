// The refresh token grant (RFC 6749 §6): its form, its error types (TokenRefreshError, and
// RetryLaterError when the provider says when to come back), and what a refreshed token set
// keeps from the current one.
#include "providers/token_endpoint/refresh_grant.hpp"
#include "token_endpoint_test_util.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/providers/oauth_provider.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace authflow {
namespace {

using detail::RefreshGrant;

TEST(RefreshGrant, FormCarriesTheRefreshToken) {
    const QueryParams form = RefreshGrant{"RT-1"}.form();
    ASSERT_EQ(form.size(), 2u);
    EXPECT_EQ(form.get("grant_type"), "refresh_token");
    EXPECT_EQ(form.get("refresh_token"), "RT-1");
}

// A narrower token: scopes joined by spaces (RFC 6749 §3.3), one `resource` per API (RFC 8707
// §2), and the `audience` some providers use.
TEST(RefreshGrant, NarrowingAddsScopeResourcesAndAudience) {
    RefreshGrant grant{
        "RT-1", false, {{"openid", "api:read"}, {"https://a.example/", "urn:b"}, "aud-1"}};
    EXPECT_NO_THROW(grant.check());
    const QueryParams form = grant.form();
    EXPECT_EQ(form.get("scope"), "openid api:read");
    EXPECT_EQ(form.get_all("resource"), (std::vector<std::string>{"https://a.example/", "urn:b"}));
    EXPECT_EQ(form.get("audience"), "aud-1");

    // The answer's scope, when it names none, is the one asked for (RFC 6749 §5.1).
    OAuthTokenSet current;
    current.scope = "openid api:read offline_access";
    OAuthTokenSet answer;
    grant.keep_unchanged(answer, &current);
    EXPECT_EQ(answer.scope, "openid api:read");
    EXPECT_EQ(answer.refresh_token, "RT-1");
}

TEST(RefreshGrant, MalformedNarrowingIsRefusedBeforeAnythingIsSent) {
    for (const TokenNarrowing& bad :
         {TokenNarrowing{{"two words"}, {}, {}}, TokenNarrowing{{"quo\"te"}, {}, {}},
          TokenNarrowing{{""}, {}, {}}, TokenNarrowing{{}, {"/relative"}, {}},
          TokenNarrowing{{}, {"https://a.example/#frag"}, {}},
          TokenNarrowing{{}, {"1http://a.example/"}, {}},
          TokenNarrowing{{}, {"https://a.example/ x"}, {}}}) {
        EXPECT_EQ(test::thrown_code<ConfigError>([&] {
                      RefreshGrant{"RT-1", false, bad}.check();
                  }),
                  errc::invalid_argument);
    }
}

TEST(RefreshGrant, ProviderErrorIsTokenRefreshError) {
    ManualClock clock;
    try {
        RefreshGrant{"RT-1"}.read(test::json_response(400, {{"error", "invalid_grant"}}), clock);
        FAIL() << "no exception";
    } catch (const RetryLaterError&) {
        FAIL() << "no Retry-After was sent";
    } catch (const TokenRefreshError& e) {
        EXPECT_EQ(e.code(), errc::provider_error);
        EXPECT_EQ(e.provider_answer().error, "invalid_grant");
    }
}

TEST(RefreshGrant, BadAnswerIsTokenRefreshError) {
    ManualClock clock;
    EXPECT_EQ(test::thrown_code<TokenRefreshError>(
                  [&] { RefreshGrant{"RT-1"}.read(test::text_response(200, "{}"), clock); }),
              errc::invalid_response);
    EXPECT_EQ(test::thrown_code<TokenRefreshError>(
                  [&] { RefreshGrant{"RT-1"}.read(test::text_response(500, "oops"), clock); }),
              errc::invalid_response);
}

TEST(RefreshGrant, RefusalWithRetryAfterIsRetryLaterError) {
    ManualClock clock;
    try {
        RefreshGrant{"RT-1"}.read(
            test::json_response(429, {{"error", "slow_down"}}, {{"Retry-After", "30"}}), clock);
        FAIL() << "no exception";
    } catch (const RetryLaterError& e) {
        EXPECT_EQ(e.code(), errc::provider_error);
        EXPECT_EQ(e.retry_after(), "30");
    }
    try {
        RefreshGrant{"RT-1"}.read(test::text_response(503, "busy"), clock);
        FAIL() << "no exception";
    } catch (const RetryLaterError&) {
        FAIL() << "no Retry-After was sent";
    } catch (const TokenRefreshError& e) {
        EXPECT_EQ(e.code(), errc::invalid_response);
    }
}

TEST(RefreshGrant, StepTurnsTokenErrorIntoTokenRefreshError) {
    try {
        RefreshGrant::step([]() -> int { throw TokenError(errc::bad_audience, "aud"); });
        FAIL() << "no exception";
    } catch (const TokenRefreshError& e) {
        EXPECT_EQ(e.code(), errc::bad_audience);
    }
    EXPECT_EQ(RefreshGrant::step([] { return 7; }), 7);
}

TEST(RefreshGrant, UnreadableStoredIdTokenIsTokenInvalid) {
    OAuthTokenSet current;
    current.access_token = "AT-0";
    current.id_token = "not-a-jwt";
    const auto refreshed =
        IdTokenClaims::from_payload(R"({"iss":"https://op","sub":"a","aud":"c"})");
    EXPECT_EQ(test::thrown_code<TokenRefreshError>(
                  [&] { RefreshGrant::check_same_identity(current, refreshed); }),
              errc::token_invalid);
}

TEST(RefreshGrant, KeepsTheRefreshTokenTheAnswerLeftOut) {
    OAuthTokenSet tokens;
    tokens.access_token = "AT-2";
    RefreshGrant{"RT-1"}.keep_unchanged(tokens, nullptr);
    EXPECT_EQ(tokens.refresh_token, "RT-1");

    OAuthTokenSet rotated;
    rotated.access_token = "AT-2";
    rotated.refresh_token = "RT-2";
    RefreshGrant{"RT-1"}.keep_unchanged(rotated, nullptr);
    EXPECT_EQ(rotated.refresh_token, "RT-2");
}

TEST(RefreshGrant, KeepsScopeAndIdTokenOfTheCurrentSet) {
    OAuthTokenSet current;
    current.access_token = "AT-1";
    current.scope = "openid email";
    current.id_token = "ID-1";
    OAuthTokenSet tokens;
    tokens.access_token = "AT-2";
    RefreshGrant{"RT-1"}.keep_unchanged(tokens, &current);
    EXPECT_EQ(tokens.scope, "openid email");
    EXPECT_EQ(tokens.id_token, "ID-1");

    OAuthTokenSet answered;
    answered.access_token = "AT-2";
    answered.scope = "openid";
    answered.id_token = "ID-2";
    RefreshGrant{"RT-1"}.keep_unchanged(answered, &current);
    EXPECT_EQ(answered.scope, "openid");
    EXPECT_EQ(answered.id_token, "ID-2");
}

} // namespace
} // namespace authflow

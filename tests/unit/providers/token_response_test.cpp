// The one reader of token endpoint answers (RFC 6749 §5.1, §5.2): a token set or the reason
// there is none, never an exception.
#include "providers/token_endpoint/token_response.hpp"
#include "token_endpoint_test_util.hpp"

#include <authflow/core/clock.hpp>

#include <gtest/gtest.h>

namespace authflow {
namespace {

using detail::read_token_response;
using detail::TokenEndpointError;
using json = nlohmann::json;

// A copy: the answer is usually a temporary.
TokenEndpointError error_of(const detail::TokenAnswer& answer) {
    const auto* error = std::get_if<TokenEndpointError>(&answer);
    EXPECT_NE(error, nullptr);
    return error ? *error : TokenEndpointError{errc::internal, "no error", {}, {}};
}

TEST(TokenResponse, ReadsBearerTokens) {
    ManualClock clock;
    auto answer = read_token_response(test::json_response(200, test::bearer_tokens()), clock);
    ASSERT_TRUE(std::holds_alternative<OAuthTokenSet>(answer));
    const auto& tokens = std::get<OAuthTokenSet>(answer);
    EXPECT_EQ(tokens.access_token, "AT-1");
    EXPECT_EQ(tokens.token_type, "Bearer");
}

TEST(TokenResponse, NormalisesTheTokenTypeToBearer) {
    ManualClock clock;
    auto body = test::bearer_tokens();
    body["token_type"] = "bearer";
    auto answer = read_token_response(test::json_response(200, body), clock);
    ASSERT_TRUE(std::holds_alternative<OAuthTokenSet>(answer));
    EXPECT_EQ(std::get<OAuthTokenSet>(answer).token_type, "Bearer");
}

TEST(TokenResponse, OAuthErrorIsProviderErrorWithTheAnswer) {
    ManualClock clock;
    const auto error = error_of(read_token_response(
        test::json_response(400, {{"error", "invalid_grant"}, {"error_description", "used"}}),
        clock));
    EXPECT_EQ(error.code, errc::provider_error);
    EXPECT_EQ(error.answer.error, "invalid_grant");
    EXPECT_EQ(error.answer.error_description, "used");
    EXPECT_EQ(error.answer.http_status, 400);
    EXPECT_FALSE(error.retry_after);
}

TEST(TokenResponse, GitHubsErrorWithHttp200IsProviderError) {
    ManualClock clock;
    const auto error = error_of(
        read_token_response(test::json_response(200, {{"error", "bad_verification_code"}}), clock));
    EXPECT_EQ(error.code, errc::provider_error);
    EXPECT_EQ(error.answer.error, "bad_verification_code");
}

TEST(TokenResponse, RetryAfterIsKeptFor429And503Only) {
    ManualClock clock;
    for (int status : {429, 503}) {
        const auto error = error_of(
            read_token_response(test::json_response(status, {{"error", "temporarily_unavailable"}},
                                                    {{"Retry-After", "7"}}),
                                clock));
        EXPECT_EQ(error.code, errc::provider_error);
        ASSERT_TRUE(error.retry_after);
        EXPECT_EQ(*error.retry_after, "7");
    }
    const auto plain = error_of(read_token_response(
        test::json_response(500, {{"error", "server_error"}}, {{"Retry-After", "7"}}), clock));
    EXPECT_FALSE(plain.retry_after);
}

TEST(TokenResponse, StatusWithoutOAuthErrorIsInvalidResponse) {
    ManualClock clock;
    const auto error = error_of(read_token_response(test::text_response(502, "<html>"), clock));
    EXPECT_EQ(error.code, errc::invalid_response);
    EXPECT_EQ(error.answer.http_status, 502);
}

TEST(TokenResponse, BadBodiesAreInvalidResponse) {
    ManualClock clock;
    auto no_access_token = test::bearer_tokens();
    no_access_token.erase("access_token");
    auto empty_access_token = test::bearer_tokens();
    empty_access_token["access_token"] = "";
    auto dpop = test::bearer_tokens();
    dpop["token_type"] = "DPoP";
    auto mac = test::bearer_tokens();
    mac["token_type"] = "mac";
    auto numeric_type = test::bearer_tokens();
    numeric_type["token_type"] = 1;
    auto bad_expiry = test::bearer_tokens();
    bad_expiry["expires_in"] = "soon";
    for (const auto& response :
         {test::text_response(200, "not json"), test::text_response(200, "[1]"),
          test::json_response(200, no_access_token), test::json_response(200, empty_access_token),
          test::json_response(200, dpop), test::json_response(200, mac),
          test::json_response(200, numeric_type), test::json_response(200, bad_expiry)}) {
        const auto error = error_of(read_token_response(response, clock));
        EXPECT_EQ(error.code, errc::invalid_response) << response.body;
        EXPECT_FALSE(error.retry_after);
    }
}

// RFC 9449 §5: a DPoP request is answered with a DPoP token; any other answer loses the binding
// (or, the other way round, a DPoP token is useless without the key a Bearer request never had).
TEST(TokenResponse, TheTokenTypeMustBeTheOneAskedFor) {
    ManualClock clock;
    auto dpop = test::bearer_tokens();
    dpop["token_type"] = "DPoP";
    auto lower = test::bearer_tokens();
    lower["token_type"] = "dpop"; // RFC 6749 §5.1: the type is case-insensitive
    auto untyped = test::bearer_tokens();
    untyped.erase("token_type");
    for (const auto& body : {dpop, lower}) {
        auto answer = read_token_response(test::json_response(200, body), clock, true);
        ASSERT_TRUE(std::holds_alternative<OAuthTokenSet>(answer)) << body.dump();
        EXPECT_EQ(std::get<OAuthTokenSet>(answer).token_type, "DPoP");
    }
    for (const auto& body : {test::bearer_tokens(), untyped}) {
        EXPECT_EQ(error_of(read_token_response(test::json_response(200, body), clock, true)).code,
                  errc::invalid_response)
            << body.dump();
    }
    // Without DPoP: Bearer (or no type, which means Bearer) only.
    EXPECT_TRUE(std::holds_alternative<OAuthTokenSet>(
        read_token_response(test::json_response(200, untyped), clock, false)));
    EXPECT_EQ(error_of(read_token_response(test::json_response(200, dpop), clock, false)).code,
              errc::invalid_response);
}

TEST(TokenResponse, MessagesNeverCarryTheTokens) {
    ManualClock clock;
    auto body = test::bearer_tokens();
    body["access_token"] = "SECRET-AT";
    body["token_type"] = "SECRET-TYPE-IS-LONGER-THAN-THIRTY-TWO-CHARACTERS-SECRET";
    const auto error = error_of(read_token_response(test::json_response(200, body), clock));
    EXPECT_EQ(error.message.find("SECRET-AT"), std::string::npos);
}

} // namespace
} // namespace authflow

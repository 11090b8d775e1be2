// One poll of the device authorization grant (RFC 8628 §3.4, §3.5): what each answer means and
// which exception types its failures are.
#include "providers/token_endpoint/device_code_grant.hpp"
#include "token_endpoint_test_util.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/providers/oauth_provider.hpp>

#include <gtest/gtest.h>

namespace authflow {
namespace {

using detail::DeviceCodeGrant;
using detail::DevicePoll;
using std::chrono::seconds;

TEST(DeviceCodeGrant, FormCarriesTheDeviceCode) {
    const QueryParams form = DeviceCodeGrant{"DC-1"}.form();
    ASSERT_EQ(form.size(), 2u);
    EXPECT_EQ(form.get("grant_type"), "urn:ietf:params:oauth:grant-type:device_code");
    EXPECT_EQ(form.get("device_code"), "DC-1");
}

TEST(DeviceCodeGrant, PendingAndSlowDownAreNotErrors) {
    ManualClock clock;
    const DeviceCodeGrant grant{"DC-1"};
    EXPECT_EQ(
        grant.read(test::json_response(400, {{"error", "authorization_pending"}}), clock).status,
        DevicePoll::Status::authorization_pending);
    const DevicePoll slow =
        grant.read(test::json_response(400, {{"error", "slow_down"}, {"interval", 20}}), clock);
    EXPECT_EQ(slow.status, DevicePoll::Status::slow_down);
    EXPECT_EQ(slow.interval, 20);
}

TEST(DeviceCodeGrant, SlowDownAddsFiveSecondsOrTakesTheLargerInterval) {
    EXPECT_EQ(DeviceCodeGrant::slowed_down(seconds{5}, {DevicePoll::Status::slow_down, {}, {}}),
              seconds{10});
    EXPECT_EQ(DeviceCodeGrant::slowed_down(seconds{5}, {DevicePoll::Status::slow_down, {}, 20}),
              seconds{20});
    EXPECT_EQ(DeviceCodeGrant::slowed_down(seconds{5}, {DevicePoll::Status::slow_down, {}, 7}),
              seconds{10});
    EXPECT_EQ(DeviceCodeGrant::slowed_down(seconds{5}, {DevicePoll::Status::slow_down, {}, 999999}),
              seconds{3600});
}

TEST(DeviceCodeGrant, ApprovedReadsTokens) {
    ManualClock clock;
    const DevicePoll poll =
        DeviceCodeGrant{"DC-1"}.read(test::json_response(200, test::bearer_tokens()), clock);
    EXPECT_EQ(poll.status, DevicePoll::Status::approved);
    EXPECT_EQ(poll.tokens.access_token, "AT-1");
}

TEST(DeviceCodeGrant, ExpiredTokenIsTokenExpiredError) {
    ManualClock clock;
    EXPECT_EQ(test::thrown_code<TokenExpiredError>([&] {
                  DeviceCodeGrant{"DC-1"}.read(
                      test::json_response(400, {{"error", "expired_token"}}), clock);
              }),
              errc::token_expired);
}

TEST(DeviceCodeGrant, AccessDeniedIsTokenErrorProviderError) {
    ManualClock clock;
    try {
        DeviceCodeGrant{"DC-1"}.read(test::json_response(400, {{"error", "access_denied"}}), clock);
        FAIL() << "no exception";
    } catch (const TokenExpiredError&) {
        FAIL() << "access_denied is not an expiry";
    } catch (const TokenRefreshError&) {
        FAIL() << "not a refresh failure";
    } catch (const TokenError& e) {
        EXPECT_EQ(e.code(), errc::provider_error);
        EXPECT_EQ(e.provider_answer().error, "access_denied");
    }
}

TEST(DeviceCodeGrant, BadAnswerIsInvalidResponse) {
    ManualClock clock;
    EXPECT_EQ(test::thrown_code<TokenError>([&] {
                  DeviceCodeGrant{"DC-1"}.read(test::text_response(502, "bad gateway"), clock);
              }),
              errc::invalid_response);
}

} // namespace
} // namespace authflow

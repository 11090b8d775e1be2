// How refresh failures are judged, the backoff, and the Retry-After parser (untrusted input).
#include "session/refresh_policy.hpp"

#include <authflow/core/error_family.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/providers/oauth_provider.hpp>

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace authflow::session_detail {
namespace {

using namespace std::chrono_literals;

template <typename E> Failure judge(E error) {
    return classify_refresh_failure(std::make_exception_ptr(std::move(error)), Clock::wall_time{});
}

TEST(RefreshPolicy, InvalidGrantAndMissingRefreshTokenNeedASignIn) {
    auto failure = judge(TokenRefreshError(errc::provider_error, "refused",
                                           ProviderAnswer{"invalid_grant", "token revoked", 400}));
    EXPECT_EQ(failure.kind, FailureKind::reauth);
    EXPECT_EQ(failure.answer.error, "invalid_grant");
    EXPECT_EQ(failure.answer.http_status, 400);
    EXPECT_EQ(judge(TokenRefreshError(errc::reauth_required, "no refresh token")).kind,
              FailureKind::reauth);
    // OIDC Core §12.2: a refreshed ID token for someone else.
    EXPECT_EQ(judge(TokenRefreshError(errc::bad_subject, "sub changed")).kind, FailureKind::reauth);
}

TEST(RefreshPolicy, ServerTroubleAndNetworkErrorsAreTransient) {
    EXPECT_EQ(
        judge(TokenRefreshError(errc::invalid_response, "x", ProviderAnswer{"", "", 503})).kind,
        FailureKind::transient);
    EXPECT_EQ(
        judge(TokenRefreshError(errc::invalid_response, "x", ProviderAnswer{"", "", 500})).kind,
        FailureKind::transient);
    EXPECT_EQ(
        judge(TokenRefreshError(errc::provider_error, "x", ProviderAnswer{"slow_down", "", 429}))
            .kind,
        FailureKind::transient);
    EXPECT_EQ(judge(TokenRefreshError(errc::provider_error, "x",
                                      ProviderAnswer{"temporarily_unavailable", "", 400}))
                  .kind,
              FailureKind::transient);
    for (errc code : {errc::timeout, errc::connect, errc::resolve, errc::transport}) {
        EXPECT_EQ(judge(TransportError(code, "x")).kind, FailureKind::transient) << to_string(code);
    }
    EXPECT_EQ(judge(AuthenticationError(errc::discovery_failed, "x")).kind, FailureKind::transient);
    // Discovery could not connect (the provider restarting, a laptop offline).
    EXPECT_EQ(judge(TransportError(errc::discovery_failed, "x")).kind, FailureKind::transient);
    EXPECT_EQ(judge(StoreError(errc::store_unavailable, "x")).kind, FailureKind::transient);
}

TEST(RefreshPolicy, EverythingElseFailsWithoutRetry) {
    EXPECT_EQ(judge(TokenRefreshError(errc::provider_error, "x",
                                      ProviderAnswer{"invalid_client", "", 401}))
                  .kind,
              FailureKind::failed);
    EXPECT_EQ(
        judge(TokenRefreshError(errc::invalid_response, "x", ProviderAnswer{"", "", 404})).kind,
        FailureKind::failed);
    EXPECT_EQ(judge(TransportError(errc::tls, "x")).kind, FailureKind::failed);
    EXPECT_EQ(judge(TransportError(errc::too_large, "x")).kind, FailureKind::failed);
    EXPECT_EQ(judge(ConfigError(errc::config_missing, "x")).kind, FailureKind::failed);
    EXPECT_EQ(
        judge(AuthenticationError(errc::discovery_failed, "x", ProviderAnswer{"", "", 404})).kind,
        FailureKind::failed);
    EXPECT_EQ(judge(std::runtime_error("x")).kind, FailureKind::failed);
    EXPECT_EQ(judge(42).kind, FailureKind::failed);
}

TEST(RefreshPolicy, RetryLaterCarriesTheWait) {
    auto failure = judge(
        RetryLaterError(errc::provider_error, "x", ProviderAnswer{"slow_down", "", 429}, "17"));
    EXPECT_EQ(failure.kind, FailureKind::transient);
    EXPECT_EQ(failure.retry_after, 17s);
    EXPECT_EQ(failure.answer.http_status, 429);
    // A header that cannot be read is ignored: the backoff applies.
    failure =
        judge(RetryLaterError(errc::invalid_response, "x", ProviderAnswer{"", "", 503}, "soon"));
    EXPECT_EQ(failure.kind, FailureKind::transient);
    EXPECT_FALSE(failure.retry_after);
}

TEST(RefreshPolicy, BackoffGrowsToItsCap) {
    RetryPolicy policy;
    policy.initial_delay = 500ms;
    policy.multiplier = 2;
    policy.max_delay = 3000ms;
    policy.jitter = 0;
    EXPECT_EQ(backoff_delay(policy, 1, 0.7), 500ms);
    EXPECT_EQ(backoff_delay(policy, 2, 0.7), 1000ms);
    EXPECT_EQ(backoff_delay(policy, 3, 0.7), 2000ms);
    EXPECT_EQ(backoff_delay(policy, 4, 0.7), 3000ms);
    EXPECT_EQ(backoff_delay(policy, 1000, 0.7), 3000ms);
    EXPECT_EQ(backoff_delay(policy, 0, 0.7), 500ms);
}

TEST(RefreshPolicy, JitterStaysWithinItsBounds) {
    RetryPolicy policy;
    policy.initial_delay = 1000ms;
    policy.jitter = 0.25;
    EXPECT_EQ(backoff_delay(policy, 1, -1), 750ms);
    EXPECT_EQ(backoff_delay(policy, 1, 1), 1250ms);
    EXPECT_EQ(backoff_delay(policy, 1, 0), 1000ms);
    bool varied = false;
    const auto first = backoff_delay(policy, 1, random_unit());
    for (int i = 0; i < 200; ++i) {
        const double u = random_unit();
        ASSERT_GE(u, -1.0);
        ASSERT_LE(u, 1.0);
        const auto delay = backoff_delay(policy, 1, u);
        EXPECT_GE(delay, 750ms);
        EXPECT_LE(delay, 1250ms);
        varied = varied || delay != first;
    }
    EXPECT_TRUE(varied);
}

TEST(RetryAfter, DelaySeconds) {
    const Clock::wall_time now{};
    EXPECT_EQ(parse_retry_after("120", now), 120s);
    EXPECT_EQ(parse_retry_after("0", now), 0s);
    EXPECT_EQ(parse_retry_after(" 7 ", now), 7s);
    // Absurd values are capped at a day instead of overflowing.
    EXPECT_EQ(parse_retry_after("99999999999999999999999", now), 24h);
    EXPECT_EQ(parse_retry_after("900000", now), 24h);
}

TEST(RetryAfter, HttpDate) {
    // RFC 9110 §10.2.3's example date.
    const Clock::wall_time now{std::chrono::sys_days{std::chrono::year{1999} / 12 / 31} + 23h +
                               59min};
    EXPECT_EQ(parse_retry_after("Fri, 31 Dec 1999 23:59:59 GMT", now), 59s);
    EXPECT_EQ(parse_retry_after("Sat, 01 Jan 2000 00:00:30 GMT", now), 90s);
    EXPECT_EQ(parse_retry_after("Fri, 31 Dec 1999 23:00:00 GMT", now), 0s); // in the past
}

TEST(RetryAfter, RejectsAnythingElse) {
    const Clock::wall_time now{};
    for (const char* bad :
         {"", "   ", "-1", "+5", "1.5", "5s", "abc", "0x10", "Fri, 31 Dec 1999 23:59:59 UTC",
          "Fri, 31 Dec 1999 23:59:59", "Fri, 32 Dec 1999 23:59:59 GMT",
          "Fri, 31 Foo 1999 23:59:59 GMT", "Fri, 31 Dec 1999 24:00:00 GMT",
          "Fri, 31 Dec 1999 23:60:00 GMT", "Thu, 29 Feb 2001 10:00:00 GMT",
          "Friday, 31-Dec-99 23:59:59 GMT", "Fri Dec 31 23:59:59 1999",
          "Fri, 3a Dec 1999 23:59:59 GMT", "Fri, 31 Dec 19x9 23:59:59 GMT"}) {
        EXPECT_FALSE(parse_retry_after(bad, now)) << bad;
    }
}

/// The judgement before families, kept verbatim as the expectation for every code.
FailureKind judged_before_families(const std::string& type, errc code, int http_status) {
    const bool transient_status = http_status >= 500 || http_status == 429 || http_status == 408;
    if (type == "TransportError") {
        // One change since: the connection failing while the provider's discovery document or
        // keys are fetched on the way to the token endpoint may pass too.
        return code == errc::timeout || code == errc::connect || code == errc::resolve ||
                       code == errc::transport || family(code) == error_family::provider_metadata
                   ? FailureKind::transient
                   : FailureKind::failed;
    }
    if (type == "ConfigError") {
        return FailureKind::failed;
    }
    if (type == "StoreError") {
        return code == errc::store_unavailable ? FailureKind::transient : FailureKind::failed;
    }
    if (code == errc::reauth_required) {
        return FailureKind::reauth;
    }
    if (transient_status) {
        return FailureKind::transient;
    }
    if ((code == errc::discovery_failed || code == errc::jwks_failed) &&
        (http_status == 0 || transient_status)) {
        return FailureKind::transient;
    }
    if (code == errc::bad_issuer || code == errc::bad_subject || code == errc::bad_audience ||
        code == errc::bad_azp) {
        return FailureKind::reauth;
    }
    return FailureKind::failed;
}

TEST(RefreshPolicy, EveryCodeIsJudgedAsBeforeFamilies) {
    for (const errc code : all_error_codes()) {
        for (const int status : {0, 400, 503}) {
            const ProviderAnswer answer{"", "", status};
            const std::vector<std::pair<std::string, std::exception_ptr>> errors = {
                {"TransportError", std::make_exception_ptr(TransportError(code, "x", answer))},
                {"ConfigError", std::make_exception_ptr(ConfigError(code, "x", answer))},
                {"StoreError", std::make_exception_ptr(StoreError(code, "x", answer))},
                {"TokenRefreshError",
                 std::make_exception_ptr(TokenRefreshError(code, "x", answer))},
                {"AuthenticationError",
                 std::make_exception_ptr(AuthenticationError(code, "x", answer))},
                {"Error", std::make_exception_ptr(Error(code, "x", answer))},
            };
            for (const auto& [type, error] : errors) {
                EXPECT_EQ(classify_refresh_failure(error, Clock::wall_time{}).kind,
                          judged_before_families(type, code, status))
                    << type << "(" << to_string(code) << "), HTTP " << status;
            }
        }
    }
}

} // namespace
} // namespace authflow::session_detail

// The device authorization grant (RFC 8628) on a manual clock: polling honours interval and
// slow_down, expiry, denial and cancellation, without a single sleep.
#include "provider_test_util.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>

#include <gtest/gtest.h>

#include <exception>
#include <future>
#include <optional>
#include <thread>

namespace authflow {
namespace {

using namespace std::chrono_literals;
using test::FakeOp;
using test::json;

class DeviceFlow : public ::testing::Test {
protected:
    FakeOp op;
    std::shared_ptr<GenericOIDCProvider> provider;
    std::vector<Clock::steady_time> poll_times;
    std::vector<json> answers; // what the token endpoint says, poll by poll
    std::mutex mutex;

    void SetUp() override {
        ProviderConfig c;
        c.client_id = "device-client";
        c.issuer_url = FakeOp::issuer;
        c.scopes = {"api:read"}; // no openid: no ID token expected
        c.http = op.http;
        c.clock = op.clock;
        provider = std::make_shared<GenericOIDCProvider>(c);
        op.http->on_json(
            FakeOp::device_url, 200,
            {{"device_code", "DC-1"},
             {"user_code", "ABCD-EFGH"},
             {"verification_uri", "https://op.example/device"},
             {"verification_uri_complete", "https://op.example/device?user_code=ABCD-EFGH"},
             {"expires_in", 60},
             {"interval", 5}});
        op.http->on(FakeOp::token_url, [this](const HttpRequest&) {
            std::lock_guard lock(mutex);
            poll_times.push_back(op.clock->steady_now());
            const std::size_t i = poll_times.size() - 1;
            const json answer = i < answers.size() ? answers[i] : answers.back();
            return test::json_response(answer.contains("error") ? 400 : 200, answer);
        });
    }

    std::chrono::seconds since(Clock::steady_time start, std::size_t poll) {
        std::lock_guard lock(mutex);
        return std::chrono::duration_cast<std::chrono::seconds>(poll_times.at(poll) - start);
    }

    /// Starts the device authorization, then polls for its token on another thread.
    std::future<OAuthTokenSet> start_polling(CancelSignal* cancel = nullptr) {
        authorization = provider->start_device_authorization();
        return std::async(std::launch::async, [this, cancel] {
            return provider->poll_device_token(authorization, cancel);
        });
    }

    /// Waits until the poller sleeps on the clock, then moves the clock on `by`; false when it
    /// never sleeps.
    [[nodiscard]] bool advance_when_waiting(std::chrono::seconds by) {
        if (!test::wait_waiters(op.clock, 1)) {
            return false;
        }
        op.clock->advance(by);
        return true;
    }

    DeviceAuthorization authorization;
};

/// The exception of type E that polling ended with; a test failure when it ended otherwise.
template <typename E> std::optional<E> failure_of(std::future<OAuthTokenSet>& result) {
    try {
        result.get();
    } catch (const E& e) {
        return e;
    }
    ADD_FAILURE() << "polling ended without the expected error";
    return std::nullopt;
}

TEST_F(DeviceFlow, StartReadsTheAuthorization) {
    authorization = provider->start_device_authorization();
    EXPECT_EQ(authorization.device_code, "DC-1");
    EXPECT_EQ(authorization.user_code, "ABCD-EFGH");
    EXPECT_EQ(authorization.verification_uri, "https://op.example/device");
    EXPECT_EQ(authorization.verification_uri_complete,
              "https://op.example/device?user_code=ABCD-EFGH");
    EXPECT_EQ(authorization.interval, 5s);
    EXPECT_EQ(authorization.expires_at, op.clock->steady_now() + 60s);
    auto sent = op.http->requests_to(FakeOp::device_url).at(0);
    EXPECT_EQ(sent.body, "scope=api%3Aread&client_id=device-client");
}

TEST_F(DeviceFlow, PollingHonoursIntervalAndSlowDown) {
    answers = {{{"error", "authorization_pending"}},
               {{"error", "slow_down"}},
               {{"access_token", "AT-D"}, {"token_type", "Bearer"}, {"refresh_token", "RT-D"}}};
    auto result = start_polling();
    const auto start = op.clock->steady_now();

    // No poll before the first interval has passed.
    ASSERT_TRUE(test::wait_waiters(op.clock, 1));
    EXPECT_EQ(op.http->count(FakeOp::token_url), 0u);
    op.clock->advance(5s);
    ASSERT_TRUE(op.http->wait_count(FakeOp::token_url, 1)); // pending
    ASSERT_TRUE(advance_when_waiting(5s));
    ASSERT_TRUE(op.http->wait_count(FakeOp::token_url, 2)); // slow_down: interval 10 s now
    ASSERT_TRUE(test::wait_waiters(op.clock, 1));
    op.clock->advance(9s); // not yet
    op.clock->advance(1s);
    auto tokens = result.get();
    EXPECT_EQ(tokens.access_token, "AT-D");
    EXPECT_EQ(since(start, 0), 5s);
    EXPECT_EQ(since(start, 1), 10s);
    EXPECT_EQ(since(start, 2), 20s); // 5 s + 5 s for slow_down (RFC 8628 §3.5)
    auto sent = op.http->requests_to(FakeOp::token_url).at(0);
    EXPECT_EQ(sent.body, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&"
                         "device_code=DC-1&client_id=device-client");
}

TEST_F(DeviceFlow, SlowDownTakesTheProvidersLargerInterval) {
    answers = {{{"error", "slow_down"}, {"interval", 30}},
               {{"access_token", "AT-D"}, {"token_type", "bearer"}}};
    auto result = start_polling();
    const auto start = op.clock->steady_now();
    ASSERT_TRUE(advance_when_waiting(5s));
    ASSERT_TRUE(op.http->wait_count(FakeOp::token_url, 1));
    ASSERT_TRUE(advance_when_waiting(30s));
    EXPECT_EQ(result.get().access_token, "AT-D");
    EXPECT_EQ(since(start, 1), 35s);
}

TEST_F(DeviceFlow, AccessDeniedIsTheProvidersRefusal) {
    answers = {{{"error", "access_denied"}, {"error_description", "no"}}};
    auto result = start_polling();
    ASSERT_TRUE(advance_when_waiting(5s));
    const auto error = failure_of<TokenError>(result);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), errc::provider_error);
    EXPECT_EQ(error->oauth_error(), "access_denied");
}

TEST_F(DeviceFlow, ExpiredTokenFromTheProvider) {
    answers = {{{"error", "expired_token"}}};
    auto result = start_polling();
    ASSERT_TRUE(advance_when_waiting(5s));
    const auto error = failure_of<TokenExpiredError>(result);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), errc::token_expired);
    EXPECT_EQ(error->oauth_error(), "expired_token");
}

TEST_F(DeviceFlow, LocalExpiryEndsPolling) {
    answers = {{{"error", "authorization_pending"}}};
    auto result = start_polling();
    for (int i = 0; i < 11; ++i) {
        ASSERT_TRUE(test::wait_waiters(op.clock, 1));
        const std::size_t before = op.http->count(FakeOp::token_url);
        op.clock->advance(5s);
        if (i < 11 && op.clock->steady_now() < authorization.expires_at) {
            ASSERT_TRUE(op.http->wait_count(FakeOp::token_url, before + 1));
        }
    }
    ASSERT_TRUE(advance_when_waiting(5s));
    const auto error = failure_of<AuthFlowTimeout>(result);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), errc::auth_timeout);
    EXPECT_EQ(error->timeout_seconds(), 60.0);
    EXPECT_EQ(op.http->count(FakeOp::token_url), 11u); // at 5, 10, ..., 55 s
}

TEST_F(DeviceFlow, CancelStopsTheWaitAtOnce) {
    answers = {{{"error", "authorization_pending"}}};
    CancelSignal cancel;
    auto result = start_polling(&cancel);
    ASSERT_TRUE(test::wait_waiters(op.clock, 1));
    cancel.cancel();
    const auto error = failure_of<AuthFlowCancelled>(result);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), errc::cancelled);
    EXPECT_EQ(op.http->count(FakeOp::token_url), 0u);
    // A cancelled signal ends later polls before any request.
    EXPECT_THROW(provider->poll_device_token(authorization, &cancel), AuthFlowCancelled);
}

TEST_F(DeviceFlow, TimeoutsBackOff) {
    int calls = 0;
    op.http->on(FakeOp::token_url, [&](const HttpRequest&) -> HttpResponse {
        std::lock_guard lock(mutex);
        poll_times.push_back(op.clock->steady_now());
        if (++calls == 1) {
            throw TransportError(errc::timeout, "slow");
        }
        return test::json_response(200, {{"access_token", "AT"}});
    });
    auto result = start_polling();
    const auto start = op.clock->steady_now();
    ASSERT_TRUE(advance_when_waiting(5s));
    ASSERT_TRUE(op.http->wait_count(FakeOp::token_url, 1));
    ASSERT_TRUE(advance_when_waiting(10s));
    EXPECT_EQ(result.get().access_token, "AT");
    EXPECT_EQ(since(start, 1), 15s); // 5 s, then doubled to 10 s
}

TEST_F(DeviceFlow, StartErrors) {
    op.http->on_json(FakeOp::device_url, 400, {{"error", "invalid_client"}});
    try {
        provider->start_device_authorization();
        FAIL();
    } catch (const AuthenticationError& e) {
        EXPECT_EQ(e.code(), errc::provider_error);
        EXPECT_EQ(e.oauth_error(), "invalid_client");
    }
    for (const json& body :
         {json{{"user_code", "U"}, {"verification_uri", "https://v"}, {"expires_in", 60}},
          json{{"device_code", "D"}, {"verification_uri", "https://v"}, {"expires_in", 60}},
          json{{"device_code", "D"}, {"user_code", "U"}, {"expires_in", 60}},
          json{{"device_code", "D"}, {"user_code", "U"}, {"verification_uri", "https://v"}},
          json{{"device_code", "D"},
               {"user_code", "U"},
               {"verification_uri", "https://v"},
               {"expires_in", "x"}},
          json{{"device_code", "D"},
               {"user_code", "U"},
               {"verification_uri", "https://v"},
               {"expires_in", 0}}}) {
        op.http->on_json(FakeOp::device_url, 200, body);
        try {
            provider->start_device_authorization();
            ADD_FAILURE() << body.dump();
        } catch (const AuthenticationError& e) {
            EXPECT_EQ(e.code(), errc::invalid_response) << body.dump();
        }
    }
    op.http->on(FakeOp::device_url,
                [](const HttpRequest&) { return test::text_response(500, "x"); });
    try {
        provider->start_device_authorization();
        FAIL();
    } catch (const AuthenticationError& e) {
        EXPECT_EQ(e.code(), errc::invalid_response);
        EXPECT_EQ(e.http_status(), 500);
    }
    EXPECT_THROW(provider->start_device_authorization(QueryParams{{"scope", "x"}}), ConfigError);
}

TEST_F(DeviceFlow, NoDeviceEndpointIsAConfigError) {
    op.discovery.erase("device_authorization_endpoint");
    op.serve_discovery();
    try {
        provider->start_device_authorization();
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.code(), errc::config_missing);
    }
}

} // namespace
} // namespace authflow

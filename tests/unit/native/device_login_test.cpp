// AuthFlowManager::login_device on one manual clock with an in-memory provider: the wait lasts as
// long as the device code lives (not the browser flow's 120 s), device_timeout caps it, polling
// keeps the slowed-down interval, and each of the provider's answers has its outcome.
#include "provider_test_util.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/native/auth_flow_manager.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <optional>

namespace authflow {
namespace {

using namespace std::chrono_literals;
using test::FakeOp;
using test::json;

class DeviceLogin : public ::testing::Test {
protected:
    FakeOp op;
    std::shared_ptr<GenericOIDCProvider> provider;
    std::mutex mutex;
    std::vector<std::chrono::seconds> poll_times; // since the device authorization
    std::vector<std::chrono::seconds> remaining;  // what on_waiting was told
    std::vector<json> answers;                    // the token endpoint's, poll by poll
    Clock::steady_time start{};

    void SetUp() override {
        ProviderConfig c;
        c.client_id = "device-client";
        c.issuer_url = FakeOp::issuer;
        c.scopes = {"api:read"}; // no openid: no ID token expected
        c.http = op.http;
        c.clock = op.clock;
        provider = std::make_shared<GenericOIDCProvider>(c);
        op.http->on_json(FakeOp::userinfo_url, 200, {{"sub", "alice"}});
        op.http->on(FakeOp::token_url, [this](const HttpRequest&) {
            std::lock_guard lock(mutex);
            poll_times.push_back(
                std::chrono::duration_cast<std::chrono::seconds>(op.clock->steady_now() - start));
            const std::size_t i = poll_times.size() - 1;
            const json answer = i < answers.size() ? answers[i] : answers.back();
            return test::json_response(answer.contains("error") ? 400 : 200, answer);
        });
    }

    void device_answer(int expires_in, int interval) {
        op.http->on_json(FakeOp::device_url, 200,
                         {{"device_code", "DC-1"},
                          {"user_code", "ABCD-EFGH"},
                          {"verification_uri", "https://op.example/device"},
                          {"expires_in", expires_in},
                          {"interval", interval}});
    }

    AuthFlowOptions options() {
        AuthFlowOptions o;
        o.clock = op.clock;
        o.on_device_code = [](const DeviceAuthorization&) {}; // nothing on stderr
        o.tick = 24h; // one countdown call at the start; the watchdog then waits on the clock
        o.on_waiting = [this](std::chrono::seconds left) {
            std::lock_guard lock(mutex);
            remaining.push_back(left);
        };
        return o;
    }

    std::future<LoginResult> login(AuthFlowManager& manager) {
        start = op.clock->steady_now();
        return std::async(std::launch::async, [&manager] { return manager.login_device(); });
    }

    /// Waits until both the poller and the manager's watchdog sleep on the clock, then moves
    /// it on.
    [[nodiscard]] bool advance(std::chrono::seconds by) {
        if (!test::wait_waiters(op.clock, 2)) {
            return false;
        }
        op.clock->advance(by);
        return true;
    }

    std::vector<std::chrono::seconds> polls() {
        std::lock_guard lock(mutex);
        return poll_times;
    }
    std::optional<std::chrono::seconds> first_countdown() {
        std::lock_guard lock(mutex);
        return remaining.empty() ? std::nullopt : std::optional{remaining.front()};
    }
};

template <typename E> std::optional<E> failure_of(std::future<LoginResult>& result) {
    try {
        result.get();
    } catch (const E& e) {
        return e;
    }
    ADD_FAILURE() << "the sign-in ended without the expected error";
    return std::nullopt;
}

// RFC 8628 §3.5: after slow_down the interval is 5 s longer for this and every later poll; the
// wait outlasts the browser flow's 120 s because the code lives 15 minutes.
TEST_F(DeviceLogin, WaitsWhileTheCodeLivesAndKeepsTheSlowerInterval) {
    device_answer(900, 60);
    answers = {{{"error", "slow_down"}},
               {{"error", "authorization_pending"}},
               {{"error", "authorization_pending"}},
               {{"access_token", "AT-D"}, {"token_type", "Bearer"}}};
    AuthFlowManager manager(provider, nullptr, options());
    auto result = login(manager);
    ASSERT_TRUE(advance(60s));
    ASSERT_TRUE(op.http->wait_count(FakeOp::token_url, 1)); // slow_down: 65 s from now on
    ASSERT_TRUE(advance(65s));
    ASSERT_TRUE(op.http->wait_count(FakeOp::token_url, 2)); // at 125 s: past 120 s, pending
    ASSERT_TRUE(advance(64s));                              // not yet
    ASSERT_TRUE(advance(1s));
    ASSERT_TRUE(op.http->wait_count(FakeOp::token_url, 3));
    ASSERT_TRUE(advance(65s));
    const LoginResult login = result.get();
    EXPECT_EQ(login.tokens.access_token, "AT-D");
    EXPECT_EQ(login.identity.subject, "alice");
    EXPECT_EQ(polls(), (std::vector<std::chrono::seconds>{60s, 125s, 190s, 255s}));
    EXPECT_EQ(first_countdown(), 900s); // the countdown shows the code's real lifetime
    EXPECT_EQ(manager.flow_state(), AuthFlowState::completed);
}

TEST_F(DeviceLogin, DeviceTimeoutCapsTheWait) {
    device_answer(900, 60);
    answers = {{{"error", "authorization_pending"}}};
    auto o = options();
    o.device_timeout = 90s;
    AuthFlowManager manager(provider, nullptr, o);
    auto result = login(manager);
    ASSERT_TRUE(advance(60s));
    ASSERT_TRUE(op.http->wait_count(FakeOp::token_url, 1));
    ASSERT_TRUE(advance(30s));
    const auto error = failure_of<AuthFlowTimeout>(result);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), errc::auth_timeout);
    EXPECT_DOUBLE_EQ(error->timeout_seconds(), 90.0);
    EXPECT_EQ(first_countdown(), 90s);
    EXPECT_EQ(polls().size(), 1u);
    EXPECT_EQ(manager.flow_state(), AuthFlowState::timed_out);
}

TEST_F(DeviceLogin, EndsWhenTheCodeExpires) {
    device_answer(100, 60);
    answers = {{{"error", "authorization_pending"}}};
    auto o = options();
    o.device_timeout = 3600s; // longer than the code lives: the code's lifetime decides
    AuthFlowManager manager(provider, nullptr, o);
    auto result = login(manager);
    ASSERT_TRUE(advance(60s));
    ASSERT_TRUE(op.http->wait_count(FakeOp::token_url, 1));
    ASSERT_TRUE(advance(40s));
    const auto error = failure_of<AuthFlowTimeout>(result);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), errc::auth_timeout);
    EXPECT_DOUBLE_EQ(error->timeout_seconds(), 100.0);
    EXPECT_EQ(first_countdown(), 100s);
    EXPECT_EQ(polls().size(), 1u);
    EXPECT_EQ(manager.flow_state(), AuthFlowState::timed_out);
}

TEST_F(DeviceLogin, AccessDeniedIsTheProvidersRefusal) {
    device_answer(900, 5);
    answers = {{{"error", "access_denied"}}};
    AuthFlowManager manager(provider, nullptr, options());
    auto result = login(manager);
    ASSERT_TRUE(advance(5s));
    const auto error = failure_of<TokenError>(result);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), errc::provider_error);
    EXPECT_EQ(error->oauth_error(), "access_denied");
    EXPECT_EQ(manager.flow_state(), AuthFlowState::failed);
}

TEST_F(DeviceLogin, ExpiredTokenFromTheProvider) {
    device_answer(900, 5);
    answers = {{{"error", "authorization_pending"}}, {{"error", "expired_token"}}};
    AuthFlowManager manager(provider, nullptr, options());
    auto result = login(manager);
    ASSERT_TRUE(advance(5s));
    ASSERT_TRUE(op.http->wait_count(FakeOp::token_url, 1));
    ASSERT_TRUE(advance(5s));
    const auto error = failure_of<TokenExpiredError>(result);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), errc::token_expired);
    EXPECT_EQ(error->oauth_error(), "expired_token");
    EXPECT_EQ(manager.flow_state(), AuthFlowState::failed);
}

TEST_F(DeviceLogin, RefusesANonPositiveDeviceTimeout) {
    auto o = options();
    o.device_timeout = 0s;
    try {
        AuthFlowManager manager(provider, nullptr, o);
        FAIL() << "no ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.code(), errc::invalid_argument);
    }
}

} // namespace
} // namespace authflow

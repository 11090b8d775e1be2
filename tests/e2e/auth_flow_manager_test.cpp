// AuthFlowManager end to end through the library API: a real OpenID Provider (node
// oidc-provider) whose sign-in and consent pages are driven over HTTP, and the Google, GitHub and
// Microsoft presets against their fakes. Every sign-in goes through the real loopback callback
// server.
#include "e2e_util.hpp"
#include "preset_fakes.hpp"
#include "support/oidc_provider.hpp"
#include "support/oidc_provider_suite.hpp"
#include "support/test_env.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/native/auth_flow_manager.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>
#include <authflow/session/session_manager.hpp>
#include <authflow/store/memory_token_store.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <iostream>
#include <mutex>
#include <thread>
#include <type_traits>

namespace authflow {
namespace {

using namespace std::chrono_literals;
using test::http_get;
using test::query_param;

template <typename E, typename F> E expect_throw(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e;
    }
    ADD_FAILURE() << "no exception of the expected type";
    if constexpr (std::is_same_v<E, AuthFlowTimeout>) {
        return E("none", 0);
    } else {
        return E(errc::internal, "none");
    }
}

/// Waits (bounded, 30 s of real time) until `ready()`.
template <typename F> bool eventually(F&& ready) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!ready()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::yield();
    }
    return true;
}

/// Records what the window callbacks were asked to do.
struct Window {
    std::mutex mutex;
    std::vector<std::string> urls;
    std::vector<std::string> closed;
    WindowConfig config;
    int next = 0;

    std::string show(const std::string& url, const WindowConfig& c) {
        std::lock_guard lock(mutex);
        urls.push_back(url);
        config = c;
        return "window-" + std::to_string(++next);
    }
    void close(const std::string& label) {
        std::lock_guard lock(mutex);
        closed.push_back(label);
    }
    std::size_t closed_count() {
        std::lock_guard lock(mutex);
        return closed.size();
    }
};

/// Signals once (a one-shot latch with a bounded wait).
class Latch {
public:
    void open() {
        {
            std::lock_guard lock(mutex_);
            open_ = true;
        }
        cv_.notify_all();
    }
    bool wait() {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, 30s, [this] { return open_; });
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool open_ = false;
};

// ============================== a real OpenID Provider ==============================

class NativeFlow : public test::OidcProviderSuite {
protected:
    /// The native (public) client: any loopback port (RFC 8252 §7.3).
    std::shared_ptr<OAuthProvider> public_client() {
        ProviderConfig c;
        c.client_id = "public-client";
        c.issuer_url = op->issuer();
        c.scopes = {"openid", "email", "profile", "offline_access"};
        return std::make_shared<GenericOIDCProvider>(c);
    }
    std::shared_ptr<OAuthProvider> confidential_client(std::string secret) {
        ProviderConfig c;
        c.client_id = "conf-client";
        c.client_secret = std::move(secret);
        c.issuer_url = op->issuer();
        c.scopes = {"openid", "email", "offline_access"};
        return std::make_shared<GenericOIDCProvider>(c);
    }

    std::shared_ptr<TokenStore> store = std::make_shared<MemoryTokenStore>();

    std::shared_ptr<SessionManager> session(const std::shared_ptr<OAuthProvider>& provider) {
        SessionManagerOptions options;
        options.background_refresh = false;
        return std::make_shared<SessionManager>(provider, store, options);
    }

    static AuthFlowOptions options() {
        AuthFlowOptions o;
        o.extra_params = {{"prompt", "consent"}}; // offline_access needs consent at this OP
        o.auth_timeout = 60s;
        return o;
    }

    /// The user: signs in and consents at the provider, then follows its redirect to the
    /// loopback server. Returns the callback page's status.
    static int sign_in(const std::string& url, bool approve = true,
                       const std::string& login = "alice") {
        test::OpBrowser browser;
        test::OpBrowser::Options o;
        o.approve = approve;
        o.login = login;
        browser.authorize(url, query_param(url, "redirect_uri"), o);
        return http_get(browser.last_redirect()).status;
    }
};

TEST_F(NativeFlow, SignsInThroughTheProviderAndSavesOnce) {
    auto provider = public_client();
    AuthFlowManager manager(provider, session(provider), options());
    EXPECT_EQ(manager.flow_state(), AuthFlowState::pending);
    EXPECT_EQ(manager.flow_id(), "");
    Window window;
    int callback_status = 0;
    const auto grants_before = op->count_events("grant.success", "public-client");
    auto result = manager.run_native(
        [&](const std::string& url, const WindowConfig& config) {
            auto label = window.show(url, config);
            EXPECT_EQ(manager.flow_state(), AuthFlowState::in_progress);
            callback_status = sign_in(url);
            return label;
        },
        [&](const std::string& label) { window.close(label); });

    EXPECT_TRUE(result.success);
    ASSERT_TRUE(result.tokens);
    EXPECT_FALSE(result.tokens->access_token.empty());
    EXPECT_TRUE(result.tokens->refresh_token);
    ASSERT_TRUE(result.user_info);
    EXPECT_EQ((*result.user_info)["sub"], "alice");
    EXPECT_EQ((*result.user_info)["email"], "alice@example.test");
    EXPECT_EQ(callback_status, 200);
    EXPECT_EQ(manager.flow_state(), AuthFlowState::completed);
    EXPECT_EQ(manager.flow_id().size(), 22u);
    // The window: default config, shown once, closed once with its label.
    ASSERT_EQ(window.urls.size(), 1u);
    EXPECT_EQ(window.config.title, "Sign In");
    EXPECT_EQ(window.config.width, 500);
    EXPECT_EQ(window.closed, std::vector<std::string>{"window-1"});
    // Seed §13 item 29: one record, under the session's key, holding these tokens.
    EXPECT_EQ(store->list_keys(), std::vector<std::string>{"default"});
    EXPECT_EQ(store->load("default")->access_token, result.tokens->access_token);
    EXPECT_EQ(op->count_events("grant.success", "public-client"), grants_before + 1);
    // The request: state, nonce, PKCE S256 and a loopback redirect on an ephemeral port.
    const auto& url = window.urls[0];
    EXPECT_EQ(query_param(url, "state").size(), 43u);
    EXPECT_EQ(query_param(url, "nonce").size(), 43u);
    EXPECT_EQ(query_param(url, "code_challenge_method"), "S256");
    EXPECT_EQ(query_param(url, "code_challenge").size(), 43u);
    EXPECT_TRUE(query_param(url, "redirect_uri").starts_with("http://127.0.0.1:"));
    EXPECT_TRUE(test::port_is_closed(parse_url(query_param(url, "redirect_uri")).port));
}

TEST_F(NativeFlow, EveryFlowHasItsOwnStateNonceAndPkce) {
    auto provider = public_client();
    AuthFlowManager manager(provider, session(provider), options());
    Window window;
    std::string first_id;
    for (int i = 0; i < 2; ++i) {
        manager.login_native([&](const std::string& url, const WindowConfig& config) {
            auto label = window.show(url, config);
            sign_in(url, true, i == 0 ? "alice" : "bob");
            return label;
        });
        if (i == 0) {
            first_id = manager.flow_id();
        }
    }
    ASSERT_EQ(window.urls.size(), 2u);
    for (const char* name : {"state", "nonce", "code_challenge", "redirect_uri"}) {
        EXPECT_NE(query_param(window.urls[0], name), query_param(window.urls[1], name)) << name;
    }
    EXPECT_NE(manager.flow_id(), first_id);
    // The second sign-in replaced the first under the same key.
    EXPECT_EQ(store->list_keys(), std::vector<std::string>{"default"});
}

TEST_F(NativeFlow, ForeignResponsesDoNotEndTheFlow) {
    auto provider = public_client();
    AuthFlowManager manager(provider, session(provider), options());
    std::vector<int> statuses;
    auto login = manager.login_native([&](const std::string& url, const WindowConfig&) {
        test::OpBrowser browser;
        browser.authorize(url, query_param(url, "redirect_uri"));
        const std::string callback = browser.last_redirect();
        // A local process (or a stale tab) hits the server first with another state.
        statuses.push_back(http_get(test::with_query_param(callback, "state", "forged")).status);
        statuses.push_back(http_get(test::with_query_param(callback, "code", "x") + "&state=x")
                               .status); // two states
        statuses.push_back(http_get(parse_url(callback).origin() + "/favicon.ico").status);
        statuses.push_back(http_get(callback).status);
        return std::string{"w"};
    });
    EXPECT_EQ(statuses, (std::vector<int>{400, 400, 404, 200}));
    EXPECT_EQ(login.identity.subject, "alice");
    EXPECT_EQ(manager.flow_state(), AuthFlowState::completed);
}

TEST_F(NativeFlow, ProviderRefusalFailsWithItsErrorAndStoresNothing) {
    auto provider = public_client();
    AuthFlowManager manager(provider, session(provider), options());
    Window window;
    int page = 0;
    auto error = expect_throw<AuthenticationError>([&] {
        manager.run_native(
            [&](const std::string& url, const WindowConfig& config) {
                auto label = window.show(url, config);
                page = sign_in(url, false);
                return label;
            },
            [&](const std::string& label) { window.close(label); });
    });
    EXPECT_EQ(error.code(), errc::provider_error);
    EXPECT_EQ(error.oauth_error(), "access_denied");
    EXPECT_EQ(error.display_code(), "access_denied");
    EXPECT_EQ(page, 200); // the error page, served to the browser
    EXPECT_EQ(manager.flow_state(), AuthFlowState::failed);
    EXPECT_EQ(window.closed_count(), 1u);
    EXPECT_TRUE(store->list_keys().empty());
}

// Seed §13 item 27: an exchange error left the state in_progress.
TEST_F(NativeFlow, ExchangeFailureEndsAsFailed) {
    auto provider = confidential_client("not-the-secret");
    auto o = options();
    o.redirect_uri = fixed_redirect_uri();
    AuthFlowManager manager(provider, session(provider), o);
    Window window;
    auto error = expect_throw<TokenError>([&] {
        manager.run_native(
            [&](const std::string& url, const WindowConfig& config) {
                auto label = window.show(url, config);
                sign_in(url);
                return label;
            },
            [&](const std::string& label) { window.close(label); });
    });
    EXPECT_EQ(error.code(), errc::provider_error);
    EXPECT_EQ(error.oauth_error(), "invalid_client");
    EXPECT_EQ(manager.flow_state(), AuthFlowState::failed);
    EXPECT_EQ(window.closed_count(), 1u);
    EXPECT_TRUE(store->list_keys().empty());
}

TEST_F(NativeFlow, ConfidentialClientOnARegisteredFixedRedirectUri) {
    auto provider = confidential_client(test::OidcProvider::secret_of("conf-client"));
    auto o = options();
    o.redirect_uri = fixed_redirect_uri();
    AuthFlowManager manager(provider, session(provider), o);
    std::string redirect_uri;
    auto login = manager.login_native([&](const std::string& url, const WindowConfig&) {
        redirect_uri = query_param(url, "redirect_uri");
        sign_in(url);
        return std::string{"w"};
    });
    EXPECT_EQ(redirect_uri, o.redirect_uri);
    EXPECT_EQ(login.identity.subject, "alice");
    ASSERT_TRUE(login.identity.id_token_claims); // validated with the nonce
}

TEST_F(NativeFlow, TimesOutOnTheClockAndClosesEverything) {
    auto clock = std::make_shared<ManualClock>();
    auto o = options();
    o.clock = clock;
    o.auth_timeout = 120s;
    std::vector<std::chrono::seconds> countdown;
    std::atomic<std::size_t> ticks{0};
    o.on_waiting = [&](std::chrono::seconds left) {
        countdown.push_back(left);
        ++ticks;
    };
    auto provider = public_client();
    AuthFlowManager manager(provider, session(provider), o);
    Window window;
    auto advancer = std::async(std::launch::async, [&] {
        // Each second: the countdown was drawn, then the flow waits on the clock again.
        for (std::size_t drawn = 1; drawn <= 4; ++drawn) {
            if (!eventually([&] { return ticks == drawn && clock->waiters() == 1; })) {
                return;
            }
            clock->advance(drawn < 4 ? 1s : 200s);
        }
    });
    auto error = expect_throw<AuthFlowTimeout>([&] {
        manager.run_native([&](const std::string& url,
                               const WindowConfig& config) { return window.show(url, config); },
                           [&](const std::string& label) { window.close(label); });
    });
    advancer.get();
    EXPECT_EQ(error.code(), errc::auth_timeout);
    EXPECT_DOUBLE_EQ(error.timeout_seconds(), 120.0);
    EXPECT_EQ(manager.flow_state(), AuthFlowState::timed_out);
    EXPECT_EQ(window.closed_count(), 1u);
    EXPECT_EQ(countdown, (std::vector<std::chrono::seconds>{120s, 119s, 118s, 117s}));
    ASSERT_EQ(window.urls.size(), 1u);
    EXPECT_TRUE(test::port_is_closed(parse_url(query_param(window.urls[0], "redirect_uri")).port));
    EXPECT_TRUE(store->list_keys().empty());
}

TEST_F(NativeFlow, CancelFromAnotherThreadEndsTheWaitAtOnce) {
    auto o = options();
    Latch waiting;
    o.on_waiting = [&](std::chrono::seconds) { waiting.open(); };
    auto provider = public_client();
    AuthFlowManager manager(provider, session(provider), o);
    manager.cancel(); // before a flow: no effect on the next one
    Window window;
    std::chrono::steady_clock::time_point cancelled_at;
    auto canceller = std::async(std::launch::async, [&] {
        if (waiting.wait()) {
            cancelled_at = std::chrono::steady_clock::now();
            manager.cancel();
        }
    });
    auto error = expect_throw<AuthFlowCancelled>([&] {
        manager.run_native([&](const std::string& url,
                               const WindowConfig& config) { return window.show(url, config); },
                           [&](const std::string& label) { window.close(label); });
    });
    const auto ended_at = std::chrono::steady_clock::now();
    canceller.get();
    EXPECT_EQ(error.code(), errc::cancelled);
    EXPECT_LT(ended_at - cancelled_at, 100ms);
    const auto latency =
        std::chrono::duration_cast<std::chrono::microseconds>(ended_at - cancelled_at).count();
    RecordProperty("cancel_latency_us", static_cast<int>(latency));
    std::cout << "cancel() to AuthFlowCancelled: " << latency << " us\n";
    EXPECT_EQ(manager.flow_state(), AuthFlowState::cancelled);
    EXPECT_EQ(window.closed_count(), 1u);
    ASSERT_EQ(window.urls.size(), 1u);
    EXPECT_TRUE(test::port_is_closed(parse_url(query_param(window.urls[0], "redirect_uri")).port));
    EXPECT_TRUE(store->list_keys().empty());
    manager.cancel(); // after the flow: no effect
    EXPECT_EQ(manager.flow_state(), AuthFlowState::cancelled);
}

TEST_F(NativeFlow, TakenFixedPortIsAnErrorNeverAFallback) {
    test::PortHolder taken;
    auto o = options();
    o.callback_port = taken.port();
    auto provider = public_client();
    AuthFlowManager manager(provider, session(provider), o);
    Window window;
    auto error = expect_throw<TransportError>([&] {
        manager.run_native([&](const std::string& url,
                               const WindowConfig& config) { return window.show(url, config); },
                           [&](const std::string& label) { window.close(label); });
    });
    EXPECT_EQ(error.code(), errc::port_in_use);
    EXPECT_EQ(manager.flow_state(), AuthFlowState::failed);
    EXPECT_TRUE(window.urls.empty());
    EXPECT_EQ(window.closed_count(), 0u); // no window was shown
}

TEST_F(NativeFlow, WithoutABrowserTheUrlIsAnnounced) {
    auto o = options();
    o.open_browser = false; // --no-browser; also what a machine without any browser gets
    std::string announced;
    bool opened = true;
    o.on_authorization_url = [&](const std::string& url, bool browser_opened) {
        announced = url;
        opened = browser_opened;
        sign_in(url); // the user opens it elsewhere
    };
    auto provider = public_client();
    AuthFlowManager manager(provider, session(provider), o);
    auto login = manager.login_native();
    EXPECT_FALSE(opened);
    EXPECT_TRUE(announced.starts_with(op->url("/auth?")));
    EXPECT_EQ(login.identity.subject, "alice");

    // The default announcement goes to stderr (stdout stays clean for scripts).
    auto quiet = options();
    quiet.open_browser = false;
    AuthFlowManager* self = nullptr;
    quiet.on_waiting = [&](std::chrono::seconds) { self->cancel(); };
    AuthFlowManager cancelled(provider, nullptr, quiet);
    self = &cancelled;
    testing::internal::CaptureStderr();
    EXPECT_THROW(cancelled.login_native(), AuthFlowCancelled);
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("Open this URL in a browser to sign in:"), std::string::npos) << err;
    EXPECT_NE(err.find(op->url("/auth?")), std::string::npos) << err;
}

TEST_F(NativeFlow, DeviceFlowShowsTheCodeAndPollsUntilApproved) {
    auto provider = public_client();
    std::future<std::string> user;
    DeviceAuthorization shown;
    auto o = options();
    o.on_device_code = [&](const DeviceAuthorization& authorization) {
        shown = authorization;
        user = std::async(std::launch::async, [authorization] {
            test::OpBrowser browser;
            return browser.approve_device(authorization.verification_uri, authorization.user_code);
        });
    };
    AuthFlowManager device(provider, session(provider), o);
    auto result = device.run_device();
    EXPECT_NE(user.get().find("Sign-in Success"), std::string::npos);
    EXPECT_TRUE(result.success);
    EXPECT_EQ((*result.user_info)["sub"], "alice");
    EXPECT_FALSE(shown.user_code.empty());
    EXPECT_TRUE(shown.verification_uri.starts_with(op->url("/device")));
    EXPECT_EQ(device.flow_state(), AuthFlowState::completed);
    EXPECT_EQ(store->list_keys(), std::vector<std::string>{"default"});
}

TEST_F(NativeFlow, DeviceFlowCancelAndTimeout) {
    auto provider = public_client();
    {
        auto o = options();
        AuthFlowManager* self = nullptr;
        std::future<void> canceller;
        o.on_device_code = [&](const DeviceAuthorization&) {
            canceller = std::async(std::launch::async, [self] { self->cancel(); });
        };
        AuthFlowManager manager(provider, session(provider), o);
        self = &manager;
        const auto started = std::chrono::steady_clock::now();
        EXPECT_THROW(manager.login_device(), AuthFlowCancelled);
        EXPECT_LT(std::chrono::steady_clock::now() - started, 4s); // before the first poll
        canceller.get();
        EXPECT_EQ(manager.flow_state(), AuthFlowState::cancelled);
    }
    {
        auto clock = std::make_shared<ManualClock>(); // the manager's timeout only; the provider
                                                      // polls on real time
        auto o = options();
        o.clock = clock;
        o.device_timeout = 30s;
        std::future<void> advancer;
        o.on_device_code = [&](const DeviceAuthorization&) {
            advancer = std::async(std::launch::async, [clock] {
                eventually([&] { return clock->waiters() == 1; });
                clock->advance(31s);
            });
        };
        AuthFlowManager manager(provider, session(provider), o);
        auto error = expect_throw<AuthFlowTimeout>([&] { manager.login_device(); });
        advancer.get();
        EXPECT_EQ(error.code(), errc::auth_timeout);
        EXPECT_DOUBLE_EQ(error.timeout_seconds(), 30.0);
        EXPECT_EQ(manager.flow_state(), AuthFlowState::timed_out);
    }
    EXPECT_TRUE(store->list_keys().empty());
}

// The device code lives 600 s at this provider: the wait outlasts auth_timeout (the browser
// flow's), and the countdown starts from the code's lifetime.
TEST_F(NativeFlow, DeviceFlowWaitsAsLongAsTheCodeLives) {
    auto provider = public_client();
    auto clock = std::make_shared<ManualClock>(); // the manager's wait; the provider polls on
                                                  // real time
    auto o = options();
    o.clock = clock;
    o.auth_timeout = 30s; // the browser flow's limit: not the device flow's
    std::mutex mutex;
    std::vector<std::chrono::seconds> countdown;
    o.on_waiting = [&](std::chrono::seconds left) {
        std::lock_guard lock(mutex);
        countdown.push_back(left);
    };
    auto seen = [&](std::chrono::seconds left) {
        std::lock_guard lock(mutex);
        return std::find(countdown.begin(), countdown.end(), left) != countdown.end();
    };
    std::future<std::string> user;
    o.on_device_code = [&](const DeviceAuthorization& authorization) {
        user = std::async(std::launch::async, [&, authorization] {
            // Two minutes pass on the manager's clock before the user approves.
            if (!eventually([&] { return seen(600s) && clock->waiters() == 1; })) {
                return std::string{"no countdown from 600 s"};
            }
            clock->advance(121s);
            if (!eventually([&] { return seen(479s); })) {
                return std::string{"the wait ended before 121 s had passed"};
            }
            test::OpBrowser browser;
            return browser.approve_device(authorization.verification_uri, authorization.user_code);
        });
    };
    AuthFlowManager device(provider, session(provider), o);
    auto result = device.run_device();
    EXPECT_NE(user.get().find("Sign-in Success"), std::string::npos);
    EXPECT_TRUE(result.success);
    EXPECT_EQ(device.flow_state(), AuthFlowState::completed);
}

// ============================== without a provider ==============================

TEST(AuthFlowManager, DeployModeReturnsTheLoginUrl) {
    EXPECT_EQ(AuthFlowManager::run_deploy(), "/auth/login");
    EXPECT_EQ(AuthFlowManager::run_deploy("https://app.example/"),
              "https://app.example/auth/login");
    EXPECT_EQ(AuthFlowManager::run_deploy("https://app.example", "/sso"),
              "https://app.example/sso/login");
    EXPECT_EQ(expect_throw<ConfigError>([] { AuthFlowManager::run_deploy("", "auth"); }).code(),
              errc::invalid_argument);
    EXPECT_EQ(expect_throw<ConfigError>([] { AuthFlowManager::run_deploy("", "/auth/"); }).code(),
              errc::invalid_argument);

    test::GoogleFake google;
    AuthFlowManager manager(google.provider());
    bool shown = false;
    auto result = manager.authenticate(
        AuthMode::deploy,
        [&](const std::string&, const WindowConfig&) {
            shown = true;
            return std::string{};
        },
        {}, {}, "https://app.example");
    EXPECT_FALSE(result.success);
    EXPECT_EQ(result.error, "Navigate to https://app.example/auth/login to authenticate (deploy "
                            "mode)");
    EXPECT_FALSE(shown);
    EXPECT_EQ(manager.flow_state(), AuthFlowState::pending); // no flow ran
}

TEST(AuthFlowManager, RefusesBadOptionsAndASecondFlow) {
    test::GoogleFake google;
    EXPECT_EQ(expect_throw<ConfigError>([] { AuthFlowManager manager(nullptr); }).code(),
              errc::invalid_argument);
    AuthFlowOptions bad;
    bad.auth_timeout = 0ms;
    EXPECT_EQ(expect_throw<ConfigError>([&] {
                  AuthFlowManager m(google.provider(), nullptr, bad);
              }).code(),
              errc::invalid_argument);
    AuthFlowOptions not_loopback;
    not_loopback.redirect_uri = "http://example.com:8765/callback";
    EXPECT_EQ(expect_throw<ConfigError>([&] {
                  AuthFlowManager m(google.provider(), nullptr, not_loopback);
              }).code(),
              errc::config_invalid);

    AuthFlowManager manager(google.provider());
    Error nested(errc::internal, "none");
    EXPECT_THROW(manager.login_native([&](const std::string&, const WindowConfig&) {
        nested = expect_throw<Error>([&] { manager.login_native(); });
        manager.cancel();
        return std::string{};
    }),
                 AuthFlowCancelled);
    EXPECT_EQ(nested.code(), errc::invalid_argument);
}

TEST(AuthFlowManager, DeviceFlowNeedsADeviceEndpoint) {
    ProviderConfig c; // explicit endpoints only: no device authorization endpoint
    c.client_id = "app";
    c.authorize_url = "https://op.example/authorize";
    c.token_url = "https://op.example/token";
    c.scopes = {"read"};
    auto provider = std::make_shared<GenericOIDCProvider>(c, GenericOIDCProvider::Discovery::off);
    bool shown = false;
    AuthFlowOptions o;
    o.on_device_code = [&](const DeviceAuthorization&) { shown = true; };
    AuthFlowManager device(provider, nullptr, o);
    EXPECT_EQ(expect_throw<ConfigError>([&] { device.login_device(); }).code(),
              errc::config_missing);
    EXPECT_FALSE(shown);
    EXPECT_EQ(device.flow_state(), AuthFlowState::failed);
}

TEST(AuthFlowManager, AFailingWindowEndsTheFlowAsFailed) {
    test::GoogleFake google;
    AuthFlowManager manager(google.provider());
    bool closed = false;
    EXPECT_THROW(manager.login_native(
                     [](const std::string&, const WindowConfig&) -> std::string {
                         throw std::runtime_error("no display");
                     },
                     [&](const std::string&) { closed = true; }),
                 AuthenticationError);
    EXPECT_EQ(manager.flow_state(), AuthFlowState::failed);
    EXPECT_FALSE(closed); // nothing was shown
}

// ============================== presets against their fakes ==============================

/// The user at a fake: its authorization endpoint redirects at once; follow that redirect.
std::string follow_fake(const std::string& url, int* callback_status) {
    auto response = http_get(url);
    EXPECT_EQ(response.status, 302);
    *callback_status = http_get(response.header("Location").value_or("")).status;
    return "w";
}

template <typename Fake> LoginResult preset_login(Fake& fake, std::shared_ptr<TokenStore> store) {
    auto provider = fake.provider();
    SessionManagerOptions so;
    so.background_refresh = false;
    auto session = std::make_shared<SessionManager>(provider, store, so);
    AuthFlowManager manager(provider, session);
    int status = 0;
    auto login = manager.login_native(
        [&](const std::string& url, const WindowConfig&) { return follow_fake(url, &status); });
    EXPECT_EQ(status, 200);
    EXPECT_EQ(manager.flow_state(), AuthFlowState::completed);
    EXPECT_EQ(fake.exchanges(), 1);
    return login;
}

TEST(PresetLogin, Google) {
    test::GoogleFake google;
    auto store = std::make_shared<MemoryTokenStore>();
    auto login = preset_login(google, store);
    EXPECT_EQ(login.identity.subject, google.subject());
    EXPECT_EQ(login.identity.email, "jsmith@example.com");
    ASSERT_TRUE(login.identity.id_token_claims); // signature, iss, aud, nonce, at_hash
    EXPECT_EQ(store->load("default")->access_token, login.tokens.access_token);
}

TEST(PresetLogin, GitHub) {
    test::GitHubFake github;
    auto store = std::make_shared<MemoryTokenStore>();
    auto login = preset_login(github, store);
    EXPECT_EQ(login.identity.subject, "1");
    EXPECT_EQ(login.identity.userinfo["login"], github.login());
    EXPECT_EQ(store->list_keys(), std::vector<std::string>{"default"});
}

TEST(PresetLogin, Microsoft) {
    test::MicrosoftFake microsoft;
    auto store = std::make_shared<MemoryTokenStore>();
    auto login = preset_login(microsoft, store);
    EXPECT_EQ(login.identity.subject, microsoft.subject());
    EXPECT_EQ(login.identity.name, microsoft.name());
    EXPECT_EQ(login.tokens.refresh_token.has_value(), true);
}

TEST(PresetLogin, RefusalAtAPresetIsAccessDenied) {
    test::MicrosoftFake microsoft;
    microsoft.refuse = true;
    AuthFlowManager manager(microsoft.provider());
    int status = 0;
    auto error = expect_throw<AuthenticationError>([&] {
        manager.login_native(
            [&](const std::string& url, const WindowConfig&) { return follow_fake(url, &status); });
    });
    EXPECT_EQ(error.oauth_error(), "access_denied");
    EXPECT_EQ(error.error_description(), "The user denied the request");
    EXPECT_EQ(status, 200);
    EXPECT_EQ(manager.flow_state(), AuthFlowState::failed);
    EXPECT_EQ(microsoft.exchanges(), 0);
}

} // namespace
} // namespace authflow

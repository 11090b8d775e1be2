// Provider faults during sign-in (AuthFlowManager's code exchange), refresh (SessionManager) and
// the JWKS fetch (ID-token validation through JwksCache), injected by a FaultProxy in front of
// the real provider (node oidc-provider, rotating refresh tokens): the provider down, too slow
// for the configured HTTP timeouts, answering 500, 429 with Retry-After, an HTML page, truncated
// JSON or a body over the 1 MiB limit. Each fault must give a clear error with the right errc,
// must not lose or overwrite a stored token, and the next call after the provider is back must
// work without a restart.
#include "support/fault_proxy.hpp"
#include "support/oidc_provider.hpp"
#include "support/test_env.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/http/http_client.hpp>
#include <authflow/jose/jws.hpp>
#include <authflow/native/auth_flow_manager.hpp>
#include <authflow/oidc/jwks_cache.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>
#include <authflow/session/session_manager.hpp>
#include <authflow/store/encryption.hpp>
#include <authflow/store/sqlite_token_store.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace authflow {
namespace {

using namespace std::chrono_literals;
using test::FaultMode;
using test::FaultProxy;
using test::OidcProvider;
using Steady = std::chrono::steady_clock;

constexpr const char* client_id = "public-client"; // native: any loopback port
constexpr auto http_timeout = 1000ms;              // the client's total timeout in these tests

OidcProvider& op() {
    static OidcProvider provider([] {
        test::OidcProviderOptions options;
        options.rotate_refresh_token = true;
        return options;
    }());
    return provider;
}

/// A libcurl client with short timeouts, so that a slow provider trips them quickly.
std::shared_ptr<HttpClient> short_timeout_client() {
    HttpClientOptions options;
    options.connect_timeout = http_timeout;
    options.total_timeout = http_timeout;
    return make_http_client(options);
}

/// The faults every endpoint is tried with. `down` closes the port instead of setting a mode.
enum class Fault { down, slow, error_500, rate_limited, html, truncated_json, oversized };

std::string name_of(Fault fault) {
    switch (fault) {
    case Fault::down:
        return "down";
    case Fault::slow:
        return "slow";
    case Fault::error_500:
        return "error_500";
    case Fault::rate_limited:
        return "rate_limited";
    case Fault::html:
        return "html";
    case Fault::truncated_json:
        return "truncated_json";
    case Fault::oversized:
        return "oversized";
    }
    return "?";
}

void inject(FaultProxy& proxy, Fault fault) {
    switch (fault) {
    case Fault::down:
        proxy.go_down();
        return;
    case Fault::slow:
        proxy.set_delay(60s); // far beyond the client's timeout; released (dropped) by repair
        proxy.set_mode(FaultMode::slow);
        return;
    case Fault::error_500:
        proxy.set_mode(FaultMode::error_500);
        return;
    case Fault::rate_limited:
        proxy.set_retry_after(1);
        proxy.set_mode(FaultMode::rate_limited);
        return;
    case Fault::html:
        proxy.set_mode(FaultMode::html);
        return;
    case Fault::truncated_json:
        proxy.set_mode(FaultMode::truncated_json);
        return;
    case Fault::oversized:
        proxy.set_mode(FaultMode::oversized);
        return;
    }
}

void repair(FaultProxy& proxy, Fault fault) {
    if (fault == Fault::down) {
        proxy.come_back();
    }
    proxy.set_mode(FaultMode::pass);
    proxy.release(); // slow requests still waiting are dropped, never forwarded late
}

/// The error code the token endpoint's client sees for each fault, and the HTTP status the
/// error carries (0: no answer).
struct Expected {
    errc code;
    int http_status;
};

Expected token_endpoint_error(Fault fault) {
    switch (fault) {
    case Fault::down:
        return {errc::connect, 0};
    case Fault::slow:
        return {errc::timeout, 0};
    case Fault::error_500:
        return {errc::invalid_response, 500};
    case Fault::rate_limited:
        return {errc::provider_error, 429}; // the answer carries OAuth error slow_down
    case Fault::html:
    case Fault::truncated_json:
        return {errc::invalid_response, 0}; // an HTTP 200 that is not a token response
    case Fault::oversized:
        return {errc::too_large, 0};
    }
    return {errc::internal, 0};
}

template <typename F> std::optional<Error> error_of(F&& call) {
    try {
        call();
    } catch (const Error& e) {
        return e;
    }
    return std::nullopt;
}

class ProviderFaults : public ::testing::TestWithParam<Fault> {
protected:
    void SetUp() override {
        AUTHFLOW_REQUIRE_SERVICE(OidcProvider::available(), OidcProvider::missing());
        op();
        SqliteTokenStoreOptions options;
        options.path = dir_.path() / "tokens.db";
        options.key = StoreKey::generate();
        store_ = std::make_shared<SqliteTokenStore>(options);
        proxy_ = std::make_unique<FaultProxy>(op().url(""));
    }

    /// The client at the provider; `token_via_proxy` / `jwks_via_proxy` route that endpoint
    /// through the fault proxy (explicit endpoints win over discovered ones).
    std::shared_ptr<GenericOIDCProvider> provider(bool token_via_proxy, bool jwks_via_proxy) {
        ProviderConfig config;
        config.client_id = client_id;
        config.issuer_url = op().issuer();
        config.scopes = {"openid", "offline_access", "email"};
        if (token_via_proxy) {
            config.token_url = proxy_->url("/token");
        }
        if (jwks_via_proxy) {
            config.jwks_uri = proxy_->url("/jwks");
        }
        config.http = short_timeout_client();
        return std::make_shared<GenericOIDCProvider>(std::move(config));
    }

    std::shared_ptr<SessionManager> session(std::shared_ptr<OAuthProvider> provider) {
        SessionManagerOptions options;
        options.session_key = "faults";
        options.background_refresh = false;
        options.retry.max_attempts = 2;
        options.retry.initial_delay = 100ms;
        options.retry.jitter = 0;
        return std::make_shared<SessionManager>(std::move(provider), store_, options);
    }

    /// The user at the provider's pages, then the redirect to the loopback callback server.
    static std::string sign_in_window(const std::string& url, const WindowConfig&) {
        test::OpBrowser browser;
        const auto redirect_uri = parse_query(parse_url(url).query).get("redirect_uri").value();
        browser.authorize(url, redirect_uri);
        HttpRequest request;
        request.url = browser.last_redirect();
        make_http_client()->send(request);
        return "window";
    }

    static AuthFlowOptions flow_options() {
        AuthFlowOptions options;
        options.extra_params = {{"prompt", "consent"}};
        options.auth_timeout = 60s;
        options.open_browser = false;
        return options;
    }

    /// Signs in through AuthFlowManager with `provider`, saving through `session`.
    static LoginResult login(const std::shared_ptr<OAuthProvider>& provider,
                             const std::shared_ptr<SessionManager>& session,
                             AuthFlowState* state = nullptr) {
        AuthFlowManager manager(provider, session, flow_options());
        try {
            auto result = manager.login_native(&ProviderFaults::sign_in_window);
            if (state != nullptr) {
                *state = manager.flow_state();
            }
            return result;
        } catch (...) {
            if (state != nullptr) {
                *state = manager.flow_state();
            }
            throw;
        }
    }

    OAuthTokenSet stored() { return store_->load("faults").value(); }

    std::size_t grant_errors() { return op().count_events("grant.error", client_id); }

    test::TempDir dir_;
    std::shared_ptr<SqliteTokenStore> store_;
    std::unique_ptr<FaultProxy> proxy_;
};

// ---- sign-in: the authorization-code exchange -------------------------------------------

TEST_P(ProviderFaults, LoginCodeExchange) {
    const Fault fault = GetParam();
    // Tokens of an earlier sign-in are stored; a failed sign-in must leave them alone.
    auto direct = provider(false, false);
    auto before = login(direct, session(direct)).tokens;
    ASSERT_EQ(stored().access_token, before.access_token);

    auto faulty = provider(true, false);
    auto manager_session = session(faulty);
    inject(*proxy_, fault);
    AuthFlowState state = AuthFlowState::pending;
    const auto start = Steady::now();
    auto error = error_of([&] { login(faulty, manager_session, &state); });
    const auto took = Steady::now() - start;
    ASSERT_TRUE(error) << name_of(fault) << ": the sign-in succeeded";
    const Expected expected = token_endpoint_error(fault);
    EXPECT_EQ(error->code(), expected.code) << name_of(fault) << ": " << error->what();
    EXPECT_EQ(error->http_status(), expected.http_status) << name_of(fault);
    if (fault == Fault::rate_limited) {
        EXPECT_EQ(error->oauth_error(), "slow_down");
    }
    if (fault == Fault::slow) {
        EXPECT_LT(took, 20s); // the HTTP timeout fired, not the proxy's 60 s delay
    }
    EXPECT_EQ(state, AuthFlowState::failed);
    EXPECT_EQ(stored().access_token, before.access_token) << name_of(fault);
    EXPECT_EQ(stored().refresh_token, before.refresh_token) << name_of(fault);

    // The provider is back: the next sign-in with the same objects works.
    repair(*proxy_, fault);
    auto after = login(faulty, manager_session).tokens;
    EXPECT_NE(after.access_token, before.access_token);
    EXPECT_EQ(stored().access_token, after.access_token);
    EXPECT_TRUE(direct->introspect_token(after.access_token, "access_token").active);
}

// ---- refresh: SessionManager --------------------------------------------------------------

TEST_P(ProviderFaults, Refresh) {
    const Fault fault = GetParam();
    auto direct = provider(false, false);
    const auto tokens = login(direct, session(direct)).tokens;
    const auto errors_before = grant_errors();

    auto faulty = provider(true, false);
    auto manager = session(faulty);
    ASSERT_EQ(manager->initialize()->access_token, tokens.access_token);
    inject(*proxy_, fault);

    // The provider's client names the fault exactly.
    const Expected expected = token_endpoint_error(fault);
    auto provider_error = error_of([&] { faulty->refresh_tokens(tokens); });
    ASSERT_TRUE(provider_error) << name_of(fault);
    EXPECT_EQ(provider_error->code(), expected.code)
        << name_of(fault) << ": " << provider_error->what();
    EXPECT_EQ(provider_error->http_status(), expected.http_status) << name_of(fault);
    if (fault == Fault::rate_limited) {
        // error_of copies the base class: check the type and the header on a second call.
        try {
            faulty->refresh_tokens(tokens);
            ADD_FAILURE() << "no error";
        } catch (const RetryLaterError& e) {
            EXPECT_EQ(e.retry_after(), "1");
        }
    }

    // The session: refresh_failed after its retries; the stored tokens stay as they were and
    // the current token is still handed out.
    const int requests_before = proxy_->requests();
    const auto start = Steady::now();
    auto session_error = error_of([&] { manager->refresh(); });
    const auto took = Steady::now() - start;
    ASSERT_TRUE(session_error) << name_of(fault);
    EXPECT_EQ(session_error->code(), errc::refresh_failed)
        << name_of(fault) << ": " << session_error->what();
    EXPECT_EQ(stored().access_token, tokens.access_token);
    EXPECT_EQ(stored().refresh_token, tokens.refresh_token);
    EXPECT_EQ(manager->get_access_token(), tokens.access_token);
    if (fault == Fault::rate_limited) {
        // Retried once, after the provider's Retry-After (1 s), not the 100 ms backoff.
        EXPECT_EQ(proxy_->requests() - requests_before, 2);
        EXPECT_GE(took, 1000ms);
    }
    if (fault == Fault::slow) {
        EXPECT_LT(took, 20s);
    }

    repair(*proxy_, fault);
    const auto fresh = manager->refresh();
    EXPECT_NE(fresh.access_token, tokens.access_token);
    EXPECT_EQ(stored().access_token, fresh.access_token);
    EXPECT_EQ(manager->get_access_token(), fresh.access_token);
    EXPECT_TRUE(direct->introspect_token(fresh.access_token, "access_token").active);
    // Nothing reached the provider with a stale refresh token.
    EXPECT_EQ(grant_errors(), errors_before);
}

// ---- JWKS: JwksCache with a cold and a warm cache -----------------------------------------

errc expected_jwks_error(Fault) {
    return errc::jwks_failed;
}

TEST_P(ProviderFaults, JwksFetch) {
    const Fault fault = GetParam();
    auto direct = provider(false, false);
    const auto tokens = login(direct, session(direct)).tokens;
    ASSERT_TRUE(tokens.id_token);
    const std::string id_token = *tokens.id_token;

    JwksCacheOptions options;
    options.refetch_cooldown = 1s;
    options.min_max_age = 1s;
    options.default_max_age = 1s;
    // Cold cache: the first fetch fails with jwks_failed, clearly.
    JwksCache cold(proxy_->url("/jwks"), short_timeout_client(), nullptr, options);
    inject(*proxy_, fault);
    auto error = error_of([&] { verify_jws(id_token, cold); });
    ASSERT_TRUE(error) << name_of(fault);
    EXPECT_EQ(error->code(), expected_jwks_error(fault)) << name_of(fault) << ": " << error->what();
    EXPECT_GE(cold.fetch_count(), 1u);

    // Warm cache: keys fetched before the fault serve on after they expire (stale on error).
    repair(*proxy_, fault);
    JwksCache warm(proxy_->url("/jwks"), short_timeout_client(), nullptr, options);
    EXPECT_NO_THROW(verify_jws(id_token, warm));
    inject(*proxy_, fault);
    std::this_thread::sleep_for(1100ms); // past max-age and the cooldown
    EXPECT_NO_THROW(verify_jws(id_token, warm)) << name_of(fault);
    EXPECT_GE(warm.fetch_count(), 2u); // it did try to refresh them

    // Back: the cold cache recovers on the next call after its cooldown, without a restart.
    repair(*proxy_, fault);
    std::this_thread::sleep_for(1100ms);
    EXPECT_NO_THROW(verify_jws(id_token, cold)) << name_of(fault);
}

INSTANTIATE_TEST_SUITE_P(All, ProviderFaults,
                         ::testing::Values(Fault::down, Fault::slow, Fault::error_500,
                                           Fault::rate_limited, Fault::html, Fault::truncated_json,
                                           Fault::oversized),
                         [](const ::testing::TestParamInfo<Fault>& param) {
                             return name_of(param.param);
                         });

// ---- JWKS during sign-in: ID-token validation through the provider ------------------------

TEST_F(ProviderFaults, LoginWithTheKeySetDownFailsAndStoresNothing) {
    auto faulty = provider(false, true);
    auto manager_session = session(faulty);
    proxy_->set_mode(FaultMode::error_500);
    AuthFlowState state = AuthFlowState::pending;
    auto error = error_of([&] { login(faulty, manager_session, &state); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), errc::jwks_failed) << error->what();
    EXPECT_EQ(state, AuthFlowState::failed);
    EXPECT_FALSE(store_->load("faults"));
    EXPECT_GE(proxy_->faulted(), 1);
}

// ---- JWKS during refresh: the window between the provider's rotation and the save -----------

// Known gap, disabled until the provider fetches the key set before it sends the refresh
// request: a process with a cold key cache refreshes while the key set is unavailable. The
// provider rotates the refresh token, the new ID token cannot be checked (jwks_failed, a
// transient failure), the new tokens are dropped, and the retry with the old refresh token is
// answered invalid_grant: a rotating provider then revokes the whole grant. See "Failure
// behaviour" in docs/sessions.md.
TEST_F(ProviderFaults, RefreshWithAColdKeyCacheAndTheKeySetDownKeepsTheGrant) {
    auto direct = provider(false, false);
    const auto tokens = login(direct, session(direct)).tokens;
    const auto errors_before = grant_errors();
    auto faulty = provider(false, true); // a new process: nothing cached
    auto manager = session(faulty);
    proxy_->set_mode(FaultMode::error_500);
    auto error = error_of([&] { manager->refresh(); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->code(), errc::refresh_failed) << error->what();
    EXPECT_EQ(stored().refresh_token, tokens.refresh_token);
    EXPECT_EQ(grant_errors(), errors_before); // the refresh token was never sent
    proxy_->set_mode(FaultMode::pass);
    // Without any key the cache tries again 1 s, then 2 s after a failure (two attempts
    // failed above), not only after the 30 s cooldown.
    std::this_thread::sleep_for(2500ms);
    auto again = error_of([&] { manager->refresh(); });
    EXPECT_FALSE(again) << again->what();
    EXPECT_EQ(grant_errors(), errors_before);
}

} // namespace
} // namespace authflow

// SessionManager when the provider fails during a refresh: a fault proxy in front of the real
// provider (node oidc-provider; tests/support/fault_proxy.hpp) answers HTTP 500 or stops
// listening. The stored tokens must stay as they are and keep serving callers until they expire;
// after that callers get refresh_failed; once the provider is back the refresh succeeds.
#include "support/fault_proxy.hpp"
#include "support/oidc_provider.hpp"
#include "support/test_env.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/http/http_client.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>
#include <authflow/session/session_manager.hpp>
#include <authflow/store/encryption.hpp>
#include <authflow/store/sqlite_token_store.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

namespace authflow {
namespace {

using namespace std::chrono_literals;
using test::FaultProxy;
using test::OidcProvider;

constexpr int access_token_ttl = 8;
constexpr const char* client_id = "conf-client";

OidcProvider& op() {
    static OidcProvider provider([] {
        test::OidcProviderOptions options;
        options.access_token_ttl = access_token_ttl;
        return options;
    }());
    return provider;
}

class SessionFaults : public ::testing::Test {
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

    static std::shared_ptr<GenericOIDCProvider> provider(const std::string& token_url = {}) {
        ProviderConfig config;
        config.client_id = client_id;
        config.client_secret = OidcProvider::secret_of(client_id);
        config.issuer_url = op().issuer();
        config.token_url = token_url; // explicit endpoints win over discovered ones
        config.scopes = {"openid", "offline_access", "email"};
        return std::make_shared<GenericOIDCProvider>(std::move(config));
    }

    OAuthTokenSet sign_in() {
        auto direct = provider();
        auto request = direct->begin_authorization(OidcProvider::default_redirect_uri,
                                                   QueryParams{{"prompt", "consent"}});
        test::OpBrowser browser;
        auto callback = browser.authorize(request.url, OidcProvider::default_redirect_uri);
        auto tokens = direct->complete_login(request, callback).tokens;
        store_->save("faults", tokens);
        return tokens;
    }

    std::unique_ptr<SessionManager> session() {
        SessionManagerOptions options;
        options.session_key = "faults";
        options.refresh_buffer_seconds = 60; // tokens of 8 s: refresh after 4 s
        options.retry.initial_delay = 200ms;
        options.retry.max_attempts = 3;
        return std::make_unique<SessionManager>(provider(proxy_->url("/token")), store_, options);
    }

    std::string stored_access_token() { return store_->load("faults").value().access_token; }

    /// Callers keep getting the old token until it expires, and it stays stored; then they get
    /// refresh_failed; then the provider comes back and the refresh succeeds.
    void expect_old_tokens_serve_until_expiry(const std::function<void()>& break_provider,
                                              const std::function<void()>& repair_provider) {
        const OAuthTokenSet tokens = sign_in();
        auto manager = session();
        break_provider();
        const double expires_at = tokens.expires_at().value();
        int calls = 0;
        while (system_clock().unix_seconds() < expires_at - 0.5) {
            EXPECT_EQ(manager->get_access_token(), tokens.access_token);
            EXPECT_EQ(stored_access_token(), tokens.access_token);
            ++calls;
            std::this_thread::sleep_for(100ms);
        }
        EXPECT_GT(calls, 30);
        EXPECT_GE(manager->stats().refresh_failures, 1u); // it did try, within the window
        while (system_clock().unix_seconds() < expires_at + 0.2) {
            std::this_thread::sleep_for(50ms);
        }
        try {
            manager->get_access_token();
            ADD_FAILURE() << "an expired token was handed out";
        } catch (const TokenRefreshError& e) {
            EXPECT_EQ(e.code(), errc::refresh_failed);
        }
        EXPECT_EQ(stored_access_token(), tokens.access_token); // never removed or overwritten

        repair_provider();
        const std::string fresh = manager->get_access_token();
        EXPECT_NE(fresh, tokens.access_token);
        EXPECT_EQ(stored_access_token(), fresh);
        EXPECT_TRUE(provider()->introspect_token(fresh, "access_token").active);
    }

    test::TempDir dir_;
    std::shared_ptr<SqliteTokenStore> store_;
    std::unique_ptr<FaultProxy> proxy_;
};

TEST_F(SessionFaults, ProviderAnswering500KeepsTheTokensUntilTheyExpire) {
    expect_old_tokens_serve_until_expiry([&] { proxy_->set_mode(test::FaultMode::error_500); },
                                         [&] { proxy_->set_mode(test::FaultMode::pass); });
    EXPECT_GE(proxy_->faulted(), 2);
}

TEST_F(SessionFaults, ProviderDownKeepsTheTokensUntilTheyExpire) {
    expect_old_tokens_serve_until_expiry([&] { proxy_->go_down(); }, [&] { proxy_->come_back(); });
}

TEST_F(SessionFaults, ProxyForwardsWhenHealthy) {
    // The proxy itself works: through it a refresh succeeds at once.
    const OAuthTokenSet tokens = sign_in();
    auto manager = session();
    EXPECT_NE(manager->refresh().access_token, tokens.access_token);
}

} // namespace
} // namespace authflow

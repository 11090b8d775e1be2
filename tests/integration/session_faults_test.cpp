// SessionManager when the provider fails during a refresh: a proxy in front of the real token
// endpoint (node oidc-provider) answers HTTP 500 or stops listening. The stored tokens must stay
// as they are and keep serving callers until they expire; after that callers get
// refresh_failed; once the provider is back the refresh succeeds.
#include "support/httplib_server.hpp"
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

/// Forwards POST /token to the provider, or answers HTTP 500, or is not there at all (the port
/// refuses connections). Not safe to share between threads, except mode changes.
class FaultProxy {
public:
    enum class Mode { pass, error_500 };

    explicit FaultProxy(std::string target) : target_(std::move(target)) { start(0); }
    ~FaultProxy() { stop(); }

    std::string token_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/token"; }
    void set_mode(Mode mode) { mode_ = mode; }
    int failed_answers() const { return failed_; }
    /// Closes the port: connections are refused.
    void go_down() { stop(); }
    /// Listens again on the same port.
    void come_back() { start(port_); }

private:
    void start(int port) {
        server_ = std::make_unique<httplib::Server>();
        server_->set_tcp_nodelay(true);
        server_->Post(
            "/token", [this](const httplib::Request& request, httplib::Response& response) {
                if (mode_ == Mode::error_500) {
                    ++failed_;
                    response.status = 500;
                    response.set_content("internal error", "text/plain");
                    return;
                }
                HttpRequest forward;
                forward.method = "POST";
                forward.url = target_;
                forward.body = request.body;
                for (const char* name : {"Authorization", "Content-Type", "Accept"}) {
                    if (request.has_header(name)) {
                        forward.headers.emplace_back(name, request.get_header_value(name));
                    }
                }
                const HttpResponse answer = http_->send(forward);
                response.status = answer.status;
                response.set_content(answer.body,
                                     answer.header("Content-Type").value_or("application/json"));
            });
        if (port == 0) {
            port_ = server_->bind_to_any_port("127.0.0.1");
        } else if (!server_->bind_to_port("127.0.0.1", port)) {
            throw std::runtime_error("proxy: cannot bind the port again");
        }
        thread_ = std::thread([this] { server_->listen_after_bind(); });
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (!server_->is_running()) {
            if (std::chrono::steady_clock::now() > deadline) {
                throw std::runtime_error("proxy: did not start");
            }
            std::this_thread::yield();
        }
    }
    void stop() {
        if (server_) {
            server_->stop();
            thread_.join();
            server_.reset();
        }
    }

    std::string target_;
    std::shared_ptr<HttpClient> http_ = make_http_client();
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    int port_ = 0;
    std::atomic<Mode> mode_{Mode::pass};
    std::atomic<int> failed_{0};
};

class SessionFaults : public ::testing::Test {
protected:
    void SetUp() override {
        AUTHFLOW_REQUIRE_SERVICE(OidcProvider::available(), OidcProvider::missing());
        op();
        SqliteTokenStoreOptions options;
        options.path = dir_.path() / "tokens.db";
        options.key = StoreKey::generate();
        store_ = std::make_shared<SqliteTokenStore>(options);
        proxy_ = std::make_unique<FaultProxy>(op().url("/token"));
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
        return std::make_unique<SessionManager>(provider(proxy_->token_url()), store_, options);
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
    expect_old_tokens_serve_until_expiry([&] { proxy_->set_mode(FaultProxy::Mode::error_500); },
                                         [&] { proxy_->set_mode(FaultProxy::Mode::pass); });
    EXPECT_GE(proxy_->failed_answers(), 2);
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

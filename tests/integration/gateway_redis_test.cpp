// The gateway scaled out: two `authflow serve` workers on one redis-server and one OpenID
// Provider (node oidc-provider). A user signs in on one worker; GET /auth/check passes on both.
// With pass_access_token, checks arriving on both workers at once when the access token is due
// (and again after it expired) make one refresh grant at the provider for the whole cluster,
// counted by the provider's own events.
#include "serve_worker.hpp"
#include "support/oidc_provider.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/test_env.hpp"

#include <authflow/http/http_client.hpp>
#include <authflow/store/encryption.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace authflow::test {
namespace {

using namespace std::chrono_literals;

/// The provider's access tokens live this long; refresh_due_at makes them due after half.
constexpr int access_token_ttl = 4;

using Worker = ServeWorker;

const ServeWorkerOptions pass_access_token{{"--pass-access-token"}, {}};

/// GET /auth/check on `worker` with the session cookie.
HttpResponse check(const Worker& worker, const std::string& session) {
    HttpRequest request;
    request.url = worker.url("/auth/check");
    request.total_timeout = 15s;
    request.headers.emplace_back("Cookie", "authflow_session=" + session);
    return make_http_client()->send(request);
}

class GatewayOnRedis : public ::testing::Test {
protected:
    void SetUp() override {
        AUTHFLOW_REQUIRE_SERVICE(RedisServer::available() && OidcProvider::available() &&
                                     std::filesystem::exists(cli_path()),
                                 "redis-server, node oidc-provider, authflow");
        redis_ = std::make_unique<RedisServer>();
        // Both workers sit behind one public URL; the provider sends the browser back to it.
        public_port_ = free_port();
        public_url_ = "http://127.0.0.1:" + std::to_string(public_port_);
        OidcProviderOptions options;
        options.redirect_uris = {public_url_ + "/auth/callback"};
        options.access_token_ttl = access_token_ttl;
        op_ = std::make_unique<OidcProvider>(options);
        const std::string key = StoreKey::generate().to_base64();
        a_ = std::make_unique<Worker>("a", free_port(), public_url_, op_->issuer(), redis_->url(),
                                      key, dir_, pass_access_token);
        b_ = std::make_unique<Worker>("b", free_port(), public_url_, op_->issuer(), redis_->url(),
                                      key, dir_, pass_access_token);
    }

    /// Signs alice in on worker A (the provider's pages over HTTP). Returns the session id.
    std::string sign_in() {
        OpBrowser browser;
        const HttpResponse login = browser.get(a_->url("/auth/login"));
        EXPECT_EQ(login.status, 302) << login.body << a_->log();
        browser.authorize(login.header("Location").value_or(""), public_url_ + "/auth/callback");
        const std::string redirect = browser.last_redirect();
        const HttpResponse back = browser.get(a_->url(redirect.substr(public_url_.size())));
        EXPECT_EQ(back.status, 302) << back.body << a_->log();
        return set_cookie_value(back, "authflow_session");
    }

    /// `per_worker` checks on each worker at once; the access tokens they passed on.
    std::vector<std::string> checks_at_once(const std::string& session, int per_worker) {
        std::mutex mutex;
        std::vector<std::string> tokens;
        std::vector<std::thread> threads;
        for (int i = 0; i < 2 * per_worker; ++i) {
            threads.emplace_back([&, i] {
                const Worker& worker = i % 2 == 0 ? *a_ : *b_;
                const HttpResponse response = check(worker, session);
                std::lock_guard lock{mutex};
                EXPECT_EQ(response.status, 202) << worker.log();
                tokens.push_back(response.header("X-Auth-Request-Access-Token").value_or(""));
            });
        }
        for (auto& thread : threads) {
            thread.join();
        }
        return tokens;
    }

    std::size_t refresh_grants() const {
        return op_->count_events("grant.success", "conf-client", "refresh_token");
    }

    TempDir dir_;
    std::unique_ptr<RedisServer> redis_;
    int public_port_ = 0;
    std::string public_url_;
    std::unique_ptr<OidcProvider> op_;
    std::unique_ptr<Worker> a_;
    std::unique_ptr<Worker> b_;
};

TEST_F(GatewayOnRedis, SignInOnOneWorkerPassesTheCheckOnBoth) {
    const std::string session = sign_in();
    ASSERT_FALSE(session.empty());
    for (const Worker* worker : {a_.get(), b_.get()}) {
        const HttpResponse response = check(*worker, session);
        EXPECT_EQ(response.status, 202) << worker->log();
        EXPECT_EQ(response.header("X-Auth-Request-User"), "alice");
        EXPECT_EQ(response.header("X-Auth-Request-Email"), "alice@example.test");
        EXPECT_FALSE(response.header("X-Auth-Request-Access-Token").value_or("").empty());
    }
    EXPECT_EQ(check(*b_, "not-a-session").status, 401);
}

TEST_F(GatewayOnRedis, PassAccessTokenRefreshesOnceForTheClusterAcrossExpiry) {
    const std::string session = sign_in();
    ASSERT_FALSE(session.empty());
    const auto first = check(*a_, session).header("X-Auth-Request-Access-Token").value_or("");
    ASSERT_FALSE(first.empty());
    EXPECT_EQ(refresh_grants(), 0u);

    // Due (half the lifetime gone), not yet expired: one worker refreshes, the others pass the
    // still valid token meanwhile.
    std::this_thread::sleep_for(std::chrono::milliseconds(access_token_ttl * 500 + 500));
    auto tokens = checks_at_once(session, 6);
    EXPECT_EQ(refresh_grants(), 1u) << op_->log();
    const auto second = check(*b_, session).header("X-Auth-Request-Access-Token").value_or("");
    EXPECT_NE(second, first);
    for (const auto& token : tokens) {
        EXPECT_TRUE(token == first || token == second);
    }

    // Expired: every check needs the new token; still one refresh for all of them.
    std::this_thread::sleep_for(std::chrono::seconds(access_token_ttl + 1));
    tokens = checks_at_once(session, 6);
    EXPECT_EQ(refresh_grants(), 2u) << op_->log();
    const std::set<std::string> distinct(tokens.begin(), tokens.end());
    EXPECT_EQ(distinct.size(), 1u) << "every check after the expiry passes the one new token";
    EXPECT_EQ(distinct.count(second), 0u);
    EXPECT_EQ(distinct.count(""), 0u);
}

} // namespace
} // namespace authflow::test

#pragma once
// A fake OAuth 2.0 authorization server behind the HttpClient interface, for SessionManager unit
// tests: a token endpoint that rotates refresh tokens like oidc-provider with
// rotateRefreshToken (a reused refresh token is invalid_grant and ends the whole grant), a
// revocation endpoint (RFC 7009), a userinfo endpoint, and scripted failures. Real provider
// objects talk to it through create_provider_from_settings.

#include <authflow/core/clock.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/settings.hpp>
#include <authflow/core/token_set.hpp>
#include <authflow/core/url.hpp>
#include <authflow/http/http_client.hpp>
#include <authflow/providers/factory.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace authflow::test {

/// Safe to use from several threads.
class FakeOAuthServer final : public HttpClient {
public:
    static constexpr const char* token_url = "https://op.example/token";
    static constexpr const char* authorize_url = "https://op.example/authorize";
    static constexpr const char* revocation_url = "https://op.example/revoke";
    static constexpr const char* userinfo_url = "https://op.example/userinfo";

    /// What the token endpoint does with the next refresh requests.
    struct Scripted {
        int status = 0;      ///< an HTTP answer with this status and `body`, or
        nlohmann::json body; ///< (when status is 0) a transport error:
        errc transport = errc::timeout;
        HttpHeaders headers = {};
    };

    explicit FakeOAuthServer(std::shared_ptr<Clock> clock) : clock_(std::move(clock)) {}

    /// A provider object (the real one) configured with this server's fixed endpoints.
    std::shared_ptr<OAuthProvider> provider() {
        OAuth2Settings settings;
        settings.provider = ProviderKind::custom;
        settings.client_id = "session-client";
        settings.client_secret = "session-secret";
        settings.authorize_url = authorize_url;
        settings.token_url = token_url;
        settings.revocation_url = revocation_url;
        settings.userinfo_url = userinfo_url;
        settings.scopes = std::vector<std::string>{"api", "offline_access"};
        ProviderFactoryOptions options;
        options.http = std::shared_ptr<HttpClient>(std::shared_ptr<HttpClient>{}, this);
        options.clock = clock_;
        return create_provider_from_settings(settings, options);
    }

    /// Starts a grant (what a sign-in would give) and returns its tokens.
    OAuthTokenSet sign_in() {
        std::lock_guard lock(mutex_);
        const int grant = ++grants_;
        return OAuthTokenSet::from_token_response(issue_locked(grant), *clock_);
    }

    void set_expires_in(std::int64_t seconds) {
        std::lock_guard lock(mutex_);
        expires_in_ = seconds;
    }
    /// The next refresh requests get these answers (in order) instead of tokens.
    void script(std::vector<Scripted> answers) {
        std::lock_guard lock(mutex_);
        for (auto& answer : answers) {
            script_.push_back(std::move(answer));
        }
    }
    /// Called inside every refresh request before it is answered (outside the lock).
    void set_gate(std::function<void()> gate) {
        std::lock_guard lock(mutex_);
        gate_ = std::move(gate);
    }

    int refreshes() const {
        std::lock_guard lock(mutex_);
        return refreshes_;
    }
    int invalid_grants() const {
        std::lock_guard lock(mutex_);
        return invalid_grants_;
    }
    int refresh_requests() const {
        std::lock_guard lock(mutex_);
        return static_cast<int>(request_times_.size());
    }
    /// Steady times at which refresh requests arrived.
    std::vector<Clock::steady_time> request_times() const {
        std::lock_guard lock(mutex_);
        return request_times_;
    }
    std::vector<std::string> revoked_hints() const {
        std::lock_guard lock(mutex_);
        return revoked_hints_;
    }
    /// True while the access token is known, unexpired and its grant not revoked.
    bool is_active(const std::string& access_token) const {
        std::lock_guard lock(mutex_);
        auto it = access_tokens_.find(access_token);
        if (it == access_tokens_.end() || revoked_grants_.count(it->second.grant) != 0 ||
            revoked_access_.count(access_token) != 0) {
            return false;
        }
        return clock_->unix_seconds() < it->second.expires_at;
    }
    /// Waits (bounded) until `n` refresh requests arrived.
    bool wait_requests(int n, std::chrono::seconds timeout = std::chrono::seconds{30}) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout,
                                 [&] { return static_cast<int>(request_times_.size()) >= n; });
    }
    /// Waits (bounded) until `n` refreshes succeeded.
    bool wait_refreshes(int n, std::chrono::seconds timeout = std::chrono::seconds{30}) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return refreshes_ >= n; });
    }

    HttpResponse send(const HttpRequest& request) override {
        const std::string base = request.url.substr(0, request.url.find('?'));
        const QueryParams form = parse_query(request.body);
        if (base == revocation_url) {
            std::lock_guard lock(mutex_);
            revoked_hints_.push_back(form.get("token_type_hint").value_or(""));
            const std::string token = form.get("token").value_or("");
            if (auto it = refresh_tokens_.find(token); it != refresh_tokens_.end()) {
                revoked_grants_.insert(it->second);
            }
            if (auto it = access_tokens_.find(token); it != access_tokens_.end()) {
                revoked_access_.insert(token);
            }
            return answer(200, nlohmann::json::object());
        }
        if (base == userinfo_url) {
            return answer(200, {{"sub", "alice"}});
        }
        if (base != token_url || form.get("grant_type") != "refresh_token") {
            return answer(404, {{"error", "not_found"}});
        }
        std::function<void()> gate;
        std::optional<Scripted> scripted;
        {
            std::lock_guard lock(mutex_);
            request_times_.push_back(clock_->steady_now());
            changed_.notify_all();
            gate = gate_;
            if (!script_.empty()) {
                scripted = std::move(script_.front());
                script_.pop_front();
            }
        }
        if (gate) {
            gate();
        }
        if (scripted) {
            if (scripted->status == 0) {
                throw TransportError(scripted->transport, "scripted transport failure");
            }
            HttpResponse response = answer(scripted->status, scripted->body);
            for (auto& header : scripted->headers) {
                response.headers.push_back(header);
            }
            return response;
        }
        std::lock_guard lock(mutex_);
        const std::string refresh_token = form.get("refresh_token").value_or("");
        auto it = refresh_tokens_.find(refresh_token);
        if (it == refresh_tokens_.end() || revoked_grants_.count(it->second) != 0 ||
            used_refresh_tokens_.count(refresh_token) != 0) {
            // Like oidc-provider: a reused rotated token ends the whole grant.
            if (it != refresh_tokens_.end()) {
                revoked_grants_.insert(it->second);
            }
            ++invalid_grants_;
            changed_.notify_all();
            return answer(400, {{"error", "invalid_grant"},
                                {"error_description", "grant request is invalid"}});
        }
        used_refresh_tokens_.insert(refresh_token);
        ++refreshes_;
        changed_.notify_all();
        return answer(200, issue_locked(it->second));
    }

private:
    struct AccessToken {
        int grant = 0;
        double expires_at = 0;
    };

    static HttpResponse answer(int status, const nlohmann::json& body) {
        HttpResponse response;
        response.status = status;
        response.body = body.dump();
        response.headers = {{"Content-Type", "application/json"}};
        return response;
    }

    nlohmann::json issue_locked(int grant) {
        const int n = ++issued_;
        const std::string access = "at-" + std::to_string(grant) + "-" + std::to_string(n);
        const std::string refresh = "rt-" + std::to_string(grant) + "-" + std::to_string(n);
        access_tokens_[access] = {grant, clock_->unix_seconds() + static_cast<double>(expires_in_)};
        refresh_tokens_[refresh] = grant;
        return {{"access_token", access},
                {"token_type", "Bearer"},
                {"expires_in", expires_in_},
                {"refresh_token", refresh},
                {"scope", "api offline_access"}};
    }

    std::shared_ptr<Clock> clock_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::int64_t expires_in_ = 600;
    int grants_ = 0;
    int issued_ = 0;
    int refreshes_ = 0;
    int invalid_grants_ = 0;
    std::map<std::string, AccessToken> access_tokens_;
    std::map<std::string, int> refresh_tokens_;
    std::set<std::string> used_refresh_tokens_;
    std::set<int> revoked_grants_;
    std::set<std::string> revoked_access_;
    std::vector<std::string> revoked_hints_;
    std::deque<Scripted> script_;
    std::function<void()> gate_;
    std::vector<Clock::steady_time> request_times_;
};

} // namespace authflow::test

#pragma once
// Unit-test doubles for the providers layer: an HttpClient that records every request and
// answers from per-URL handlers, and a small in-memory OpenID Provider built on it (discovery,
// keys, token endpoint) that signs ID tokens with test keys.

#include "support/jose_signer.hpp"
#include "token_endpoint_test_util.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/url.hpp>
#include <authflow/http/http_client.hpp>
#include <authflow/providers/oauth_provider.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace authflow::test {

using json = nlohmann::json;

/// Answers by URL (without its query); records every request. Safe to use from several threads.
class RecordingHttp final : public HttpClient {
public:
    using Handler = std::function<HttpResponse(const HttpRequest&)>;

    void on(const std::string& url, Handler handler) {
        std::lock_guard lock(mutex_);
        handlers_[url] = std::move(handler);
    }
    void on_json(const std::string& url, int status, const json& body) {
        on(url, [status, body](const HttpRequest&) { return json_response(status, body); });
    }

    HttpResponse send(const HttpRequest& request) override {
        Handler handler;
        {
            std::lock_guard lock(mutex_);
            requests_.push_back(request);
            changed_.notify_all();
            const std::string base = request.url.substr(0, request.url.find('?'));
            auto it = handlers_.find(base);
            if (it == handlers_.end()) {
                return text_response(404, "not found");
            }
            handler = it->second;
        }
        return handler(request);
    }

    std::vector<HttpRequest> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }
    /// The requests whose URL (without query) is `url`.
    std::vector<HttpRequest> requests_to(const std::string& url) const {
        std::lock_guard lock(mutex_);
        std::vector<HttpRequest> out;
        for (const auto& r : requests_) {
            if (r.url.substr(0, r.url.find('?')) == url) {
                out.push_back(r);
            }
        }
        return out;
    }
    std::size_t count(const std::string& url) const { return requests_to(url).size(); }
    /// Waits (bounded, 30 s) until `url` has received `n` requests.
    bool wait_count(const std::string& url, std::size_t n) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, std::chrono::seconds{30}, [&] {
            std::size_t seen = 0;
            for (const auto& r : requests_) {
                seen += r.url.substr(0, r.url.find('?')) == url ? 1 : 0;
            }
            return seen >= n;
        });
    }
    void clear() {
        std::lock_guard lock(mutex_);
        requests_.clear();
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::map<std::string, Handler> handlers_;
    std::vector<HttpRequest> requests_;
};

/// The value of a request header (first, case-sensitive name as authflow sends it), or "".
inline std::string header_of(const HttpRequest& request, const std::string& name) {
    for (const auto& [n, v] : request.headers) {
        if (n == name) {
            return v;
        }
    }
    return {};
}

/// An in-memory OpenID Provider at https://op.example: discovery, JWKS, token endpoint (whose
/// answer the test sets), userinfo. ID tokens are signed RS256 with kid "k1".
struct FakeOp {
    static constexpr const char* issuer = "https://op.example";
    static constexpr const char* token_url = "https://op.example/token";
    static constexpr const char* authorize_url = "https://op.example/authorize";
    static constexpr const char* userinfo_url = "https://op.example/userinfo";
    static constexpr const char* jwks_url = "https://op.example/jwks";
    static constexpr const char* revocation_url = "https://op.example/revoke";
    static constexpr const char* introspection_url = "https://op.example/introspect";
    static constexpr const char* device_url = "https://op.example/device";
    static constexpr const char* end_session_url = "https://op.example/logout";

    std::shared_ptr<RecordingHttp> http = std::make_shared<RecordingHttp>();
    std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
    TestKey key = TestKey::rsa(2048);
    json discovery;

    FakeOp() {
        discovery = {{"issuer", issuer},
                     {"authorization_endpoint", authorize_url},
                     {"token_endpoint", token_url},
                     {"userinfo_endpoint", userinfo_url},
                     {"jwks_uri", jwks_url},
                     {"revocation_endpoint", revocation_url},
                     {"introspection_endpoint", introspection_url},
                     {"device_authorization_endpoint", device_url},
                     {"end_session_endpoint", end_session_url},
                     {"response_types_supported", json::array({"code"})},
                     {"subject_types_supported", json::array({"public"})},
                     {"id_token_signing_alg_values_supported", json::array({"RS256"})},
                     {"token_endpoint_auth_methods_supported",
                      json::array({"client_secret_basic", "client_secret_post", "none"})}};
        serve_discovery();
        http->on_json(jwks_url, 200, json{{"keys", json::array({key.public_jwk("k1", "RS256")})}});
    }

    void serve_discovery() {
        http->on_json(std::string{issuer} + "/.well-known/openid-configuration", 200, discovery);
    }

    std::int64_t now() const {
        return std::chrono::duration_cast<std::chrono::seconds>(clock->now().time_since_epoch())
            .count();
    }

    /// Standard claims for client `aud`, subject `sub`, with `extra` merged in.
    json claims(const std::string& aud, const std::string& sub = "alice",
                const json& extra = json::object()) const {
        json c = {
            {"iss", issuer}, {"sub", sub}, {"aud", aud}, {"iat", now()}, {"exp", now() + 600}};
        for (auto it = extra.begin(); it != extra.end(); ++it) {
            c[it.key()] = it.value();
        }
        return c;
    }
    std::string id_token(const json& claims) const {
        return make_jws(key, "RS256", json{{"kid", "k1"}}, claims);
    }

    /// The confidential client "client-1" (secret "secret-1") of this provider, over its HTTP and
    /// clock; discovery finds the endpoints.
    ProviderConfig client_config() const {
        ProviderConfig config;
        config.client_id = "client-1";
        config.client_secret = "secret-1";
        config.issuer_url = issuer;
        config.http = http;
        config.clock = clock;
        return config;
    }

    /// The token endpoint answers `body` with `status`.
    void token_answer(int status, const json& body) { http->on_json(token_url, status, body); }
};

/// Waits (bounded, 30 s of real time, without sleeping) until `clock` has `n` waiters.
inline bool wait_waiters(const std::shared_ptr<ManualClock>& clock, std::size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
    while (clock->waiters() != n) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::yield();
    }
    return true;
}

/// The form fields of a request body, in order.
inline QueryParams form_of(const HttpRequest& request) {
    return parse_query(request.body);
}

} // namespace authflow::test

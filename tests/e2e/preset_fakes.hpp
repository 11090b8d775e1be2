#pragma once
// Google, GitHub and Microsoft as local fakes (cpp-httplib on 127.0.0.1), answering with each
// provider's documented example responses (tests/vectors/providers, with their sources) and
// signing ID tokens with test keys, so that a whole AuthFlowManager sign-in runs through the
// preset classes with only the endpoint base changed. The authorization endpoint plays the user:
// it redirects at once to the redirect_uri with a code and the request's state (or with
// error=access_denied when told to refuse). Codes are single-use and bound to the PKCE challenge,
// the nonce and the redirect_uri, as at the real providers.

#include "support/httplib_server.hpp"
#include "support/jose_signer.hpp"
#include "support/test_env.hpp"

#include <authflow/core/pkce.hpp>
#include <authflow/core/url.hpp>
#include <authflow/oidc/id_token.hpp>
#include <authflow/providers/github_provider.hpp>
#include <authflow/providers/google_provider.hpp>
#include <authflow/providers/microsoft_provider.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace authflow::test {

inline nlohmann::json provider_vectors(const char* file) {
    return nlohmann::json::parse(read_file(source_dir() / "tests/vectors/providers" / file));
}

inline std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// What every fake shares: the server, the authorization endpoint, single-use codes.
class PresetFake {
public:
    struct Pending {
        std::string challenge;
        std::string nonce;
        std::string redirect_uri;
    };

    virtual ~PresetFake() = default;

    /// The endpoint base to give the preset (http://127.0.0.1:<port>).
    const std::string& base() const { return base_; }
    /// Token requests that carried a valid code (the exchanges that succeeded).
    int exchanges() const { return exchanges_; }
    /// The authorization endpoint answers error=access_denied (the user refused).
    std::atomic<bool> refuse{false};

protected:
    /// Stops the server; derived classes call it first in their destructor, so that no handler
    /// runs while their members are destroyed.
    void stop() { thread_.reset(); }

    void start() {
        server_.set_keep_alive_timeout(1);
        thread_ = std::make_unique<ServerThread>(server_);
        base_ = "http://127.0.0.1:" + std::to_string(thread_->port());
    }

    void serve_authorize(const std::string& path) {
        server_.Get(path, [this](const httplib::Request& req, httplib::Response& res) {
            const std::string redirect_uri = req.get_param_value("redirect_uri");
            const std::string state = url_encode(req.get_param_value("state"));
            if (refuse) {
                res.set_redirect(redirect_uri + "?error=access_denied&error_description=" +
                                     url_encode("The user denied the request") + "&state=" + state,
                                 302);
                return;
            }
            std::string code = "code-" + std::to_string(++counter_);
            {
                std::lock_guard lock(mutex_);
                codes_[code] = Pending{req.get_param_value("code_challenge"),
                                       req.get_param_value("nonce"), redirect_uri};
            }
            res.set_redirect(redirect_uri + "?code=" + code + "&state=" + state, 302);
        });
    }

    /// Takes a code once; nothing unless the verifier fits the challenge and the redirect_uri
    /// is the one of the authorization request.
    std::optional<Pending> redeem(const QueryParams& form) {
        std::lock_guard lock(mutex_);
        auto it = codes_.find(form.get("code").value_or(""));
        if (it == codes_.end()) {
            return std::nullopt;
        }
        Pending pending = it->second;
        codes_.erase(it);
        const std::string verifier = form.get("code_verifier").value_or("");
        if (pending.challenge.empty() || verifier.empty() ||
            pkce_s256_challenge(verifier) != pending.challenge ||
            form.get("redirect_uri") != pending.redirect_uri) {
            return std::nullopt;
        }
        ++exchanges_;
        return pending;
    }

    static void reply_json(httplib::Response& res, int status, const nlohmann::json& body) {
        res.status = status;
        res.set_content(body.dump(), "application/json");
    }

    httplib::Server server_;

private:
    std::unique_ptr<ServerThread> thread_;
    std::string base_;
    std::mutex mutex_;
    std::map<std::string, Pending> codes_;
    std::atomic<int> counter_{0};
    std::atomic<int> exchanges_{0};
};

/// Google: /o/oauth2/v2/auth, /token (client_secret_post), /oauth2/v3/certs, /v1/userinfo.
class GoogleFake : public PresetFake {
public:
    static constexpr const char* client_id = "1234987819200.apps.googleusercontent.com";
    static constexpr const char* client_secret = "google-secret";

    GoogleFake() {
        serve_authorize("/o/oauth2/v2/auth");
        server_.Get("/oauth2/v3/certs", [this](const httplib::Request&, httplib::Response& res) {
            reply_json(res, 200,
                       {{"keys", nlohmann::json::array({key_.public_jwk("g1", "RS256")})}});
        });
        server_.Post("/token", [this](const httplib::Request& req, httplib::Response& res) {
            auto form = parse_query(req.body);
            if (form.get("client_id") != client_id || form.get("client_secret") != client_secret) {
                return reply_json(res, 401, {{"error", "invalid_client"}});
            }
            auto pending = redeem(form);
            if (!pending) {
                return reply_json(res, 400, {{"error", "invalid_grant"}});
            }
            nlohmann::json body = v_["token_response"]["body"];
            nlohmann::json claims = v_["id_token_payload"]["body"];
            claims["iss"] = base();
            claims["aud"] = client_id;
            claims["azp"] = client_id;
            claims["iat"] = unix_now();
            claims["exp"] = unix_now() + 3600;
            claims["nonce"] = pending->nonce;
            claims["at_hash"] =
                oidc_token_hash(body["access_token"].get<std::string>(), JwsAlg::RS256);
            body["id_token"] = make_jws(key_, "RS256", {{"kid", "g1"}}, claims);
            reply_json(res, 200, body);
        });
        server_.Get("/v1/userinfo", [this](const httplib::Request&, httplib::Response& res) {
            const auto& p = v_["id_token_payload"]["body"];
            reply_json(res, 200,
                       {{"sub", p["sub"]}, {"email", p["email"]}, {"email_verified", true}});
        });
        start();
    }

    ~GoogleFake() override { stop(); }

    std::shared_ptr<GoogleProvider> provider() const {
        ProviderConfig c;
        c.client_id = client_id;
        c.client_secret = client_secret;
        return std::make_shared<GoogleProvider>(c, base());
    }
    std::string subject() const { return v_["id_token_payload"]["body"]["sub"]; }

private:
    nlohmann::json v_ = provider_vectors("google.json");
    TestKey key_ = TestKey::rsa(2048);
};

/// GitHub Enterprise Server layout: /login/oauth/*, the API under /api/v3.
class GitHubFake : public PresetFake {
public:
    static constexpr const char* client_id = "Iv1.8a61f9b3a7aba766";
    static constexpr const char* client_secret = "gh-secret";

    /// `public_email`: what /user shows as the user's public address (GitHub lets a user show
    /// any address there); empty: the documented example's, the same as its verified primary.
    explicit GitHubFake(const std::string& public_email = "") {
        if (!public_email.empty()) {
            v_["user"]["body"]["email"] = public_email;
        }
        serve_authorize("/login/oauth/authorize");
        server_.Post("/login/oauth/access_token", [this](const httplib::Request& req,
                                                         httplib::Response& res) {
            auto form = parse_query(req.body);
            if (form.get("client_id") != client_id || form.get("client_secret") != client_secret) {
                return reply_json(res, 200, v_["error_incorrect_client_credentials"]["body"]);
            }
            if (!redeem(form)) {
                return reply_json(res, 200, v_["error_bad_verification_code"]["body"]);
            }
            reply_json(res, 200, v_["token_response"]["body"]);
        });
        auto api = [this](const char* what) {
            return [this, what](const httplib::Request& req, httplib::Response& res) {
                const std::string expected =
                    "Bearer " + v_["token_response"]["body"]["access_token"].get<std::string>();
                if (req.get_header_value("Authorization") != expected) {
                    return reply_json(res, 401, {{"message", "Bad credentials"}});
                }
                reply_json(res, 200, v_[what]["body"]);
            };
        };
        server_.Get("/api/v3/user", api("user"));
        server_.Get("/api/v3/user/emails", api("emails"));
        start();
    }

    ~GitHubFake() override { stop(); }

    std::shared_ptr<GitHubProvider> provider() const {
        ProviderConfig c;
        c.client_id = client_id;
        c.client_secret = client_secret;
        return std::make_shared<GitHubProvider>(c, base());
    }
    std::string login() const { return v_["user"]["body"]["login"]; }
    /// The verified primary address /user/emails lists.
    std::string primary_email() const { return v_["emails"]["body"][0]["email"]; }

private:
    nlohmann::json v_ = provider_vectors("github.json");
};

/// Microsoft identity platform, tenant `common`: the ID token's iss names the user's tenant.
class MicrosoftFake : public PresetFake {
public:
    static constexpr const char* client_id = "00001111-aaaa-2222-bbbb-3333cccc4444";
    static constexpr const char* client_secret = "ms-secret";
    static constexpr const char* user_tenant = "aaaabbbb-0000-cccc-1111-dddd2222eeee";

    MicrosoftFake() {
        serve_authorize("/common/oauth2/v2.0/authorize");
        server_.Get(
            "/common/discovery/v2.0/keys", [this](const httplib::Request&, httplib::Response& res) {
                reply_json(res, 200,
                           {{"keys", nlohmann::json::array({key_.public_jwk("m1", "RS256")})}});
            });
        server_.Post("/common/oauth2/v2.0/token",
                     [this](const httplib::Request& req, httplib::Response& res) {
                         auto form = parse_query(req.body);
                         if (form.get("client_secret") != client_secret) {
                             return reply_json(res, 401, {{"error", "invalid_client"}});
                         }
                         auto pending = redeem(form);
                         if (!pending) {
                             return reply_json(res, 400, {{"error", "invalid_grant"}});
                         }
                         nlohmann::json claims = v_["id_token_claims"]["body"];
                         claims["iss"] = base() + "/" + user_tenant + "/v2.0";
                         claims["tid"] = user_tenant;
                         claims["aud"] = client_id;
                         claims["iat"] = unix_now();
                         claims["nbf"] = unix_now();
                         claims["exp"] = unix_now() + 3600;
                         claims["nonce"] = pending->nonce;
                         nlohmann::json body = v_["token_response"]["body"];
                         body["id_token"] = make_jws(key_, "RS256", {{"kid", "m1"}}, claims);
                         reply_json(res, 200, body);
                     });
        server_.Get("/oidc/userinfo", [this](const httplib::Request&, httplib::Response& res) {
            reply_json(res, 200, v_["userinfo"]["body"]);
        });
        start();
    }

    ~MicrosoftFake() override { stop(); }

    std::shared_ptr<MicrosoftProvider> provider() const {
        ProviderConfig c;
        c.client_id = client_id;
        c.client_secret = client_secret;
        return std::make_shared<MicrosoftProvider>(c, "common", base());
    }
    std::string subject() const { return v_["id_token_claims"]["body"]["sub"]; }
    std::string name() const { return v_["userinfo"]["body"]["name"]; }

private:
    nlohmann::json v_ = provider_vectors("microsoft.json");
    TestKey key_ = TestKey::rsa(2048);
};

} // namespace authflow::test

// Google, GitHub and Microsoft presets against local fakes (cpp-httplib on 127.0.0.1) that answer
// with each provider's documented example responses (tests/vectors/providers, with their
// sources) and sign ID tokens with test keys. Each test covers a quirk of the real provider.
#include "support/httplib_server.hpp"
#include "support/jose_signer.hpp"
#include "support/test_env.hpp"

#include <authflow/core/encoding.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/pkce.hpp>
#include <authflow/core/url.hpp>
#include <authflow/oidc/id_token.hpp>
#include <authflow/providers/github_provider.hpp>
#include <authflow/providers/google_provider.hpp>
#include <authflow/providers/microsoft_provider.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

namespace authflow {
namespace {

using json = nlohmann::json;
using test::TestKey;

constexpr const char* redirect_uri = "http://127.0.0.1:8765/callback";

json vectors(const char* file) {
    return json::parse(test::read_file(test::source_dir() / "tests/vectors/providers" / file));
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// A value the test thread sets and the fake's server threads read.
template <typename T> class Shared {
public:
    explicit Shared(T value = {}) : value_(std::move(value)) {}
    void set(T value) {
        std::lock_guard lock(mutex_);
        value_ = std::move(value);
    }
    T get() const {
        std::lock_guard lock(mutex_);
        return value_;
    }

private:
    mutable std::mutex mutex_;
    T value_;
};

/// What a fake saw of one request.
struct Seen {
    std::string method;
    std::string path;
    std::string body;
    std::map<std::string, std::string> headers;
};

/// A fake provider: an httplib server on a free port, an authorization endpoint that redirects at
/// once with a code (remembering the PKCE challenge and nonce), and a log of requests.
class FakeProvider {
public:
    struct Pending {
        std::string challenge;
        std::string nonce;
        std::string redirect_uri;
    };

    FakeProvider() = default;
    void start() {
        // Idle keep-alive connections of the shared client would hold the server's stop() for
        // the default 5 s.
        server.set_keep_alive_timeout(1);
        thread_ = std::make_unique<test::ServerThread>(server);
        base = "http://127.0.0.1:" + std::to_string(thread_->port());
    }

    /// An authorization endpoint at `path`.
    void serve_authorize(const std::string& path) {
        server.Get(path, [this](const httplib::Request& req, httplib::Response& res) {
            record(req);
            Pending pending{req.get_param_value("code_challenge"), req.get_param_value("nonce"),
                            req.get_param_value("redirect_uri")};
            std::string code = "code-" + std::to_string(++counter_);
            {
                std::lock_guard lock(mutex);
                codes[code] = pending;
            }
            res.set_redirect(pending.redirect_uri + "?code=" + code +
                                 "&state=" + url_encode(req.get_param_value("state")),
                             302);
        });
    }

    /// Takes a code (once): its pending request, if the verifier fits the challenge.
    std::optional<Pending> redeem(const std::string& code, const std::string& verifier) {
        std::lock_guard lock(mutex);
        auto it = codes.find(code);
        if (it == codes.end()) {
            return std::nullopt;
        }
        Pending pending = it->second;
        codes.erase(it);
        if (pending.challenge.empty() || verifier.empty() ||
            pkce_s256_challenge(verifier) != pending.challenge) {
            return std::nullopt;
        }
        return pending;
    }

    void record(const httplib::Request& req) {
        Seen seen{req.method, req.path, req.body, {}};
        for (const auto& [name, value] : req.headers) {
            seen.headers[name] = value;
        }
        std::lock_guard lock(mutex);
        requests.push_back(std::move(seen));
    }
    std::size_t count() {
        std::lock_guard lock(mutex);
        return requests.size();
    }
    std::vector<Seen> seen(const std::string& path) {
        std::lock_guard lock(mutex);
        std::vector<Seen> out;
        for (const auto& s : requests) {
            if (s.path == path) {
                out.push_back(s);
            }
        }
        return out;
    }

    httplib::Server server;
    std::string base;
    std::mutex mutex;
    std::map<std::string, Pending> codes;
    std::vector<Seen> requests;

private:
    std::unique_ptr<test::ServerThread> thread_;
    std::atomic<int> counter_{0};
};

void reply_json(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(body.dump(), "application/json");
}

/// Follows an authorization URL as a browser would up to the redirect to redirect_uri, and
/// returns that redirect's query parameters.
QueryParams authorize(const std::string& url) {
    HttpRequest request;
    request.url = url;
    auto response = make_http_client()->send(request);
    EXPECT_EQ(response.status, 302) << response.body;
    auto location = response.header("Location").value_or("");
    EXPECT_TRUE(location.starts_with(redirect_uri)) << location;
    return parse_query(parse_url(location).query);
}

bool wait_waiters(const std::shared_ptr<ManualClock>& clock, std::size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
    while (clock->waiters() != n) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::yield();
    }
    return true;
}

template <typename E, typename F> errc code_of(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e.code();
    }
    ADD_FAILURE() << "no exception of the expected type";
    return errc::internal;
}

// ============================== Google ==============================

class Google : public ::testing::Test {
protected:
    static constexpr const char* client_id = "1234987819200.apps.googleusercontent.com";
    static constexpr const char* client_secret = "google-secret";
    json v = vectors("google.json");
    TestKey key = TestKey::rsa(2048);
    FakeProvider fake;
    std::atomic<bool> host_form_issuer{false}; // iss "accounts.google.com" style (no scheme)
    std::atomic<bool> refresh_with_id_token{false};

    void SetUp() override {
        fake.serve_authorize("/o/oauth2/v2/auth");
        fake.server.Get(
            "/oauth2/v3/certs", [this](const httplib::Request&, httplib::Response& res) {
                reply_json(res, 200, json{{"keys", json::array({key.public_jwk("g1", "RS256")})}});
            });
        fake.server.Post("/token", [this](const httplib::Request& req, httplib::Response& res) {
            fake.record(req);
            auto form = parse_query(req.body);
            if (form.get("client_id") != client_id || form.get("client_secret") != client_secret) {
                return reply_json(res, 401, {{"error", "invalid_client"}});
            }
            const auto grant = form.get("grant_type").value_or("");
            if (grant == "authorization_code") {
                auto pending = fake.redeem(form.get("code").value_or(""),
                                           form.get("code_verifier").value_or(""));
                if (!pending || form.get("redirect_uri") != pending->redirect_uri) {
                    return reply_json(res, 400, {{"error", "invalid_grant"}});
                }
                json body = v["token_response"]["body"];
                body["id_token"] = id_token(body["access_token"], pending->nonce);
                return reply_json(res, 200, body);
            }
            if (grant == "refresh_token") {
                json body = v["refresh_response"]["body"]; // no refresh_token in it
                if (refresh_with_id_token) {
                    body["id_token"] = id_token(body["access_token"], "");
                }
                return reply_json(res, 200, body);
            }
            reply_json(res, 400, {{"error", "unsupported_grant_type"}});
        });
        fake.server.Get("/v1/userinfo",
                        [this](const httplib::Request& req, httplib::Response& res) {
                            fake.record(req);
                            // Derived from the documented ID-token payload (same subject and
                            // email).
                            const json& p = v["id_token_payload"]["body"];
                            reply_json(res, 200,
                                       {{"sub", p["sub"]},
                                        {"email", p["email"]},
                                        {"email_verified", true},
                                        {"hd", p["hd"]}});
                        });
        fake.server.Post("/revoke", [this](const httplib::Request& req, httplib::Response& res) {
            fake.record(req);
            res.status = 200;
        });
        fake.server.Post("/device/code",
                         [this](const httplib::Request& req, httplib::Response& res) {
                             fake.record(req);
                             reply_json(res, 200, v["device_response"]["body"]);
                         });
        fake.start();
    }

    std::string issuer() const {
        return host_form_issuer ? fake.base.substr(std::string{"http://"}.size()) : fake.base;
    }

    std::string id_token(const std::string& access_token, const std::string& nonce) {
        json claims = v["id_token_payload"]["body"]; // the documented payload
        claims["iss"] = issuer();
        claims["aud"] = client_id;
        claims["azp"] = client_id;
        claims["iat"] = unix_now();
        claims["exp"] = unix_now() + 3600;
        claims["at_hash"] = oidc_token_hash(access_token, JwsAlg::RS256);
        if (nonce.empty()) {
            claims.erase("nonce");
        } else {
            claims["nonce"] = nonce;
        }
        return test::make_jws(key, "RS256", json{{"kid", "g1"}}, claims);
    }

    std::shared_ptr<GoogleProvider> provider() {
        ProviderConfig c;
        c.client_id = client_id;
        c.client_secret = client_secret;
        return std::make_shared<GoogleProvider>(c, fake.base);
    }
};

TEST_F(Google, AuthorizationAsksForOfflineAccessAndConsentUnlessTheCallerSaysOtherwise) {
    auto google = provider();
    auto request = google->begin_authorization(redirect_uri);
    auto params = parse_query(parse_url(request.url).query);
    EXPECT_TRUE(request.url.starts_with(fake.base + "/o/oauth2/v2/auth?"));
    EXPECT_EQ(params.get("access_type"), "offline");
    EXPECT_EQ(params.get("prompt"), "consent");
    EXPECT_EQ(params.get("scope"), "openid email profile");
    EXPECT_FALSE(request.nonce.empty());
    auto own = google->begin_authorization(redirect_uri, QueryParams{{"prompt", "select_account"}});
    auto own_params = parse_query(parse_url(own.url).query);
    EXPECT_EQ(own_params.get_all("prompt"), std::vector<std::string>{"select_account"});
    EXPECT_EQ(own_params.get("access_type"), "offline");
}

// Seed §13 item 7: without an optional library every Google exchange with an ID token failed;
// here validation is built in and always on. The documented payload (string email_verified,
// at_hash) passes every check.
TEST_F(Google, CodeFlowWithTheDocumentedAnswers) {
    auto google = provider();
    auto request = google->begin_authorization(redirect_uri);
    auto result = google->complete_login(request, authorize(request.url));
    EXPECT_EQ(result.tokens.access_token, "1/fFAGRNJru1FTz70BzhT3Zg");
    EXPECT_EQ(result.tokens.refresh_token, "1//xEoDL4iW3cxlI7yDbSRFYNG01kVKM2C-259HOF2aQbI");
    EXPECT_EQ(result.tokens.expires_in, 3920);
    EXPECT_EQ(result.identity.subject, "10769150350006150715113082367");
    EXPECT_EQ(result.identity.email, "jsmith@example.com");
    EXPECT_TRUE(result.identity.email_verified); // "true" as a string in the ID token
    ASSERT_TRUE(result.identity.id_token_claims);
    EXPECT_EQ(result.identity.id_token_claims->raw()["hd"], "example.com");
    auto sent = parse_query(fake.seen("/token").at(0).body);
    EXPECT_EQ(sent.get("client_secret"), client_secret); // client_secret_post, as documented
    EXPECT_EQ(sent.get("code_verifier"), request.pkce->verifier());
}

TEST_F(Google, IssuerWithoutSchemeIsAccepted) {
    host_form_issuer = true; // Google: "accounts.google.com" or "https://accounts.google.com"
    auto google = provider();
    auto request = google->begin_authorization(redirect_uri);
    EXPECT_EQ(google->complete_login(request, authorize(request.url)).identity.subject,
              "10769150350006150715113082367");
}

TEST_F(Google, RefreshKeepsTheRefreshTokenGoogleDoesNotRepeat) {
    auto google = provider();
    auto request = google->begin_authorization(redirect_uri);
    auto login = google->complete_login(request, authorize(request.url));
    refresh_with_id_token = true;
    auto refreshed = google->refresh_tokens(login.tokens);
    EXPECT_EQ(refreshed.refresh_token, login.tokens.refresh_token);
    EXPECT_NE(refreshed.id_token, login.tokens.id_token); // new one, checked against the old
}

TEST_F(Google, DeviceAuthorizationReadsVerificationUrl) {
    auto google = provider();
    auto authorization = google->start_device_authorization();
    EXPECT_EQ(authorization.verification_uri, "https://www.google.com/device");
    EXPECT_EQ(authorization.user_code, "GQVQ-JKEC");
    EXPECT_EQ(authorization.expires_in, std::chrono::seconds{1800});
}

TEST_F(Google, RevocationPostsTheTokenWithClientCredentials) {
    auto google = provider();
    EXPECT_TRUE(google->revoke_token("1/fFAGRNJru1FTz70BzhT3Zg", "access_token"));
    auto sent = parse_query(fake.seen("/revoke").at(0).body);
    EXPECT_EQ(sent.get("token"), "1/fFAGRNJru1FTz70BzhT3Zg");
    EXPECT_EQ(sent.get("client_id"), client_id);
}

TEST_F(Google, ForeignIdTokensAreRefused) {
    auto google = provider();
    json claims = v["id_token_payload"]["body"];
    claims["iss"] = "https://accounts.google.com.evil.example";
    claims["aud"] = client_id;
    claims["iat"] = unix_now();
    claims["exp"] = unix_now() + 60;
    EXPECT_EQ(
        code_of<TokenError>([&] {
            google->validate_id_token(test::make_jws(key, "RS256", json{{"kid", "g1"}}, claims));
        }),
        errc::bad_issuer);
}

// ============================== GitHub ==============================

class GitHub : public ::testing::Test {
protected:
    static constexpr const char* client_id = "Iv1.8a61f9b3a7aba766";
    static constexpr const char* client_secret = "gh-secret";
    json v = vectors("github.json");
    FakeProvider fake;
    Shared<json> emails;
    std::atomic<int> device_polls{0};

    void SetUp() override {
        emails.set(v["emails"]["body"]);
        fake.serve_authorize("/login/oauth/authorize");
        fake.server.Post("/login/oauth/access_token",
                         [this](const httplib::Request& req, httplib::Response& res) {
                             fake.record(req);
                             token(req, res);
                         });
        fake.server.Get("/api/v3/user",
                        [this](const httplib::Request& req, httplib::Response& res) {
                            fake.record(req);
                            if (!api_request_ok(req, res)) {
                                return;
                            }
                            reply_json(res, 200, v["user"]["body"]);
                        });
        fake.server.Get("/api/v3/user/emails",
                        [this](const httplib::Request& req, httplib::Response& res) {
                            fake.record(req);
                            if (api_request_ok(req, res)) {
                                reply_json(res, 200, emails.get());
                            }
                        });
        fake.server.Delete(
            R"(/api/v3/applications/([^/]+)/token)",
            [this](const httplib::Request& req, httplib::Response& res) {
                fake.record(req);
                const std::string basic =
                    "Basic " + base64_encode(std::string{client_id} + ":" + client_secret);
                if (req.matches[1] != client_id || req.get_header_value("Authorization") != basic) {
                    return reply_json(res, 401, {{"message", "Requires authentication"}});
                }
                auto body = json::parse(req.body, nullptr, false);
                if (!body.is_object() ||
                    body.value("access_token", "") != v["token_response"]["body"]["access_token"]) {
                    return reply_json(res, 404, {{"message", "Not Found"}});
                }
                res.status = 204;
            });
        fake.server.Post("/login/device/code",
                         [this](const httplib::Request& req, httplib::Response& res) {
                             fake.record(req);
                             reply_json(res, 200, v["device_response"]["body"]);
                         });
        fake.start();
    }

    // GitHub answers form-encoded text unless asked for JSON, and reports errors with HTTP 200.
    void token(const httplib::Request& req, httplib::Response& res) {
        if (req.get_header_value("Accept") != "application/json") {
            res.status = 200;
            res.set_content(v["token_response_form"]["text"].get<std::string>(),
                            "application/x-www-form-urlencoded");
            return;
        }
        auto form = parse_query(req.body);
        const auto grant = form.get("grant_type").value_or("");
        if (grant == "urn:ietf:params:oauth:grant-type:device_code") {
            if (++device_polls == 1) {
                return reply_json(res, 200, {{"error", "authorization_pending"}});
            }
            return reply_json(res, 200, v["device_token_response"]["body"]);
        }
        if (form.get("client_id") != client_id || form.get("client_secret") != client_secret) {
            return reply_json(res, 200, v["error_incorrect_client_credentials"]["body"]);
        }
        if (grant == "refresh_token") {
            return reply_json(res, 200, v["token_response"]["body"]); // no refresh_token
        }
        auto pending =
            fake.redeem(form.get("code").value_or(""), form.get("code_verifier").value_or(""));
        if (!pending) {
            return reply_json(res, 200, v["error_bad_verification_code"]["body"]);
        }
        reply_json(res, 200, v["token_response"]["body"]);
    }

    bool api_request_ok(const httplib::Request& req, httplib::Response& res) {
        const std::string expected =
            "Bearer " + v["token_response"]["body"]["access_token"].get<std::string>();
        if (req.get_header_value("Authorization") != expected) {
            reply_json(res, 401, {{"message", "Bad credentials"}});
            return false;
        }
        // GitHub's API refuses requests without a User-Agent.
        if (req.get_header_value("User-Agent").empty() ||
            req.get_header_value("Accept") != "application/vnd.github+json") {
            reply_json(res, 403, {{"message", "Request forbidden by administrative rules"}});
            return false;
        }
        return true;
    }

    std::shared_ptr<GitHubProvider> provider(std::string secret = client_secret) {
        ProviderConfig c;
        c.client_id = client_id;
        c.client_secret = std::move(secret);
        // GitHub Enterprise Server layout: the API under /api/v3 of the same host.
        return std::make_shared<GitHubProvider>(c, fake.base);
    }
};

// Seed §13 item 19: the exchange dropped the PKCE verifier although the URL carried a challenge.
TEST_F(GitHub, CodeFlowSendsTheVerifierAndIdentifiesByNumericId) {
    auto github = provider();
    EXPECT_EQ(github->api_base(), fake.base + "/api/v3");
    auto request = github->begin_authorization(redirect_uri);
    EXPECT_TRUE(request.nonce.empty()); // plain OAuth 2.0: no ID token, no nonce
    auto params = parse_query(parse_url(request.url).query);
    EXPECT_FALSE(params.contains("nonce"));
    EXPECT_EQ(params.get("scope"), "read:user user:email");
    auto result = github->complete_login(request, authorize(request.url));
    EXPECT_EQ(result.tokens.access_token, "gho_16C7e42F292c6912E7710c838347Ae178B4a");
    EXPECT_EQ(result.tokens.token_type, "Bearer"); // "bearer" accepted
    EXPECT_EQ(result.tokens.scope, "repo,gist");
    EXPECT_EQ(result.identity.subject, "1");
    EXPECT_EQ(result.identity.name, "monalisa octocat");
    EXPECT_EQ(result.identity.email, "octocat@github.com");
    EXPECT_TRUE(result.identity.email_verified);
    EXPECT_EQ(result.identity.userinfo["login"], "octocat");
    auto sent = parse_query(fake.seen("/login/oauth/access_token").at(0).body);
    EXPECT_EQ(sent.get("code_verifier"), request.pkce->verifier());
    EXPECT_EQ(fake.seen("/api/v3/user").at(0).headers["X-GitHub-Api-Version"], "2022-11-28");
}

TEST_F(GitHub, OnlyAPrimaryVerifiedEmailCounts) {
    // Derived from the documented list: the primary address unverified, a verified one not
    // primary. Neither is the user's verified primary email.
    emails.set(json::array({{{"email", "octocat@github.com"},
                             {"verified", false},
                             {"primary", true},
                             {"visibility", "public"}},
                            {{"email", "old@example.com"},
                             {"verified", true},
                             {"primary", false},
                             {"visibility", nullptr}}}));
    auto github = provider();
    auto request = github->begin_authorization(redirect_uri);
    auto result = github->complete_login(request, authorize(request.url));
    EXPECT_EQ(result.identity.subject, "1");
    EXPECT_FALSE(result.identity.email); // not /user's public (unverified) email either
    EXPECT_FALSE(result.identity.email_verified);
}

TEST_F(GitHub, ErrorsWithHttp200AreTokenErrors) {
    auto github = provider();
    auto request = github->begin_authorization(redirect_uri);
    auto callback = authorize(request.url);
    // A wrong verifier: GitHub says bad_verification_code, with HTTP 200.
    try {
        github->exchange_code(callback.get("code").value(), redirect_uri,
                              PKCEChallenge::generate().verifier());
        FAIL();
    } catch (const TokenError& e) {
        EXPECT_EQ(e.code(), errc::provider_error);
        EXPECT_EQ(e.oauth_error(), "bad_verification_code");
        EXPECT_EQ(e.error_description(), "The code passed is incorrect or expired.");
        EXPECT_EQ(e.http_status(), 200);
    }
    auto wrong_secret = provider("not-the-secret");
    try {
        wrong_secret->exchange_code("code-x", redirect_uri, PKCEChallenge::generate().verifier());
        FAIL();
    } catch (const TokenError& e) {
        EXPECT_EQ(e.oauth_error(), "incorrect_client_credentials");
    }
}

// Seed §13 item 30: GitHub's refresh set the refresh token to null when the answer had none.
TEST_F(GitHub, RefreshKeepsTheRefreshToken) {
    auto github = provider();
    OAuthTokenSet current;
    current.access_token = "ghu_old";
    current.refresh_token = "ghr_1";
    auto refreshed = github->refresh_tokens(current);
    EXPECT_EQ(refreshed.access_token, "gho_16C7e42F292c6912E7710c838347Ae178B4a");
    EXPECT_EQ(refreshed.refresh_token, "ghr_1");
}

TEST_F(GitHub, RevocationDeletesWithBasicAuth) {
    auto github = provider();
    OAuthTokenSet tokens;
    tokens.access_token = v["token_response"]["body"]["access_token"];
    tokens.refresh_token = "ghr_1";
    auto result = github->revoke_tokens(tokens);
    EXPECT_TRUE(result.access_token_revoked);
    EXPECT_FALSE(result.refresh_token_revoked); // GitHub has no such call
    auto sent = fake.seen(std::string{"/api/v3/applications/"} + client_id + "/token");
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].method, "DELETE");
    EXPECT_EQ(json::parse(sent[0].body), json({{"access_token", tokens.access_token}}));
    EXPECT_FALSE(github->revoke_token("gho_unknown"));
    EXPECT_FALSE(provider("")->revoke_token(tokens.access_token)); // no secret: nothing sent
    EXPECT_EQ(fake.seen(std::string{"/api/v3/applications/"} + client_id + "/token").size(), 2u);
}

TEST_F(GitHub, DeviceFlowWithTheDocumentedAnswers) {
    auto clock = std::make_shared<ManualClock>(); // the polling waits run on it: no real sleeping
    ProviderConfig c;
    c.client_id = client_id;
    c.clock = clock;
    auto github = std::make_shared<GitHubProvider>(c, fake.base);
    auto authorization = github->start_device_authorization();
    EXPECT_EQ(authorization.user_code, "WDJB-MJHT");
    EXPECT_EQ(authorization.verification_uri, "https://github.com/login/device");
    EXPECT_EQ(authorization.interval, std::chrono::seconds{5});
    EXPECT_EQ(parse_query(fake.seen("/login/device/code").at(0).body).get("client_id"), client_id);
    auto result =
        std::async(std::launch::async, [&] { return github->poll_device_token(authorization); });
    ASSERT_TRUE(wait_waiters(clock, 1));
    clock->advance(std::chrono::seconds{5}); // first poll: authorization_pending (HTTP 200)
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
    while (device_polls.load() < 1 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
    }
    ASSERT_TRUE(wait_waiters(clock, 1));
    clock->advance(std::chrono::seconds{5});
    auto tokens = result.get();
    EXPECT_EQ(tokens.access_token, "gho_16C7e42F292c6912E7710c838347Ae178B4a");
    EXPECT_EQ(device_polls.load(), 2);
}

TEST_F(GitHub, TokenRequestsAskForJson) {
    // The documented default answer is form-encoded: read as JSON it is not a token response.
    // authflow always sends Accept: application/json, which the other tests prove works.
    auto sent_accept = [&] {
        auto github = provider();
        auto request = github->begin_authorization(redirect_uri);
        github->complete_login(request, authorize(request.url));
        return fake.seen("/login/oauth/access_token").back().headers["Accept"];
    };
    EXPECT_EQ(sent_accept(), "application/json");
}

// ============================== Microsoft ==============================

class Microsoft : public ::testing::Test {
protected:
    static constexpr const char* client_id = "00001111-aaaa-2222-bbbb-3333cccc4444";
    static constexpr const char* client_secret = "ms-secret";
    static constexpr const char* work_tenant = "aaaabbbb-0000-cccc-1111-dddd2222eeee";
    json v = vectors("microsoft.json");
    TestKey key = TestKey::rsa(2048);
    FakeProvider fake;
    Shared<std::string> token_tid{MicrosoftProvider::consumers_tenant_id}; // the user's tenant
    Shared<std::string> token_iss_tenant;                                  // empty: token_tid
    std::atomic<bool> documented_text{false}; // answer with the trailing-comma text
    std::atomic<bool> scope_error{false};

    void SetUp() override {
        for (const char* tenant : {"common", "organizations", "consumers", work_tenant}) {
            const std::string t = tenant;
            fake.serve_authorize("/" + t + "/oauth2/v2.0/authorize");
            fake.server.Post("/" + t + "/oauth2/v2.0/token",
                             [this](const httplib::Request& req, httplib::Response& res) {
                                 fake.record(req);
                                 token(req, res);
                             });
            fake.server.Get("/" + t + "/discovery/v2.0/keys", [this](const httplib::Request&,
                                                                     httplib::Response& res) {
                reply_json(res, 200, json{{"keys", json::array({key.public_jwk("m1", "RS256")})}});
            });
        }
        fake.server.Get("/oidc/userinfo",
                        [this](const httplib::Request& req, httplib::Response& res) {
                            fake.record(req);
                            reply_json(res, 200, v["userinfo"]["body"]);
                        });
        fake.start();
    }

    void token(const httplib::Request& req, httplib::Response& res) {
        if (documented_text) {
            res.status = 200;
            res.set_content(v["token_response"]["documented_text"].get<std::string>(),
                            "application/json");
            return;
        }
        if (scope_error) {
            return reply_json(res, 400, v["error_invalid_scope"]["body"]);
        }
        auto form = parse_query(req.body);
        if (form.get("client_secret") != client_secret) {
            return reply_json(res, 401, {{"error", "invalid_client"}});
        }
        std::string nonce;
        json body;
        if (form.get("grant_type") == "refresh_token") {
            body = v["refresh_response"]["body"];
        } else {
            auto pending =
                fake.redeem(form.get("code").value_or(""), form.get("code_verifier").value_or(""));
            if (!pending) {
                return reply_json(res, 400, {{"error", "invalid_grant"}});
            }
            nonce = pending->nonce;
            body = v["token_response"]["body"];
        }
        body["id_token"] = id_token(nonce);
        reply_json(res, 200, body);
    }

    std::string id_token(const std::string& nonce) {
        json claims = v["id_token_claims"]["body"];
        const std::string tid = token_tid.get();
        const std::string iss_tenant =
            token_iss_tenant.get().empty() ? tid : token_iss_tenant.get();
        claims["iss"] = fake.base + "/" + iss_tenant + "/v2.0";
        claims["tid"] = tid;
        claims["aud"] = client_id;
        claims["iat"] = unix_now();
        claims["nbf"] = unix_now();
        claims["exp"] = unix_now() + 3600;
        if (nonce.empty()) {
            claims.erase("nonce");
        } else {
            claims["nonce"] = nonce;
        }
        return test::make_jws(key, "RS256", json{{"kid", "m1"}}, claims);
    }

    std::shared_ptr<MicrosoftProvider> provider(const std::string& tenant = "common") {
        ProviderConfig c;
        c.client_id = client_id;
        c.client_secret = client_secret;
        return std::make_shared<MicrosoftProvider>(c, tenant, fake.base);
    }

    LoginResult login(MicrosoftProvider& microsoft) {
        auto request = microsoft.begin_authorization(redirect_uri);
        return microsoft.complete_login(request, authorize(request.url));
    }
};

// Seed §13 item 5: with tenant "common" (the default) every real login failed, because the ID
// token's iss carries the user's tenant, not "common".
TEST_F(Microsoft, CommonTenantAcceptsTheUsersTenantIssuer) {
    auto microsoft = provider();
    auto request = microsoft->begin_authorization(redirect_uri);
    auto params = parse_query(parse_url(request.url).query);
    EXPECT_TRUE(request.url.starts_with(fake.base + "/common/oauth2/v2.0/authorize?"));
    EXPECT_EQ(params.get("scope"), "openid email profile offline_access");
    auto result = microsoft->complete_login(request, authorize(request.url));
    EXPECT_EQ(result.identity.subject, "OLu859SGc2Sr9ZsqbkG-QbeLgJlb41KcdiPoLYNpSFA");
    EXPECT_EQ(result.identity.userinfo["given_name"], "Mikah");
    EXPECT_EQ(result.tokens.refresh_token, "AwABAAAAvPM1KaPlrEqdFSBzjqfTGAMxZGUTdM0t4B4...");
    token_tid.set(work_tenant);
    EXPECT_EQ(login(*microsoft).identity.subject, "OLu859SGc2Sr9ZsqbkG-QbeLgJlb41KcdiPoLYNpSFA");
}

TEST_F(Microsoft, IssuerMustBeTheTokensOwnTenant) {
    auto microsoft = provider();
    token_tid.set(work_tenant);
    token_iss_tenant.set("ffffffff-0000-1111-2222-333333333333"); // iss of another tenant
    EXPECT_EQ(code_of<TokenError>([&] { login(*microsoft); }), errc::bad_issuer);
}

TEST_F(Microsoft, TenantGuidNeedsTheExactIssuer) {
    auto microsoft = provider(work_tenant);
    token_tid.set(work_tenant);
    EXPECT_NO_THROW(login(*microsoft));
    token_tid.set(MicrosoftProvider::consumers_tenant_id);
    EXPECT_EQ(code_of<TokenError>([&] { login(*microsoft); }), errc::bad_issuer);
}

TEST_F(Microsoft, OrganizationsRefusesPersonalAccountsAndConsumersAcceptsOnlyThem) {
    auto organizations = provider("organizations");
    token_tid.set(work_tenant);
    EXPECT_NO_THROW(login(*organizations));
    token_tid.set(MicrosoftProvider::consumers_tenant_id);
    EXPECT_EQ(code_of<TokenError>([&] { login(*organizations); }), errc::bad_issuer);
    auto consumers = provider("consumers");
    EXPECT_NO_THROW(login(*consumers));
    token_tid.set(work_tenant);
    EXPECT_EQ(code_of<TokenError>([&] { login(*consumers); }), errc::bad_issuer);
}

TEST_F(Microsoft, DocumentedTextWithATrailingCommaIsNotJson) {
    auto microsoft = provider();
    auto request = microsoft->begin_authorization(redirect_uri);
    auto callback = authorize(request.url);
    documented_text = true;
    EXPECT_EQ(code_of<TokenError>([&] { microsoft->complete_login(request, callback); }),
              errc::invalid_response);
}

TEST_F(Microsoft, ErrorResponseCarriesTheErrorCode) {
    auto microsoft = provider();
    scope_error = true;
    try {
        microsoft->exchange_code("code-x", redirect_uri, PKCEChallenge::generate().verifier(),
                                 std::string{"n"});
        FAIL();
    } catch (const TokenError& e) {
        EXPECT_EQ(e.code(), errc::provider_error);
        EXPECT_EQ(e.oauth_error(), "invalid_scope");
        EXPECT_EQ(e.http_status(), 400);
        EXPECT_TRUE(e.error_description().starts_with("AADSTS70011"));
        EXPECT_EQ(e.error_description().find('\r'), std::string::npos); // made printable
    }
}

TEST_F(Microsoft, RefreshChecksTheSameSubjectAndNoRevocationExists) {
    auto microsoft = provider();
    auto result = login(*microsoft);
    auto refreshed = microsoft->refresh_tokens(result.tokens);
    EXPECT_EQ(refreshed.refresh_token, "AwABAAAAvPM1KaPlrEqdFSBzjqfTGAMxZGUTdM0t4B4...");
    const auto before = fake.count();
    EXPECT_FALSE(microsoft->revoke_token(result.tokens.access_token));
    EXPECT_EQ(fake.count(), before);
    EndSessionRequest end_session;
    end_session.id_token_hint = "x";
    auto logout = microsoft->end_session_url(end_session);
    ASSERT_TRUE(logout);
    EXPECT_TRUE(logout->starts_with(fake.base + "/common/oauth2/v2.0/logout?id_token_hint=x&"));
}

TEST_F(Microsoft, MalformedTenantIsAConfigError) {
    EXPECT_EQ(code_of<ConfigError>([&] { provider("common/../x"); }), errc::config_invalid);
    EXPECT_EQ(code_of<ConfigError>([&] { provider(""); }), errc::config_invalid);
}

} // namespace
} // namespace authflow

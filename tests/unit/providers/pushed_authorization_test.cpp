// Pushed authorization requests (RFC 9126): what is pushed, what the browser is sent, which
// answers of the PAR endpoint are refused, and when authflow pushes at all.
#include "provider_test_util.hpp"
#include "providers/pushed_authorization.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/pkce.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>
#include <authflow/providers/request_decorator.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace authflow {
namespace {

using test::FakeOp;
using test::json;
using test::thrown_code;

constexpr const char* par_url = "https://op.example/par";
constexpr const char* redirect_uri = "http://127.0.0.1:8765/callback";
constexpr const char* request_uri = "urn:ietf:params:oauth:request_uri:abc123";

class SeenEndpoints final : public RequestDecorator {
public:
    void add_headers(EndpointKind endpoint, HttpRequest& request) override {
        std::lock_guard lock(mutex_);
        seen_.push_back(endpoint);
        request.headers.emplace_back("X-Proof", "p");
    }
    std::vector<EndpointKind> seen() const {
        std::lock_guard lock(mutex_);
        return seen_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<EndpointKind> seen_;
};

class PushedAuthorization : public ::testing::Test {
protected:
    FakeOp op;

    PushedAuthorization() {
        op.discovery["pushed_authorization_request_endpoint"] = par_url;
        op.serve_discovery();
        answer(201, {{"request_uri", request_uri}, {"expires_in", 60}});
    }

    void answer(int status, const json& body) { op.http->on_json(par_url, status, body); }

    ProviderConfig config(ParMode par = ParMode::always) {
        ProviderConfig c;
        c.client_id = "client-1";
        c.client_secret = "secret-1";
        c.issuer_url = FakeOp::issuer;
        c.http = op.http;
        c.clock = op.clock;
        c.par = par;
        return c;
    }
    std::shared_ptr<GenericOIDCProvider> provider(ProviderConfig c) {
        return std::make_shared<GenericOIDCProvider>(std::move(c));
    }
    std::shared_ptr<GenericOIDCProvider> provider(ParMode par = ParMode::always) {
        return provider(config(par));
    }
    std::vector<HttpRequest> pushes() const { return op.http->requests_to(par_url); }
};

// ---- what is pushed ----

TEST_F(PushedAuthorization, PushesEveryAuthorizationParameterWithClientAuthentication) {
    auto p = provider();
    auto request =
        p->begin_authorization(redirect_uri, {{"login_hint", "a@b"}, {"prompt", "login"}});
    const std::vector<HttpRequest> all = pushes();
    ASSERT_EQ(all.size(), 1u);
    const HttpRequest& push = all.front();
    EXPECT_EQ(push.method, "POST");
    EXPECT_EQ(test::header_of(push, "Content-Type"), "application/x-www-form-urlencoded");
    const QueryParams form = test::form_of(push);
    // RFC 9126 §2.1: every parameter of the authorization request, as it would be in the URL.
    EXPECT_EQ(form.get("response_type"), "code");
    EXPECT_EQ(form.get_all("client_id"), std::vector<std::string>{"client-1"});
    EXPECT_EQ(form.get("redirect_uri"), redirect_uri);
    EXPECT_EQ(form.get("scope"), "openid email profile");
    EXPECT_EQ(form.get("state"), request.state);
    EXPECT_EQ(form.get("nonce"), request.nonce);
    ASSERT_TRUE(request.pkce);
    EXPECT_EQ(form.get("code_challenge"), request.pkce->challenge());
    EXPECT_EQ(form.get("code_challenge_method"), "S256");
    EXPECT_EQ(form.get("login_hint"), "a@b");
    EXPECT_EQ(form.get("prompt"), "login");
    EXPECT_FALSE(form.contains("client_secret"));
    EXPECT_FALSE(form.contains("code_verifier")); // the verifier stays with the client
    // ... and the client's authentication, as at the token endpoint (basic by discovery).
    EXPECT_EQ(test::header_of(push, "Authorization"), "Basic Y2xpZW50LTE6c2VjcmV0LTE=");
    EXPECT_EQ(form.size(), 10u);
}

TEST_F(PushedAuthorization, PushedFormIsTheUrlsParameters) {
    // The pushed form is a function of the authorization parameters: whatever a plain request
    // carries in its URL, a pushed one carries in its body.
    ProviderConfig plain = config(ParMode::never);
    plain.client_auth_method = ClientAuthMethod::client_secret_basic;
    auto unpushed = provider(plain)->begin_authorization(redirect_uri, {{"acr_values", "x"}});
    QueryParams url_params = parse_query(unpushed.url.substr(unpushed.url.find('?') + 1));
    auto pushed = provider()->begin_authorization(redirect_uri, {{"acr_values", "x"}});
    QueryParams form = test::form_of(pushes().front());
    ASSERT_EQ(form.size(), url_params.size());
    for (const auto& [name, value] : url_params) {
        EXPECT_TRUE(form.contains(name)) << name;
    }
    EXPECT_EQ(form.get("state"), pushed.state);
}

TEST_F(PushedAuthorization, ClientSecretPostSendsClientIdOnce) {
    ProviderConfig c = config();
    c.client_auth_method = ClientAuthMethod::client_secret_post;
    provider(c)->begin_authorization(redirect_uri);
    const QueryParams form = test::form_of(pushes().front());
    EXPECT_EQ(form.get_all("client_id"), std::vector<std::string>{"client-1"});
    EXPECT_EQ(form.get("client_secret"), "secret-1");
    EXPECT_EQ(test::header_of(pushes().front(), "Authorization"), "");
}

TEST_F(PushedAuthorization, PublicClientPushesWithItsIdInTheForm) {
    ProviderConfig c = config();
    c.client_secret.clear(); // auth method none
    provider(c)->begin_authorization(redirect_uri);
    ASSERT_EQ(pushes().size(), 1u);
    const QueryParams form = test::form_of(pushes().front());
    EXPECT_EQ(form.get_all("client_id"), std::vector<std::string>{"client-1"});
    EXPECT_FALSE(form.contains("client_secret"));
    EXPECT_EQ(test::header_of(pushes().front(), "Authorization"), "");
}

TEST_F(PushedAuthorization, TheRequestDecoratorSeesThePush) {
    auto decorator = std::make_shared<SeenEndpoints>();
    ProviderConfig c = config();
    c.request_decorator = decorator;
    provider(c)->begin_authorization(redirect_uri);
    EXPECT_EQ(decorator->seen(),
              std::vector<EndpointKind>{EndpointKind::pushed_authorization_request});
    EXPECT_EQ(test::header_of(pushes().front(), "X-Proof"), "p");
    EXPECT_EQ(to_string(EndpointKind::pushed_authorization_request),
              "pushed_authorization_request");
}

TEST_F(PushedAuthorization, ARequestUriIsNeverPushed) {
    // RFC 9126 §2.1: request_uri MUST NOT be provided in a pushed request.
    EXPECT_EQ(thrown_code<ConfigError>([&] {
                  provider()->begin_authorization(redirect_uri, {{"request_uri", "urn:x"}});
              }),
              errc::invalid_argument);
    EXPECT_TRUE(pushes().empty());
}

// ---- what the browser gets ----

TEST_F(PushedAuthorization, BrowserUrlCarriesOnlyClientIdAndRequestUri) {
    const auto before = op.clock->steady_now();
    auto request = provider()->begin_authorization(redirect_uri);
    // RFC 9126 §4.
    EXPECT_EQ(request.url, std::string{FakeOp::authorize_url} +
                               "?client_id=client-1&request_uri=urn%3Aietf%3Aparams%3Aoauth%"
                               "3Arequest_uri%3Aabc123");
    ASSERT_TRUE(request.expires_at);
    EXPECT_TRUE(request.is_pushed());
    EXPECT_EQ(*request.expires_at, before + std::chrono::seconds{60});
    EXPECT_EQ(request.redirect_uri, redirect_uri);
    EXPECT_FALSE(request.state.empty());
}

TEST_F(PushedAuthorization, AnUnpushedRequestHasNoExpiry) {
    auto request = provider(ParMode::never)->begin_authorization(redirect_uri);
    EXPECT_FALSE(request.expires_at);
    EXPECT_TRUE(pushes().empty());
    EXPECT_NE(request.url.find("code_challenge="), std::string::npos);
}

TEST_F(PushedAuthorization, CallersStateIsUsed) {
    auto request = provider()->begin_authorization(redirect_uri, {}, "st-given");
    EXPECT_EQ(request.state, "st-given");
    EXPECT_EQ(test::form_of(pushes().front()).get("state"), "st-given");
    EXPECT_EQ(
        thrown_code<ConfigError>([&] { provider()->begin_authorization(redirect_uri, {}, ""); }),
        errc::invalid_argument);
}

// ---- the PAR endpoint's answer ----

TEST_F(PushedAuthorization, BadAnswersAreRefused) {
    const std::vector<json> bad = {
        json{{"expires_in", 60}},                                 // no request_uri
        json{{"request_uri", ""}, {"expires_in", 60}},            // empty
        json{{"request_uri", 5}, {"expires_in", 60}},             // not a string
        json{{"request_uri", request_uri}},                       // no expires_in
        json{{"request_uri", request_uri}, {"expires_in", 0}},    // zero
        json{{"request_uri", request_uri}, {"expires_in", -5}},   // negative
        json{{"request_uri", request_uri}, {"expires_in", "60"}}, // a string
        json{{"request_uri", request_uri}, {"expires_in", 6.5}},  // not an integer
        json{{"request_uri", request_uri}, {"expires_in", nullptr}},
        json{{"request_uri", std::string(5000, 'u')}, {"expires_in", 60}},
        json::array({request_uri, 60}),
    };
    for (const auto& body : bad) {
        answer(201, body);
        EXPECT_EQ(thrown_code<AuthenticationError>(
                      [&] { provider()->begin_authorization(redirect_uri); }),
                  errc::invalid_response)
            << body.dump().substr(0, 100);
    }
}

TEST_F(PushedAuthorization, NonJsonOversizedAndWrongStatusAreRefused) {
    op.http->on(par_url, [](const HttpRequest&) { return test::text_response(201, "<html>"); });
    EXPECT_EQ(
        thrown_code<AuthenticationError>([&] { provider()->begin_authorization(redirect_uri); }),
        errc::invalid_response);
    op.http->on(par_url, [](const HttpRequest&) {
        return test::json_response(201, json{{"request_uri", request_uri},
                                             {"expires_in", 60},
                                             {"pad", std::string(20000, 'x')}});
    });
    EXPECT_EQ(
        thrown_code<AuthenticationError>([&] { provider()->begin_authorization(redirect_uri); }),
        errc::invalid_response);
    answer(500, {{"request_uri", request_uri}, {"expires_in", 60}});
    EXPECT_EQ(
        thrown_code<AuthenticationError>([&] { provider()->begin_authorization(redirect_uri); }),
        errc::invalid_response);
    // 200 with the answer is taken (some providers do not send 201).
    answer(200, {{"request_uri", request_uri}, {"expires_in", 60}});
    EXPECT_TRUE(provider()->begin_authorization(redirect_uri).is_pushed());
}

TEST_F(PushedAuthorization, ErrorAnswerCarriesTheProvidersCodeAndASafeDescription) {
    // RFC 9126 §2.3.
    for (const auto& [status, error] :
         {std::pair{400, "invalid_request"}, std::pair{401, "invalid_client"}}) {
        answer(status, {{"error", error}, {"error_description", "bad\x1b[31m thing"}});
        try {
            provider()->begin_authorization(redirect_uri);
            ADD_FAILURE() << "no exception";
        } catch (const AuthenticationError& e) {
            EXPECT_EQ(e.code(), errc::provider_error);
            EXPECT_EQ(e.oauth_error(), error);
            EXPECT_EQ(e.http_status(), status);
            EXPECT_EQ(e.error_description().find('\x1b'), std::string::npos);
            EXPECT_NE(std::string{e.what()}.find(error), std::string::npos);
            EXPECT_EQ(std::string{e.what()}.find('\x1b'), std::string::npos);
        }
    }
}

TEST_F(PushedAuthorization, ExpiresInIsCappedAtADay) {
    answer(201, {{"request_uri", request_uri}, {"expires_in", 10'000'000'000LL}});
    const auto before = op.clock->steady_now();
    auto request = provider()->begin_authorization(redirect_uri);
    EXPECT_EQ(*request.expires_at, before + std::chrono::seconds{86400});
}

// ---- when to push ----

TEST_F(PushedAuthorization, AutoPushesOnlyWhenTheProviderRequiresIt) {
    provider(ParMode::automatic)->begin_authorization(redirect_uri);
    EXPECT_TRUE(pushes().empty());
    op.discovery["require_pushed_authorization_requests"] = true;
    op.serve_discovery();
    auto request = provider(ParMode::automatic)->begin_authorization(redirect_uri);
    EXPECT_EQ(pushes().size(), 1u);
    EXPECT_TRUE(request.is_pushed());
    // never: not even a provider that requires it (it then refuses the sign-in itself).
    auto unpushed = provider(ParMode::never)->begin_authorization(redirect_uri);
    EXPECT_EQ(pushes().size(), 1u);
    EXPECT_FALSE(unpushed.is_pushed());
}

TEST_F(PushedAuthorization, AlwaysWithoutAnEndpointNamesTheSetting) {
    op.discovery.erase("pushed_authorization_request_endpoint");
    op.serve_discovery();
    try {
        provider(ParMode::always)->begin_authorization(redirect_uri);
        ADD_FAILURE() << "no exception";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.code(), errc::config_missing);
        EXPECT_NE(std::string{e.what()}.find("par"), std::string::npos);
    }
    EXPECT_TRUE(pushes().empty());
}

TEST_F(PushedAuthorization, ExplicitParUrlServesProvidersWithoutDiscovery) {
    ProviderConfig c = config();
    c.issuer_url.clear();
    c.scopes = {"api:read"};
    c.authorize_url = FakeOp::authorize_url;
    c.token_url = FakeOp::token_url;
    c.par_url = par_url;
    auto p =
        std::make_shared<GenericOIDCProvider>(std::move(c), GenericOIDCProvider::Discovery::off);
    EXPECT_TRUE(p->begin_authorization(redirect_uri).is_pushed());
    EXPECT_EQ(p->endpoints().pushed_authorization_request_endpoint, par_url);
    ProviderConfig insecure = config();
    insecure.par_url = "http://op.example/par";
    EXPECT_EQ(thrown_code<ConfigError>([&] { provider(insecure); }), errc::insecure_url);
}

TEST(PushDecision, FollowsTheModeAndTheProvider) {
    using detail::should_push_authorization;
    ProviderEndpoints none;
    ProviderEndpoints offered;
    offered.pushed_authorization_request_endpoint = par_url;
    ProviderEndpoints required = offered;
    required.require_pushed_authorization_requests = true;
    ProviderEndpoints required_without_endpoint;
    required_without_endpoint.require_pushed_authorization_requests = true;

    EXPECT_FALSE(should_push_authorization(ParMode::automatic, none));
    EXPECT_FALSE(should_push_authorization(ParMode::automatic, offered));
    EXPECT_TRUE(should_push_authorization(ParMode::automatic, required));
    EXPECT_EQ(thrown_code<ConfigError>([&] {
                  should_push_authorization(ParMode::automatic, required_without_endpoint);
              }),
              errc::config_invalid);
    EXPECT_TRUE(should_push_authorization(ParMode::always, offered));
    EXPECT_TRUE(should_push_authorization(ParMode::always, required));
    EXPECT_EQ(thrown_code<ConfigError>([&] { should_push_authorization(ParMode::always, none); }),
              errc::config_missing);
    EXPECT_FALSE(should_push_authorization(ParMode::never, none));
    EXPECT_FALSE(should_push_authorization(ParMode::never, offered));
    EXPECT_FALSE(should_push_authorization(ParMode::never, required));
}

TEST(PushedAuthorizationUrl, JoinsAnEndpointWithAQuery) {
    EXPECT_EQ(detail::pushed_authorization_url("https://op.example/auth?tenant=a", "c 1", "urn:x"),
              "https://op.example/auth?tenant=a&client_id=c%201&request_uri=urn%3Ax");
}

} // namespace
} // namespace authflow

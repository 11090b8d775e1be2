// OAuthProvider and GenericOIDCProvider against a recording fake transport: authorization URLs,
// callback checks, the exact bytes of token requests, every error path of the token endpoint,
// refresh, userinfo, revocation, introspection, client credentials, logout URLs.
#include "provider_test_util.hpp"

#include <authflow/core/encoding.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/oidc/id_token.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace authflow {
namespace {

using test::FakeOp;
using test::json;

// RFC 7636 Appendix B.
constexpr const char* rfc7636_verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr const char* rfc7636_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
constexpr const char* redirect_uri = "http://127.0.0.1:8765/callback";

template <typename E, typename F> errc code_of(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e.code();
    }
    ADD_FAILURE() << "no exception of the expected type";
    return errc::internal;
}

class Provider : public ::testing::Test {
protected:
    FakeOp op;

    ProviderConfig config(std::string client_id = "client-1", std::string secret = "secret-1") {
        ProviderConfig c;
        c.client_id = std::move(client_id);
        c.client_secret = std::move(secret);
        c.issuer_url = FakeOp::issuer;
        c.http = op.http;
        c.clock = op.clock;
        return c;
    }
    std::shared_ptr<GenericOIDCProvider> oidc(ProviderConfig c) {
        return std::make_shared<GenericOIDCProvider>(std::move(c));
    }
    std::shared_ptr<GenericOIDCProvider> oidc() { return oidc(config()); }

    // A plain OAuth 2.0 client (no openid scope) with explicit endpoints.
    std::shared_ptr<GenericOIDCProvider> plain(ProviderConfig c) {
        c.issuer_url.clear();
        c.scopes = {"api:read"};
        c.authorize_url = FakeOp::authorize_url;
        c.token_url = FakeOp::token_url;
        return std::make_shared<GenericOIDCProvider>(std::move(c),
                                                     GenericOIDCProvider::Discovery::off);
    }

    json good_tokens(const std::string& nonce = "n-1", const std::string& client = "client-1") {
        return {{"access_token", "AT-1"},
                {"token_type", "Bearer"},
                {"expires_in", 600},
                {"refresh_token", "RT-1"},
                {"scope", "openid email profile"},
                {"id_token", op.id_token(op.claims(client, "alice", {{"nonce", nonce}}))}};
    }
};

// ---- authorization URL ----

// Seed §13 item 4: an `oidc` provider with only issuer_url could not start a login because
// build_authorize_url never ran discovery ("?response_type=..." with no endpoint).
TEST_F(Provider, AuthorizeUrlRunsDiscoveryFirst) {
    auto provider = oidc();
    auto request = provider->begin_authorization(redirect_uri);
    EXPECT_TRUE(request.url.starts_with(std::string{FakeOp::authorize_url} + "?response_type=code"))
        << request.url;
    EXPECT_EQ(op.http->count(std::string{FakeOp::issuer} + "/.well-known/openid-configuration"),
              1u);
}

TEST_F(Provider, AuthorizeUrlHasTheSeedOrderAndEncoding) {
    auto provider = oidc();
    auto url = provider->build_authorize_url(redirect_uri, "st-1",
                                             PKCEChallenge::from_verifier(rfc7636_verifier),
                                             QueryParams{{"nonce", "n 1"}, {"login_hint", "a@b"}});
    EXPECT_EQ(url,
              std::string{FakeOp::authorize_url} +
                  "?response_type=code&client_id=client-1&redirect_uri=http%3A%2F%2F127.0.0.1%"
                  "3A8765%2Fcallback&state=st-1&scope=openid%20email%20profile&code_challenge=" +
                  rfc7636_challenge + "&code_challenge_method=S256&nonce=n%201&login_hint=a%40b");
}

// Seed §13 item 32: extra parameters could override the core ones (a dict update).
TEST_F(Provider, ExtraParametersCannotOverrideCoreParameters) {
    auto provider = oidc();
    auto pkce = PKCEChallenge::generate();
    for (const char* name : {"response_type", "client_id", "redirect_uri", "state", "scope",
                             "code_challenge", "code_challenge_method"}) {
        EXPECT_EQ(code_of<ConfigError>([&] {
                      provider->build_authorize_url(redirect_uri, "s", pkce,
                                                    QueryParams{{"nonce", "n"}, {name, "x"}});
                  }),
                  errc::invalid_argument)
            << name;
    }
    EXPECT_EQ(code_of<ConfigError>([&] {
                  provider->begin_authorization(redirect_uri, QueryParams{{"state", "mine"}});
              }),
              errc::invalid_argument);
}

TEST_F(Provider, RepeatedOrNamelessExtraParametersAreRejected) {
    auto provider = oidc();
    auto pkce = PKCEChallenge::generate();
    EXPECT_EQ(code_of<ConfigError>([&] {
                  provider->build_authorize_url(
                      redirect_uri, "s", pkce,
                      QueryParams{{"nonce", "n"}, {"prompt", "a"}, {"prompt", "b"}});
              }),
              errc::invalid_argument);
    EXPECT_EQ(code_of<ConfigError>([&] {
                  provider->build_authorize_url(redirect_uri, "s", pkce,
                                                QueryParams{{"nonce", "n"}, {"", "x"}});
              }),
              errc::invalid_argument);
}

// Seed §13 item 32: an authorize URL with a query got a second '?'.
TEST_F(Provider, AuthorizeUrlWithAQueryIsJoinedWithAmpersand) {
    auto c = config();
    c.authorize_url = "https://op.example/authorize?tenant=t1";
    auto provider = oidc(c);
    auto request = provider->begin_authorization(redirect_uri);
    EXPECT_TRUE(
        request.url.starts_with("https://op.example/authorize?tenant=t1&response_type=code&"))
        << request.url;
    EXPECT_EQ(std::count(request.url.begin(), request.url.end(), '?'), 1);
}

TEST_F(Provider, OpenIdConnectAuthorizationNeedsANonce) {
    auto provider = oidc();
    EXPECT_EQ(code_of<ConfigError>([&] {
                  provider->build_authorize_url(redirect_uri, "s", PKCEChallenge::generate());
              }),
              errc::invalid_argument);
}

TEST_F(Provider, AuthorizationNeedsPkceWhileItIsOn) {
    auto provider = oidc();
    EXPECT_EQ(code_of<ConfigError>([&] {
                  provider->build_authorize_url(redirect_uri, "s", std::nullopt,
                                                QueryParams{{"nonce", "n"}});
              }),
              errc::invalid_argument);
}

TEST_F(Provider, BeginAuthorizationMakesFreshStateNonceAndPkce) {
    auto provider = oidc();
    auto a = provider->begin_authorization(redirect_uri);
    auto b = provider->begin_authorization(redirect_uri);
    ASSERT_TRUE(a.pkce && b.pkce);
    EXPECT_EQ(a.state.size(), 43u);
    EXPECT_EQ(a.nonce.size(), 43u);
    EXPECT_NE(a.state, b.state);
    EXPECT_NE(a.nonce, b.nonce);
    EXPECT_NE(a.pkce->verifier(), b.pkce->verifier());
    EXPECT_EQ(a.redirect_uri, redirect_uri);
    auto query = parse_url(a.url).query;
    auto params = parse_query(query);
    EXPECT_EQ(params.get("state"), a.state);
    EXPECT_EQ(params.get("nonce"), a.nonce);
    EXPECT_EQ(params.get("code_challenge"), a.pkce->challenge());
    EXPECT_EQ(params.get("code_challenge_method"), "S256");
    EXPECT_EQ(query.find(a.pkce->verifier()), std::string::npos);
}

TEST_F(Provider, BeginAuthorizationKeepsTheCallersNonce) {
    auto provider = oidc();
    auto a = provider->begin_authorization(redirect_uri, QueryParams{{"nonce", "mine"}});
    EXPECT_EQ(a.nonce, "mine");
    EXPECT_EQ(parse_query(parse_url(a.url).query).get_all("nonce").size(), 1u);
}

TEST_F(Provider, PlainOAuthAuthorizationHasNoNonce) {
    auto provider = plain(config());
    auto a = provider->begin_authorization(redirect_uri);
    EXPECT_TRUE(a.nonce.empty());
    EXPECT_FALSE(parse_query(parse_url(a.url).query).contains("nonce"));
}

TEST_F(Provider, NoAuthorizationEndpointIsAConfigError) {
    auto c = config();
    c.issuer_url.clear();
    c.token_url = FakeOp::token_url;
    c.scopes = {"api"};
    GenericOIDCProvider provider(c, GenericOIDCProvider::Discovery::off);
    EXPECT_EQ(code_of<ConfigError>([&] { provider.begin_authorization(redirect_uri); }),
              errc::config_missing);
}

// ---- callback ----

TEST_F(Provider, CallbackReturnsTheCode) {
    auto provider = oidc();
    EXPECT_EQ(provider->check_callback(QueryParams{{"code", "c-1"}, {"state", "s-1"}}, "s-1"),
              "c-1");
}

TEST_F(Provider, CallbackStateMustBeThereOnceAndEqual) {
    auto provider = oidc();
    EXPECT_EQ(code_of<AuthenticationError>([&] {
                  provider->check_callback(QueryParams{{"code", "c"}}, "s-1");
              }),
              errc::invalid_state);
    EXPECT_EQ(code_of<AuthenticationError>([&] {
                  provider->check_callback(QueryParams{{"code", "c"}, {"state", "s-2"}}, "s-1");
              }),
              errc::invalid_state);
    EXPECT_EQ(code_of<AuthenticationError>([&] {
                  provider->check_callback(
                      QueryParams{{"code", "c"}, {"state", "s-1"}, {"state", "s-1"}}, "s-1");
              }),
              errc::invalid_state);
    EXPECT_EQ(code_of<ConfigError>([&] {
                  provider->check_callback(QueryParams{{"code", "c"}, {"state", ""}}, "");
              }),
              errc::invalid_argument);
}

TEST_F(Provider, CallbackStateIsCheckedBeforeAnyNetworkCall) {
    op.http->on_json(std::string{FakeOp::issuer} + "/.well-known/openid-configuration", 500,
                     json::object());
    auto provider = oidc();
    EXPECT_EQ(code_of<AuthenticationError>([&] {
                  provider->check_callback(QueryParams{{"code", "c"}, {"state", "bad"}}, "s-1");
              }),
              errc::invalid_state);
    EXPECT_TRUE(op.http->requests().empty());
}

TEST_F(Provider, CallbackErrorCarriesTheProvidersAnswer) {
    auto provider = oidc();
    try {
        provider->check_callback(QueryParams{{"error", "access_denied"},
                                             {"error_description", "The user said no"},
                                             {"state", "s-1"}},
                                 "s-1");
        FAIL();
    } catch (const AuthenticationError& e) {
        EXPECT_EQ(e.code(), errc::provider_error);
        EXPECT_EQ(e.oauth_error(), "access_denied");
        EXPECT_EQ(e.error_description(), "The user said no");
        EXPECT_EQ(e.display_code(), "access_denied");
    }
}

TEST_F(Provider, CallbackWithoutCodeIsMissingCode) {
    auto provider = oidc();
    EXPECT_EQ(code_of<AuthenticationError>([&] {
                  provider->check_callback(QueryParams{{"state", "s-1"}}, "s-1");
              }),
              errc::missing_code);
    EXPECT_EQ(code_of<AuthenticationError>([&] {
                  provider->check_callback(QueryParams{{"state", "s-1"}, {"code", ""}}, "s-1");
              }),
              errc::missing_code);
    EXPECT_EQ(code_of<AuthenticationError>([&] {
                  provider->check_callback(
                      QueryParams{{"state", "s-1"}, {"code", "a"}, {"code", "b"}}, "s-1");
              }),
              errc::invalid_response);
}

TEST_F(Provider, CallbackIssMustBeTheIssuer) {
    auto provider = oidc();
    EXPECT_EQ(provider->check_callback(
                  QueryParams{{"code", "c"}, {"state", "s"}, {"iss", FakeOp::issuer}}, "s"),
              "c");
    EXPECT_EQ(code_of<AuthenticationError>([&] {
                  provider->check_callback(
                      QueryParams{{"code", "c"}, {"state", "s"}, {"iss", "https://evil.example"}},
                      "s");
              }),
              errc::bad_iss_param);
    // A trailing slash is another issuer (RFC 9207 §2.4: simple string comparison).
    EXPECT_EQ(code_of<AuthenticationError>([&] {
                  provider->check_callback(QueryParams{{"code", "c"},
                                                       {"state", "s"},
                                                       {"iss", std::string{FakeOp::issuer} + "/"}},
                                           "s");
              }),
              errc::bad_iss_param);
}

TEST_F(Provider, CallbackIssIsRequiredWhenAdvertised) {
    op.discovery["authorization_response_iss_parameter_supported"] = true;
    op.serve_discovery();
    auto provider = oidc();
    EXPECT_EQ(code_of<AuthenticationError>([&] {
                  provider->check_callback(QueryParams{{"code", "c"}, {"state", "s"}}, "s");
              }),
              errc::bad_iss_param);
    // Checked before the error: a mixed-up error response is not reported as the provider's.
    EXPECT_EQ(
        code_of<AuthenticationError>([&] {
            provider->check_callback(QueryParams{{"error", "access_denied"}, {"state", "s"}}, "s");
        }),
        errc::bad_iss_param);
    EXPECT_EQ(provider->check_callback(
                  QueryParams{{"code", "c"}, {"state", "s"}, {"iss", FakeOp::issuer}}, "s"),
              "c");
}

// ---- token request bytes ----

class TokenRequest : public Provider {
protected:
    HttpRequest exchange_with(ClientAuthMethod method, std::string client, std::string secret) {
        auto c = config(std::move(client), std::move(secret));
        c.client_auth_method = method;
        auto provider = plain(c);
        op.token_answer(200, {{"access_token", "AT"}, {"token_type", "Bearer"}});
        provider->exchange_code("abc/def", redirect_uri, std::string{rfc7636_verifier});
        auto sent = op.http->requests_to(FakeOp::token_url);
        EXPECT_EQ(sent.size(), 1u);
        return sent.at(0);
    }
};

constexpr const char* exchange_body =
    "grant_type=authorization_code&code=abc%2Fdef&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%"
    "2Fcallback&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

TEST_F(TokenRequest, ClientSecretBasicFormEncodesIdAndSecret) {
    // RFC 6749 §2.3.1: form-urlencode both, then base64 "id:secret".
    auto sent = exchange_with(ClientAuthMethod::client_secret_basic, "my:client", "s3 cr%t&+");
    EXPECT_EQ(sent.method, "POST");
    EXPECT_EQ(sent.url, FakeOp::token_url);
    EXPECT_EQ(sent.body, exchange_body);
    EXPECT_EQ(test::header_of(sent, "Authorization"),
              "Basic " + base64_encode("my%3Aclient:s3+cr%25t%26%2B"));
    EXPECT_EQ(test::header_of(sent, "Content-Type"), "application/x-www-form-urlencoded");
    EXPECT_EQ(test::header_of(sent, "Accept"), "application/json");
}

TEST_F(TokenRequest, ClientSecretPostPutsCredentialsInTheBody) {
    auto sent = exchange_with(ClientAuthMethod::client_secret_post, "my client", "s3 cr%t&+");
    EXPECT_EQ(sent.body, std::string{exchange_body} +
                             "&client_id=my%20client&client_secret=s3%20cr%25t%26%2B");
    EXPECT_EQ(test::header_of(sent, "Authorization"), "");
}

TEST_F(TokenRequest, PublicClientSendsOnlyItsId) {
    auto sent = exchange_with(ClientAuthMethod::automatic, "public-1", "");
    EXPECT_EQ(sent.body, std::string{exchange_body} + "&client_id=public-1");
    EXPECT_EQ(test::header_of(sent, "Authorization"), "");
}

TEST_F(TokenRequest, AutomaticAuthFollowsDiscovery) {
    op.discovery["token_endpoint_auth_methods_supported"] = json::array({"client_secret_post"});
    op.serve_discovery();
    auto provider = oidc();
    EXPECT_EQ(provider->endpoints().client_auth_method, ClientAuthMethod::client_secret_post);

    FakeOp other;
    other.discovery["token_endpoint_auth_methods_supported"] =
        json::array({"private_key_jwt", "client_secret_basic", "client_secret_post"});
    other.serve_discovery();
    auto c = config();
    c.http = other.http;
    c.clock = other.clock;
    EXPECT_EQ(oidc(c)->endpoints().client_auth_method, ClientAuthMethod::client_secret_basic);

    FakeOp jwt_only;
    jwt_only.discovery["token_endpoint_auth_methods_supported"] = json::array({"private_key_jwt"});
    jwt_only.serve_discovery();
    c.http = jwt_only.http;
    c.clock = jwt_only.clock;
    EXPECT_EQ(code_of<ConfigError>([&] { oidc(c)->endpoints(); }), errc::config_invalid);
}

TEST_F(TokenRequest, BasicOrPostWithoutASecretIsAConfigError) {
    auto c = config("c", "");
    c.client_auth_method = ClientAuthMethod::client_secret_basic;
    EXPECT_EQ(code_of<ConfigError>([&] { plain(c); }), errc::config_missing);
}

// ---- token endpoint answers ----

class TokenAnswer : public Provider {
protected:
    std::shared_ptr<GenericOIDCProvider> provider = plain(config());
    void exchange() {
        provider->exchange_code("code-1", redirect_uri, std::string{rfc7636_verifier});
    }
};

TEST_F(TokenAnswer, Rfc6749ErrorBecomesTokenErrorWithTheAnswer) {
    op.token_answer(400, {{"error", "invalid_grant"}, {"error_description", "code used"}});
    try {
        exchange();
        FAIL();
    } catch (const TokenError& e) {
        EXPECT_EQ(e.code(), errc::provider_error);
        EXPECT_EQ(e.oauth_error(), "invalid_grant");
        EXPECT_EQ(e.error_description(), "code used");
        EXPECT_EQ(e.http_status(), 400);
        const std::string text = e.what();
        EXPECT_EQ(text.find("code-1"), std::string::npos);
        EXPECT_EQ(text.find(rfc7636_verifier), std::string::npos);
        EXPECT_EQ(text.find("secret-1"), std::string::npos);
    }
}

TEST_F(TokenAnswer, ErrorWithHttp200IsStillAnError) {
    op.token_answer(200, {{"error", "bad_verification_code"}});
    try {
        exchange();
        FAIL();
    } catch (const TokenError& e) {
        EXPECT_EQ(e.code(), errc::provider_error);
        EXPECT_EQ(e.oauth_error(), "bad_verification_code");
        EXPECT_EQ(e.http_status(), 200);
    }
}

// Seed §13 item 31: a non-JSON answer or a missing access_token escaped as raw exceptions.
TEST_F(TokenAnswer, MalformedAnswersAreInvalidResponse) {
    const std::vector<std::pair<int, std::string>> answers = {
        {200, "<html>oops</html>"},
        {200, "[1,2]"},
        {200, "{\"token_type\":\"Bearer\"}"},
        {200, "{\"access_token\":\"\",\"token_type\":\"Bearer\"}"},
        {200, "{\"access_token\":42,\"token_type\":\"Bearer\"}"},
        {200, "{\"access_token\":\"a\",\"token_type\":\"DPoP\"}"},
        {200, "{\"access_token\":\"a\",\"token_type\":\"mac\"}"},
        {200, "{\"access_token\":\"a\",\"token_type\":7}"},
        {200, "{\"access_token\":\"a\",\"expires_in\":-5}"},
        {200, "{\"access_token\":\"a\",\"expires_in\":\"soon\"}"},
        {200, "{\"access_token\":\"a\",\"refresh_token\":5}"},
        {200, ""},
        {500, "Internal Server Error"},
        {302, ""},
    };
    for (const auto& [status, body] : answers) {
        op.http->on(FakeOp::token_url, [status, body](const HttpRequest&) {
            return test::text_response(status, body);
        });
        EXPECT_EQ(code_of<TokenError>([&] { exchange(); }), errc::invalid_response) << body;
    }
}

TEST_F(TokenAnswer, BearerInAnyCaseIsAccepted) {
    op.token_answer(200, {{"access_token", "a"}, {"token_type", "bearer"}, {"expires_in", "3600"}});
    auto tokens = provider->exchange_code("c", redirect_uri, std::string{rfc7636_verifier});
    EXPECT_EQ(tokens.token_type, "Bearer");
    EXPECT_EQ(tokens.expires_in, 3600);
    EXPECT_DOUBLE_EQ(tokens.issued_at, op.clock->unix_seconds());
    op.token_answer(200, {{"access_token", "a"}});
    EXPECT_EQ(provider->exchange_code("c", redirect_uri, std::string{rfc7636_verifier}).token_type,
              "Bearer");
}

TEST_F(TokenAnswer, TransportFailurePropagatesAsTransportError) {
    op.http->on(FakeOp::token_url, [](const HttpRequest&) -> HttpResponse {
        throw TransportError(errc::connect, "refused");
    });
    EXPECT_EQ(code_of<TransportError>([&] { exchange(); }), errc::connect);
}

TEST_F(TokenAnswer, ExchangeNeedsTheVerifierWhilePkceIsOn) {
    EXPECT_EQ(code_of<ConfigError>([&] { provider->exchange_code("c", redirect_uri); }),
              errc::invalid_argument);
    EXPECT_TRUE(op.http->requests().empty());
}

// ---- ID tokens in the exchange ----

TEST_F(Provider, ExchangeValidatesTheIdTokenWithTheNonce) {
    auto provider = oidc();
    op.token_answer(200, good_tokens("n-1"));
    auto tokens = provider->exchange_code("c", redirect_uri, std::string{rfc7636_verifier},
                                          std::string{"n-1"});
    EXPECT_EQ(tokens.access_token, "AT-1");
    ASSERT_TRUE(tokens.id_token);

    EXPECT_EQ(code_of<TokenError>([&] {
                  provider->exchange_code("c", redirect_uri, std::string{rfc7636_verifier},
                                          std::string{"other"});
              }),
              errc::bad_nonce);
    json no_nonce = good_tokens();
    no_nonce["id_token"] = op.id_token(op.claims("client-1"));
    op.token_answer(200, no_nonce);
    EXPECT_EQ(code_of<TokenError>([&] {
                  provider->exchange_code("c", redirect_uri, std::string{rfc7636_verifier},
                                          std::string{"n-1"});
              }),
              errc::missing_claim);
}

// Seed §13 item 18: the native flow sent no nonce; here an OIDC exchange without one is refused
// before the code is spent.
TEST_F(Provider, OpenIdConnectExchangeWithoutNonceIsRefusedBeforeSending) {
    auto provider = oidc();
    op.token_answer(200, good_tokens());
    EXPECT_EQ(code_of<ConfigError>([&] {
                  provider->exchange_code("c", redirect_uri, std::string{rfc7636_verifier});
              }),
              errc::invalid_argument);
    EXPECT_EQ(op.http->count(FakeOp::token_url), 0u);
}

TEST_F(Provider, ExchangeChecksAtHashAndIdTokenPresence) {
    auto provider = oidc();
    json tokens = good_tokens();
    tokens["id_token"] = op.id_token(
        op.claims("client-1", "alice", {{"nonce", "n-1"}, {"at_hash", "AAAAAAAAAAAAAAAAAAAAAA"}}));
    op.token_answer(200, tokens);
    EXPECT_EQ(code_of<TokenError>([&] {
                  provider->exchange_code("c", redirect_uri, std::string{rfc7636_verifier},
                                          std::string{"n-1"});
              }),
              errc::bad_at_hash);
    tokens.erase("id_token");
    op.token_answer(200, tokens);
    EXPECT_EQ(code_of<TokenError>([&] {
                  provider->exchange_code("c", redirect_uri, std::string{rfc7636_verifier},
                                          std::string{"n-1"});
              }),
              errc::invalid_response);
}

TEST_F(Provider, ValidateIdTokenReturnsVerifiedClaims) {
    auto provider = oidc();
    auto claims = provider->validate_id_token(
        op.id_token(op.claims("client-1", "bob", {{"nonce", "n"}, {"email", "b@x"}})),
        std::string{"n"});
    EXPECT_EQ(claims.sub(), "bob");
    EXPECT_EQ(claims.email(), "b@x");
    EXPECT_EQ(code_of<TokenError>(
                  [&] { provider->validate_id_token(op.id_token(op.claims("someone-else"))); }),
              errc::bad_audience);
    auto forged = test::make_jws(test::TestKey::rsa(2048), "RS256", json{{"kid", "k1"}},
                                 op.claims("client-1"));
    EXPECT_EQ(code_of<TokenError>([&] { provider->validate_id_token(forged); }),
              errc::bad_signature);
}

// Seed §13 item 18: the JWKS was cached forever (no refetch on an unknown kid) and the leeway was
// 0. Here a key rotated at the provider is picked up, and small clock skew is tolerated.
TEST_F(Provider, RotatedSigningKeyAndClockSkewAreHandled) {
    auto provider = oidc();
    EXPECT_EQ(provider->validate_id_token(op.id_token(op.claims("client-1"))).sub(), "alice");
    const auto fetched = op.http->count(FakeOp::jwks_url);
    auto rotated = test::TestKey::rsa(2048);
    op.http->on_json(FakeOp::jwks_url, 200,
                     json{{"keys", json::array({rotated.public_jwk("k2", "RS256")})}});
    op.clock->advance(std::chrono::seconds{60}); // past the refetch cooldown
    auto token = test::make_jws(rotated, "RS256", json{{"kid", "k2"}},
                                op.claims("client-1", "alice", {{"iat", op.now() + 30}}));
    EXPECT_EQ(provider->validate_id_token(token).sub(), "alice"); // iat 30 s ahead: within leeway
    EXPECT_EQ(op.http->count(FakeOp::jwks_url), fetched + 1);
    auto far_future = test::make_jws(rotated, "RS256", json{{"kid", "k2"}},
                                     op.claims("client-1", "alice", {{"iat", op.now() + 300}}));
    EXPECT_EQ(code_of<TokenError>([&] { provider->validate_id_token(far_future); }),
              errc::issued_in_future);
}

TEST_F(Provider, OneProviderServesManyThreads) {
    auto provider = oidc();
    op.token_answer(200, good_tokens("n-1"));
    op.http->on_json(FakeOp::userinfo_url, 200, {{"sub", "alice"}});
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&] {
            for (int j = 0; j < 5; ++j) {
                auto request =
                    provider->begin_authorization(redirect_uri, QueryParams{{"nonce", "n-1"}});
                auto result = provider->complete_login(
                    request, QueryParams{{"code", "c"}, {"state", request.state}});
                ok += result.identity.subject == "alice" ? 1 : 0;
                if (j == 2) {
                    provider->close();
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(ok.load(), 40);
}

// ---- custom providers (seed §13 item 6) ----

// Seed §13 item 6: a `custom` provider with the default openid scope failed obscurely ("JWKS URI
// not available") when an ID token came back. Now: a ConfigError naming the setting to add.
TEST_F(Provider, CustomProviderWithoutIssuerSaysWhichSettingToAdd) {
    auto c = config();
    c.issuer_url.clear();
    c.authorize_url = FakeOp::authorize_url;
    c.token_url = FakeOp::token_url;
    GenericOIDCProvider provider(c, GenericOIDCProvider::Discovery::off);
    EXPECT_EQ(provider.name(), "custom");
    op.token_answer(200, good_tokens());
    try {
        provider.exchange_code("c", redirect_uri, std::string{rfc7636_verifier},
                               std::string{"n-1"});
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.code(), errc::config_missing);
        EXPECT_NE(std::string{e.what()}.find("issuer_url"), std::string::npos) << e.what();
    }
    c.issuer_url = FakeOp::issuer;
    GenericOIDCProvider with_issuer(c, GenericOIDCProvider::Discovery::off);
    try {
        with_issuer.exchange_code("c", redirect_uri, std::string{rfc7636_verifier},
                                  std::string{"n-1"});
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.code(), errc::config_missing);
        EXPECT_NE(std::string{e.what()}.find("jwks_uri"), std::string::npos) << e.what();
    }
    c.jwks_uri = FakeOp::jwks_url;
    GenericOIDCProvider complete(c, GenericOIDCProvider::Discovery::off);
    EXPECT_EQ(
        complete.exchange_code("c", redirect_uri, std::string{rfc7636_verifier}, std::string{"n-1"})
            .access_token,
        "AT-1");
    EXPECT_EQ(op.http->count(std::string{FakeOp::issuer} + "/.well-known/openid-configuration"),
              0u);
}

TEST_F(Provider, InsecureSkipAcceptsUncheckedIdTokensAndWarns) {
    std::vector<std::string> warnings;
    set_log_callback([&](LogLevel level, std::string_view message) {
        if (level == LogLevel::warning) {
            warnings.emplace_back(message);
        }
    });
    auto c = config();
    c.insecure_skip_id_token_validation = true;
    auto provider = oidc(c);
    set_log_callback({});
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("insecure_skip_id_token_validation"), std::string::npos);
    json tokens = good_tokens();
    tokens["id_token"] = test::make_jws(test::TestKey::rsa(2048), "RS256", json{{"kid", "x"}},
                                        op.claims("other-client"));
    op.token_answer(200, tokens);
    op.http->on_json(FakeOp::userinfo_url, 200, {{"sub", "carol"}});
    auto result =
        provider->complete_login("c", redirect_uri, std::string{rfc7636_verifier}, std::nullopt);
    EXPECT_EQ(result.identity.subject, "carol"); // from userinfo: the ID token proves nothing
    EXPECT_FALSE(result.identity.id_token_claims);
}

TEST_F(Provider, ValidationIsOnByDefault) {
    EXPECT_FALSE(ProviderConfig{}.insecure_skip_id_token_validation);
    EXPECT_TRUE(ProviderConfig{}.use_pkce);
}

// ---- identity and userinfo ----

TEST_F(Provider, LoginIdentityIsTheIdTokenSubjectAndUserinfoMustAgree) {
    auto provider = oidc();
    op.token_answer(200, good_tokens());
    op.http->on_json(FakeOp::userinfo_url, 200, {{"sub", "alice"}, {"name", "Alice"}});
    auto request = provider->begin_authorization(redirect_uri, QueryParams{{"nonce", "n-1"}});
    auto result = provider->complete_login(
        request, QueryParams{{"code", "c"}, {"state", request.state}, {"iss", FakeOp::issuer}});
    EXPECT_EQ(result.identity.subject, "alice");
    ASSERT_TRUE(result.identity.id_token_claims);
    EXPECT_EQ(result.identity.id_token_claims->nonce(), "n-1");
    EXPECT_EQ(result.identity.name, "Alice");
    EXPECT_EQ(result.identity.userinfo["name"], "Alice");
    auto token_request = op.http->requests_to(FakeOp::token_url).at(0);
    EXPECT_EQ(test::form_of(token_request).get("code_verifier"), request.pkce->verifier());
    EXPECT_EQ(test::header_of(op.http->requests_to(FakeOp::userinfo_url).at(0), "Authorization"),
              "Bearer AT-1");

    // OIDC Core §5.3.4: another subject in userinfo is an attack or a bug, not a profile.
    op.http->on_json(FakeOp::userinfo_url, 200, {{"sub", "mallory"}});
    EXPECT_EQ(code_of<AuthenticationError>([&] {
                  provider->complete_login("c", redirect_uri, std::string{rfc7636_verifier},
                                           std::string{"n-1"});
              }),
              errc::userinfo_mismatch);
    op.http->on_json(FakeOp::userinfo_url, 200, {{"name", "no sub"}});
    EXPECT_EQ(code_of<AuthenticationError>([&] {
                  provider->complete_login("c", redirect_uri, std::string{rfc7636_verifier},
                                           std::string{"n-1"});
              }),
              errc::userinfo_mismatch);
}

// Seed §13 item 16: a userinfo failure created a session for user "unknown"; the validated ID
// token's sub was discarded.
TEST_F(Provider, UserinfoFailureKeepsTheIdTokenIdentity) {
    auto provider = oidc();
    op.token_answer(200, good_tokens());
    op.http->on_json(FakeOp::userinfo_url, 503, json::object());
    auto result = provider->complete_login("c", redirect_uri, std::string{rfc7636_verifier},
                                           std::string{"n-1"});
    EXPECT_EQ(result.identity.subject, "alice");
    EXPECT_TRUE(result.identity.userinfo.empty());
}

TEST_F(Provider, PlainOAuthWithoutAnyIdentityIsAnError) {
    auto c = config();
    auto provider = plain(c);
    ProviderConfig with_userinfo = c;
    with_userinfo.userinfo_url = FakeOp::userinfo_url;
    auto p2 = plain(with_userinfo);
    op.token_answer(200, {{"access_token", "AT"}});
    op.http->on_json(FakeOp::userinfo_url, 200, {{"name", "anon"}});
    EXPECT_EQ(code_of<AuthenticationError>([&] {
                  p2->complete_login("c", redirect_uri, std::string{rfc7636_verifier},
                                     std::nullopt);
              }),
              errc::bad_subject);
    op.http->on_json(FakeOp::userinfo_url, 200,
                     {{"id", 42}, {"email", "x@y"}, {"email_verified", "true"}});
    auto result =
        p2->complete_login("c", redirect_uri, std::string{rfc7636_verifier}, std::nullopt);
    EXPECT_EQ(result.identity.subject, "42");
    EXPECT_EQ(result.identity.email, "x@y");
    EXPECT_TRUE(result.identity.email_verified);
    EXPECT_EQ(code_of<AuthenticationError>([&] {
                  provider->complete_login("c", redirect_uri, std::string{rfc7636_verifier},
                                           std::nullopt);
              }),
              errc::bad_subject);
}

TEST_F(Provider, UserinfoErrorsCarryTheChallenge) {
    auto provider = oidc();
    op.http->on(FakeOp::userinfo_url, [](const HttpRequest&) {
        HttpResponse r = test::text_response(401, "");
        r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"op\", error=\"invalid_token\", "
                                                   "error_description=\"expired\"");
        return r;
    });
    try {
        provider->get_userinfo("AT");
        FAIL();
    } catch (const AuthenticationError& e) {
        EXPECT_EQ(e.code(), errc::provider_error);
        EXPECT_EQ(e.oauth_error(), "invalid_token");
        EXPECT_EQ(e.error_description(), "expired");
        EXPECT_EQ(e.http_status(), 401);
    }
    op.http->on(FakeOp::userinfo_url, [](const HttpRequest&) {
        HttpResponse r = test::text_response(200, "eyJ.eyJ.sig");
        r.headers.emplace_back("Content-Type", "application/jwt");
        return r;
    });
    EXPECT_EQ(code_of<AuthenticationError>([&] { provider->get_userinfo("AT"); }),
              errc::invalid_response);
    op.http->on(FakeOp::userinfo_url,
                [](const HttpRequest&) { return test::text_response(200, "[]"); });
    EXPECT_EQ(code_of<AuthenticationError>([&] { provider->get_userinfo("AT"); }),
              errc::invalid_response);
}

TEST_F(Provider, NoUserinfoEndpointMeansAnEmptyObjectWithoutARequest) {
    auto provider = plain(config());
    EXPECT_TRUE(provider->get_userinfo("AT").empty());
    EXPECT_TRUE(op.http->requests().empty());
}

// ---- refresh ----

// Seed §13 item 30: GitHub set the refresh token to null when the answer had none.
TEST_F(Provider, RefreshKeepsTheRefreshTokenWhenNoneIsReturned) {
    auto provider = plain(config());
    op.token_answer(200, {{"access_token", "AT-2"}, {"token_type", "Bearer"}});
    auto tokens = provider->refresh_tokens("RT-1");
    EXPECT_EQ(tokens.access_token, "AT-2");
    EXPECT_EQ(tokens.refresh_token, "RT-1");
    auto sent = op.http->requests_to(FakeOp::token_url).at(0);
    EXPECT_EQ(sent.body, "grant_type=refresh_token&refresh_token=RT-1");
    EXPECT_EQ(test::header_of(sent, "Authorization"),
              "Basic " + base64_encode("client-1:secret-1"));
    op.token_answer(200, {{"access_token", "AT-3"}, {"refresh_token", "RT-2"}});
    EXPECT_EQ(provider->refresh_tokens("RT-1").refresh_token, "RT-2");
}

TEST_F(Provider, RefreshErrorsAreTokenRefreshErrors) {
    auto provider = plain(config());
    op.token_answer(400, {{"error", "invalid_grant"}});
    try {
        provider->refresh_tokens("RT-1");
        FAIL();
    } catch (const TokenRefreshError& e) {
        EXPECT_EQ(e.code(), errc::provider_error);
        EXPECT_EQ(e.oauth_error(), "invalid_grant");
    }
    op.http->on(FakeOp::token_url,
                [](const HttpRequest&) { return test::text_response(200, "x"); });
    EXPECT_EQ(code_of<TokenRefreshError>([&] { provider->refresh_tokens("RT-1"); }),
              errc::invalid_response);
    EXPECT_EQ(code_of<TokenRefreshError>([&] { provider->refresh_tokens(OAuthTokenSet{}); }),
              errc::reauth_required);
}

TEST_F(Provider, RefreshAskedToRetryLaterCarriesRetryAfter) {
    auto provider = plain(config());
    op.http->on(FakeOp::token_url, [](const HttpRequest&) {
        HttpResponse r = test::json_response(429, {{"error", "slow_down"}});
        r.headers.emplace_back("Retry-After", "120");
        return r;
    });
    try {
        provider->refresh_tokens("RT-1");
        FAIL();
    } catch (const RetryLaterError& e) {
        EXPECT_EQ(e.code(), errc::provider_error);
        EXPECT_EQ(e.oauth_error(), "slow_down");
        EXPECT_EQ(e.retry_after(), "120");
    }
    op.http->on(FakeOp::token_url, [](const HttpRequest&) {
        HttpResponse r = test::text_response(503, "busy");
        r.headers.emplace_back("Retry-After", "Fri, 31 Dec 2027 23:59:59 GMT");
        return r;
    });
    try {
        provider->refresh_tokens("RT-1");
        FAIL();
    } catch (const RetryLaterError& e) {
        EXPECT_EQ(e.code(), errc::invalid_response);
        EXPECT_EQ(e.http_status(), 503);
    }
    // Without Retry-After, or outside a refresh, it is an ordinary refusal.
    op.http->on(FakeOp::token_url, [](const HttpRequest&) { return test::text_response(503, ""); });
    try {
        provider->refresh_tokens("RT-1");
        FAIL();
    } catch (const RetryLaterError&) {
        FAIL() << "no Retry-After";
    } catch (const TokenRefreshError& e) {
        EXPECT_EQ(e.code(), errc::invalid_response);
    }
}

TEST_F(Provider, RefreshChecksTheNewIdTokenAgainstTheOriginal) {
    auto provider = oidc();
    OAuthTokenSet current;
    current.access_token = "AT-1";
    current.refresh_token = "RT-1";
    current.scope = "openid email";
    current.id_token = op.id_token(op.claims("client-1", "alice", {{"nonce", "n-1"}}));

    op.token_answer(
        200, {{"access_token", "AT-2"}, {"id_token", op.id_token(op.claims("client-1", "alice"))}});
    auto refreshed = provider->refresh_tokens(current);
    EXPECT_EQ(refreshed.access_token, "AT-2");
    EXPECT_EQ(refreshed.refresh_token, "RT-1");
    EXPECT_EQ(refreshed.scope, "openid email");

    // OIDC Core §12.2: a refreshed ID token for another subject is refused.
    op.token_answer(200, {{"access_token", "AT-3"},
                          {"id_token", op.id_token(op.claims("client-1", "mallory"))}});
    EXPECT_EQ(code_of<TokenRefreshError>([&] { provider->refresh_tokens(current); }),
              errc::bad_subject);
    // The new ID token is validated (here: expired).
    op.token_answer(
        200,
        {{"access_token", "AT-3"},
         {"id_token", op.id_token(op.claims("client-1", "alice", {{"exp", op.now() - 3600}}))}});
    EXPECT_EQ(code_of<TokenRefreshError>([&] { provider->refresh_tokens(current); }),
              errc::expired);
    EXPECT_EQ(code_of<TokenRefreshError>([&] { provider->refresh_tokens("RT-1"); }), errc::expired);
    // No ID token in the answer: the current one is kept.
    op.token_answer(200, {{"access_token", "AT-4"}});
    EXPECT_EQ(provider->refresh_tokens(current).id_token, current.id_token);
}

// ---- revocation (seed §13 item 23) ----

// Seed §13 item 23: only the access token was revoked, without client authentication or
// token_type_hint.
TEST_F(Provider, RevokeTokensRevokesRefreshThenAccessWithClientAuth) {
    auto provider = oidc();
    op.http->on(FakeOp::revocation_url,
                [](const HttpRequest&) { return test::text_response(200, ""); });
    OAuthTokenSet tokens;
    tokens.access_token = "AT-1";
    tokens.refresh_token = "RT-1";
    auto result = provider->revoke_tokens(tokens);
    EXPECT_TRUE(result.refresh_token_revoked);
    EXPECT_TRUE(result.access_token_revoked);
    auto sent = op.http->requests_to(FakeOp::revocation_url);
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(sent[0].body, "token=RT-1&token_type_hint=refresh_token");
    EXPECT_EQ(sent[1].body, "token=AT-1&token_type_hint=access_token");
    for (const auto& r : sent) {
        EXPECT_EQ(r.method, "POST");
        EXPECT_EQ(test::header_of(r, "Authorization"),
                  "Basic " + base64_encode("client-1:secret-1"));
    }
}

TEST_F(Provider, RevocationFailuresReturnFalse) {
    auto provider = oidc();
    op.http->on_json(FakeOp::revocation_url, 400, {{"error", "unsupported_token_type"}});
    EXPECT_FALSE(provider->revoke_token("AT", "access_token"));
    op.http->on(FakeOp::revocation_url, [](const HttpRequest&) -> HttpResponse {
        throw TransportError(errc::timeout, "slow");
    });
    EXPECT_FALSE(provider->revoke_token("AT"));
    auto without = plain(config());
    op.http->clear();
    EXPECT_FALSE(without->revoke_token("AT"));
    EXPECT_TRUE(op.http->requests().empty());
}

// ---- client credentials, introspection, logout ----

TEST_F(Provider, ClientCredentialsGrant) {
    auto provider = oidc();
    op.token_answer(200, {{"access_token", "CC-1"}, {"token_type", "Bearer"}, {"expires_in", 60}});
    auto tokens = provider->client_credentials({"api:read", "api:write"},
                                               QueryParams{{"resource", "https://api.example"}});
    EXPECT_EQ(tokens.access_token, "CC-1");
    auto sent = op.http->requests_to(FakeOp::token_url).at(0);
    EXPECT_EQ(sent.body, "grant_type=client_credentials&scope=api%3Aread%20api%3Awrite&resource="
                         "https%3A%2F%2Fapi.example");
    EXPECT_EQ(test::header_of(sent, "Authorization"),
              "Basic " + base64_encode("client-1:secret-1"));
    auto public_client = oidc(config("public-1", ""));
    EXPECT_EQ(code_of<ConfigError>([&] { public_client->client_credentials(); }),
              errc::invalid_argument);
    EXPECT_EQ(code_of<ConfigError>([&] {
                  provider->client_credentials({}, QueryParams{{"grant_type", "password"}});
              }),
              errc::invalid_argument);
}

TEST_F(Provider, IntrospectionReadsTheAnswer) {
    auto provider = oidc();
    op.http->on_json(FakeOp::introspection_url, 200,
                     {{"active", true},
                      {"scope", "openid"},
                      {"client_id", "client-1"},
                      {"sub", "alice"},
                      {"exp", 1767226200},
                      {"token_type", "Bearer"}});
    auto result = provider->introspect_token("AT-1", "access_token");
    EXPECT_TRUE(result.active);
    EXPECT_EQ(result.sub, "alice");
    EXPECT_EQ(result.exp, 1767226200);
    auto sent = op.http->requests_to(FakeOp::introspection_url).at(0);
    EXPECT_EQ(sent.body, "token=AT-1&token_type_hint=access_token");
    EXPECT_EQ(test::header_of(sent, "Authorization"),
              "Basic " + base64_encode("client-1:secret-1"));

    op.http->on_json(FakeOp::introspection_url, 200, {{"active", false}});
    EXPECT_FALSE(provider->introspect_token("AT-1").active);
    op.http->on_json(FakeOp::introspection_url, 200, {{"active", "yes"}});
    EXPECT_EQ(code_of<AuthenticationError>([&] { provider->introspect_token("AT"); }),
              errc::invalid_response);
    op.http->on_json(FakeOp::introspection_url, 401, {{"error", "invalid_client"}});
    EXPECT_EQ(code_of<AuthenticationError>([&] { provider->introspect_token("AT"); }),
              errc::provider_error);
    EXPECT_EQ(code_of<ConfigError>([&] { plain(config())->introspect_token("AT"); }),
              errc::config_missing);
}

TEST_F(Provider, EndSessionUrl) {
    auto provider = oidc();
    EndSessionRequest request;
    request.id_token_hint = "eyJ.x.y";
    request.post_logout_redirect_uri = "http://127.0.0.1:8765/logged-out";
    request.state = "lo1";
    EXPECT_EQ(provider->end_session_url(request),
              std::string{FakeOp::end_session_url} +
                  "?id_token_hint=eyJ.x.y&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%"
                  "2Flogged-out&state=lo1&client_id=client-1");
    EXPECT_FALSE(plain(config())->end_session_url(request));
}

// ---- construction ----

TEST_F(Provider, ConstructionChecksTheConfiguration) {
    EXPECT_EQ(code_of<ConfigError>([&] { oidc(config("")); }), errc::config_missing);
    auto c = config();
    c.token_url = "http://op.example/token"; // plain http to a non-loopback host
    EXPECT_EQ(code_of<ConfigError>([&] { oidc(c); }), errc::insecure_url);
    auto no_issuer = config();
    no_issuer.issuer_url.clear();
    EXPECT_EQ(code_of<ConfigError>([&] { oidc(no_issuer); }), errc::config_missing);
    auto loopback = config();
    loopback.issuer_url = "http://127.0.0.1:4010";
    EXPECT_NO_THROW(oidc(loopback));
    EXPECT_EQ(parse_client_auth_method("Client_Secret_Post"), ClientAuthMethod::client_secret_post);
    EXPECT_EQ(code_of<ConfigError>([&] { parse_client_auth_method("jwt"); }), errc::config_invalid);
}

// Seed §13 item 31: a non-JSON discovery document escaped as a raw exception.
TEST_F(Provider, DiscoveryFailureSurfacesAsDiscoveryFailed) {
    op.http->on(std::string{FakeOp::issuer} + "/.well-known/openid-configuration",
                [](const HttpRequest&) { return test::text_response(200, "not json"); });
    auto provider = oidc();
    EXPECT_EQ(code_of<AuthenticationError>([&] { provider->begin_authorization(redirect_uri); }),
              errc::discovery_failed);
}

TEST_F(Provider, CloseForgetsCachesAndStaysUsable) {
    auto provider = oidc();
    provider->begin_authorization(redirect_uri);
    provider->close();
    provider->close();
    provider->begin_authorization(redirect_uri);
    EXPECT_EQ(op.http->count(std::string{FakeOp::issuer} + "/.well-known/openid-configuration"),
              2u);
}

} // namespace
} // namespace authflow

// DPoP (RFC 9449) on a provider's requests, against a recording fake transport: when DPoP is on
// (the `dpop` setting and discovery), the proof on each token request (htm, htu, jti, iat, the
// key), dpop_jkt in the authorization URL, the nonce retry (once, and only once) and the nonce
// remembered, the token type checked against what was asked, the key kept with the tokens and
// used for refreshes, userinfo with `ath` and its nonce challenge, and the resource headers.
#include "provider_test_util.hpp"
#include "providers/dpop_decorator.hpp"
#include "providers/dpop_nonces.hpp"

#include <authflow/core/crypto.hpp>
#include <authflow/core/encoding.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>
#include <authflow/providers/resource_request.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace authflow {
namespace {

using test::FakeOp;
using test::header_of;
using test::json;
using test::json_response;

constexpr const char* redirect_uri = "http://127.0.0.1:8765/callback";

json jwt_part(const std::string& jwt, int index) {
    const auto first = jwt.find('.');
    const auto second = jwt.find('.', first + 1);
    const std::string part =
        index == 0 ? jwt.substr(0, first) : jwt.substr(first + 1, second - first - 1);
    return json::parse(base64url_decode(part));
}

template <typename E, typename F> E thrown(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e;
    }
    ADD_FAILURE() << "no exception of the expected type";
    throw std::runtime_error("no exception");
}

class Dpop : public ::testing::Test {
protected:
    FakeOp op;

    void SetUp() override {
        op.discovery["dpop_signing_alg_values_supported"] = json::array({"ES256", "EdDSA"});
        op.serve_discovery();
        op.token_answer(200, dpop_tokens());
    }

    static json dpop_tokens(const std::string& access_token = "AT-1") {
        return {{"access_token", access_token},
                {"token_type", "DPoP"},
                {"expires_in", 600},
                {"refresh_token", "RT-1"}};
    }

    ProviderConfig config() {
        ProviderConfig c;
        c.client_id = "client-1";
        c.client_secret = "secret-1";
        c.issuer_url = FakeOp::issuer;
        c.scopes = {"api:read"}; // plain OAuth 2.0: no ID token to sign
        c.http = op.http;
        c.clock = op.clock;
        return c;
    }

    std::string last_proof(const std::string& url) {
        auto requests = op.http->requests_to(url);
        EXPECT_FALSE(requests.empty());
        return requests.empty() ? std::string{} : header_of(requests.back(), "DPoP");
    }

    // A sign-in through the exchange, with DPoP on.
    OAuthTokenSet sign_in(GenericOIDCProvider& provider, AuthorizationRequest* out = nullptr) {
        auto request = provider.begin_authorization(redirect_uri);
        auto tokens = provider.exchange_code("code-1", redirect_uri, request.pkce->verifier(),
                                             std::nullopt, request.dpop_key);
        if (out != nullptr) {
            *out = request;
        }
        return tokens;
    }
};

TEST_F(Dpop, AutoFollowsDiscoveryAndTheAlgorithm) {
    EXPECT_TRUE(GenericOIDCProvider(config()).endpoints().dpop);
    auto ps256 = config();
    ps256.dpop_alg = JwsAlg::PS256; // not advertised
    EXPECT_FALSE(GenericOIDCProvider(ps256).endpoints().dpop);
    ps256.dpop = DpopMode::required;
    auto error = thrown<ConfigError>([&] { GenericOIDCProvider(ps256).endpoints(); });
    EXPECT_EQ(error.code(), errc::config_invalid);
    EXPECT_NE(std::string{error.what()}.find("dpop"), std::string::npos);
    auto off = config();
    off.dpop = DpopMode::off;
    GenericOIDCProvider provider(off);
    EXPECT_FALSE(provider.endpoints().dpop);
    EXPECT_FALSE(provider.new_dpop_key().has_value());
    auto request = provider.begin_authorization(redirect_uri);
    EXPECT_FALSE(request.dpop_key.has_value());
    EXPECT_EQ(request.url.find("dpop_jkt"), std::string::npos);
    // A symmetric algorithm cannot sign proofs.
    auto hs = config();
    hs.dpop_alg = JwsAlg::HS256;
    EXPECT_EQ(thrown<ConfigError>([&] { GenericOIDCProvider{hs}; }).code(), errc::config_invalid);
}

TEST_F(Dpop, WithoutDiscoveryOnlyRequiredTurnsItOn) {
    op.discovery.erase("dpop_signing_alg_values_supported");
    op.serve_discovery();
    EXPECT_FALSE(GenericOIDCProvider(config()).endpoints().dpop);
    auto required = config();
    required.dpop = DpopMode::required;
    EXPECT_EQ(thrown<ConfigError>([&] { GenericOIDCProvider(required).new_dpop_key(); }).code(),
              errc::config_invalid);
    // Explicit endpoints, no discovery: nothing to check, required means on.
    required.issuer_url.clear();
    required.authorize_url = FakeOp::authorize_url;
    required.token_url = FakeOp::token_url;
    GenericOIDCProvider custom(required, GenericOIDCProvider::Discovery::off);
    EXPECT_TRUE(custom.endpoints().dpop);
}

TEST_F(Dpop, TheAuthorizationRequestCarriesDpopJkt) {
    GenericOIDCProvider provider(config());
    auto request = provider.begin_authorization(redirect_uri);
    ASSERT_TRUE(request.dpop_key.has_value());
    EXPECT_EQ(request.dpop_key->alg(), JwsAlg::ES256);
    const auto params = parse_query(request.url.substr(request.url.find('?') + 1));
    EXPECT_EQ(params.get("dpop_jkt"), request.dpop_key->thumbprint());
    // A new key per sign-in.
    EXPECT_NE(provider.begin_authorization(redirect_uri).dpop_key->thumbprint(),
              request.dpop_key->thumbprint());
}

TEST_F(Dpop, EveryTokenRequestCarriesAProofForTheTokenEndpoint) {
    GenericOIDCProvider provider(config());
    AuthorizationRequest request;
    auto tokens = sign_in(provider, &request);
    EXPECT_EQ(tokens.token_type, "DPoP");
    ASSERT_TRUE(tokens.dpop_key.has_value());
    EXPECT_EQ(SigningKey::from_pem(*tokens.dpop_key).thumbprint(), request.dpop_key->thumbprint());

    auto check = [&](const std::string& what) {
        SCOPED_TRACE(what);
        const std::string proof = last_proof(FakeOp::token_url);
        const auto header = jwt_part(proof, 0);
        const auto payload = jwt_part(proof, 1);
        EXPECT_EQ(header["typ"], "dpop+jwt");
        EXPECT_EQ(header["alg"], "ES256");
        EXPECT_EQ(header["jwk"], request.dpop_key->public_jwk());
        EXPECT_EQ(payload["htm"], "POST");
        EXPECT_EQ(payload["htu"], FakeOp::token_url);
        EXPECT_EQ(payload["iat"], op.now());
        EXPECT_TRUE(payload["jti"].is_string());
        EXPECT_FALSE(payload.contains("ath")); // token requests carry no access token
        EXPECT_FALSE(payload.contains("nonce"));
        return payload["jti"].get<std::string>();
    };
    const std::string exchange_jti = check("code exchange");

    auto refreshed = provider.refresh_tokens(tokens);
    EXPECT_EQ(refreshed.token_type, "DPoP");
    EXPECT_TRUE(refreshed.dpop_key == tokens.dpop_key);
    const std::string refresh_jti = check("refresh");
    EXPECT_NE(refresh_jti, exchange_jti); // a fresh jti per proof

    // Another provider object (another process) refreshes with the stored key.
    GenericOIDCProvider other(config());
    other.refresh_tokens(tokens);
    check("refresh elsewhere");

    // Client credentials: a key of its own.
    auto client_tokens = provider.client_credentials({"api:read"});
    EXPECT_EQ(client_tokens.token_type, "DPoP");
    ASSERT_TRUE(client_tokens.dpop_key.has_value());
    const auto header = jwt_part(last_proof(FakeOp::token_url), 0);
    EXPECT_EQ(header["jwk"], SigningKey::from_pem(*client_tokens.dpop_key).public_jwk());

    // Revocation and introspection are not DPoP requests.
    provider.revoke_token("RT-1");
    for (const auto& sent : op.http->requests_to(FakeOp::revocation_url)) {
        EXPECT_EQ(header_of(sent, "DPoP"), "");
    }
}

TEST_F(Dpop, BearerTokensAreRefreshedWithoutAProof) {
    GenericOIDCProvider provider(config());
    OAuthTokenSet bearer;
    bearer.access_token = "AT-0";
    bearer.refresh_token = "RT-0";
    op.token_answer(200, test::bearer_tokens());
    auto refreshed = provider.refresh_tokens(bearer);
    EXPECT_EQ(refreshed.token_type, "Bearer");
    EXPECT_FALSE(refreshed.dpop_key.has_value());
    EXPECT_EQ(last_proof(FakeOp::token_url), "");
}

TEST_F(Dpop, TheNonceRetryHappensOnceAndOnlyOnce) {
    // A server that asks for a nonce every time.
    op.http->on(FakeOp::token_url, [](const HttpRequest&) {
        return json_response(400, {{"error", "use_dpop_nonce"}}, {{"DPoP-Nonce", "nonce-1"}});
    });
    GenericOIDCProvider provider(config());
    auto error = thrown<TokenError>([&] { provider.client_credentials({"api:read"}); });
    EXPECT_EQ(error.code(), errc::provider_error);
    EXPECT_EQ(error.oauth_error(), "use_dpop_nonce");
    auto sent = op.http->requests_to(FakeOp::token_url);
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_FALSE(jwt_part(header_of(sent[0], "DPoP"), 1).contains("nonce"));
    EXPECT_EQ(jwt_part(header_of(sent[1], "DPoP"), 1)["nonce"], "nonce-1");
    // Each attempt has a proof of its own.
    EXPECT_NE(jwt_part(header_of(sent[0], "DPoP"), 1)["jti"],
              jwt_part(header_of(sent[1], "DPoP"), 1)["jti"]);
}

TEST_F(Dpop, NoRetryWithoutAUsableNonce) {
    // use_dpop_nonce without a DPoP-Nonce, or with one that is not NQCHAR: a retry could only
    // fail the same way.
    for (const HttpHeaders& headers : {HttpHeaders{}, HttpHeaders{{"DPoP-Nonce", "has space"}},
                                       HttpHeaders{{"DPoP-Nonce", "quote\""}}}) {
        op.http->clear();
        op.http->on(FakeOp::token_url, [headers](const HttpRequest&) {
            return json_response(400, {{"error", "use_dpop_nonce"}}, headers);
        });
        GenericOIDCProvider provider(config());
        EXPECT_THROW(provider.client_credentials({"api:read"}), TokenError);
        EXPECT_EQ(op.http->count(FakeOp::token_url), 1u);
    }
}

TEST_F(Dpop, TheLatestNonceIsRememberedAndSent) {
    // Accepts only proofs with the current nonce; every answer names the next one.
    int served = 0;
    op.http->on(FakeOp::token_url, [&served](const HttpRequest& request) {
        const std::string current = "nonce-" + std::to_string(served / 2);
        const auto proof = jwt_part(header_of(request, "DPoP"), 1);
        if (proof.value("nonce", "") != current) {
            return json_response(400, {{"error", "use_dpop_nonce"}}, {{"DPoP-Nonce", current}});
        }
        ++served;
        // The next nonce arrives with the success (RFC 9449 §8.2).
        return json_response(200, dpop_tokens(),
                             {{"DPoP-Nonce", "nonce-" + std::to_string(served / 2)}});
    });
    GenericOIDCProvider provider(config());
    provider.client_credentials({"api:read"}); // nonce-0: one retry
    EXPECT_EQ(op.http->count(FakeOp::token_url), 2u);
    provider.client_credentials({"api:read"}); // nonce-0 remembered; the answer brings nonce-1
    EXPECT_EQ(op.http->count(FakeOp::token_url), 3u);
    provider.client_credentials({"api:read"}); // nonce-1 from the last success
    auto sent = op.http->requests_to(FakeOp::token_url);
    ASSERT_EQ(sent.size(), 4u);
    EXPECT_EQ(jwt_part(header_of(sent[3], "DPoP"), 1)["nonce"], "nonce-1");
}

TEST_F(Dpop, NoncesAreRememberedPerServerAndThreadSafe) {
    detail::DpopNonceCache cache;
    HttpResponse answer;
    answer.headers = {{"dpop-nonce", "abc"}};
    EXPECT_TRUE(cache.remember("https://as.example/token?x=1", answer));
    EXPECT_EQ(cache.nonce_for("https://as.example/userinfo"), "abc");
    EXPECT_EQ(cache.nonce_for("https://as.example:8443/token"), "");
    EXPECT_EQ(cache.nonce_for("https://api.example/token"), "");
    answer.headers = {{"DPoP-Nonce", std::string(detail::DpopNonceCache::max_nonce_size + 1, 'a')}};
    EXPECT_FALSE(cache.remember("https://as.example/token", answer));
    EXPECT_EQ(cache.nonce_for("https://as.example/token"), "abc");

    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&cache, t] {
            for (int i = 0; i < 500; ++i) {
                HttpResponse r;
                r.headers = {{"DPoP-Nonce", "n" + std::to_string(t) + "-" + std::to_string(i)}};
                const std::string url = "https://s" + std::to_string(i % 100) + ".example/token";
                cache.remember(url, r);
                const std::string seen = cache.nonce_for(url);
                EXPECT_TRUE(seen.empty() || seen.starts_with("n"));
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
}

TEST_F(Dpop, TheTokenTypeMustBeWhatWasAsked) {
    GenericOIDCProvider provider(config());
    // Asked DPoP, got Bearer: the binding would be lost.
    op.token_answer(200, test::bearer_tokens());
    auto request = provider.begin_authorization(redirect_uri);
    auto bearer = thrown<TokenError>([&] {
        provider.exchange_code("code-1", redirect_uri, request.pkce->verifier(), std::nullopt,
                               request.dpop_key);
    });
    EXPECT_EQ(bearer.code(), errc::invalid_response);
    EXPECT_EQ(thrown<TokenError>([&] { provider.client_credentials({"api:read"}); }).code(),
              errc::invalid_response);
    // No token_type at all in an answer to a DPoP request.
    op.token_answer(200, {{"access_token", "AT-1"}, {"expires_in", 600}});
    EXPECT_EQ(thrown<TokenError>([&] { provider.client_credentials({"api:read"}); }).code(),
              errc::invalid_response);
    // A refresh of bound tokens answered with Bearer.
    OAuthTokenSet bound;
    bound.access_token = "AT-0";
    bound.token_type = "DPoP";
    bound.refresh_token = "RT-0";
    bound.dpop_key = SigningKey::generate(JwsAlg::ES256).to_pem();
    op.token_answer(200, test::bearer_tokens());
    EXPECT_EQ(thrown<TokenRefreshError>([&] { provider.refresh_tokens(bound); }).code(),
              errc::invalid_response);
    // Asked Bearer (no key), got DPoP: unusable without the key.
    op.token_answer(200, dpop_tokens());
    EXPECT_EQ(thrown<TokenError>([&] {
                  provider.exchange_code("code-1", redirect_uri, request.pkce->verifier());
              }).code(),
              errc::invalid_response);
    // A stored key that cannot be read: a refresh failure, the key never quoted.
    bound.dpop_key = "not a key";
    auto bad_key = thrown<TokenRefreshError>([&] { provider.refresh_tokens(bound); });
    EXPECT_EQ(bad_key.code(), errc::bad_key);
}

TEST_F(Dpop, UserinfoSendsTheProofWithAthAndAnswersTheNonceChallengeOnce) {
    GenericOIDCProvider provider(config());
    auto tokens = sign_in(provider);
    int calls = 0;
    op.http->on(FakeOp::userinfo_url, [&calls](const HttpRequest& request) {
        ++calls;
        const auto proof = jwt_part(header_of(request, "DPoP"), 1);
        if (proof.value("nonce", "") != "rs-nonce") {
            HttpResponse challenge =
                json_response(401, json::object(),
                              {{"WWW-Authenticate", "DPoP error=\"use_dpop_nonce\", "
                                                    "error_description=\"nonce\""},
                               {"DPoP-Nonce", "rs-nonce"}});
            return challenge;
        }
        return json_response(200, {{"sub", "alice"}});
    });
    auto info = provider.get_userinfo(tokens);
    EXPECT_EQ(info["sub"], "alice");
    EXPECT_EQ(calls, 2);
    auto sent = op.http->requests_to(FakeOp::userinfo_url);
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(header_of(sent[1], "Authorization"), "DPoP AT-1");
    const auto proof = jwt_part(header_of(sent[1], "DPoP"), 1);
    EXPECT_EQ(proof["htm"], "GET");
    EXPECT_EQ(proof["htu"], FakeOp::userinfo_url);
    EXPECT_EQ(proof["ath"], base64url_encode(sha256("AT-1")));
    // Bearer tokens go as before, without a proof.
    OAuthTokenSet bearer;
    bearer.access_token = "AT-B";
    op.http->on_json(FakeOp::userinfo_url, 200, {{"sub", "bob"}});
    EXPECT_EQ(provider.get_userinfo(bearer)["sub"], "bob");
    EXPECT_EQ(header_of(op.http->requests_to(FakeOp::userinfo_url).back(), "Authorization"),
              "Bearer AT-B");
    EXPECT_EQ(header_of(op.http->requests_to(FakeOp::userinfo_url).back(), "DPoP"), "");
}

TEST_F(Dpop, ResourceHeaders) {
    GenericOIDCProvider provider(config());
    auto tokens = sign_in(provider);
    auto headers = resource_authorization_headers(tokens, "PUT", "https://api.example/v1/x?q=1",
                                                  *op.clock, "n-9");
    ASSERT_EQ(headers.size(), 2u);
    EXPECT_EQ(headers[0], (std::pair<std::string, std::string>{"Authorization", "DPoP AT-1"}));
    EXPECT_EQ(headers[1].first, "DPoP");
    const auto proof = jwt_part(headers[1].second, 1);
    EXPECT_EQ(proof["htm"], "PUT");
    EXPECT_EQ(proof["htu"], "https://api.example/v1/x");
    EXPECT_EQ(proof["ath"], base64url_encode(sha256("AT-1")));
    EXPECT_EQ(proof["nonce"], "n-9");
    EXPECT_EQ(jwt_part(headers[1].second, 0)["jwk"],
              SigningKey::from_pem(*tokens.dpop_key).public_jwk());

    OAuthTokenSet bearer;
    bearer.access_token = "AT-B";
    EXPECT_EQ(resource_authorization_headers(bearer, "GET", "https://api.example/"),
              (HttpHeaders{{"Authorization", "Bearer AT-B"}}));
    EXPECT_EQ(thrown<TokenError>([&] {
                  make_resource_dpop_proof(bearer, "GET", "https://api.example/");
              }).code(),
              errc::token_invalid);
}

TEST(DpopChallenge, RecognisesUseDpopNonce) {
    HttpResponse token_error = test::json_response(400, {{"error", "use_dpop_nonce"}});
    EXPECT_TRUE(detail::is_use_dpop_nonce(token_error));
    HttpResponse other_error = test::json_response(400, {{"error", "invalid_grant"}});
    EXPECT_FALSE(detail::is_use_dpop_nonce(other_error));
    HttpResponse challenge = test::json_response(401, json::object());
    challenge.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"x\"");
    challenge.headers.emplace_back("WWW-Authenticate", "DPoP error=\"use_dpop_nonce\"");
    EXPECT_TRUE(detail::is_use_dpop_nonce(challenge));
    HttpResponse ok = test::json_response(200, {{"error", "use_dpop_nonce"}});
    EXPECT_FALSE(detail::is_use_dpop_nonce(ok));
}

} // namespace
} // namespace authflow

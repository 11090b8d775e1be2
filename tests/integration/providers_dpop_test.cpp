// DPoP (RFC 9449) against a real authorization server (node oidc-provider with its dPoP feature,
// started once for this program on 127.0.0.1 and a free port): sign-in, refresh, revocation and
// userinfo with DPoP-bound tokens for a client that needs DPoP and one that also needs nonces;
// the device and client-credentials grants; what the server refuses (a bound token without its
// proof, a proof for another URL or method, a replayed proof); and dpop=required against a
// provider that does not offer DPoP.
#include "support/oidc_provider.hpp"
#include "support/test_env.hpp"

#include <authflow/core/encoding.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/jose/dpop.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>
#include <authflow/providers/resource_request.hpp>
#include <authflow/session/session_manager.hpp>
#include <authflow/store/memory_token_store.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace authflow {
namespace {

using json = nlohmann::json;
using test::OidcProvider;

OidcProvider& op() {
    static std::unique_ptr<OidcProvider> instance = [] {
        test::OidcProviderOptions options;
        options.dpop = true;
        return std::make_unique<OidcProvider>(options);
    }();
    return *instance;
}

constexpr const char* redirect_uri = OidcProvider::default_redirect_uri;
const std::vector<std::string> dpop_clients = {"dpop-client", "dpop-nonce-client"};

/// Passes every request to a real client and keeps a copy of each (for the test to look at the
/// DPoP headers that went out).
class RecordingHttp final : public HttpClient {
public:
    HttpResponse send(const HttpRequest& request) override {
        HttpResponse response = inner_->send(request);
        std::lock_guard lock(mutex_);
        sent_.push_back({request, response.status});
        return response;
    }
    struct Exchange {
        HttpRequest request;
        int status = 0;
    };
    /// The requests to `url`, in order.
    std::vector<Exchange> to(const std::string& url) const {
        std::lock_guard lock(mutex_);
        std::vector<Exchange> out;
        for (const auto& exchange : sent_) {
            if (exchange.request.url == url) {
                out.push_back(exchange);
            }
        }
        return out;
    }

private:
    std::shared_ptr<HttpClient> inner_ = make_http_client();
    mutable std::mutex mutex_;
    std::vector<Exchange> sent_;
};

std::string header_of(const HttpRequest& request, std::string_view name) {
    for (const auto& [key, value] : request.headers) {
        if (key == name) {
            return value;
        }
    }
    return {};
}

json jwt_part(const std::string& jwt, int index) {
    const auto first = jwt.find('.');
    const auto second = jwt.find('.', first + 1);
    const std::string part =
        index == 0 ? jwt.substr(0, first) : jwt.substr(first + 1, second - first - 1);
    return json::parse(base64url_decode(part));
}

class DpopProvider : public ::testing::Test {
protected:
    void SetUp() override {
        AUTHFLOW_REQUIRE_SERVICE(OidcProvider::available(), OidcProvider::missing());
        op();
    }

    static ProviderConfig config(const std::string& client_id,
                                 std::shared_ptr<HttpClient> http = {}) {
        ProviderConfig c;
        c.client_id = client_id;
        c.client_secret = OidcProvider::secret_of(client_id);
        c.issuer_url = op().issuer();
        c.scopes = {"openid", "offline_access", "email", "profile"};
        c.http = std::move(http);
        return c;
    }

    static LoginResult login(GenericOIDCProvider& p, AuthorizationRequest* out = nullptr) {
        auto request = p.begin_authorization(redirect_uri, QueryParams{{"prompt", "consent"}});
        test::OpBrowser browser;
        auto callback = browser.authorize(request.url, redirect_uri);
        auto result = p.complete_login(request, callback);
        if (out != nullptr) {
            *out = request;
        }
        return result;
    }

    /// The `cnf.jkt` the provider bound a token to (RFC 9449 §6.2), by introspection.
    static std::string bound_thumbprint(GenericOIDCProvider& p, const std::string& token) {
        auto result = p.introspect_token(token);
        EXPECT_TRUE(result.active);
        return result.raw.value("/cnf/jkt"_json_pointer, std::string{});
    }

    static std::string thumbprint_of(const OAuthTokenSet& tokens) {
        return SigningKey::from_pem(tokens.dpop_key.value()).thumbprint();
    }

    template <typename E, typename F> static E thrown(F&& f) {
        try {
            f();
        } catch (const E& e) {
            return e;
        }
        ADD_FAILURE() << "no exception of the expected type";
        throw std::runtime_error("no exception");
    }
};

TEST_F(DpopProvider, DiscoveryTurnsDpopOnInAutoMode) {
    GenericOIDCProvider p(config("dpop-client"));
    EXPECT_TRUE(p.endpoints().dpop);
    auto off = config("dpop-client");
    off.dpop = DpopMode::off;
    EXPECT_FALSE(GenericOIDCProvider(off).endpoints().dpop);
    // The provider advertises ES256, EdDSA and PS256, not ES384: auto stays off for it.
    auto es384 = config("conf-client");
    es384.dpop_alg = JwsAlg::ES384;
    EXPECT_FALSE(GenericOIDCProvider(es384).endpoints().dpop);
    es384.dpop = DpopMode::required;
    EXPECT_EQ(thrown<ConfigError>([&] { GenericOIDCProvider(es384).endpoints(); }).code(),
              errc::config_invalid);
}

TEST_F(DpopProvider, SignInBindsTheTokensToTheKey) {
    for (const auto& client : dpop_clients) {
        SCOPED_TRACE(client);
        auto http = std::make_shared<RecordingHttp>();
        GenericOIDCProvider p(config(client, http));
        AuthorizationRequest request;
        auto result = login(p, &request);
        ASSERT_TRUE(request.dpop_key.has_value());
        // RFC 9449 §10: the code was bound to the key by dpop_jkt.
        EXPECT_NE(request.url.find("dpop_jkt=" + request.dpop_key->thumbprint()),
                  std::string::npos);
        EXPECT_EQ(result.tokens.token_type, "DPoP");
        ASSERT_TRUE(result.tokens.dpop_key.has_value());
        EXPECT_EQ(thumbprint_of(result.tokens), request.dpop_key->thumbprint());
        EXPECT_EQ(bound_thumbprint(p, result.tokens.access_token), request.dpop_key->thumbprint());
        // The identity's userinfo came through a DPoP request.
        EXPECT_EQ(result.identity.userinfo["sub"], "alice");

        const auto token_requests = http->to(p.endpoints().token_endpoint);
        ASSERT_FALSE(token_requests.empty());
        const auto proof = jwt_part(header_of(token_requests.back().request, "DPoP"), 1);
        EXPECT_EQ(proof["htm"], "POST");
        EXPECT_EQ(proof["htu"], p.endpoints().token_endpoint);
        EXPECT_FALSE(proof.contains("ath"));
        if (client == "dpop-nonce-client") {
            // use_dpop_nonce, then exactly one retry with the nonce.
            ASSERT_EQ(token_requests.size(), 2u);
            EXPECT_EQ(token_requests[0].status, 400);
            EXPECT_FALSE(
                jwt_part(header_of(token_requests[0].request, "DPoP"), 1).contains("nonce"));
            EXPECT_TRUE(proof.contains("nonce"));
        } else {
            EXPECT_EQ(token_requests.size(), 1u);
        }
    }
}

TEST_F(DpopProvider, RefreshUsesTheStoredKeyFromAnyProcess) {
    for (const auto& client : dpop_clients) {
        SCOPED_TRACE(client);
        GenericOIDCProvider first(config(client));
        auto result = login(first);
        // A provider object that never saw the sign-in: what another process has.
        auto http = std::make_shared<RecordingHttp>();
        GenericOIDCProvider other(config(client, http));
        auto refreshed = other.refresh_tokens(result.tokens);
        EXPECT_EQ(refreshed.token_type, "DPoP");
        EXPECT_EQ(refreshed.dpop_key, result.tokens.dpop_key);
        EXPECT_TRUE(refreshed.access_token != result.tokens.access_token);
        EXPECT_EQ(bound_thumbprint(other, refreshed.access_token), thumbprint_of(result.tokens));
        const auto sent = http->to(other.endpoints().token_endpoint);
        ASSERT_FALSE(sent.empty());
        EXPECT_EQ(sent.back().status, 200);
        EXPECT_FALSE(header_of(sent.back().request, "DPoP").empty());
        // And again from the refreshed set (the key travels with the tokens).
        auto again = other.refresh_tokens(refreshed);
        EXPECT_EQ(again.token_type, "DPoP");
    }
}

TEST_F(DpopProvider, RevocationOfBoundTokens) {
    for (const auto& client : dpop_clients) {
        SCOPED_TRACE(client);
        GenericOIDCProvider p(config(client));
        auto result = login(p);
        auto revoked = p.revoke_tokens(result.tokens);
        EXPECT_TRUE(revoked.refresh_token_revoked);
        EXPECT_TRUE(revoked.access_token_revoked);
        EXPECT_FALSE(p.introspect_token(result.tokens.access_token).active);
        EXPECT_FALSE(p.introspect_token(*result.tokens.refresh_token).active);
    }
}

TEST_F(DpopProvider, UserinfoAnswersTheNonceChallengeOnce) {
    for (const auto& client : dpop_clients) {
        SCOPED_TRACE(client);
        GenericOIDCProvider signed_in(config(client));
        auto result = login(signed_in);
        // A provider object without a nonce yet: the userinfo endpoint (which asks every DPoP
        // request for one) challenges, and exactly one retry follows.
        auto http = std::make_shared<RecordingHttp>();
        GenericOIDCProvider p(config(client, http));
        auto info = p.get_userinfo(result.tokens);
        EXPECT_EQ(info["sub"], "alice");
        const auto sent = http->to(p.endpoints().userinfo_endpoint);
        ASSERT_EQ(sent.size(), 2u);
        EXPECT_EQ(sent[0].status, 401);
        EXPECT_EQ(sent[1].status, 200);
        EXPECT_EQ(header_of(sent[1].request, "Authorization"),
                  "DPoP " + result.tokens.access_token);
        const auto proof = jwt_part(header_of(sent[1].request, "DPoP"), 1);
        EXPECT_EQ(proof["htm"], "GET");
        EXPECT_EQ(proof["htu"], p.endpoints().userinfo_endpoint);
        EXPECT_TRUE(proof.contains("ath"));
        EXPECT_TRUE(proof.contains("nonce"));
        // The nonce is remembered: the next call goes through at once.
        EXPECT_EQ(p.get_userinfo(result.tokens)["sub"], "alice");
        EXPECT_EQ(http->to(p.endpoints().userinfo_endpoint).size(), 3u);
    }
}

TEST_F(DpopProvider, TheServerRefusesWhatABoundTokenNeeds) {
    GenericOIDCProvider p(config("dpop-client"));
    auto result = login(p);
    // Without its proof, as a Bearer token: refused.
    auto error = thrown<AuthenticationError>([&] { p.get_userinfo(result.tokens.access_token); });
    EXPECT_EQ(error.code(), errc::provider_error);
    EXPECT_EQ(error.http_status(), 401);

    auto http = make_http_client();
    const std::string userinfo = p.endpoints().userinfo_endpoint;
    auto request_with = [&](const std::string& proof) {
        HttpRequest request;
        request.url = userinfo;
        request.headers = {{"Authorization", "DPoP " + result.tokens.access_token},
                           {"DPoP", proof}};
        return http->send(request);
    };
    // The userinfo endpoint asks for a nonce first.
    auto first = request_with(make_resource_dpop_proof(result.tokens, "GET", userinfo));
    ASSERT_EQ(first.status, 401);
    const std::string nonce = first.header("DPoP-Nonce").value_or("");
    ASSERT_FALSE(nonce.empty());
    auto wrong_url = request_with(
        make_resource_dpop_proof(result.tokens, "GET", op().url("/other"), system_clock(), nonce));
    EXPECT_EQ(wrong_url.status, 401);
    EXPECT_NE(wrong_url.header("WWW-Authenticate").value_or("").find("invalid_dpop_proof"),
              std::string::npos);
    auto wrong_method = request_with(
        make_resource_dpop_proof(result.tokens, "POST", userinfo, system_clock(), nonce));
    EXPECT_EQ(wrong_method.status, 401);
    // The same proof made right is accepted: the refusals above are about the URL and method.
    auto right = request_with(
        make_resource_dpop_proof(result.tokens, "GET", userinfo, system_clock(), nonce));
    EXPECT_EQ(right.status, 200);
}

TEST_F(DpopProvider, AReplayedProofIsRefusedAtTheTokenEndpoint) {
    GenericOIDCProvider p(config("dpop-client"));
    const std::string token_endpoint = p.endpoints().token_endpoint;
    const DpopProofMaker proofs(SigningKey::generate(JwsAlg::ES256));
    const std::string proof =
        proofs.make({.method = "POST", .url = token_endpoint}, system_clock());
    auto http = make_http_client();
    auto send = [&] {
        HttpRequest request;
        request.method = "POST";
        request.url = token_endpoint;
        request.body = "grant_type=client_credentials&scope=api%3Aread";
        request.headers = {
            {"Content-Type", "application/x-www-form-urlencoded"},
            {"Authorization",
             "Basic " + base64_encode("dpop-client:" + OidcProvider::secret_of("dpop-client"))},
            {"DPoP", proof}};
        return http->send(request);
    };
    auto first = send();
    EXPECT_EQ(first.status, 200) << first.body;
    auto second = send();
    EXPECT_EQ(second.status, 400);
    EXPECT_EQ(json::parse(second.body).value("error", ""), "invalid_grant");
}

TEST_F(DpopProvider, RequiredAgainstAProviderWithoutDpopIsAConfigError) {
    OidcProvider plain; // DPoP off: discovery says nothing about it
    ProviderConfig c;
    c.client_id = "conf-client";
    c.client_secret = OidcProvider::secret_of("conf-client");
    c.issuer_url = plain.issuer();
    c.dpop = DpopMode::required;
    GenericOIDCProvider required(c);
    auto error = thrown<ConfigError>([&] { required.begin_authorization(redirect_uri); });
    EXPECT_EQ(error.code(), errc::config_invalid);
    EXPECT_NE(std::string{error.what()}.find("dpop"), std::string::npos);
    EXPECT_EQ(thrown<ConfigError>([&] { required.client_credentials({"api:read"}); }).code(),
              errc::config_invalid);
    // auto: Bearer tokens, as before.
    c.dpop = DpopMode::automatic;
    GenericOIDCProvider automatic(c);
    auto tokens = automatic.client_credentials({"api:read"});
    EXPECT_EQ(tokens.token_type, "Bearer");
    EXPECT_FALSE(tokens.dpop_key.has_value());
}

TEST_F(DpopProvider, DeviceGrant) {
    for (const auto& client : dpop_clients) {
        SCOPED_TRACE(client);
        auto c = config(client);
        c.scopes = {"openid", "email"};
        GenericOIDCProvider p(c);
        auto authorization = p.start_device_authorization();
        ASSERT_TRUE(authorization.dpop_key.has_value());
        authorization.interval = std::chrono::seconds{1};
        auto tokens =
            std::async(std::launch::async, [&] { return p.poll_device_token(authorization); });
        test::OpBrowser browser;
        test::OpBrowser::Options options;
        options.login = "dave";
        browser.approve_device(authorization.verification_uri, authorization.user_code, options);
        auto result = tokens.get();
        EXPECT_EQ(result.token_type, "DPoP");
        EXPECT_EQ(bound_thumbprint(p, result.access_token), authorization.dpop_key->thumbprint());
        EXPECT_EQ(p.identify(result).subject, "dave");
    }
}

TEST_F(DpopProvider, ClientCredentialsInEveryAlgorithmAndTheNonceIsRemembered) {
    for (JwsAlg alg : {JwsAlg::ES256, JwsAlg::EdDSA, JwsAlg::PS256}) {
        SCOPED_TRACE(std::string{to_string(alg)});
        auto c = config("dpop-nonce-client");
        c.dpop_alg = alg;
        auto http = std::make_shared<RecordingHttp>();
        GenericOIDCProvider p(c);
        GenericOIDCProvider recorded(config("dpop-nonce-client", http));
        auto tokens = p.client_credentials({"api:read"});
        EXPECT_EQ(tokens.token_type, "DPoP");
        const auto key = SigningKey::from_pem(tokens.dpop_key.value());
        EXPECT_EQ(key.alg(), alg);
        EXPECT_EQ(bound_thumbprint(p, tokens.access_token), key.thumbprint());

        // The first request learns the nonce (one retry), the second sends it at once.
        const std::string token_endpoint = recorded.endpoints().token_endpoint;
        recorded.client_credentials({"api:read"});
        EXPECT_EQ(http->to(token_endpoint).size(), 2u);
        recorded.client_credentials({"api:read"});
        const auto sent = http->to(token_endpoint);
        ASSERT_EQ(sent.size(), 3u);
        EXPECT_EQ(sent[2].status, 200);
        EXPECT_TRUE(jwt_part(header_of(sent[2].request, "DPoP"), 1).contains("nonce"));
    }
}

TEST_F(DpopProvider, SessionHeadersMakeAResourceRequest) {
    GenericOIDCProvider signing_in(config("dpop-client"));
    auto result = login(signing_in);
    auto provider = std::make_shared<GenericOIDCProvider>(config("dpop-client"));
    auto store = std::make_shared<MemoryTokenStore>();
    SessionManagerOptions options;
    options.background_refresh = false;
    SessionManager session(provider, store, options);
    session.save_tokens(result.tokens);
    EXPECT_EQ(session.get_userinfo()["sub"], "alice");

    const std::string userinfo = provider->endpoints().userinfo_endpoint;
    auto http = make_http_client();
    auto send = [&](const HttpHeaders& headers) {
        HttpRequest request;
        request.url = userinfo;
        request.headers = headers;
        return http->send(request);
    };
    auto headers = session.authorization_headers("GET", userinfo);
    ASSERT_EQ(headers.size(), 2u);
    EXPECT_EQ(headers[0].first, "Authorization");
    EXPECT_EQ(headers[0].second, "DPoP " + result.tokens.access_token);
    EXPECT_EQ(headers[1].first, "DPoP");
    auto challenged = send(headers);
    ASSERT_EQ(challenged.status, 401); // this endpoint wants a nonce
    auto answered = send(session.authorization_headers(
        "GET", userinfo, challenged.header("DPoP-Nonce").value_or("")));
    EXPECT_EQ(answered.status, 200);
    EXPECT_EQ(json::parse(answered.body).value("sub", ""), "alice");
}

} // namespace
} // namespace authflow

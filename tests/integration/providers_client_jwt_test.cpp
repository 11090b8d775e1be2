// Client authentication without a shared secret on the wire, against a real OpenID Provider
// (node oidc-provider): private_key_jwt (RFC 7523 §2.2, OIDC Core §9) with keys this test makes
// and registers as jwt-key-client's jwks, and client_secret_jwt (jwt-secret-client). For each:
// a sign-in through the provider's pages, a refresh, introspection, revocation, the device flow;
// then the provider's refusals: a key it does not know, a wrong secret, an assertion sent twice.
#include "support/oidc_provider.hpp"
#include "support/test_env.hpp"

#include <authflow/core/encoding.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/jose/signing_key.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>
#include <authflow/providers/request_decorator.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <sys/stat.h>

namespace authflow {
namespace {

using json = nlohmann::json;
using test::OidcProvider;
using ::testing::HasSubstr;

constexpr const char* redirect_uri = OidcProvider::default_redirect_uri;

/// The keys of this program: registered at the provider (public halves) and written to files
/// (private halves) the way a user keeps them.
struct ClientKeys {
    test::TempDir dir;
    SigningKey rsa = SigningKey::generate(JwsAlg::RS256);      ///< PKCS#8 PEM, kid = thumbprint
    SigningKey ec = SigningKey::generate(JwsAlg::ES256);       ///< private JWK with its own kid
    SigningKey ed = SigningKey::generate(JwsAlg::EdDSA);       ///< PKCS#8 PEM
    SigningKey stray = SigningKey::generate(JwsAlg::RS256);    ///< never registered
    SigningKey stray_ec = SigningKey::generate(JwsAlg::ES256); ///< never registered
    std::string rsa_file;
    std::string ec_file;
    std::string ed_file;
    std::string stray_file;     ///< an unknown key under its own kid
    std::string stray_kid_file; ///< an unknown key under the registered EC key's kid

    ClientKeys() {
        rsa_file = write("rsa.pem", rsa.to_pem());
        ec_file = write("ec.jwk.json", ec_private_jwk(ec, "ec-key-1").dump());
        ed_file = write("ed.pem", ed.to_pem());
        stray_file = write("stray.pem", stray.to_pem());
        // The provider finds the registered key by this kid and the signature fails with it,
        // rather than no key being found.
        stray_kid_file = write("stray.jwk.json", ec_private_jwk(stray_ec, "ec-key-1").dump());
    }

    std::string write(const std::string& name, const std::string& text) const {
        const auto path = dir.path() / name;
        std::ofstream(path, std::ios::binary) << text;
        ::chmod(path.c_str(), 0600);
        return path.string();
    }

    /// A P-256 key as a private JWK (RFC 7518 §6.2.2), read out with OpenSSL.
    static json ec_private_jwk(const SigningKey& ec, const std::string& kid) {
        json jwk = ec.public_jwk();
        const std::string pem = ec.to_pem();
        std::unique_ptr<BIO, decltype(&BIO_free)> bio(
            BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
        std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
            PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
        BIGNUM* d = nullptr;
        EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_PRIV_KEY, &d);
        std::string bytes(32, '\0');
        BN_bn2binpad(d, reinterpret_cast<unsigned char*>(bytes.data()), 32);
        BN_clear_free(d);
        jwk["d"] = base64url_encode(bytes);
        jwk["kid"] = kid;
        return jwk;
    }

    /// jwt-key-client's registered keys: the public halves with the kids the assertions name.
    json jwks() const {
        auto with_kid = [](json jwk, const std::string& kid) {
            jwk["kid"] = kid;
            return jwk;
        };
        return json{{"keys", json::array({with_kid(rsa.public_jwk(), rsa.thumbprint()),
                                          with_kid(ec.public_jwk(), "ec-key-1"),
                                          with_kid(ed.public_jwk(), ed.thumbprint())})}};
    }
};

ClientKeys& keys() {
    static ClientKeys instance;
    return instance;
}

// One provider process for every test of this program, knowing jwt-key-client's public keys.
OidcProvider& op() {
    static std::unique_ptr<OidcProvider> instance = [] {
        test::OidcProviderOptions options;
        options.jwt_key_client_jwks = keys().jwks();
        return std::make_unique<OidcProvider>(options);
    }();
    return *instance;
}

/// Keeps the form of every request to the token endpoint (the assertions it carried).
class FormRecorder final : public RequestDecorator {
public:
    void add_headers(EndpointKind endpoint, HttpRequest& request) override {
        std::lock_guard lock(mutex_);
        requests_.emplace_back(endpoint, request);
    }
    std::vector<std::pair<EndpointKind, HttpRequest>> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::pair<EndpointKind, HttpRequest>> requests_;
};

json assertion_claims(const HttpRequest& request) {
    const auto assertion = parse_query(request.body).get("client_assertion").value_or("");
    const auto dot1 = assertion.find('.');
    const auto dot2 = assertion.find('.', dot1 + 1);
    return json::parse(base64url_decode(assertion.substr(dot1 + 1, dot2 - dot1 - 1)));
}

class ClientJwt : public ::testing::Test {
protected:
    void SetUp() override {
        AUTHFLOW_REQUIRE_SERVICE(OidcProvider::available(), OidcProvider::missing());
        op();
    }

    static ProviderConfig key_client(const std::string& key_file) {
        ProviderConfig c;
        c.client_id = "jwt-key-client";
        c.private_key_file = key_file;
        c.issuer_url = op().issuer();
        c.scopes = {"openid", "offline_access", "email", "profile"};
        return c;
    }
    static ProviderConfig secret_client(const std::string& secret = "jwt-secret-client-secret") {
        ProviderConfig c;
        c.client_id = "jwt-secret-client";
        c.client_secret = secret;
        c.client_auth_method = ClientAuthMethod::client_secret_jwt;
        c.issuer_url = op().issuer();
        c.scopes = {"openid", "offline_access", "email", "profile"};
        return c;
    }

    static LoginResult login(GenericOIDCProvider& p, const std::string& user) {
        auto request = p.begin_authorization(redirect_uri, QueryParams{{"prompt", "consent"}});
        test::OpBrowser browser;
        test::OpBrowser::Options options;
        options.login = user;
        auto callback = browser.authorize(request.url, redirect_uri, options);
        return p.complete_login(request, callback);
    }

    /// Sign-in, refresh, introspection, revocation: every authenticated endpoint, each request
    /// carrying an assertion the provider checked (it accepts nothing else for these clients).
    static void every_endpoint(const ProviderConfig& c, const std::string& user) {
        auto recorder = std::make_shared<FormRecorder>();
        ProviderConfig recorded = c;
        recorded.request_decorator = recorder;
        GenericOIDCProvider p(recorded);
        const auto grants = op().count_events("grant.success", c.client_id, "authorization_code");
        const auto refreshes = op().count_events("grant.success", c.client_id, "refresh_token");
        const auto revocations = op().count_events("revocation.success", c.client_id);

        auto result = login(p, user);
        EXPECT_EQ(result.identity.subject, user);
        EXPECT_EQ(op().count_events("grant.success", c.client_id, "authorization_code"),
                  grants + 1);
        auto refreshed = p.refresh_tokens(result.tokens);
        EXPECT_EQ(op().count_events("grant.success", c.client_id, "refresh_token"), refreshes + 1);
        ASSERT_TRUE(refreshed.refresh_token);
        EXPECT_TRUE(p.introspect_token(refreshed.access_token, "access_token").active);
        auto revoked = p.revoke_tokens(refreshed);
        EXPECT_TRUE(revoked.refresh_token_revoked);
        EXPECT_TRUE(revoked.access_token_revoked);
        EXPECT_EQ(op().count_events("revocation.success", c.client_id), revocations + 2);
        EXPECT_FALSE(p.introspect_token(refreshed.access_token).active);

        // Every request to an authenticated endpoint carried its own assertion (no secret), with
        // the issuer as audience.
        std::set<std::string> jtis;
        std::size_t authenticated = 0;
        for (const auto& [endpoint, request] : recorder->requests()) {
            if (endpoint == EndpointKind::userinfo) {
                continue;
            }
            ++authenticated;
            const QueryParams form = parse_query(request.body);
            EXPECT_FALSE(form.contains("client_secret"));
            for (const auto& [name, value] : request.headers) {
                EXPECT_NE(name, "Authorization");
            }
            EXPECT_EQ(form.get("client_assertion_type"),
                      "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
            const json claims = assertion_claims(request);
            EXPECT_EQ(claims.at("aud"), op().issuer());
            EXPECT_EQ(claims.at("iss"), c.client_id);
            jtis.insert(claims.at("jti").get<std::string>());
        }
        // code, refresh, 2 introspections, 2 revocations
        EXPECT_EQ(authenticated, 6u);
        EXPECT_EQ(jtis.size(), authenticated);
    }

    template <typename E, typename F> static E thrown(F&& f) {
        try {
            f();
        } catch (const E& e) {
            return e;
        }
        ADD_FAILURE() << "no exception of the expected type";
        return E(errc::internal, "none");
    }
};

TEST_F(ClientJwt, PrivateKeyJwtIsChosenForAKeyFileTheProviderAdvertises) {
    GenericOIDCProvider p(key_client(keys().rsa_file));
    EXPECT_EQ(p.endpoints().client_auth_method, ClientAuthMethod::private_key_jwt);
}

TEST_F(ClientJwt, PrivateKeyJwtAtEveryEndpoint) {
    every_endpoint(key_client(keys().rsa_file), "kate");
}

TEST_F(ClientJwt, ClientSecretJwtAtEveryEndpoint) {
    every_endpoint(secret_client(), "sam");
}

TEST_F(ClientJwt, PrivateKeyJwtWithEcJwkAndEd25519PemFiles) {
    for (const auto& file : {keys().ec_file, keys().ed_file}) {
        SCOPED_TRACE(std::filesystem::path(file).filename().string());
        GenericOIDCProvider p(key_client(file));
        auto tokens = p.client_credentials({"api:read"});
        EXPECT_FALSE(tokens.access_token.empty());
        EXPECT_EQ(p.introspect_token(tokens.access_token).client_id, "jwt-key-client");
    }
}

TEST_F(ClientJwt, DeviceAuthorizationIsAuthenticatedTheSameWay) {
    for (const auto& c : {key_client(keys().rsa_file), secret_client()}) {
        SCOPED_TRACE(c.client_id);
        auto config = c;
        config.scopes = {"openid", "email"};
        GenericOIDCProvider p(config);
        auto authorization = p.start_device_authorization();
        authorization.interval = std::chrono::seconds{1};
        auto tokens =
            std::async(std::launch::async, [&] { return p.poll_device_token(authorization); });
        test::OpBrowser browser;
        test::OpBrowser::Options options;
        options.login = "dora";
        browser.approve_device(authorization.verification_uri, authorization.user_code, options);
        EXPECT_EQ(p.identify(tokens.get()).subject, "dora");
        EXPECT_GE(op().count_events("grant.success", c.client_id,
                                    "urn:ietf:params:oauth:grant-type:device_code"),
                  1u);
    }
}

TEST_F(ClientJwt, AKeyTheProviderDoesNotKnowIsInvalidClient) {
    for (const auto& file : {keys().stray_file, keys().stray_kid_file}) {
        SCOPED_TRACE(std::filesystem::path(file).filename().string());
        GenericOIDCProvider p(key_client(file));
        const auto errors = op().count_events("grant.error", "jwt-key-client");
        auto error = thrown<TokenError>([&] { p.client_credentials({"api:read"}); });
        EXPECT_EQ(error.code(), errc::provider_error);
        EXPECT_EQ(error.oauth_error(), "invalid_client");
        EXPECT_THAT(error.what(), HasSubstr("client authentication"));
        EXPECT_EQ(op().count_events("grant.error", "jwt-key-client"), errors + 1);
    }
}

TEST_F(ClientJwt, AWrongSecretIsInvalidClient) {
    GenericOIDCProvider p(secret_client("not-the-jwt-secret-client-secret"));
    auto error = thrown<TokenError>([&] { p.client_credentials({"api:read"}); });
    EXPECT_EQ(error.oauth_error(), "invalid_client");
    EXPECT_THAT(error.what(), HasSubstr("client authentication"));
}

TEST_F(ClientJwt, AnAssertionSentTwiceIsRefused) {
    for (const auto& c : {key_client(keys().rsa_file), secret_client()}) {
        SCOPED_TRACE(c.client_id);
        auto recorder = std::make_shared<FormRecorder>();
        auto config = c;
        config.request_decorator = recorder;
        GenericOIDCProvider p(config);
        EXPECT_FALSE(p.client_credentials({"api:read"}).access_token.empty());
        EXPECT_FALSE(p.client_credentials({"api:read"}).access_token.empty());
        const auto requests = recorder->requests();
        ASSERT_EQ(requests.size(), 2u);
        // Two requests, two assertions, two jti.
        EXPECT_NE(assertion_claims(requests[0].second).at("jti"),
                  assertion_claims(requests[1].second).at("jti"));
        // The first request replayed as captured: RFC 7523 §3 item 7, the provider remembers
        // the jti until exp and refuses it.
        const HttpResponse replay = make_http_client()->send(requests[0].second);
        EXPECT_EQ(replay.status, 401);
        EXPECT_EQ(json::parse(replay.body).at("error"), "invalid_client");
    }
}

} // namespace
} // namespace authflow

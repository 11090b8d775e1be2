// Client authentication without a shared secret on the wire (RFC 7523 §2.2 and §3, OIDC Core §9):
// private_key_jwt with a key read from a PEM or JWK file, and client_secret_jwt (HS256). The
// assertions are decoded and checked claim by claim; signatures are verified independently
// (the jose verifier for the asymmetric keys, OpenSSL's HMAC for HS256).
#include "provider_test_util.hpp"
#include "providers/client_auth.hpp"
#include "providers/client_private_key.hpp"
#include "token_endpoint_test_util.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/core/encoding.hpp>
#include <authflow/core/log.hpp>
#include <authflow/core/random.hpp>
#include <authflow/jose/jws.hpp>
#include <authflow/jose/signing_key.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>
#include <authflow/providers/microsoft_provider.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sys/stat.h>

namespace authflow {
namespace {

using detail::authenticated_form_post;
using detail::make_client_auth;
using json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view issuer = "https://op.example";
constexpr std::string_view token_url = "https://op.example/oauth/token";

/// A directory of its own for key files, removed at the end.
class KeyDir {
public:
    KeyDir()
        : path_(std::filesystem::temp_directory_path() / ("authflow-keys-" + random_token(8))) {
        std::filesystem::create_directory(path_);
    }
    ~KeyDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    std::string write(const std::string& name, std::string_view text, mode_t mode = 0600) {
        const auto file = path_ / name;
        std::ofstream(file, std::ios::binary) << text;
        ::chmod(file.c_str(), mode);
        return file.string();
    }
    std::string path(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

struct PkeyFree {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

PkeyPtr read_pem(const std::string& pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    return PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

std::string bn_member(const EVP_PKEY* key, const char* name, std::size_t pad = 0) {
    BIGNUM* bn = nullptr;
    EXPECT_EQ(EVP_PKEY_get_bn_param(key, name, &bn), 1) << name;
    std::string out(pad != 0 ? pad : static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size()));
    BN_free(bn);
    return base64url_encode(out);
}

/// The private JWK of a generated key: its public JWK plus the private members, read with
/// OpenSSL (independently of SigningKey::from_jwk).
json private_jwk(const SigningKey& key, bool with_crt = true) {
    json jwk = key.public_jwk();
    PkeyPtr pkey = read_pem(key.to_pem());
    const std::string kty = jwk.at("kty");
    if (kty == "RSA") {
        jwk["d"] = bn_member(pkey.get(), OSSL_PKEY_PARAM_RSA_D);
        if (with_crt) {
            jwk["p"] = bn_member(pkey.get(), OSSL_PKEY_PARAM_RSA_FACTOR1);
            jwk["q"] = bn_member(pkey.get(), OSSL_PKEY_PARAM_RSA_FACTOR2);
            jwk["dp"] = bn_member(pkey.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1);
            jwk["dq"] = bn_member(pkey.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2);
            jwk["qi"] = bn_member(pkey.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
        }
    } else if (kty == "EC") {
        const std::size_t size = base64url_decode(jwk.at("x").get<std::string>()).size();
        jwk["d"] = bn_member(pkey.get(), OSSL_PKEY_PARAM_PRIV_KEY, size);
    } else {
        std::string raw(32, '\0');
        std::size_t size = raw.size();
        EXPECT_EQ(EVP_PKEY_get_raw_private_key(pkey.get(),
                                               reinterpret_cast<unsigned char*>(raw.data()), &size),
                  1);
        jwk["d"] = base64url_encode(raw);
    }
    return jwk;
}

std::string public_pem(const SigningKey& key) {
    PkeyPtr pkey = read_pem(key.to_pem());
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    PEM_write_bio_PUBKEY(bio.get(), pkey.get());
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

ProviderConfig client(ClientAuthMethod method, std::string key_file = {}, std::string secret = {}) {
    ProviderConfig config;
    config.client_id = "jwt-client";
    config.client_secret = std::move(secret);
    config.client_auth_method = method;
    config.private_key_file = std::move(key_file);
    config.clock = std::make_shared<ManualClock>();
    return config;
}

struct Assertion {
    json header;
    json claims;
    std::string token;
    QueryParams form;
};

/// Posts through the strategy and reads the assertion back from the form.
Assertion post(const detail::ClientAuth& auth, std::string_view aud = issuer) {
    const HttpRequest request = authenticated_form_post(
        std::string{token_url}, QueryParams{{"grant_type", "x"}}, auth, aud);
    Assertion out;
    out.form = parse_query(request.body);
    for (const auto& [name, value] : request.headers) {
        EXPECT_NE(name, "Authorization") << "an assertion method sends no Authorization header";
    }
    out.token = out.form.get("client_assertion").value_or("");
    const auto dot1 = out.token.find('.');
    const auto dot2 = out.token.find('.', dot1 + 1);
    EXPECT_NE(dot2, std::string::npos);
    out.header = json::parse(base64url_decode(out.token.substr(0, dot1)));
    out.claims = json::parse(base64url_decode(out.token.substr(dot1 + 1, dot2 - dot1 - 1)));
    return out;
}

std::int64_t now_seconds(const ProviderConfig& config) {
    return std::chrono::duration_cast<std::chrono::seconds>(config.clock->now().time_since_epoch())
        .count();
}

/// RFC 7523 §3 and §2.2: the claims and the form parameters every assertion carries.
void expect_rfc7523_assertion(const Assertion& a, const ProviderConfig& config,
                              std::string_view aud = issuer) {
    EXPECT_EQ(a.form.get("client_assertion_type"),
              "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    EXPECT_EQ(a.form.get("client_id"), config.client_id);
    EXPECT_FALSE(a.form.contains("client_secret"));
    EXPECT_EQ(a.form.get("grant_type"), "x");
    EXPECT_EQ(a.claims.at("iss"), config.client_id);
    EXPECT_EQ(a.claims.at("sub"), config.client_id);
    EXPECT_EQ(a.claims.at("aud"), aud);
    EXPECT_TRUE(a.claims.at("jti").is_string());
    EXPECT_GE(a.claims.at("jti").get<std::string>().size(), 32u);
    EXPECT_EQ(a.claims.at("iat").get<std::int64_t>(), now_seconds(config));
    EXPECT_EQ(a.claims.at("exp").get<std::int64_t>(), now_seconds(config) + 60);
}

// ---- private_key_jwt -------------------------------------------------------------------------

struct KeyCase {
    JwsAlg generated;
    JwsAlg expected; ///< what the file's key signs with
    const char* name;
};

const KeyCase key_cases[] = {
    // PEM RSA: RS256, the algorithm every provider accepts (from_pem alone would pick PS256).
    {JwsAlg::RS256, JwsAlg::RS256, "rsa"},
    {JwsAlg::PS256, JwsAlg::RS256, "rsa-generated-for-pss"},
    {JwsAlg::ES256, JwsAlg::ES256, "ec-p256"},
    {JwsAlg::ES384, JwsAlg::ES384, "ec-p384"},
    {JwsAlg::EdDSA, JwsAlg::EdDSA, "ed25519"},
};

void expect_verifies(const Assertion& a, const SigningKey& key, JwsAlg alg) {
    json public_jwk = key.public_jwk();
    public_jwk["kid"] = a.header.at("kid");
    Jwks keys;
    keys.add(Jwk::from_json(public_jwk));
    JwsOptions options;
    options.allowed_algs = {alg};
    const VerifiedJws verified = verify_jws(a.token, keys, options);
    EXPECT_EQ(verified.header.alg, alg);
}

TEST(PrivateKeyJwt, Pkcs8PemFileSignsAnRfc7523Assertion) {
    KeyDir dir;
    for (const auto& c : key_cases) {
        SCOPED_TRACE(c.name);
        const SigningKey generated = SigningKey::generate(c.generated);
        const auto config =
            client(ClientAuthMethod::private_key_jwt, dir.write(c.name, generated.to_pem()));
        const auto auth = make_client_auth(ClientAuthMethod::private_key_jwt, config);
        EXPECT_EQ(auth->method(), ClientAuthMethod::private_key_jwt);
        const Assertion a = post(*auth);
        expect_rfc7523_assertion(a, config);
        EXPECT_EQ(a.header.at("alg"), to_string(c.expected));
        // No kid in a PEM file: the RFC 7638 thumbprint names the key.
        EXPECT_EQ(a.header.at("kid"), generated.thumbprint());
        expect_verifies(a, generated, c.expected);
    }
}

TEST(PrivateKeyJwt, JwkFileGivesAlgAndKid) {
    KeyDir dir;
    for (const auto& c : key_cases) {
        SCOPED_TRACE(c.name);
        const SigningKey generated = SigningKey::generate(c.generated);
        json jwk = private_jwk(generated);
        jwk["kid"] = std::string("kid-") + c.name;
        const auto config =
            client(ClientAuthMethod::private_key_jwt, dir.write(c.name, jwk.dump(2)));
        const Assertion a = post(*make_client_auth(ClientAuthMethod::private_key_jwt, config));
        expect_rfc7523_assertion(a, config);
        EXPECT_EQ(a.header.at("kid"), jwk.at("kid"));
        EXPECT_EQ(a.header.at("alg"), to_string(c.expected));
        expect_verifies(a, generated, c.expected);
    }
}

TEST(PrivateKeyJwt, JwkAlgNamesTheAlgorithm) {
    KeyDir dir;
    const SigningKey generated = SigningKey::generate(JwsAlg::RS256);
    json jwk = private_jwk(generated);
    jwk["alg"] = "PS256";
    const auto config = client(ClientAuthMethod::private_key_jwt, dir.write("ps.json", jwk.dump()));
    const Assertion a = post(*make_client_auth(ClientAuthMethod::private_key_jwt, config));
    EXPECT_EQ(a.header.at("alg"), "PS256");
    EXPECT_EQ(a.header.at("kid"), generated.thumbprint());
    expect_verifies(a, generated, JwsAlg::PS256);

    // Without the CRT members (RFC 7518 §6.3.2 SHOULD): refused, the key cannot be checked.
    json bare = private_jwk(generated, false);
    auto bare_config =
        client(ClientAuthMethod::private_key_jwt, dir.write("bare.json", bare.dump()));
    EXPECT_EQ(test::thrown_code<ConfigError>(
                  [&] { make_client_auth(ClientAuthMethod::private_key_jwt, bare_config); }),
              errc::config_invalid);
}

TEST(PrivateKeyJwt, EachAssertionHasAFreshJti) {
    KeyDir dir;
    const auto config = client(ClientAuthMethod::private_key_jwt,
                               dir.write("k", SigningKey::generate(JwsAlg::ES256).to_pem()));
    const auto auth = make_client_auth(ClientAuthMethod::private_key_jwt, config);
    std::set<std::string> seen;
    for (int i = 0; i < 20; ++i) {
        seen.insert(post(*auth).claims.at("jti").get<std::string>());
    }
    EXPECT_EQ(seen.size(), 20u);
}

TEST(PrivateKeyJwt, AudienceIsTheIssuerElseTheEndpoint) {
    KeyDir dir;
    const auto config = client(ClientAuthMethod::private_key_jwt,
                               dir.write("k", SigningKey::generate(JwsAlg::ES256).to_pem()));
    const auto auth = make_client_auth(ClientAuthMethod::private_key_jwt, config);
    EXPECT_EQ(post(*auth, issuer).claims.at("aud"), issuer);
    // A plain OAuth provider has no issuer identifier: the endpoint's URL.
    EXPECT_EQ(post(*auth, "").claims.at("aud"), token_url);
}

TEST(PrivateKeyJwt, TimeComesFromTheClock) {
    KeyDir dir;
    auto config = client(ClientAuthMethod::private_key_jwt,
                         dir.write("k", SigningKey::generate(JwsAlg::ES256).to_pem()));
    auto clock = std::make_shared<ManualClock>();
    config.clock = clock;
    const auto auth = make_client_auth(ClientAuthMethod::private_key_jwt, config);
    clock->advance(std::chrono::hours{5});
    const Assertion a = post(*auth);
    expect_rfc7523_assertion(a, config);
}

// ---- key files that are refused ----------------------------------------------------------------

/// The ConfigError a key file gets; checks it names the setting and the path.
ConfigError refusal(const std::string& path) {
    try {
        detail::load_client_private_key(path);
    } catch (const ConfigError& e) {
        EXPECT_THAT(e.what(), HasSubstr("private_key_file"));
        EXPECT_THAT(e.what(), HasSubstr(path));
        return e;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "not a ConfigError: " << e.what();
    }
    ADD_FAILURE() << "the file was accepted";
    return ConfigError(errc::internal, "");
}

TEST(PrivateKeyFile, MissingFileIsConfigMissing) {
    KeyDir dir;
    EXPECT_EQ(refusal(dir.path("absent.pem")).code(), errc::config_missing);
}

TEST(PrivateKeyFile, UnreadableOrDirectoryIsConfigInvalid) {
    KeyDir dir;
    EXPECT_EQ(refusal(dir.path("")).code(), errc::config_invalid); // the directory itself
    if (::geteuid() != 0) {                                        // root reads any file
        const auto path = dir.write("locked.pem", SigningKey::generate(JwsAlg::ES256).to_pem(), 0);
        EXPECT_EQ(refusal(path).code(), errc::config_invalid);
    }
}

TEST(PrivateKeyFile, PublicKeysAreRefusedWithoutQuotingThem) {
    KeyDir dir;
    const SigningKey key = SigningKey::generate(JwsAlg::RS256);
    const std::string pem = public_pem(key);
    auto e = refusal(dir.write("public.pem", pem));
    EXPECT_EQ(e.code(), errc::config_invalid);
    EXPECT_THAT(e.what(), HasSubstr("public key"));
    EXPECT_THAT(e.what(), Not(HasSubstr(pem.substr(27, 40))));

    const std::string jwk = key.public_jwk().dump();
    e = refusal(dir.write("public.json", jwk));
    EXPECT_EQ(e.code(), errc::config_invalid);
    EXPECT_THAT(e.what(), HasSubstr("public key only"));
    EXPECT_THAT(e.what(),
                Not(HasSubstr(key.public_jwk().at("n").get<std::string>().substr(0, 20))));
}

TEST(PrivateKeyFile, WeakAndUnsupportedKeysAreRefused) {
    KeyDir dir;
    PkeyPtr weak(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(1024)));
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    PEM_write_bio_PrivateKey(bio.get(), weak.get(), nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    auto e = refusal(dir.write("weak.pem", std::string(data, static_cast<std::size_t>(size))));
    EXPECT_EQ(e.code(), errc::config_invalid);
    EXPECT_THAT(e.what(), HasSubstr("2048"));

    // A shared secret as a JWK is not a private key.
    e = refusal(
        dir.write("oct.json", R"({"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"})"));
    EXPECT_EQ(e.code(), errc::config_invalid);
    EXPECT_THAT(e.what(), Not(HasSubstr("c2VjcmV0")));
}

TEST(PrivateKeyFile, DamagedFilesAreRefusedWithoutQuotingThem) {
    KeyDir dir;
    const SigningKey key = SigningKey::generate(JwsAlg::ES256);
    json jwk = private_jwk(key);
    const std::string d = jwk.at("d");

    // Not a key at all.
    EXPECT_EQ(refusal(dir.write("text", "hello, not a key")).code(), errc::config_invalid);
    // JSON that does not parse: nlohmann's own message would quote the text.
    auto e = refusal(dir.write("broken.json", "{\"kty\":\"EC\",\"d\":\"" + d + "\""));
    EXPECT_EQ(e.code(), errc::config_invalid);
    EXPECT_THAT(e.what(), Not(HasSubstr(d)));
    // The private part of another key.
    json mismatched = jwk;
    mismatched["d"] = private_jwk(SigningKey::generate(JwsAlg::ES256)).at("d");
    e = refusal(dir.write("mismatch.json", mismatched.dump()));
    EXPECT_EQ(e.code(), errc::config_invalid);
    EXPECT_THAT(e.what(), HasSubstr("does not match"));
    EXPECT_THAT(e.what(), Not(HasSubstr(mismatched.at("d").get<std::string>())));
    // Bad base64url in d.
    json bad = jwk;
    bad["d"] = "not base64url!" + d;
    e = refusal(dir.write("bad.json", bad.dump()));
    EXPECT_EQ(e.code(), errc::config_invalid);
    EXPECT_THAT(e.what(), Not(HasSubstr(d)));
    // A truncated PEM.
    const std::string pem = key.to_pem();
    e = refusal(dir.write("cut.pem", pem.substr(0, pem.size() / 2)));
    EXPECT_EQ(e.code(), errc::config_invalid);
    EXPECT_THAT(e.what(), Not(HasSubstr(pem.substr(40, 30))));
    // A key set instead of a key.
    e = refusal(dir.write("set.json", json{{"keys", json::array({jwk})}}.dump()));
    EXPECT_EQ(e.code(), errc::config_invalid);
    EXPECT_THAT(e.what(), Not(HasSubstr(d)));
}

TEST(PrivateKeyFile, AFileOthersMayReadIsUsedWithAWarning) {
    KeyDir dir;
    std::mutex mutex;
    std::vector<std::string> warnings;
    set_log_callback([&](LogLevel level, std::string_view message) {
        if (level == LogLevel::warning) {
            std::lock_guard lock(mutex);
            warnings.emplace_back(message);
        }
    });
    const std::string pem = SigningKey::generate(JwsAlg::ES256).to_pem();
    const auto path = dir.write("shared.pem", pem, 0644);
    EXPECT_NO_THROW(detail::load_client_private_key(path));
    set_log_callback({});
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_THAT(warnings[0], HasSubstr(path));
    EXPECT_THAT(warnings[0], HasSubstr("private_key_file"));
    EXPECT_THAT(warnings[0], Not(HasSubstr("PRIVATE KEY")));
}

TEST(PrivateKeyFile, ProviderReadsTheKeyWhenMadeAndRefusesABadOne) {
    KeyDir dir;
    ProviderConfig config = client(ClientAuthMethod::private_key_jwt, dir.path("absent.pem"));
    config.token_url = std::string{token_url};
    EXPECT_EQ(test::thrown_code<ConfigError>(
                  [&] { GenericOIDCProvider(config, GenericOIDCProvider::Discovery::off); }),
              errc::config_missing);
    config.private_key_file.clear();
    EXPECT_EQ(test::thrown_code<ConfigError>(
                  [&] { GenericOIDCProvider(config, GenericOIDCProvider::Discovery::off); }),
              errc::config_missing);
}

// ---- client_secret_jwt -----------------------------------------------------------------------

TEST(ClientSecretJwt, Hs256UnderTheClientSecretVerifiedWithOpenSslHmac) {
    const std::string secret = "jwt-secret-client-secret-of-32-bytes!";
    const auto config = client(ClientAuthMethod::client_secret_jwt, {}, secret);
    const auto auth = make_client_auth(ClientAuthMethod::client_secret_jwt, config);
    EXPECT_EQ(auth->method(), ClientAuthMethod::client_secret_jwt);
    const Assertion a = post(*auth);
    expect_rfc7523_assertion(a, config);
    EXPECT_EQ(a.header, json({{"alg", "HS256"}}));

    const auto last_dot = a.token.rfind('.');
    const std::string input = a.token.substr(0, last_dot);
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int mac_size = 0;
    ASSERT_NE(HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
                   reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac.data(),
                   &mac_size),
              nullptr);
    EXPECT_EQ(a.token.substr(last_dot + 1),
              base64url_encode(std::string_view(reinterpret_cast<char*>(mac.data()), mac_size)));
    // The secret never travels.
    EXPECT_EQ(a.token.find(secret), std::string::npos);
    EXPECT_EQ(a.token.find(base64url_encode(secret)), std::string::npos);
}

TEST(ClientSecretJwt, EachAssertionHasAFreshJtiAndTheIssuerAsAudience) {
    const auto config = client(ClientAuthMethod::client_secret_jwt, {}, "s");
    const auto auth = make_client_auth(ClientAuthMethod::client_secret_jwt, config);
    const Assertion first = post(*auth);
    const Assertion second = post(*auth);
    EXPECT_NE(first.claims.at("jti"), second.claims.at("jti"));
    EXPECT_EQ(first.claims.at("aud"), issuer);
    EXPECT_EQ(post(*auth, "").claims.at("aud"), token_url);
}

TEST(ClientSecretJwt, NeedsASecret) {
    ProviderConfig config = client(ClientAuthMethod::client_secret_jwt);
    config.token_url = std::string{token_url};
    EXPECT_EQ(test::thrown_code<ConfigError>(
                  [&] { GenericOIDCProvider(config, GenericOIDCProvider::Discovery::off); }),
              errc::config_missing);
}

// ---- choosing the method -----------------------------------------------------------------------

TEST(ClientAuthChoice, AutomaticPrefersThePrivateKey) {
    auto config = client(ClientAuthMethod::automatic, "/some/key.pem", "s");
    EXPECT_EQ(detail::choose_client_auth_method(config, {}, ClientAuthMethod::client_secret_post),
              ClientAuthMethod::private_key_jwt);
    EXPECT_EQ(detail::choose_client_auth_method(config, {"client_secret_basic", "private_key_jwt"},
                                                ClientAuthMethod::client_secret_basic),
              ClientAuthMethod::private_key_jwt);
    // Not advertised: the rule without a key.
    EXPECT_EQ(detail::choose_client_auth_method(config, {"client_secret_post"},
                                                ClientAuthMethod::client_secret_basic),
              ClientAuthMethod::client_secret_post);
    config.private_key_file.clear();
    EXPECT_EQ(detail::choose_client_auth_method(config, {"client_secret_basic", "private_key_jwt"},
                                                ClientAuthMethod::client_secret_basic),
              ClientAuthMethod::client_secret_basic);
}

TEST(ClientAuthChoice, AConfiguredMethodTheProviderDoesNotAdvertiseIsConfigInvalid) {
    for (auto method : {ClientAuthMethod::private_key_jwt, ClientAuthMethod::client_secret_jwt,
                        ClientAuthMethod::client_secret_basic}) {
        auto config = client(method, "/k", "s");
        try {
            detail::choose_client_auth_method(config, {"client_secret_post"},
                                              ClientAuthMethod::client_secret_basic);
            ADD_FAILURE() << "accepted " << to_string(method);
        } catch (const ConfigError& e) {
            EXPECT_EQ(e.code(), errc::config_invalid);
            EXPECT_THAT(e.what(), HasSubstr("token_endpoint_auth_method"));
            EXPECT_THAT(e.what(), HasSubstr(std::string{to_string(method)}));
            EXPECT_THAT(e.what(), HasSubstr("client_secret_post"));
        }
        // Advertised, or nothing advertised: used.
        EXPECT_EQ(detail::choose_client_auth_method(config, {std::string{to_string(method)}},
                                                    ClientAuthMethod::client_secret_basic),
                  method);
        EXPECT_EQ(
            detail::choose_client_auth_method(config, {}, ClientAuthMethod::client_secret_basic),
            method);
    }
    // A public client is not checked against the confidential clients' list.
    EXPECT_EQ(detail::choose_client_auth_method(client(ClientAuthMethod::none),
                                                {"client_secret_basic"},
                                                ClientAuthMethod::client_secret_basic),
              ClientAuthMethod::none);
}

// ---- through a provider: every authenticated endpoint, and each provider's audience ------------

json claims_of(const HttpRequest& request) {
    const std::string assertion = parse_query(request.body).get("client_assertion").value_or("");
    const auto dot1 = assertion.find('.');
    const auto dot2 = assertion.find('.', dot1 + 1);
    if (dot1 == std::string::npos || dot2 == std::string::npos) {
        ADD_FAILURE() << "no client_assertion in the request to " << request.url;
        return json::object();
    }
    return json::parse(base64url_decode(assertion.substr(dot1 + 1, dot2 - dot1 - 1)));
}

TEST(ClientJwtProvider, EveryAuthenticatedEndpointGetsItsOwnAssertionForTheIssuer) {
    KeyDir dir;
    test::FakeOp op;
    op.discovery["token_endpoint_auth_methods_supported"] =
        json::array({"client_secret_basic", "private_key_jwt"});
    op.serve_discovery();
    op.token_answer(200, {{"access_token", "AT"}, {"token_type", "Bearer"}});
    op.http->on_json(test::FakeOp::revocation_url, 200, json::object());
    op.http->on_json(test::FakeOp::introspection_url, 200, {{"active", true}});
    op.http->on_json(test::FakeOp::device_url, 200,
                     {{"device_code", "dc"},
                      {"user_code", "UC"},
                      {"verification_uri", "https://op.example/verify"},
                      {"expires_in", 600}});
    ProviderConfig config = client(ClientAuthMethod::automatic,
                                   dir.write("k.pem", SigningKey::generate(JwsAlg::ES256).to_pem()),
                                   "a-secret-that-auto-does-not-use");
    config.issuer_url = test::FakeOp::issuer;
    config.http = op.http;
    config.clock = op.clock;
    GenericOIDCProvider provider(config);
    EXPECT_EQ(provider.endpoints().client_auth_method, ClientAuthMethod::private_key_jwt);

    provider.client_credentials({"api"});
    EXPECT_TRUE(provider.revoke_token("AT", "access_token"));
    EXPECT_TRUE(provider.introspect_token("AT").active);
    provider.start_device_authorization();

    std::set<std::string> jtis;
    for (const char* url : {test::FakeOp::token_url, test::FakeOp::revocation_url,
                            test::FakeOp::introspection_url, test::FakeOp::device_url}) {
        SCOPED_TRACE(url);
        const auto requests = op.http->requests_to(url);
        ASSERT_EQ(requests.size(), 1u);
        const QueryParams form = parse_query(requests[0].body);
        EXPECT_EQ(form.get("client_assertion_type"),
                  "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        EXPECT_FALSE(form.contains("client_secret"));
        EXPECT_EQ(test::header_of(requests[0], "Authorization"), "");
        const json claims = claims_of(requests[0]);
        EXPECT_EQ(claims.at("aud"), test::FakeOp::issuer);
        jtis.insert(claims.at("jti").get<std::string>());
    }
    EXPECT_EQ(jtis.size(), 4u);
}

TEST(ClientJwtProvider, AConfiguredMethodDiscoveryDoesNotListStopsTheSignInBeforeItStarts) {
    test::FakeOp op; // advertises client_secret_basic, client_secret_post, none
    ProviderConfig config = client(ClientAuthMethod::client_secret_jwt, {}, "s");
    config.issuer_url = test::FakeOp::issuer;
    config.http = op.http;
    GenericOIDCProvider provider(config);
    EXPECT_EQ(test::thrown_code<ConfigError>(
                  [&] { provider.begin_authorization("http://127.0.0.1:8765/callback"); }),
              errc::config_invalid);
}

TEST(ClientJwtProvider, PlainOAuthUsesTheEndpointAndMicrosoftItsTokenEndpoint) {
    auto http = std::make_shared<test::RecordingHttp>();
    ProviderConfig config = client(ClientAuthMethod::client_secret_jwt, {}, "s");
    config.http = http;

    // No issuer identifier: the endpoint's URL (RFC 7523 §3 item 3).
    ProviderConfig plain = config;
    plain.authorize_url = "https://oauth.example/authorize";
    plain.token_url = "https://oauth.example/token";
    plain.revocation_url = "https://oauth.example/revoke";
    http->on_json(plain.token_url, 200, {{"access_token", "AT"}, {"token_type", "Bearer"}});
    http->on_json(plain.revocation_url, 200, json::object());
    GenericOIDCProvider oauth(plain, GenericOIDCProvider::Discovery::off);
    oauth.client_credentials({});
    oauth.revoke_token("AT");
    EXPECT_EQ(claims_of(http->requests_to(plain.token_url).at(0)).at("aud"), plain.token_url);
    EXPECT_EQ(claims_of(http->requests_to(plain.revocation_url).at(0)).at("aud"),
              plain.revocation_url);

    // Entra ID wants its token endpoint as the audience, for a tenant as for `common`.
    for (const char* tenant : {"contoso.example", "common"}) {
        MicrosoftProvider microsoft(config, tenant, "https://login.example");
        const std::string microsoft_token_url = microsoft.endpoints().token_endpoint;
        http->on_json(microsoft_token_url, 200, {{"access_token", "AT"}, {"token_type", "Bearer"}});
        microsoft.client_credentials({"https://graph.microsoft.com/.default"});
        EXPECT_EQ(claims_of(http->requests_to(microsoft_token_url).back()).at("aud"),
                  microsoft_token_url)
            << tenant;
    }
}

} // namespace
} // namespace authflow

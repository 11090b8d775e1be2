// OAuth2Settings: the field table, validation, the config file, the environment and precedence.
#include "support/test_env.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/core/settings.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace authflow {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

using Environment = std::map<std::string, std::string, std::less<>>;

constexpr std::string_view secret = "S3cr3t-Value-4f9a1c";

/// Runs `f`, which must throw ConfigError; returns it.
template <typename F> ConfigError config_error(F&& f) {
    try {
        f();
    } catch (const ConfigError& e) {
        return e;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "expected ConfigError, got another exception: " << e.what();
        return ConfigError(errc::internal, "wrong exception");
    }
    ADD_FAILURE() << "expected ConfigError, nothing thrown";
    return ConfigError(errc::internal, "nothing thrown");
}

/// Sources with an empty injected environment and no config file at the default location.
SettingsSources isolated(const test::TempDir& dir) {
    SettingsSources sources;
    sources.environment = Environment{{"XDG_CONFIG_HOME", dir.path().string()}};
    return sources;
}

TEST(Settings, FieldNamesInDeclarationOrder) {
    const std::vector<std::string_view> expected = {"provider",
                                                    "client_id",
                                                    "client_secret",
                                                    "scopes",
                                                    "authorize_url",
                                                    "token_url",
                                                    "userinfo_url",
                                                    "issuer_url",
                                                    "revocation_url",
                                                    "jwks_uri",
                                                    "device_authorization_url",
                                                    "tenant_id",
                                                    "use_pkce",
                                                    "token_store_backend",
                                                    "auth_timeout_seconds",
                                                    "refresh_buffer_seconds",
                                                    "redirect_uri",
                                                    "callback_port",
                                                    "token_endpoint_auth_method",
                                                    "private_key_file",
                                                    "par",
                                                    "par_url",
                                                    "ca_file",
                                                    "http_timeout_seconds",
                                                    "leeway_seconds",
                                                    "keyring_service",
                                                    "token_store_path",
                                                    "redis_url",
                                                    "redis_prefix",
                                                    "store_key_file",
                                                    "insecure_plaintext_store",
                                                    "dpop",
                                                    "dpop_alg"};
    EXPECT_EQ(OAuth2Settings::field_names(), expected);
}

TEST(Settings, Defaults) {
    const OAuth2Settings s;
    EXPECT_EQ(s.get("provider"), "custom");
    EXPECT_EQ(s.get("client_id"), "");
    EXPECT_EQ(s.get("client_secret"), "");
    EXPECT_FALSE(s.scopes.has_value());
    EXPECT_EQ(s.get("scopes"), "");
    EXPECT_EQ(s.get("tenant_id"), "common");
    EXPECT_EQ(s.get("use_pkce"), "true");
    EXPECT_EQ(s.get("token_store_backend"), "memory");
    EXPECT_EQ(s.get("auth_timeout_seconds"), "120");
    EXPECT_EQ(s.get("refresh_buffer_seconds"), "60");
    EXPECT_EQ(s.get("callback_port"), "0");
    EXPECT_EQ(s.get("client_auth_method"), "auto");
    EXPECT_EQ(s.get("par"), "auto");
    EXPECT_EQ(s.par, ParMode::automatic);
    EXPECT_EQ(s.get("http_timeout_seconds"), "30");
    EXPECT_EQ(s.get("leeway_seconds"), "60");
    EXPECT_EQ(s.get("keyring_service"), "authflow");
    EXPECT_EQ(s.get("redis_url"), "redis://127.0.0.1:6379/0");
    EXPECT_EQ(s.get("redis_prefix"), "authflow");
    EXPECT_EQ(s.get("insecure_plaintext_store"), "false");
    EXPECT_EQ(s.get("dpop"), "auto");
    EXPECT_EQ(s.dpop, DpopMode::automatic);
    EXPECT_EQ(s.get("dpop_alg"), "ES256");
    EXPECT_NO_THROW(s.validate());
}

TEST(Settings, DpopSettings) {
    OAuth2Settings s;
    for (auto mode : {DpopMode::off, DpopMode::automatic, DpopMode::required}) {
        EXPECT_EQ(parse_dpop_mode(to_string(mode)), mode);
    }
    for (auto alg : {DpopAlg::ES256, DpopAlg::EdDSA, DpopAlg::PS256}) {
        EXPECT_EQ(parse_dpop_alg(to_string(alg)), alg);
    }
    s.set("dpop", " Required ");
    EXPECT_EQ(s.dpop, DpopMode::required);
    EXPECT_EQ(s.get("dpop"), "required");
    s.set("dpop_alg", "eddsa");
    EXPECT_EQ(s.dpop_alg, DpopAlg::EdDSA);
    EXPECT_EQ(s.get("dpop_alg"), "EdDSA");

    auto mode = config_error([&] { s.set("dpop", "sometimes"); });
    EXPECT_EQ(mode.code(), errc::config_invalid);
    for (auto name : {"dpop", "off", "auto", "required"}) {
        EXPECT_THAT(mode.what(), HasSubstr(name));
    }
    EXPECT_EQ(s.dpop, DpopMode::required); // a rejected value leaves the field unchanged
    auto alg = config_error([&] { s.set("dpop_alg", "HS256"); });
    EXPECT_EQ(alg.code(), errc::config_invalid);
    for (auto name : {"dpop_alg", "ES256", "EdDSA", "PS256"}) {
        EXPECT_THAT(alg.what(), HasSubstr(name));
    }

    SettingsSources sources;
    sources.environment =
        Environment{{"AUTHFLOW_OAUTH2__DPOP", "off"}, {"AUTHFLOW_OAUTH2__DPOP_ALG", "PS256"}};
    auto values = read_environment(sources, "AUTHFLOW_OAUTH2__", OAuth2Settings::field_names());
    EXPECT_EQ(values, (SettingsValues{{"dpop", "off"}, {"dpop_alg", "PS256"}}));
}

struct SetCase {
    std::string_view field;
    std::string_view input;
    std::string_view expected; ///< get() afterwards
};

TEST(Settings, SetsAndGetsEveryField) {
    const std::vector<SetCase> cases = {
        {"provider", "google", "google"},
        {"provider", "GitHub", "github"},
        {"provider", " microsoft ", "microsoft"},
        {"provider", "oidc", "oidc"},
        {"provider", "custom", "custom"},
        {"client_id", "my-app", "my-app"},
        {"client_secret", secret, secret},
        {"scopes", "openid email profile", "openid email profile"},
        {"scopes", "openid,email, profile", "openid email profile"},
        {"authorize_url", "https://idp.example/authorize", "https://idp.example/authorize"},
        {"token_url", "https://idp.example/token", "https://idp.example/token"},
        {"userinfo_url", "https://idp.example/userinfo", "https://idp.example/userinfo"},
        {"issuer_url", "https://idp.example", "https://idp.example"},
        {"revocation_url", "https://idp.example/revoke", "https://idp.example/revoke"},
        {"jwks_uri", "https://idp.example/jwks", "https://idp.example/jwks"},
        {"device_authorization_url", "https://idp.example/device", "https://idp.example/device"},
        {"tenant_id", "contoso.onmicrosoft.com", "contoso.onmicrosoft.com"},
        {"use_pkce", "false", "false"},
        {"use_pkce", "YES", "true"},
        {"use_pkce", "No", "false"},
        {"use_pkce", "1", "true"},
        {"use_pkce", "0", "false"},
        {"use_pkce", "TRUE", "true"},
        {"token_store_backend", "auto", "auto"},
        {"token_store_backend", "sqlite", "sqlite"},
        {"token_store_backend", "redis", "redis"},
        {"token_store_backend", "keyring", "keyring"},
        {"token_store_backend", "memory", "memory"},
        {"auth_timeout_seconds", "10", "10"},
        {"auth_timeout_seconds", "90.5", "90.5"},
        {"auth_timeout_seconds", "3e2", "300"},
        {"refresh_buffer_seconds", "10", "10"},
        {"refresh_buffer_seconds", "300", "300"},
        {"redirect_uri", "http://127.0.0.1:8765/callback", "http://127.0.0.1:8765/callback"},
        {"callback_port", "0", "0"},
        {"callback_port", "65535", "65535"},
        {"callback_port", "8765", "8765"},
        {"token_endpoint_auth_method", "client_secret_basic", "client_secret_basic"},
        {"token_endpoint_auth_method", "client_secret_post", "client_secret_post"},
        {"token_endpoint_auth_method", "none", "none"},
        {"token_endpoint_auth_method", "auto", "auto"},
        {"token_endpoint_auth_method", "client_secret_jwt", "client_secret_jwt"},
        {"token_endpoint_auth_method", "Private_Key_JWT", "private_key_jwt"},
        {"private_key_file", "/etc/authflow/client.pem", "/etc/authflow/client.pem"},
        {"par", "auto", "auto"},
        {"par", "ALWAYS", "always"},
        {"par", "never", "never"},
        {"par_url", "https://idp.example/par", "https://idp.example/par"},
        {"ca_file", "/etc/ssl/certs/ca.pem", "/etc/ssl/certs/ca.pem"},
        {"http_timeout_seconds", "0.5", "0.5"},
        {"http_timeout_seconds", "45", "45"},
        {"leeway_seconds", "0", "0"},
        {"leeway_seconds", "600", "600"},
        {"keyring_service", "my-service", "my-service"},
        {"token_store_path", "/var/lib/app/tokens.db", "/var/lib/app/tokens.db"},
        {"redis_url", "redis://10.0.0.5:6380/2", "redis://10.0.0.5:6380/2"},
        {"redis_prefix", "app1", "app1"},
        {"store_key_file", "/run/secrets/store.key", "/run/secrets/store.key"},
        {"insecure_plaintext_store", "true", "true"},
        {"dpop", "off", "off"},
        {"dpop", "AUTO", "auto"},
        {"dpop", "required", "required"},
        {"dpop_alg", "ES256", "ES256"},
        {"dpop_alg", "eddsa", "EdDSA"},
        {"dpop_alg", "ps256", "PS256"},
    };
    for (const auto& c : cases) {
        OAuth2Settings s;
        ASSERT_NO_THROW(s.set(c.field, c.input)) << c.field << " = " << c.input;
        EXPECT_EQ(s.get(c.field), c.expected) << c.field << " = " << c.input;
        EXPECT_NO_THROW(s.validate()) << c.field << " = " << c.input;
    }
    // Every field is covered above.
    std::set<std::string_view> covered;
    for (const auto& c : cases) {
        covered.insert(c.field);
    }
    for (auto name : OAuth2Settings::field_names()) {
        EXPECT_TRUE(covered.count(name) == 1) << "no set/get case for " << name;
    }
}

TEST(Settings, SetWritesTheTypedMember) {
    OAuth2Settings s;
    s.set("callback_port", "8765");
    s.set("auth_timeout_seconds", "12.25");
    s.set("use_pkce", "no");
    s.set("scopes", "a,b c");
    s.set("leeway_seconds", "5");
    EXPECT_EQ(s.callback_port, 8765);
    EXPECT_DOUBLE_EQ(s.auth_timeout_seconds, 12.25);
    EXPECT_FALSE(s.use_pkce);
    ASSERT_TRUE(s.scopes.has_value());
    EXPECT_EQ(*s.scopes, (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(s.leeway_seconds, 5);
}

TEST(Settings, GetSetRoundTripsEveryField) {
    OAuth2Settings a;
    a.set("provider", "microsoft");
    a.set("client_id", "id");
    a.set("client_secret", secret);
    a.set("scopes", "openid offline_access");
    a.set("auth_timeout_seconds", "33.75");
    a.set("http_timeout_seconds", "0.1");
    a.set("callback_port", "4321");
    a.set("use_pkce", "false");
    a.set("insecure_plaintext_store", "true");
    OAuth2Settings b;
    for (auto name : OAuth2Settings::field_names()) {
        b.set(name, a.get(name));
    }
    for (auto name : OAuth2Settings::field_names()) {
        EXPECT_EQ(b.get(name), a.get(name)) << name;
    }
    EXPECT_EQ(b.http_timeout_seconds, a.http_timeout_seconds);
}

TEST(Settings, EmptyScopesMeanUnset) {
    OAuth2Settings s;
    s.set("scopes", "openid");
    ASSERT_TRUE(s.scopes.has_value());
    s.set("scopes", "");
    EXPECT_FALSE(s.scopes.has_value());
    s.set("scopes", " , ,");
    EXPECT_FALSE(s.scopes.has_value());
}

struct BadCase {
    std::string_view field;
    std::string_view input;
};

TEST(Settings, RejectsInvalidValuesNamingTheField) {
    const std::vector<BadCase> cases = {
        {"provider", "okta"},
        {"provider", ""},
        {"provider", "google,github"},
        {"token_store_backend", "disk"},
        {"token_store_backend", "file"},
        {"token_endpoint_auth_method", "jwt"},
        {"token_endpoint_auth_method", "basic"},
        {"use_pkce", "maybe"},
        {"use_pkce", ""},
        {"use_pkce", "2"},
        {"use_pkce", "on"},
        {"use_pkce", "tru"},
        {"insecure_plaintext_store", "yess"},
        {"auth_timeout_seconds", "9.99"},
        {"auth_timeout_seconds", "-20"},
        {"auth_timeout_seconds", "abc"},
        {"auth_timeout_seconds", ""},
        {"auth_timeout_seconds", "10s"},
        {"auth_timeout_seconds", "nan"},
        {"auth_timeout_seconds", "inf"},
        {"auth_timeout_seconds", "1e400"},
        {"auth_timeout_seconds", "0x20"},
        {"refresh_buffer_seconds", "9"},
        {"refresh_buffer_seconds", "10.5"},
        {"refresh_buffer_seconds", "-60"},
        {"refresh_buffer_seconds", "99999999999999999999"},
        {"refresh_buffer_seconds", "sixty"},
        {"callback_port", "-1"},
        {"callback_port", "65536"},
        {"callback_port", "80a"},
        {"callback_port", "0x50"},
        {"callback_port", " "},
        {"callback_port", "+80"},
        {"callback_port", "4294967376"},
        {"http_timeout_seconds", "0"},
        {"http_timeout_seconds", "-1"},
        {"http_timeout_seconds", "x"},
        {"http_timeout_seconds", "-nan"},
        {"leeway_seconds", "-1"},
        {"leeway_seconds", "601"},
        {"leeway_seconds", "1.5"},
    };
    for (const auto& c : cases) {
        OAuth2Settings s;
        const auto before = s.get(c.field);
        auto e = config_error([&] { s.set(c.field, c.input); });
        EXPECT_EQ(e.code(), errc::config_invalid) << c.field << " = '" << c.input << "'";
        EXPECT_THAT(e.what(), HasSubstr(std::string{c.field})) << c.field;
        EXPECT_EQ(s.get(c.field), before) << "a rejected value must not be stored: " << c.field;
    }
}

TEST(Settings, ErrorsListTheAcceptedValues) {
    OAuth2Settings s;
    auto provider = config_error([&] { s.set("provider", "okta"); });
    for (auto name : {"google", "github", "microsoft", "oidc", "custom"}) {
        EXPECT_THAT(provider.what(), HasSubstr(name));
    }
    auto backend = config_error([&] { s.set("token_store_backend", "disk"); });
    for (auto name : {"auto", "memory", "sqlite", "redis", "keyring"}) {
        EXPECT_THAT(backend.what(), HasSubstr(name));
    }
    auto method = config_error([&] { s.set("client_auth_method", "jwt"); });
    for (auto name : {"client_secret_basic", "client_secret_post", "none"}) {
        EXPECT_THAT(method.what(), HasSubstr(name));
    }
    auto port = config_error([&] { s.set("callback_port", "70000"); });
    EXPECT_THAT(port.what(), HasSubstr("65535"));
    auto boolean = config_error([&] { s.set("use_pkce", "maybe"); });
    EXPECT_THAT(boolean.what(), HasSubstr("yes"));
}

TEST(Settings, ChoicesAreEnumsWithTheirNames) {
    for (auto kind : {ProviderKind::google, ProviderKind::github, ProviderKind::microsoft,
                      ProviderKind::oidc, ProviderKind::custom}) {
        EXPECT_EQ(parse_provider_kind(to_string(kind)), kind);
    }
    for (auto backend :
         {TokenStoreBackend::automatic, TokenStoreBackend::memory, TokenStoreBackend::sqlite,
          TokenStoreBackend::redis, TokenStoreBackend::keyring}) {
        EXPECT_EQ(parse_token_store_backend(to_string(backend)), backend);
    }
    for (auto method : {ClientAuthMethod::automatic, ClientAuthMethod::client_secret_basic,
                        ClientAuthMethod::client_secret_post, ClientAuthMethod::none,
                        ClientAuthMethod::client_secret_jwt, ClientAuthMethod::private_key_jwt}) {
        EXPECT_EQ(parse_client_auth_method(to_string(method)), method);
    }
    EXPECT_EQ(to_string(TokenStoreBackend::automatic), "auto");
    EXPECT_EQ(to_string(ClientAuthMethod::automatic), "auto");
    EXPECT_EQ(parse_provider_kind(" GitHub "), ProviderKind::github);
    EXPECT_EQ(parse_token_store_backend("SQLite"), TokenStoreBackend::sqlite);

    OAuth2Settings s;
    s.set("provider", "Microsoft");
    EXPECT_EQ(s.provider, ProviderKind::microsoft);
    EXPECT_EQ(s.get("provider"), "microsoft");
    s.set("token_store_backend", "KEYRING");
    EXPECT_EQ(s.token_store_backend, TokenStoreBackend::keyring);
    s.set("client_auth_method", "Client_Secret_Basic");
    EXPECT_EQ(s.client_auth_method, ClientAuthMethod::client_secret_basic);

    // The JWT methods (RFC 7523 §2.2, OIDC Core §9).
    EXPECT_EQ(parse_client_auth_method("private_key_jwt"), ClientAuthMethod::private_key_jwt);
    EXPECT_EQ(parse_client_auth_method(" Client_Secret_JWT "), ClientAuthMethod::client_secret_jwt);
    auto e = config_error([&] { parse_client_auth_method("tls_client_auth"); });
    EXPECT_THAT(e.what(), HasSubstr("token_endpoint_auth_method"));
    EXPECT_THAT(e.what(), HasSubstr("private_key_jwt"));
    EXPECT_EQ(config_error([&] { parse_provider_kind("generic"); }).code(), errc::config_invalid);
    for (auto mode : {ParMode::automatic, ParMode::always, ParMode::never}) {
        EXPECT_EQ(parse_par_mode(to_string(mode)), mode);
    }
    s.set("par", " Always ");
    EXPECT_EQ(s.par, ParMode::always);
    EXPECT_EQ(s.get("par"), "always");
    // A wrong name is refused, naming the setting and every choice.
    auto par = config_error([&] { s.set("par", "required"); });
    EXPECT_EQ(par.code(), errc::config_invalid);
    EXPECT_THAT(par.what(), HasSubstr("par"));
    EXPECT_THAT(par.what(), HasSubstr("auto, always"));
    EXPECT_THAT(par.what(), HasSubstr("never"));
    EXPECT_EQ(s.par, ParMode::always); // unchanged
    EXPECT_EQ(config_error([&] { parse_token_store_backend(""); }).code(), errc::config_invalid);
}

TEST(Settings, TokenEndpointAuthMethodKeepsItsOldNameAsAnAlias) {
    OAuth2Settings s;
    s.set("client_auth_method", "private_key_jwt");
    EXPECT_EQ(s.client_auth_method, ClientAuthMethod::private_key_jwt);
    EXPECT_EQ(s.get("token_endpoint_auth_method"), "private_key_jwt");
    EXPECT_EQ(s.get("client_auth_method"), "private_key_jwt");
    s.set("token_endpoint_auth_method", "client_secret_jwt");
    EXPECT_EQ(s.client_auth_method, ClientAuthMethod::client_secret_jwt);
    s.set("private_key_file", "/etc/authflow/client.jwk");
    EXPECT_EQ(s.get("private_key_file"), "/etc/authflow/client.jwk");

    // The environment, under either name; the current name wins when both are set.
    SettingsSources sources;
    sources.environment = std::map<std::string, std::string, std::less<>>{
        {"AUTHFLOW_OAUTH2__CLIENT_AUTH_METHOD", "client_secret_post"},
        {"AUTHFLOW_OAUTH2__PRIVATE_KEY_FILE", "/k.pem"},
        {"HOME", "/nonexistent-home-authflow"}};
    auto loaded = load_settings_with_sources(sources);
    EXPECT_EQ(loaded.settings().client_auth_method, ClientAuthMethod::client_secret_post);
    EXPECT_EQ(loaded.settings().private_key_file, "/k.pem");
    EXPECT_EQ(loaded.source_of("token_endpoint_auth_method"), SettingSource::environment);
    EXPECT_EQ(loaded.source_of("client_auth_method"), SettingSource::environment);
    (*sources.environment)["AUTHFLOW_OAUTH2__TOKEN_ENDPOINT_AUTH_METHOD"] = "private_key_jwt";
    EXPECT_EQ(load_settings_with_sources(sources).settings().client_auth_method,
              ClientAuthMethod::private_key_jwt);
    EXPECT_EQ(OAuth2Settings::field_aliases().size(), 1u);
}

TEST(Settings, UnknownFieldIsConfigError) {
    OAuth2Settings s;
    EXPECT_EQ(config_error([&] { s.set("client_idd", "x"); }).code(), errc::config_invalid);
    EXPECT_EQ(config_error([&] { (void)s.get("nope"); }).code(), errc::config_invalid);
    EXPECT_EQ(config_error([&] { s.set("", "x"); }).code(), errc::config_invalid);
}

TEST(Settings, ErrorTextsNeverContainTheClientSecret) {
    OAuth2Settings s;
    s.set("client_secret", secret);
    // A secret pasted into the wrong field.
    for (auto field : {"callback_port", "use_pkce", "provider", "auth_timeout_seconds",
                       "token_store_backend", "client_auth_method", "leeway_seconds"}) {
        auto e = config_error([&] { s.set(field, secret); });
        EXPECT_THAT(e.what(), Not(HasSubstr(std::string{secret}))) << field;
    }
    // Validation failures with a secret set.
    s.redirect_uri = "https://example.com/callback";
    EXPECT_THAT(config_error([&] { s.validate(); }).what(), Not(HasSubstr(std::string{secret})));
    // Environment and config-file errors.
    test::TempDir dir;
    auto sources = isolated(dir);
    (*sources.environment)["AUTHFLOW_OAUTH2__CLIENT_SECRET"] = std::string{secret};
    (*sources.environment)["AUTHFLOW_OAUTH2__USE_PKCE"] = std::string{secret};
    EXPECT_THAT(config_error([&] { load_settings(sources); }).what(),
                Not(HasSubstr(std::string{secret})));
    const auto file = dir.path() / "bad.toml";
    test::write_file(file,
                     "[oauth2]\nclient_id = \"x\"\nclient_secret = " + std::string{secret} + "\n");
    sources = isolated(dir);
    sources.config_file = file;
    EXPECT_THAT(config_error([&] { load_settings(sources); }).what(),
                Not(HasSubstr(std::string{secret})));
    test::write_file(file, "[oauth2]\nclient_secret = \"" + std::string{secret} +
                               "\"\ncallback_port = \"" + std::string{secret} + "\"\n");
    EXPECT_THAT(config_error([&] { load_settings(sources); }).what(),
                Not(HasSubstr(std::string{secret})));
}

TEST(Settings, ValidateAcceptsLoopbackRedirectUris) {
    for (auto uri : {"http://127.0.0.1:8765/callback", "http://localhost:1234/cb",
                     "http://[::1]:4000/callback", "http://127.0.0.1:8765/cb?x=1",
                     "http://127.0.0.1/callback"}) {
        OAuth2Settings s;
        s.redirect_uri = uri;
        EXPECT_NO_THROW(s.validate()) << uri;
    }
}

TEST(Settings, ValidateRejectsOtherRedirectUris) {
    for (auto uri :
         {"https://127.0.0.1:8765/callback", "http://example.com:8765/callback",
          "http://127.0.0.1.evil.com:8765/cb", "http://127.0.0.1:0/callback", "not a url",
          "127.0.0.1:8765/callback", "http://user:pw@127.0.0.1:8765/cb",
          "http://127.0.0.1:8765/cb#frag", "com.example.app:/callback", "http://10.0.0.1:80/cb"}) {
        OAuth2Settings s;
        s.redirect_uri = uri;
        auto e = config_error([&] { s.validate(); });
        EXPECT_EQ(e.code(), errc::config_invalid) << uri;
        EXPECT_THAT(e.what(), HasSubstr("redirect_uri")) << uri;
    }
}

TEST(Settings, ValidateRequiresSecureEndpoints) {
    for (auto field : {"authorize_url", "token_url", "userinfo_url", "issuer_url", "revocation_url",
                       "jwks_uri", "par_url", "device_authorization_url"}) {
        OAuth2Settings ok;
        ok.set(field, "https://idp.example/x");
        EXPECT_NO_THROW(ok.validate()) << field;
        ok.set(field, "http://127.0.0.1:9000/x");
        EXPECT_NO_THROW(ok.validate()) << field;

        OAuth2Settings bad;
        bad.set(field, "http://idp.example/x");
        auto e = config_error([&] { bad.validate(); });
        EXPECT_EQ(e.code(), errc::insecure_url) << field;
        EXPECT_THAT(e.what(), HasSubstr(field));
    }
}

TEST(Settings, ValidateChecksValuesAssignedDirectly) {
    auto expect_invalid = [](auto mutate, std::string_view field) {
        OAuth2Settings s;
        mutate(s);
        auto e = config_error([&] { s.validate(); });
        EXPECT_EQ(e.code(), errc::config_invalid) << field;
        EXPECT_THAT(e.what(), HasSubstr(std::string{field}));
    };
    // provider, token_store_backend and client_auth_method are enums: a wrong name cannot be
    // assigned directly, set() refuses it where the text comes in, with the same code.
    for (const auto& [field, value] :
         {std::pair{"provider", "okta"}, std::pair{"token_store_backend", "disk"},
          std::pair{"token_endpoint_auth_method", "x"}, std::pair{"par", "sometimes"}}) {
        OAuth2Settings s;
        const std::string_view name = field;
        const std::string_view text = value;
        auto e = config_error([&] { s.set(name, text); });
        EXPECT_EQ(e.code(), errc::config_invalid) << field;
        EXPECT_THAT(e.what(), HasSubstr(field));
    }
    expect_invalid([](OAuth2Settings& s) { s.auth_timeout_seconds = 5; }, "auth_timeout_seconds");
    expect_invalid([](OAuth2Settings& s) { s.refresh_buffer_seconds = 1; },
                   "refresh_buffer_seconds");
    expect_invalid([](OAuth2Settings& s) { s.callback_port = 70000; }, "callback_port");
    expect_invalid([](OAuth2Settings& s) { s.callback_port = -5; }, "callback_port");
    expect_invalid([](OAuth2Settings& s) { s.http_timeout_seconds = 0; }, "http_timeout_seconds");
    expect_invalid([](OAuth2Settings& s) { s.leeway_seconds = 601; }, "leeway_seconds");
    expect_invalid([](OAuth2Settings& s) { s.tenant_id = "a/b"; }, "tenant_id");
    expect_invalid([](OAuth2Settings& s) { s.tenant_id = ""; }, "tenant_id");
    expect_invalid([](OAuth2Settings& s) { s.scopes = std::vector<std::string>{"a b"}; }, "scopes");
}

// ---- config file location ----------------------------------------------------------------

TEST(Settings, ResolvesConfigFileLocation) {
    SettingsSources s;
    s.environment = Environment{{"HOME", "/home/u"}};
    EXPECT_EQ(resolve_config_file(s), "/home/u/.config/authflow/config.toml");

    (*s.environment)["XDG_CONFIG_HOME"] = "/xdg";
    EXPECT_EQ(resolve_config_file(s), "/xdg/authflow/config.toml");

    (*s.environment)["XDG_CONFIG_HOME"] = "relative/dir"; // invalid per XDG: ignored
    EXPECT_EQ(resolve_config_file(s), "/home/u/.config/authflow/config.toml");

    (*s.environment)["AUTHFLOW_CONFIG_FILE"] = "/etc/authflow.toml";
    EXPECT_EQ(resolve_config_file(s), "/etc/authflow.toml");

    s.config_file = "/explicit.toml";
    EXPECT_EQ(resolve_config_file(s), "/explicit.toml");
}

TEST(Settings, MissingExplicitConfigFileIsAnError) {
    test::TempDir dir;
    auto sources = isolated(dir);
    sources.config_file = dir.path() / "absent.toml";
    EXPECT_EQ(config_error([&] { load_settings(sources); }).code(), errc::config_missing);

    sources = isolated(dir);
    (*sources.environment)["AUTHFLOW_CONFIG_FILE"] = (dir.path() / "absent.toml").string();
    EXPECT_EQ(config_error([&] { load_settings(sources); }).code(), errc::config_missing);
}

TEST(Settings, MissingDefaultConfigFileIsNotAnError) {
    test::TempDir dir;
    auto sources = isolated(dir); // $XDG_CONFIG_HOME/authflow/config.toml does not exist
    OAuth2Settings s;
    ASSERT_NO_THROW(s = load_settings(sources));
    EXPECT_EQ(s.provider, ProviderKind::custom);
    EXPECT_FALSE(s.scopes.has_value());

    SettingsSources home_only;
    home_only.environment = Environment{{"HOME", dir.path().string()}};
    EXPECT_NO_THROW(load_settings(home_only));
}

TEST(Settings, DefaultConfigFileIsRead) {
    test::TempDir dir;
    test::write_file(dir.path() / "authflow" / "config.toml", "[oauth2]\nclient_id = \"xdg\"\n");
    EXPECT_EQ(load_settings(isolated(dir)).client_id, "xdg");
}

TEST(Settings, ConfigFileThatIsADirectoryIsAnError) {
    test::TempDir dir;
    auto sources = isolated(dir);
    sources.config_file = dir.path();
    EXPECT_EQ(config_error([&] { load_settings(sources); }).code(), errc::config_invalid);
}

// ---- TOML --------------------------------------------------------------------------------

TEST(Settings, ReadsTomlValuesAsText) {
    test::TempDir dir;
    const auto file = dir.path() / "config.toml";
    test::write_file(file, R"([oauth2]
client_id = "abc"
callback_port = 8765
auth_timeout_seconds = 45.5
use_pkce = false
scopes = ["openid", "email"]
empty_list = []

[deploy]
session_ttl = 3600

[profiles.work.oauth2]
client_id = "work"
)");
    auto oauth2 = read_config_table(file, "oauth2");
    EXPECT_EQ(oauth2["client_id"], "abc");
    EXPECT_EQ(oauth2["callback_port"], "8765");
    EXPECT_EQ(oauth2["auth_timeout_seconds"], "45.5");
    EXPECT_EQ(oauth2["use_pkce"], "false");
    EXPECT_EQ(oauth2["scopes"], "openid email");
    EXPECT_EQ(oauth2["empty_list"], "");
    EXPECT_EQ(read_config_table(file, "deploy")["session_ttl"], "3600");
    EXPECT_EQ(read_config_table(file, "profiles.work.oauth2")["client_id"], "work");
    EXPECT_TRUE(read_config_table(file, "profiles.home.oauth2").empty());
    EXPECT_TRUE(read_config_table(file, "absent").empty());
}

TEST(Settings, TomlParseErrorNamesFileAndLine) {
    test::TempDir dir;
    const auto file = dir.path() / "broken.toml";
    test::write_file(file, "[oauth2]\nclient_id = \"a\"\nprovider = google\n");
    auto e = config_error([&] { read_config_table(file, "oauth2"); });
    EXPECT_EQ(e.code(), errc::config_invalid);
    EXPECT_THAT(e.what(), HasSubstr("broken.toml"));
    EXPECT_THAT(e.what(), HasSubstr("line 3"));

    auto sources = isolated(dir);
    sources.config_file = file;
    auto loaded = config_error([&] { load_settings(sources); });
    EXPECT_EQ(loaded.code(), errc::config_invalid);
    EXPECT_THAT(loaded.what(), HasSubstr("line 3"));

    test::write_file(file, "[oauth2\n");
    EXPECT_THAT(config_error([&] { read_config_table(file, "oauth2"); }).what(),
                HasSubstr("line 1"));
    test::write_file(file, "[oauth2]\na = 1\na = 2\n");
    EXPECT_THAT(config_error([&] { read_config_table(file, "oauth2"); }).what(),
                HasSubstr("line 3"));
}

TEST(Settings, TomlUnsupportedValueTypesAreErrors) {
    test::TempDir dir;
    const auto file = dir.path() / "types.toml";
    for (auto body : {"[oauth2]\n\nclient_id = 2026-01-01\n", "[oauth2]\n\nscopes = [1, 2]\n",
                      "[oauth2]\n\nscopes = [\"a\", [\"b\"]]\n"}) {
        test::write_file(file, body);
        auto e = config_error([&] { read_config_table(file, "oauth2"); });
        EXPECT_EQ(e.code(), errc::config_invalid) << body;
        EXPECT_THAT(e.what(), HasSubstr("line 3")) << body;
    }
}

TEST(Settings, TomlTableOfWrongTypeIsAnError) {
    test::TempDir dir;
    const auto file = dir.path() / "c.toml";
    test::write_file(file, "oauth2 = 5\n");
    EXPECT_EQ(config_error([&] { read_config_table(file, "oauth2"); }).code(),
              errc::config_invalid);
}

TEST(Settings, InvalidValueInConfigFileNamesFieldAndLine) {
    test::TempDir dir;
    const auto file = dir.path() / "c.toml";
    test::write_file(file, "[oauth2]\nclient_id = \"a\"\n\ncallback_port = 70000\n");
    auto sources = isolated(dir);
    sources.config_file = file;
    auto e = config_error([&] { load_settings(sources); });
    EXPECT_EQ(e.code(), errc::config_invalid);
    EXPECT_THAT(e.what(), HasSubstr("callback_port"));
    EXPECT_THAT(e.what(), HasSubstr("line 4"));
    EXPECT_THAT(e.what(), HasSubstr("c.toml"));
}

TEST(Settings, UnknownConfigKeysAreIgnoredAndWarnedAboutOnce) {
    test::TempDir dir;
    const auto file = dir.path() / "c.toml";
    test::write_file(file, "[oauth2]\nclient_id = \"a\"\nfuture_setting = 1\nprovder = \"google\"\n"
                           "[oauth2.nested]\nx=1\n[deploy]\nsession_ttl = 60\n");
    auto sources = isolated(dir);
    sources.config_file = file;

    std::mutex mutex;
    std::vector<std::pair<LogLevel, std::string>> messages;
    set_log_callback([&](LogLevel level, std::string_view message) {
        std::lock_guard guard(mutex);
        messages.emplace_back(level, std::string{message});
    });
    OAuth2Settings s;
    EXPECT_NO_THROW(s = load_settings(sources));
    EXPECT_NO_THROW(s = load_settings(sources)); // read again: no second warning
    set_log_callback({});

    EXPECT_EQ(s.client_id, "a");
    EXPECT_EQ(s.provider, ProviderKind::custom); // the mistyped key sets nothing
    int future = 0;
    int typo = 0;
    for (const auto& [level, message] : messages) {
        if (message.find("future_setting") != std::string::npos) {
            ++future;
            EXPECT_EQ(level, LogLevel::warning);
            EXPECT_NE(message.find("line 3"), std::string::npos) << message;
            EXPECT_EQ(message.find("did you mean"), std::string::npos) << message;
        }
        if (message.find("provder") != std::string::npos) {
            ++typo;
            EXPECT_EQ(level, LogLevel::warning);
            EXPECT_NE(message.find(file.string() + ", line 4"), std::string::npos) << message;
            EXPECT_NE(message.find("did you mean 'provider'?"), std::string::npos) << message;
        }
    }
    EXPECT_EQ(future, 1);
    EXPECT_EQ(typo, 1);
}

// ---- environment -------------------------------------------------------------------------

TEST(Settings, ReadsInjectedEnvironment) {
    SettingsSources sources;
    sources.environment = Environment{{"AUTHFLOW_OAUTH2__CLIENT_ID", "env-id"},
                                      {"AUTHFLOW_OAUTH2__CALLBACK_PORT", "9000"},
                                      {"AUTHFLOW_OAUTH2__PAR", "always"},
                                      {"AUTHFLOW_OAUTH2__BOGUS", "x"},
                                      {"AUTHFLOW_OAUTH2__client_secret", "lower-case name"},
                                      {"AUTHFLOW_DEPLOY__CLIENT_ID", "other prefix"},
                                      {"CLIENT_ID", "no prefix"}};
    auto values = read_environment(sources, "AUTHFLOW_OAUTH2__", OAuth2Settings::field_names());
    EXPECT_EQ(values, (SettingsValues{
                          {"callback_port", "9000"}, {"client_id", "env-id"}, {"par", "always"}}));
}

TEST(Settings, ReadsProcessEnvironmentWhenNotInjected) {
    ASSERT_EQ(::setenv("AUTHFLOW_OAUTH2__TENANT_ID", "from-process", 1), 0);
    SettingsSources sources;
    auto values = read_environment(sources, "AUTHFLOW_OAUTH2__", {"tenant_id", "client_id"});
    EXPECT_EQ(values["tenant_id"], "from-process");

    // An injected environment replaces the process's entirely.
    sources.environment = Environment{};
    EXPECT_TRUE(read_environment(sources, "AUTHFLOW_OAUTH2__", {"tenant_id"}).empty());
    ::unsetenv("AUTHFLOW_OAUTH2__TENANT_ID");
}

TEST(Settings, InvalidEnvironmentValueNamesTheField) {
    test::TempDir dir;
    auto sources = isolated(dir);
    (*sources.environment)["AUTHFLOW_OAUTH2__LEEWAY_SECONDS"] = "forever";
    auto e = config_error([&] { load_settings(sources); });
    EXPECT_EQ(e.code(), errc::config_invalid);
    EXPECT_THAT(e.what(), HasSubstr("leeway_seconds"));
}

TEST(Settings, UnknownEnvironmentVariablesAreIgnored) {
    test::TempDir dir;
    auto sources = isolated(dir);
    (*sources.environment)["AUTHFLOW_OAUTH2__NOT_A_FIELD"] = "1";
    (*sources.environment)["AUTHFLOW_OAUTH2__"] = "1";
    EXPECT_NO_THROW(load_settings(sources));
}

// ---- precedence --------------------------------------------------------------------------

class SettingsPrecedence : public ::testing::Test {
protected:
    void SetUp() override {
        file_ = dir_.path() / "config.toml";
        test::write_file(file_, R"(# every layer sets client_id; other fields show which layer won
[oauth2]
provider = "oidc"
client_id = "file"
issuer_url = "https://file.example"
scopes = ["openid", "email"]
leeway_seconds = 10
callback_port = 1111
tenant_id = "file-tenant"

[profiles.work.oauth2]
client_id = "profile-file"
leeway_seconds = 20

[profiles.other.oauth2]
client_id = "other"
tenant_id = "other-tenant"
)");
    }

    SettingsSources sources(bool remembered, bool env, bool flags) const {
        SettingsSources s;
        s.config_file = file_;
        s.profile = "work";
        s.environment = Environment{};
        if (remembered) {
            s.remembered = {{"client_id", "remembered"},
                            {"leeway_seconds", "30"},
                            {"callback_port", "2222"},
                            {"token_url", "https://remembered.example/token"}};
        }
        if (env) {
            (*s.environment)["AUTHFLOW_OAUTH2__CLIENT_ID"] = "env";
            (*s.environment)["AUTHFLOW_OAUTH2__CALLBACK_PORT"] = "3333";
            (*s.environment)["AUTHFLOW_OAUTH2__SCOPES"] = "openid,offline_access";
        }
        if (flags) {
            s.flags = {{"client_id", "flag"}, {"scopes", "flag-scope"}};
        }
        return s;
    }

    test::TempDir dir_;
    std::filesystem::path file_;
};

TEST_F(SettingsPrecedence, FlagsWinOverEverything) {
    auto s = load_settings(sources(true, true, true));
    EXPECT_EQ(s.client_id, "flag");
    EXPECT_EQ(s.get("scopes"), "flag-scope");
    EXPECT_EQ(s.callback_port, 3333); // env over remembered
    EXPECT_EQ(s.leeway_seconds, 30);  // remembered over profile table
    EXPECT_EQ(s.token_url, "https://remembered.example/token");
    EXPECT_EQ(s.issuer_url, "https://file.example"); // [oauth2] only
    EXPECT_EQ(s.tenant_id, "file-tenant");
    EXPECT_EQ(s.provider, ProviderKind::oidc);
    EXPECT_EQ(s.auth_timeout_seconds, 120.0); // default
}

TEST_F(SettingsPrecedence, EnvironmentOverRemembered) {
    auto s = load_settings(sources(true, true, false));
    EXPECT_EQ(s.client_id, "env");
    EXPECT_EQ(s.get("scopes"), "openid offline_access");
    EXPECT_EQ(s.callback_port, 3333);
}

TEST_F(SettingsPrecedence, RememberedOverConfigFile) {
    auto s = load_settings(sources(true, false, false));
    EXPECT_EQ(s.client_id, "remembered");
    EXPECT_EQ(s.callback_port, 2222);
    EXPECT_EQ(s.leeway_seconds, 30);
    EXPECT_EQ(s.get("scopes"), "openid email");
}

TEST_F(SettingsPrecedence, ProfileTableOverOauth2Table) {
    auto s = load_settings(sources(false, false, false));
    EXPECT_EQ(s.client_id, "profile-file");
    EXPECT_EQ(s.leeway_seconds, 20);
    EXPECT_EQ(s.callback_port, 1111);
    EXPECT_EQ(s.tenant_id, "file-tenant"); // [profiles.other.oauth2] does not apply
}

TEST_F(SettingsPrecedence, OtherProfilesTable) {
    auto src = sources(false, false, false);
    src.profile = "other";
    auto s = load_settings(src);
    EXPECT_EQ(s.client_id, "other");
    EXPECT_EQ(s.tenant_id, "other-tenant");
    EXPECT_EQ(s.leeway_seconds, 10);
}

TEST_F(SettingsPrecedence, ProfileWithoutTableUsesOauth2Table) {
    auto src = sources(false, false, false);
    src.profile = "default";
    auto s = load_settings(src);
    EXPECT_EQ(s.client_id, "file");
    EXPECT_EQ(s.leeway_seconds, 10);
}

TEST_F(SettingsPrecedence, EmptyEnvironmentValueDoesNotOverride) {
    auto src = sources(false, false, false);
    (*src.environment)["AUTHFLOW_OAUTH2__CLIENT_ID"] = "";
    (*src.environment)["AUTHFLOW_OAUTH2__SCOPES"] = "";
    auto s = load_settings(src);
    EXPECT_EQ(s.client_id, "profile-file");
    EXPECT_EQ(s.get("scopes"), "openid email");
}

TEST_F(SettingsPrecedence, UnknownFlagIsAnError) {
    auto src = sources(false, false, false);
    src.flags = {{"client_idd", "x"}};
    EXPECT_EQ(config_error([&] { load_settings(src); }).code(), errc::config_invalid);
}

TEST_F(SettingsPrecedence, UnknownRememberedKeyIsIgnored) {
    auto src = sources(false, false, false);
    src.remembered = {{"setting_of_a_later_version", "x"}};
    EXPECT_NO_THROW(load_settings(src));
}

TEST_F(SettingsPrecedence, InvalidRememberedOrFlagValueNamesTheField) {
    auto src = sources(false, false, false);
    src.remembered = {{"callback_port", "x"}};
    EXPECT_THAT(config_error([&] { load_settings(src); }).what(), HasSubstr("callback_port"));
    src = sources(false, false, false);
    src.flags = {{"token_store_backend", "disk"}};
    EXPECT_THAT(config_error([&] { load_settings(src); }).what(), HasSubstr("token_store_backend"));
}

TEST_F(SettingsPrecedence, LoadSettingsValidates) {
    auto src = sources(false, false, false);
    src.flags = {{"redirect_uri", "http://example.com/callback"}};
    EXPECT_EQ(config_error([&] { load_settings(src); }).code(), errc::config_invalid);
    src.flags = {{"token_url", "http://example.com/token"}};
    EXPECT_EQ(config_error([&] { load_settings(src); }).code(), errc::insecure_url);
}

TEST_F(SettingsPrecedence, EachValueKeepsItsSource) {
    const LoadedSettings loaded = load_settings_with_sources(sources(true, true, true));
    EXPECT_EQ(loaded.settings().client_id, "flag");
    EXPECT_EQ(loaded.source_of("client_id"), SettingSource::flag);
    EXPECT_EQ(loaded.source_of("scopes"), SettingSource::flag);
    EXPECT_EQ(loaded.source_of("callback_port"), SettingSource::environment);
    EXPECT_EQ(loaded.source_of("leeway_seconds"), SettingSource::profile);
    EXPECT_EQ(loaded.source_of("token_url"), SettingSource::profile);
    EXPECT_EQ(loaded.source_of("issuer_url"), SettingSource::config_file);
    EXPECT_EQ(loaded.source_of("tenant_id"), SettingSource::config_file);
    EXPECT_EQ(loaded.source_of("auth_timeout_seconds"), SettingSource::default_value);
    EXPECT_TRUE(loaded.is_given("issuer_url"));
    EXPECT_FALSE(loaded.is_given("token_store_backend"));
    EXPECT_EQ(to_string(SettingSource::config_file), "config file");

    // The [profiles.work.oauth2] table is the config file too.
    const LoadedSettings file_only = load_settings_with_sources(sources(false, false, false));
    EXPECT_EQ(file_only.source_of("leeway_seconds"), SettingSource::config_file);
    EXPECT_EQ(file_only.source_of("token_url"), SettingSource::default_value);
}

TEST_F(SettingsPrecedence, RememberedLayerReplacedWithoutReadingAgain) {
    const LoadedSettings without = load_settings_with_sources(sources(false, true, true));
    const SettingsSources with_sources = sources(true, true, true);
    const OAuth2Settings expected = load_settings(with_sources);
    // The config file is not read again: without it, the result stays.
    std::filesystem::remove(file_);
    const LoadedSettings with = without.with_remembered(with_sources.remembered, "work");
    for (std::string_view field : OAuth2Settings::field_names()) {
        EXPECT_EQ(with.settings().get(field), expected.get(field)) << field;
    }
    EXPECT_EQ(with.source_of("token_url"), SettingSource::profile);
    EXPECT_EQ(with.source_of("leeway_seconds"), SettingSource::profile);
    EXPECT_EQ(with.source_of("callback_port"), SettingSource::environment);
    EXPECT_EQ(with.source_of("client_id"), SettingSource::flag);
    // Replacing it again drops the first remembered values.
    const LoadedSettings none = with.with_remembered({}, "work");
    EXPECT_EQ(none.source_of("token_url"), SettingSource::default_value);
    EXPECT_EQ(none.settings().leeway_seconds, 20);

    SettingsValues bad{{"callback_port", "x"}};
    EXPECT_THAT(config_error([&] { without.with_remembered(bad, "work"); }).what(),
                AllOf(HasSubstr("callback_port"), HasSubstr("profile 'work'")));
}

/// The first ```toml block of docs/<page_name>, or empty when it has none.
std::string first_toml_block(const std::string& page_name) {
    const std::string page = test::read_file(test::source_dir() / "docs" / page_name);
    const auto begin = page.find("```toml\n");
    if (begin == std::string::npos) {
        return {};
    }
    const auto body = begin + 8;
    const auto end = page.find("```", body);
    return end == std::string::npos ? std::string{} : page.substr(body, end - body);
}

TEST(Settings, DocsExampleConfigLoads) {
    // docs/settings.md's example config.toml must stay valid.
    const std::string example = first_toml_block("settings.md");
    ASSERT_FALSE(example.empty());
    test::TempDir dir;
    const auto file = dir.path() / "config.toml";
    test::write_file(file, example);

    auto sources = isolated(dir);
    sources.config_file = file;
    const auto base = load_settings(sources);
    EXPECT_EQ(base.provider, ProviderKind::oidc);
    EXPECT_EQ(base.get("scopes"), "openid email offline_access");
    EXPECT_EQ(base.callback_port, 8765);

    sources.profile = "work";
    const auto work = load_settings(sources);
    EXPECT_EQ(work.provider, ProviderKind::microsoft);
    EXPECT_FALSE(work.scopes.has_value()); // scopes = [] means the provider's defaults
    EXPECT_EQ(work.issuer_url, "https://accounts.example.com");

    sources.profile = "ci";
    EXPECT_EQ(load_settings(sources).token_store_backend, TokenStoreBackend::sqlite);
}

TEST(Settings, ClientJwtDocsExampleConfigLoads) {
    // docs/modern-oauth.md's private_key_jwt example must stay valid.
    const std::string example = first_toml_block("modern-oauth.md");
    ASSERT_FALSE(example.empty());
    test::TempDir dir;
    const auto file = dir.path() / "config.toml";
    test::write_file(file, example);
    auto sources = isolated(dir);
    sources.config_file = file;
    const auto loaded = load_settings(sources);
    EXPECT_EQ(loaded.client_auth_method, ClientAuthMethod::private_key_jwt);
    EXPECT_FALSE(loaded.private_key_file.empty());
}

TEST(Settings, ScopesUnsetUnlessSomeLayerSetsThem) {
    // The seed's §13 item 8: providers keep their own default scopes unless scopes are set.
    test::TempDir dir;
    const auto file = dir.path() / "c.toml";
    test::write_file(file, "[oauth2]\nprovider = \"github\"\nclient_id = \"x\"\n");
    auto sources = isolated(dir);
    sources.config_file = file;
    auto s = load_settings(sources);
    EXPECT_EQ(s.provider, ProviderKind::github);
    EXPECT_FALSE(s.scopes.has_value());
}

} // namespace
} // namespace authflow

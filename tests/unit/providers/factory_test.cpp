// create_provider_from_settings: types, default scopes, clear ConfigErrors.
#include "provider_test_util.hpp"
#include "support/test_env.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/settings.hpp>
#include <authflow/providers/factory.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>
#include <authflow/providers/github_provider.hpp>
#include <authflow/providers/microsoft_provider.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace authflow {
namespace {

using Scopes = std::vector<std::string>;
using Environment = std::map<std::string, std::string, std::less<>>;

class Factory : public ::testing::Test {
protected:
    std::shared_ptr<test::RecordingHttp> http = std::make_shared<test::RecordingHttp>();
    std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();

    OAuth2Settings settings(const std::string& provider) {
        OAuth2Settings s;
        s.set("provider", provider);
        s.client_id = "client-1";
        return s;
    }
    std::shared_ptr<OAuthProvider> make(const OAuth2Settings& s) {
        return create_provider_from_settings(s, {http, clock});
    }
    errc config_error(const OAuth2Settings& s) {
        try {
            make(s);
        } catch (const ConfigError& e) {
            return e.code();
        }
        ADD_FAILURE() << "no ConfigError";
        return errc::internal;
    }
};

// Seed §13 item 8: OAuth2Settings.scopes defaulted to "openid email profile", so GitHub and
// Microsoft built from settings got those instead of their own (Microsoft lost offline_access).
TEST_F(Factory, EachProviderKeepsItsDefaultScopesUnlessScopesAreSet) {
    EXPECT_EQ(make(settings("github"))->scopes(), (Scopes{"read:user", "user:email"}));
    EXPECT_EQ(make(settings("microsoft"))->scopes(),
              (Scopes{"openid", "email", "profile", "offline_access"}));
    EXPECT_EQ(make(settings("google"))->scopes(), (Scopes{"openid", "email", "profile"}));
    auto s = settings("github");
    s.scopes = Scopes{"repo"};
    EXPECT_EQ(make(s)->scopes(), (Scopes{"repo"}));
    EXPECT_EQ(default_scopes("microsoft"),
              (Scopes{"openid", "email", "profile", "offline_access"}));
}

TEST_F(Factory, BuildsEveryType) {
    EXPECT_EQ(make(settings("google"))->name(), "google");
    EXPECT_EQ(make(settings("github"))->name(), "github");
    auto ms = settings("microsoft");
    ms.tenant_id = "organizations";
    auto microsoft = make(ms);
    EXPECT_EQ(microsoft->name(), "microsoft");
    EXPECT_EQ(std::dynamic_pointer_cast<MicrosoftProvider>(microsoft)->tenant_id(),
              "organizations");
    EXPECT_EQ(microsoft->config().authorize_url,
              "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize");
    auto oidc = settings("oidc");
    oidc.issuer_url = "https://op.example";
    EXPECT_EQ(make(oidc)->name(), "oidc");
    auto custom = settings("custom");
    custom.authorize_url = "https://idp.example/authorize";
    custom.token_url = "https://idp.example/token";
    custom.revocation_url = "https://idp.example/revoke";
    auto provider = make(custom);
    EXPECT_EQ(provider->name(), "custom");
    EXPECT_EQ(provider->endpoints().revocation_endpoint, "https://idp.example/revoke");
    EXPECT_TRUE(http->requests().empty()); // nothing fetched at construction
}

TEST_F(Factory, SettingsReachTheProvider) {
    auto s = settings("custom");
    s.authorize_url = "https://idp.example/authorize";
    s.token_url = "https://idp.example/token";
    s.client_secret = "sec";
    s.set("client_auth_method", "client_secret_post");
    s.private_key_file = "/not/read/for/client_secret_post.pem";
    s.set("par", "never");
    s.set("par_url", "https://idp.example/par");
    s.use_pkce = false;
    s.leeway_seconds = 5;
    s.scopes = Scopes{"api"};
    auto provider = make(s);
    EXPECT_EQ(provider->endpoints().client_auth_method, ClientAuthMethod::client_secret_post);
    EXPECT_EQ(provider->config().par, ParMode::never);
    EXPECT_EQ(provider->endpoints().pushed_authorization_request_endpoint,
              "https://idp.example/par");
    EXPECT_FALSE(provider->config().use_pkce);
    EXPECT_EQ(provider->config().private_key_file, "/not/read/for/client_secret_post.pem");
    EXPECT_EQ(provider->config().leeway, std::chrono::seconds{5});
    auto request = provider->begin_authorization("http://127.0.0.1:1/cb");
    EXPECT_FALSE(request.pkce);
}

TEST_F(Factory, PresetEndpointsCanBeOverriddenBySettings) {
    auto s = settings("github");
    s.authorize_url = "https://ghe.example/login/oauth/authorize";
    s.token_url = "https://ghe.example/login/oauth/access_token";
    auto provider = make(s);
    EXPECT_EQ(provider->endpoints().token_endpoint, "https://ghe.example/login/oauth/access_token");
}

// device_authorization_url is a setting ([oauth2] device_authorization_url in the config file,
// AUTHFLOW_OAUTH2__DEVICE_AUTHORIZATION_URL in the environment) that reaches the provider and
// wins over a preset's endpoint.
TEST_F(Factory, DeviceAuthorizationUrlSettingReachesTheProvider) {
    test::TempDir dir;
    const auto file = dir.path() / "config.toml";
    test::write_file(file, "[oauth2]\nprovider = \"custom\"\nclient_id = \"client-1\"\n"
                           "authorize_url = \"https://idp.example/authorize\"\n"
                           "token_url = \"https://idp.example/token\"\n"
                           "device_authorization_url = \"https://idp.example/device\"\n");
    SettingsSources sources;
    sources.config_file = file;
    sources.environment = Environment{};
    auto from_file = make(load_settings(sources));
    EXPECT_EQ(from_file->endpoints().device_authorization_endpoint, "https://idp.example/device");

    sources.environment = Environment{
        {"AUTHFLOW_OAUTH2__DEVICE_AUTHORIZATION_URL", "https://idp.example/env-device"}};
    auto from_env = make(load_settings(sources));
    EXPECT_EQ(from_env->endpoints().device_authorization_endpoint,
              "https://idp.example/env-device");

    auto github = settings("github");
    github.set("device_authorization_url", "https://ghe.example/login/device/code");
    EXPECT_EQ(make(github)->endpoints().device_authorization_endpoint,
              "https://ghe.example/login/device/code");

    auto insecure = settings("custom");
    insecure.device_authorization_url = "http://idp.example/device";
    EXPECT_EQ(config_error(insecure), errc::insecure_url);
}

// Without a device endpoint the error names the setting and its environment variable.
TEST_F(Factory, MissingDeviceEndpointNamesTheSetting) {
    auto s = settings("custom");
    s.authorize_url = "https://idp.example/authorize";
    s.token_url = "https://idp.example/token";
    auto provider = make(s);
    try {
        provider->start_device_authorization();
        FAIL() << "no ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.code(), errc::config_missing);
        EXPECT_THAT(e.what(), testing::HasSubstr("AUTHFLOW_OAUTH2__DEVICE_AUTHORIZATION_URL"));
        EXPECT_THAT(e.what(), testing::HasSubstr("[oauth2] device_authorization_url"));
    }
    EXPECT_TRUE(http->requests().empty());
}

TEST_F(Factory, ClearConfigErrors) {
    auto no_client = settings("google");
    no_client.client_id.clear();
    EXPECT_EQ(config_error(no_client), errc::config_missing);
    EXPECT_EQ(config_error(settings("oidc")), errc::config_missing); // no issuer_url
    auto custom = settings("custom");
    custom.authorize_url = "https://idp.example/authorize";
    EXPECT_EQ(config_error(custom), errc::config_missing); // no token_url
    try {
        make(custom);
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string{e.what()}.find("token_url"), std::string::npos);
    }
    // The text is parsed where it comes in: an unknown provider or client authentication
    // method is refused by set(), before any provider is built.
    auto set_error = [](std::string_view field, std::string_view value) {
        OAuth2Settings s;
        try {
            s.set(field, value);
        } catch (const ConfigError& e) {
            return e.code();
        }
        ADD_FAILURE() << "no ConfigError for " << field;
        return errc::internal;
    };
    EXPECT_EQ(set_error("provider", "okta"), errc::config_invalid);
    EXPECT_EQ(set_error("token_endpoint_auth_method", "tls_client_auth"), errc::config_invalid);
    // private_key_jwt without a key file, and a key file that is not there.
    auto keyless = settings("custom");
    keyless.token_url = "https://idp.example/token";
    keyless.set("token_endpoint_auth_method", "private_key_jwt");
    EXPECT_EQ(config_error(keyless), errc::config_missing);
    keyless.private_key_file = "/nonexistent/authflow-client-key.pem";
    EXPECT_EQ(config_error(keyless), errc::config_missing);
    auto insecure = settings("oidc");
    insecure.issuer_url = "http://op.example";
    EXPECT_EQ(config_error(insecure), errc::insecure_url);
    EXPECT_THROW(default_scopes("okta"), ConfigError);
}

TEST_F(Factory, MakesItsOwnHttpClientFromSettings) {
    auto s = settings("google");
    s.http_timeout_seconds = 2.5;
    auto provider = create_provider_from_settings(s);
    EXPECT_NE(provider->config().http, nullptr);
    EXPECT_NE(provider->config().http, http);
    s.ca_file = "/nonexistent/ca.pem";
    EXPECT_THROW(create_provider_from_settings(s), ConfigError);
}

} // namespace
} // namespace authflow

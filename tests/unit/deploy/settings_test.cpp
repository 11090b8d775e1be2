// DeploySettings: defaults, set/get/validate, the derived values, and the sources' precedence.
#include "support/test_env.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/deploy/rate_limit.hpp>
#include <authflow/deploy/settings.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace authflow {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using Environment = std::map<std::string, std::string, std::less<>>;

template <typename F> ConfigError config_error(F&& f) {
    try {
        f();
    } catch (const ConfigError& e) {
        return e;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "expected ConfigError, got: " << e.what();
        return ConfigError(errc::internal, "wrong exception");
    }
    ADD_FAILURE() << "expected ConfigError, nothing thrown";
    return ConfigError(errc::internal, "nothing thrown");
}

DeploySettings valid_settings() {
    DeploySettings settings;
    settings.public_url = "https://app.example.com";
    return settings;
}

SettingsSources isolated(const test::TempDir& dir) {
    SettingsSources sources;
    sources.environment = Environment{{"XDG_CONFIG_HOME", dir.path().string()}};
    return sources;
}

TEST(DeploySettings, DefaultsAreAuthflows) {
    const DeploySettings settings;
    EXPECT_EQ(settings.auth_session_cookie, "authflow_session");
    EXPECT_EQ(settings.session_ttl, 86400);
    EXPECT_THAT(settings.default_roles, ElementsAre("viewer"));
    EXPECT_THAT(settings.admin_users, IsEmpty());
    EXPECT_EQ(settings.route_prefix, "/auth");
    EXPECT_THAT(settings.trusted_proxies, IsEmpty());
    EXPECT_THAT(settings.trusted_origins, IsEmpty());
    EXPECT_EQ(settings.state_backend, "memory");
    EXPECT_EQ(settings.redis_prefix, "authflow");
    EXPECT_FALSE(settings.force_https);
    EXPECT_FALSE(settings.insecure_plaintext_store);
    EXPECT_FALSE(settings.auth_public_paths.has_value());
}

TEST(DeploySettings, SetAndGetEveryKind) {
    DeploySettings settings;
    settings.set("session_ttl", " 3600 ");
    EXPECT_EQ(settings.session_ttl, 3600);
    EXPECT_EQ(settings.get("session_ttl"), "3600");
    settings.set("default_roles", "viewer, editor");
    EXPECT_THAT(settings.default_roles, ElementsAre("viewer", "editor"));
    EXPECT_EQ(settings.get("default_roles"), "viewer editor");
    settings.set("default_roles", "");
    EXPECT_THAT(settings.default_roles, IsEmpty());
    settings.set("force_https", "yes");
    EXPECT_TRUE(settings.force_https);
    EXPECT_EQ(settings.get("force_https"), "true");
    settings.set("state_backend", "REDIS");
    EXPECT_EQ(settings.state_backend, "redis");
    settings.set("auth_public_paths", "/a /b");
    ASSERT_TRUE(settings.auth_public_paths.has_value());
    EXPECT_THAT(*settings.auth_public_paths, ElementsAre("/a", "/b"));
    settings.set("auth_public_paths", "");
    EXPECT_FALSE(settings.auth_public_paths.has_value());
    settings.set("public_url", "https://x.example");
    EXPECT_EQ(settings.get("public_url"), "https://x.example");
}

TEST(DeploySettings, FieldNamesCoverEveryField) {
    const auto& names = DeploySettings::field_names();
    EXPECT_EQ(names.size(), 29u);
    DeploySettings settings;
    for (const auto name : names) {
        EXPECT_NO_THROW(settings.get(name)) << name;
    }
}

TEST(DeploySettings, UpstreamIsAnHttpOriginWithoutAPath) {
    auto settings = valid_settings();
    EXPECT_TRUE(settings.upstream.empty()); // no proxying by default
    for (const char* good :
         {"http://127.0.0.1:3000", "http://app.internal", "http://[::1]:8081/"}) {
        settings.set("upstream", good);
        EXPECT_NO_THROW(settings.validate()) << good;
    }
    for (const char* bad :
         {"https://127.0.0.1:3000", "127.0.0.1:3000", "http://127.0.0.1:3000/app",
          "http://u:p@127.0.0.1:3000", "http://127.0.0.1:3000?x=1", "ftp://127.0.0.1"}) {
        settings.upstream = bad;
        EXPECT_EQ(config_error([&] { settings.validate(); }).code(), errc::config_invalid) << bad;
    }
}

TEST(DeploySettings, ProviderLogoutSettings) {
    auto settings = valid_settings();
    EXPECT_FALSE(settings.provider_logout); // off by default
    EXPECT_TRUE(settings.post_logout_path.empty());
    settings.set("provider_logout", "yes");
    EXPECT_TRUE(settings.provider_logout);
    settings.set("post_logout_path", "/goodbye");
    EXPECT_NO_THROW(settings.validate());
    for (const char* bad : {"//evil.example", "https://evil.example", "goodbye", "/\\evil"}) {
        settings.post_logout_path = bad;
        EXPECT_EQ(config_error([&] { settings.validate(); }).code(), errc::config_invalid) << bad;
    }
    settings.public_url = "https://app.example/base/";
    EXPECT_EQ(settings.post_logout_redirect_uri(), "https://app.example/base/auth/signed-out");
}

TEST(DeploySettings, SetRejectsBadValuesNamingTheField) {
    DeploySettings settings;
    auto e = config_error([&] { settings.set("session_ttl", "59"); });
    EXPECT_EQ(e.code(), errc::config_invalid);
    EXPECT_THAT(e.what(), HasSubstr("session_ttl"));
    EXPECT_EQ(settings.session_ttl, 86400);
    EXPECT_EQ(config_error([&] { settings.set("session_ttl", "12abc"); }).code(),
              errc::config_invalid);
    e = config_error([&] { settings.set("state_backend", "postgres"); });
    EXPECT_EQ(e.code(), errc::config_invalid);
    EXPECT_THAT(e.what(), HasSubstr("state_backend"));
    EXPECT_EQ(config_error([&] { settings.set("force_https", "maybe"); }).code(),
              errc::config_invalid);
    e = config_error([&] { settings.set("no_such_field", "1"); });
    EXPECT_EQ(e.code(), errc::config_invalid);
    EXPECT_THAT(e.what(), HasSubstr("no_such_field"));
    EXPECT_EQ(config_error([&] { (void)settings.get("no_such_field"); }).code(),
              errc::config_invalid);
}

TEST(DeploySettings, RejectedValueIsNotQuoted) {
    DeploySettings settings;
    const auto e = config_error([&] { settings.set("session_ttl", "hunter2-secret"); });
    EXPECT_THAT(std::string{e.what()}, ::testing::Not(HasSubstr("hunter2")));
}

TEST(DeploySettings, ValidateRequiresPublicUrl) {
    DeploySettings settings;
    const auto e = config_error([&] { settings.validate(); });
    EXPECT_EQ(e.code(), errc::config_missing);
    EXPECT_THAT(e.what(), HasSubstr("public_url"));
    EXPECT_NO_THROW(valid_settings().validate());
}

TEST(DeploySettings, ValidateRejectsInsecureOrMalformedUrls) {
    auto settings = valid_settings();
    settings.public_url = "http://app.example.com";
    EXPECT_EQ(config_error([&] { settings.validate(); }).code(), errc::insecure_url);
    settings.public_url = "http://127.0.0.1:8080";
    EXPECT_NO_THROW(settings.validate());
    settings.public_url = "https://app.example.com/?x=1";
    EXPECT_EQ(config_error([&] { settings.validate(); }).code(), errc::config_invalid);
    settings.public_url = "https://user@app.example.com";
    EXPECT_EQ(config_error([&] { settings.validate(); }).code(), errc::config_invalid);
    settings.public_url = "app.example.com";
    EXPECT_EQ(config_error([&] { settings.validate(); }).code(), errc::config_invalid);

    settings = valid_settings();
    settings.auth_redirect_uri = "http://evil.example/cb";
    auto e = config_error([&] { settings.validate(); });
    EXPECT_EQ(e.code(), errc::insecure_url);
    EXPECT_THAT(e.what(), HasSubstr("auth_redirect_uri"));
}

TEST(DeploySettings, ValidateChecksEachField) {
    const auto rejects = [](auto change, std::string_view field) {
        auto settings = valid_settings();
        change(settings);
        const auto e = config_error([&] { settings.validate(); });
        EXPECT_EQ(e.code(), errc::config_invalid) << field;
        EXPECT_THAT(e.what(), HasSubstr(std::string{field}));
    };
    rejects([](DeploySettings& s) { s.route_prefix = "auth"; }, "route_prefix");
    rejects([](DeploySettings& s) { s.route_prefix = "/auth/"; }, "route_prefix");
    rejects([](DeploySettings& s) { s.route_prefix = "/a//b"; }, "route_prefix");
    rejects([](DeploySettings& s) { s.route_prefix = "/a b"; }, "route_prefix");
    rejects([](DeploySettings& s) { s.auth_session_cookie = "bad name"; }, "auth_session_cookie");
    rejects([](DeploySettings& s) { s.auth_session_cookie = "a;b"; }, "auth_session_cookie");
    rejects([](DeploySettings& s) { s.session_ttl = 10; }, "session_ttl");
    rejects([](DeploySettings& s) { s.default_roles = {"a b"}; }, "default_roles");
    rejects([](DeploySettings& s) { s.admin_users = {""}; }, "admin_users");
    rejects([](DeploySettings& s) { s.auth_public_paths = std::vector<std::string>{"x"}; },
            "auth_public_paths");
    rejects([](DeploySettings& s) { s.state_backend = "file"; }, "state_backend");
    rejects([](DeploySettings& s) { s.trusted_origins = {"https://a.example/path"}; },
            "trusted_origins");
    rejects([](DeploySettings& s) { s.trusted_origins = {"nonsense"}; }, "trusted_origins");
    rejects([](DeploySettings& s) { s.trusted_proxies = {"10.0.0.0/33"}; }, "trusted_proxies");
    rejects([](DeploySettings& s) { s.trusted_proxies = {"proxy.local"}; }, "trusted_proxies");
    rejects([](DeploySettings& s) { s.redis_prefix = ""; }, "redis_prefix");
    rejects(
        [](DeploySettings& s) {
            s.state_backend = "redis";
            s.redis_url = "rediss://cache.example:6380";
        },
        "redis_url");
    rejects(
        [](DeploySettings& s) {
            s.state_backend = "redis";
            s.redis_url = "http://cache.example";
        },
        "redis_url");

    auto settings = valid_settings();
    settings.trusted_proxies = {"10.0.0.0/8", "::1", "2001:db8::/32"};
    settings.trusted_origins = {"https://admin.example.com"};
    settings.state_backend = "redis";
    settings.redis_url = "redis://10.0.0.5:6379/1";
    EXPECT_NO_THROW(settings.validate());
}

TEST(DeploySettings, RedirectUriFromPublicUrlNeverTheRequest) {
    auto settings = valid_settings();
    EXPECT_EQ(settings.redirect_uri(), "https://app.example.com/auth/callback");
    settings.public_url = "https://app.example.com/";
    EXPECT_EQ(settings.redirect_uri(), "https://app.example.com/auth/callback");
    settings.public_url = "https://example.com/app/";
    settings.route_prefix = "/login-service";
    EXPECT_EQ(settings.redirect_uri(), "https://example.com/app/login-service/callback");
    settings.auth_redirect_uri = "https://cb.example.com/oauth/cb";
    EXPECT_EQ(settings.redirect_uri(), "https://cb.example.com/oauth/cb");

    DeploySettings empty;
    EXPECT_EQ(config_error([&] { (void)empty.redirect_uri(); }).code(), errc::config_missing);
}

TEST(DeploySettings, PublicOriginAndCookieSecure) {
    auto settings = valid_settings();
    settings.public_url = "https://App.Example.com:443/base";
    EXPECT_EQ(settings.public_origin(), "https://app.example.com");
    EXPECT_TRUE(settings.cookie_secure());
    settings.public_url = "http://127.0.0.1:8080";
    EXPECT_EQ(settings.public_origin(), "http://127.0.0.1:8080");
    EXPECT_FALSE(settings.cookie_secure());
    settings.force_https = true;
    EXPECT_TRUE(settings.cookie_secure());
}

TEST(DeploySettings, PublicPathsFollowThePrefix) {
    auto settings = valid_settings();
    EXPECT_THAT(settings.public_paths(),
                ElementsAre("/auth/login", "/auth/callback", "/auth/status", "/auth/signed-out",
                            "/auth/backchannel-logout"));
    settings.route_prefix = "/sso";
    EXPECT_THAT(settings.public_paths(), ElementsAre("/sso/login", "/sso/callback", "/sso/status",
                                                     "/sso/signed-out", "/sso/backchannel-logout"));
    EXPECT_TRUE(settings.is_public_path("/sso/login"));
    EXPECT_TRUE(settings.is_public_path("/sso/login/extra"));
    EXPECT_FALSE(settings.is_public_path("/sso/loginx"));
    EXPECT_FALSE(settings.is_public_path("/auth/login"));
    EXPECT_FALSE(settings.is_public_path("/sso/logout"));
    settings.auth_public_paths = std::vector<std::string>{"/health", "/static/"};
    EXPECT_TRUE(settings.is_public_path("/health"));
    EXPECT_TRUE(settings.is_public_path("/static/app.css"));
    EXPECT_FALSE(settings.is_public_path("/sso/login"));
    EXPECT_EQ(settings.route_path("/logout"), "/sso/logout");
}

TEST(DeploySettings, LoginRateLimitSettings) {
    auto settings = valid_settings();
    EXPECT_EQ(settings.login_rate_limit, 10);
    EXPECT_EQ(settings.login_rate_window, 60);
    const RateLimitOptions defaults = login_rate_limit_options(settings);
    EXPECT_EQ(defaults.max_requests, 10);
    EXPECT_EQ(defaults.window, std::chrono::seconds{60});
    settings.set("login_rate_limit", "200");
    settings.set("login_rate_window", "30");
    EXPECT_NO_THROW(settings.validate());
    RateLimitOptions base;
    base.max_tracked_keys = 7;
    const RateLimitOptions options = login_rate_limit_options(settings, base);
    EXPECT_EQ(options.max_requests, 200);
    EXPECT_EQ(options.window, std::chrono::seconds{30});
    EXPECT_EQ(options.max_tracked_keys, 7u);
    for (const char* bad : {"0", "-1", "1000001", "ten"}) {
        EXPECT_EQ(config_error([&] { settings.set("login_rate_limit", bad); }).code(),
                  errc::config_invalid)
            << bad;
    }
    for (const char* bad : {"0", "86401"}) {
        EXPECT_EQ(config_error([&] { settings.set("login_rate_window", bad); }).code(),
                  errc::config_invalid)
            << bad;
    }
    settings.login_rate_window = 0;
    EXPECT_EQ(config_error([&] { settings.validate(); }).code(), errc::config_invalid);

    test::TempDir dir;
    auto sources = isolated(dir);
    (*sources.environment)["AUTHFLOW_DEPLOY__PUBLIC_URL"] = "https://app.example";
    (*sources.environment)["AUTHFLOW_DEPLOY__LOGIN_RATE_LIMIT"] = "50";
    (*sources.environment)["AUTHFLOW_DEPLOY__LOGIN_RATE_WINDOW"] = "120";
    sources.flags = {{"login_rate_limit", "75"}};
    const auto loaded = load_deploy_settings(sources);
    EXPECT_EQ(loaded.login_rate_limit, 75);
    EXPECT_EQ(loaded.login_rate_window, 120);
}

TEST(DeploySettings, LoadPrecedenceFileEnvironmentFlags) {
    test::TempDir dir;
    const auto file = dir.path() / "config.toml";
    test::write_file(file, "[oauth2]\nclient_id = \"x\"\n\n[deploy]\n"
                           "public_url = \"https://file.example\"\n"
                           "session_ttl = 600\n"
                           "default_roles = [\"viewer\", \"editor\"]\n"
                           "auth_session_cookie = \"file_cookie\"\n"
                           "future_setting = 1\n");
    auto sources = isolated(dir);
    sources.config_file = file;
    (*sources.environment)["AUTHFLOW_DEPLOY__SESSION_TTL"] = "900";
    (*sources.environment)["AUTHFLOW_DEPLOY__AUTH_SESSION_COOKIE"] = "env_cookie";
    (*sources.environment)["AUTHFLOW_DEPLOY__TRUSTED_PROXIES"] = "10.0.0.0/8,192.168.0.1";
    sources.flags = {{"auth_session_cookie", "flag_cookie"}};

    const auto settings = load_deploy_settings(sources);
    EXPECT_EQ(settings.public_url, "https://file.example");
    EXPECT_EQ(settings.session_ttl, 900);
    EXPECT_EQ(settings.auth_session_cookie, "flag_cookie");
    EXPECT_THAT(settings.default_roles, ElementsAre("viewer", "editor"));
    EXPECT_THAT(settings.trusted_proxies, ElementsAre("10.0.0.0/8", "192.168.0.1"));
}

TEST(DeploySettings, UnknownKeyIsWarnedAboutWithTheClosestName) {
    test::TempDir dir;
    const auto file = dir.path() / "config.toml";
    test::write_file(file, "[deploy]\npublic_url = \"https://file.example\"\n"
                           "sesion_ttl = 600\n");
    auto sources = isolated(dir);
    sources.config_file = file;
    std::vector<std::pair<LogLevel, std::string>> messages;
    set_log_callback([&](LogLevel level, std::string_view message) {
        messages.emplace_back(level, std::string{message});
    });
    const auto settings = load_deploy_settings(sources);
    set_log_callback({});
    EXPECT_EQ(settings.session_ttl, DeploySettings{}.session_ttl); // the typo sets nothing
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(messages[0].first, LogLevel::warning);
    EXPECT_THAT(messages[0].second, HasSubstr(file.string()));
    EXPECT_THAT(messages[0].second, HasSubstr("did you mean 'session_ttl'?"));
}

TEST(DeploySettings, UnknownKeyIsRefusedWhenAskedWithTheClosestName) {
    test::TempDir dir;
    const auto file = dir.path() / "config.toml";
    test::write_file(file, "[deploy]\npublic_url = \"https://file.example\"\n"
                           "allowed_grups = [\"staff\"]\n");
    auto sources = isolated(dir);
    sources.config_file = file;
    auto e = config_error([&] { (void)load_deploy_settings(sources, UnknownDeployKeys::refuse); });
    EXPECT_EQ(e.code(), errc::config_invalid);
    EXPECT_THAT(e.what(), HasSubstr(file.string()));
    EXPECT_THAT(e.what(), HasSubstr("unknown setting 'allowed_grups'"));
    EXPECT_THAT(e.what(), HasSubstr("did you mean 'allowed_groups'?"));
    // Without a close name, the error points to the list.
    test::write_file(file, "[deploy]\npublic_url = \"https://file.example\"\nzzzzzzzzzz = 1\n");
    e = config_error([&] { (void)load_deploy_settings(sources, UnknownDeployKeys::refuse); });
    EXPECT_THAT(e.what(), HasSubstr("see docs/deploy.md"));
}

TEST(DeploySettings, LoadErrorsNameTheSource) {
    test::TempDir dir;
    auto sources = isolated(dir);
    sources.flags = {{"public_url", "https://a.example"}};
    (*sources.environment)["AUTHFLOW_DEPLOY__SESSION_TTL"] = "5";
    auto e = config_error([&] { (void)load_deploy_settings(sources); });
    EXPECT_EQ(e.code(), errc::config_invalid);
    EXPECT_THAT(e.what(), HasSubstr("AUTHFLOW_DEPLOY__SESSION_TTL"));

    sources = isolated(dir);
    sources.flags = {{"public_url", "https://a.example"}, {"bogus", "1"}};
    e = config_error([&] { (void)load_deploy_settings(sources); });
    EXPECT_EQ(e.code(), errc::config_invalid);
    EXPECT_THAT(e.what(), HasSubstr("bogus"));

    sources = isolated(dir);
    sources.config_file = dir.path() / "missing.toml";
    EXPECT_EQ(config_error([&] { (void)load_deploy_settings(sources); }).code(),
              errc::config_missing);

    // No file at the default location, nothing set: public_url is missing.
    sources = isolated(dir);
    EXPECT_EQ(config_error([&] { (void)load_deploy_settings(sources); }).code(),
              errc::config_missing);
}

TEST(DeploySettings, LoadFileErrorsNameTheFile) {
    test::TempDir dir;
    const auto file = dir.path() / "config.toml";
    test::write_file(file, "[deploy]\npublic_url = \"https://a.example\"\nsession_ttl = 1\n");
    auto sources = isolated(dir);
    sources.config_file = file;
    const auto e = config_error([&] { (void)load_deploy_settings(sources); });
    EXPECT_EQ(e.code(), errc::config_invalid);
    EXPECT_THAT(e.what(), HasSubstr("config.toml"));
    EXPECT_THAT(e.what(), HasSubstr("session_ttl"));
}

} // namespace
} // namespace authflow

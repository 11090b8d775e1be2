// `authflow token`, `refresh`, `status`, `userinfo` and `logout`, run as separate processes in a
// "new shell": the profile's records are seeded in a SQLite store (tokens under <profile>, the
// remembered settings under <profile>#settings) and the commands must find them without being
// told anything but where the store is — or nothing at all, with the `auto` default. No network:
// every endpoint points at a closed port, so a command that needed one would fail.
#include "support/process.hpp"
#include "support/test_env.hpp"

#include <authflow/core/encoding.hpp>
#include <authflow/core/token_set.hpp>
#include <authflow/store/encryption.hpp>
#include <authflow/store/sqlite_token_store.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace authflow {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using json = nlohmann::json;

constexpr const char* access_token = "ACCESSTOKEN-0123456789";
constexpr const char* refresh_token = "REFRESHTOKEN-0123456789";
constexpr const char* client_secret = "CLIENTSECRET-0123456789";

/// An ID token as a provider would have sent it (the signature is not checked by `status`: the
/// token was validated when it was stored).
std::string id_token_for(const json& claims) {
    return base64url_encode(R"({"alg":"RS256","kid":"k1"})") + "." +
           base64url_encode(claims.dump()) + ".c2lnbmF0dXJl";
}

class SessionCli : public ::testing::Test {
protected:
    /// Runs the CLI with private config and state directories, no Secret Service, and `env`.
    test::CommandResult run(std::vector<std::string> args,
                            std::map<std::string, std::string> env = {}) {
        args.insert(args.begin(), test::cli_path().string());
        env.emplace("HOME", home_.path().string());
        env.emplace("XDG_CONFIG_HOME", (home_.path() / "config").string());
        env.emplace("XDG_STATE_HOME", (home_.path() / "state").string());
        env.emplace("AUTHFLOW_CONFIG_FILE", "");
        env.emplace("AUTHFLOW_STORE_KEY", key_.to_base64());
        env.emplace("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/authflow-test-bus");
        return test::run_command(args, env, {}, 60000);
    }

    /// The store `auto` finds when no Secret Service answers: SQLite at the default path.
    std::filesystem::path default_store_path() const {
        return home_.path() / "state" / "authflow" / "tokens.db";
    }
    std::shared_ptr<SqliteTokenStore> store() {
        SqliteTokenStoreOptions options;
        options.path = default_store_path();
        options.key = key_;
        return std::make_shared<SqliteTokenStore>(options);
    }

    /// What `authflow login` leaves behind for `profile`.
    OAuthTokenSet seed(const std::string& profile, double age_seconds = 0,
                       std::int64_t expires_in = 3600, bool with_refresh_token = true) {
        OAuthTokenSet tokens;
        tokens.access_token = access_token;
        if (with_refresh_token) {
            tokens.refresh_token = refresh_token;
        }
        tokens.expires_in = expires_in;
        tokens.scope = "openid email offline_access";
        tokens.id_token = id_token_for(
            {{"iss", "http://127.0.0.1:9/"}, {"sub", "alice"}, {"email", "alice@example.test"}});
        tokens.issued_at = system_clock().unix_seconds() - age_seconds;
        auto s = store();
        s->save(profile, tokens);
        s->save_document(profile + "#settings",
                         {{"version", 1},
                          {"settings",
                           {{"provider", "custom"},
                            {"client_id", "remembered-client"},
                            {"client_secret", client_secret},
                            {"authorize_url", "http://127.0.0.1:9/authorize"},
                            {"token_url", "http://127.0.0.1:9/token"},
                            {"revocation_url", "http://127.0.0.1:9/revoke"},
                            {"userinfo_url", "http://127.0.0.1:9/userinfo"},
                            {"scopes", "api offline_access"}}},
                          {"identity", {{"subject", "alice"}, {"name", "Alice"}}},
                          {"saved_at", 0}});
        return tokens;
    }

    static void expect_no_secret(const test::CommandResult& r) {
        for (const char* secret : {access_token, refresh_token, client_secret}) {
            EXPECT_THAT(r.out, Not(HasSubstr(secret)));
            EXPECT_THAT(r.err, Not(HasSubstr(secret)));
        }
    }

    test::TempDir home_;
    StoreKey key_ = StoreKey::generate();
};

TEST_F(SessionCli, TokenPrintsTheStoredTokenAndNothingElse) {
    seed("default");
    const auto r = run({"token"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, std::string{access_token} + "\n");
    EXPECT_EQ(r.err, "");
    // Another profile, chosen before or after the command.
    seed("work");
    EXPECT_EQ(run({"--profile", "work", "token"}).out, std::string{access_token} + "\n");
    EXPECT_EQ(run({"token", "--profile", "work"}).exit_code, 0);
}

TEST_F(SessionCli, TokenFindsAStoreNamedInTheEnvironment) {
    test::TempDir elsewhere;
    SqliteTokenStoreOptions options;
    options.path = elsewhere.path() / "custom.db";
    options.key = key_;
    SqliteTokenStore custom(options);
    OAuthTokenSet tokens;
    tokens.access_token = "CUSTOM-STORE-TOKEN";
    tokens.expires_in = 3600;
    tokens.issued_at = system_clock().unix_seconds();
    custom.save("default", tokens);
    const auto r = run({"token"}, {{"AUTHFLOW_OAUTH2__TOKEN_STORE_BACKEND", "sqlite"},
                                   {"AUTHFLOW_OAUTH2__TOKEN_STORE_PATH", options.path.string()}});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "CUSTOM-STORE-TOKEN\n");
}

TEST_F(SessionCli, NotSignedInIsExitCodeThree) {
    for (const char* command : {"token", "refresh", "status", "userinfo"}) {
        const auto r = run({command});
        EXPECT_EQ(r.exit_code, 3) << command << ": " << r.err;
        EXPECT_THAT(r.err, StartsWith("error: token_missing: ")) << command;
        EXPECT_EQ(r.out, "") << command;
    }
    const auto r = run({"logout"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("was not signed in"));
    EXPECT_EQ(r.err, "");
}

TEST_F(SessionCli, ExpiredTokenWithoutRefreshTokenNeedsASignIn) {
    seed("default", 7200, 3600, false);
    const auto token = run({"token"});
    EXPECT_EQ(token.exit_code, 3) << token.err;
    EXPECT_THAT(token.err, StartsWith("error: reauth_required: "));
    EXPECT_EQ(token.out, "");
    const auto status = run({"status"});
    EXPECT_EQ(status.exit_code, 3) << status.err;
    EXPECT_THAT(status.out, HasSubstr("sign in again"));
    expect_no_secret(token);
    expect_no_secret(status);
}

TEST_F(SessionCli, TokenRefreshesWhenItLivesShorterThanMinTtl) {
    seed("default", 1000); // 2600 s left
    EXPECT_EQ(run({"token", "--min-ttl", "2000"}).exit_code, 0);
    // More than is left: a refresh is needed, and the token endpoint (a closed port) fails.
    const auto r = run({"token", "--min-ttl", "3000"});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_THAT(r.err, HasSubstr("error: refresh_failed: "));
    EXPECT_EQ(r.out, "");
    expect_no_secret(r);
    EXPECT_EQ(run({"token", "--min-ttl", "-5"}).exit_code, 2);
    EXPECT_EQ(run({"token", "--min-ttl", "soon"}).exit_code, 2);
}

TEST_F(SessionCli, StatusSaysWhoWhatAndWhereButNeverAToken) {
    seed("default", 600);
    const auto r = run({"status"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("profile:   default\n"));
    EXPECT_THAT(r.out, HasSubstr("alice@example.test"));
    EXPECT_THAT(r.out, HasSubstr("subject alice"));
    EXPECT_THAT(r.out, HasSubstr("Alice")); // the remembered name fills in
    EXPECT_THAT(r.out, HasSubstr("provider:  custom"));
    EXPECT_THAT(r.out, testing::ContainsRegex("in (49|50) min"));
    EXPECT_THAT(r.out, HasSubstr("scopes:    openid email offline_access"));
    EXPECT_THAT(r.out, HasSubstr("store:     sqlite (" + default_store_path().string() + ")"));
    expect_no_secret(r);
}

TEST_F(SessionCli, StatusJson) {
    const auto tokens = seed("default", 600);
    const auto r = run({"status", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json status = json::parse(r.out);
    EXPECT_EQ(status["profile"], "default");
    EXPECT_EQ(status["signed_in"], true);
    EXPECT_EQ(status["subject"], "alice");
    EXPECT_EQ(status["email"], "alice@example.test");
    EXPECT_EQ(status["name"], "Alice");
    EXPECT_EQ(status["provider"], "custom");
    EXPECT_EQ(status["client_id"], "remembered-client");
    EXPECT_EQ(status["expired"], false);
    EXPECT_EQ(status["has_refresh_token"], true);
    EXPECT_NEAR(status["expires_in"].get<double>(), 3000, 5);
    EXPECT_EQ(status["scopes"], json::array({"openid", "email", "offline_access"}));
    EXPECT_EQ(status["store"]["backend"], "sqlite");
    EXPECT_THAT(status["expires_at"].get<std::string>(),
                testing::MatchesRegex("20[0-9][0-9]-[01][0-9]-[0-3][0-9]T"
                                      "[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z"));
    expect_no_secret(r);
    (void)tokens;
}

TEST_F(SessionCli, RememberedSettingsYieldToTheEnvironmentAndFlags) {
    seed("default");
    auto client_of = [&](std::map<std::string, std::string> env,
                         std::vector<std::string> args = {"status", "--json"}) {
        const auto r = run(args, std::move(env));
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return json::parse(r.out)["client_id"].get<std::string>();
    };
    EXPECT_EQ(client_of({}), "remembered-client");
    EXPECT_EQ(client_of({{"AUTHFLOW_OAUTH2__CLIENT_ID", "from-env"}}), "from-env");
    EXPECT_EQ(client_of({}, {"--client-id", "from-flag", "status", "--json"}), "from-flag");
    // The config file ranks below the remembered settings.
    test::write_file(home_.path() / "config" / "authflow" / "config.toml",
                     "[oauth2]\nclient_id = \"from-file\"\n");
    EXPECT_EQ(client_of({}), "remembered-client");
}

TEST_F(SessionCli, LogoutRemovesTokensAndSettingsEvenWhenRevocationFails) {
    seed("default");
    seed("work");
    const auto r = run({"logout"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("Signed out of profile \"default\""));
    EXPECT_THAT(r.out, HasSubstr("did not confirm the revocation"));
    EXPECT_THAT(r.out, HasSubstr("removed the tokens and settings"));
    expect_no_secret(r);
    auto s = store();
    EXPECT_FALSE(s->load("default"));
    EXPECT_FALSE(s->exists("default#settings"));
    EXPECT_TRUE(s->load("work")); // other profiles stay
    EXPECT_EQ(run({"token"}).exit_code, 3);

    const auto keep = run({"--profile", "work", "logout", "--keep-settings"});
    EXPECT_EQ(keep.exit_code, 0) << keep.err;
    EXPECT_FALSE(s->load("work"));
    EXPECT_TRUE(s->exists("work#settings"));
}

TEST_F(SessionCli, DamagedProfileRecordIsAStoreError) {
    seed("default");
    store()->save_document("default#settings", {{"version", 99}});
    const auto r = run({"status"});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_THAT(r.err, StartsWith("error: store_corrupt: "));
}

TEST_F(SessionCli, WrongStoreKeyIsAnErrorNotASignIn) {
    seed("default");
    const auto r = run({"token"}, {{"AUTHFLOW_STORE_KEY", StoreKey::generate().to_base64()}});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_THAT(r.err, StartsWith("error: decrypt_failed: "));
    EXPECT_EQ(r.out, "");
}

} // namespace
} // namespace authflow

// The CLI's session commands in a "new shell" against node oidc-provider: after a sign-in left the
// profile's records (tokens and remembered settings) in the default store, `authflow token`,
// `status`, `userinfo`, `refresh` and `logout` work with nothing else configured, and the provider
// confirms what they did (introspection, grant and revocation events).
#include "support/oidc_provider.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>
#include <authflow/store/encryption.hpp>
#include <authflow/store/sqlite_token_store.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace authflow {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using json = nlohmann::json;
using test::OidcProvider;

constexpr const char* client_id = "conf-client";

class SessionCliOp : public ::testing::Test {
protected:
    void SetUp() override {
        AUTHFLOW_REQUIRE_SERVICE(OidcProvider::available(), OidcProvider::missing());
        if (!op_) {
            op_ = std::make_unique<OidcProvider>();
        }
    }
    static void TearDownTestSuite() { op_.reset(); }

    std::shared_ptr<GenericOIDCProvider> provider() {
        ProviderConfig config;
        config.client_id = client_id;
        config.client_secret = OidcProvider::secret_of(client_id);
        config.issuer_url = op_->issuer();
        config.scopes = {"openid", "offline_access", "email"};
        return std::make_shared<GenericOIDCProvider>(std::move(config));
    }

    std::shared_ptr<SqliteTokenStore> store() {
        SqliteTokenStoreOptions options;
        options.path = home_.path() / "state" / "authflow" / "tokens.db"; // what `auto` finds
        options.key = key_;
        return std::make_shared<SqliteTokenStore>(options);
    }

    /// What `authflow login` leaves behind: the tokens, and the settings it was run with.
    OAuthTokenSet sign_in(const std::string& profile = "default") {
        auto p = provider();
        auto request = p->begin_authorization(OidcProvider::default_redirect_uri,
                                              QueryParams{{"prompt", "consent"}});
        test::OpBrowser browser;
        auto login = p->complete_login(
            request, browser.authorize(request.url, OidcProvider::default_redirect_uri));
        auto s = store();
        s->save(profile, login.tokens);
        s->save_document(
            profile + "#settings",
            {{"version", 1},
             {"settings",
              {{"provider", "oidc"},
               {"client_id", client_id},
               {"client_secret", OidcProvider::secret_of(client_id)},
               {"issuer_url", op_->issuer()},
               {"scopes", "openid offline_access email"}}},
             {"identity",
              {{"subject", login.identity.subject}, {"email", login.identity.email.value_or("")}}},
             {"saved_at", system_clock().unix_seconds()}});
        return login.tokens;
    }

    /// A new shell: only the home directory, the store key, and no Secret Service.
    test::CommandResult authflow(std::vector<std::string> args) {
        args.insert(args.begin(), test::cli_path().string());
        return test::run_command(
            args,
            {{"HOME", home_.path().string()},
             {"XDG_CONFIG_HOME", (home_.path() / "config").string()},
             {"XDG_STATE_HOME", (home_.path() / "state").string()},
             {"AUTHFLOW_CONFIG_FILE", ""},
             {"AUTHFLOW_STORE_KEY", key_.to_base64()},
             {"DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/authflow-test-bus"}},
            {}, 60000);
    }

    bool active(const std::string& token) {
        return provider()->introspect_token(token, "access_token").active;
    }
    std::size_t refresh_grants() const {
        return op_->count_events("grant.success", client_id, "refresh_token");
    }

    static std::unique_ptr<OidcProvider> op_;
    test::TempDir home_;
    StoreKey key_ = StoreKey::generate();
};

std::unique_ptr<OidcProvider> SessionCliOp::op_;

TEST_F(SessionCliOp, CommandsWorkInANewShellFromTheRememberedSettings) {
    const OAuthTokenSet signed_in = sign_in();

    const auto token = authflow({"token"});
    ASSERT_EQ(token.exit_code, 0) << token.err;
    EXPECT_EQ(token.out, signed_in.access_token + "\n");
    EXPECT_TRUE(active(signed_in.access_token));

    const auto status = authflow({"status", "--json"});
    ASSERT_EQ(status.exit_code, 0) << status.err;
    const json s = json::parse(status.out);
    EXPECT_EQ(s["subject"], "alice");
    EXPECT_EQ(s["email"], "alice@example.test");
    EXPECT_EQ(s["provider"], "oidc");
    EXPECT_EQ(s["issuer"], op_->issuer());
    EXPECT_EQ(s["store"]["backend"], "sqlite");
    EXPECT_EQ(status.out.find(signed_in.access_token), std::string::npos);

    const auto userinfo = authflow({"userinfo"});
    ASSERT_EQ(userinfo.exit_code, 0) << userinfo.err;
    EXPECT_EQ(json::parse(userinfo.out)["sub"], "alice");

    const std::size_t grants = refresh_grants();
    const auto refresh = authflow({"refresh"});
    ASSERT_EQ(refresh.exit_code, 0) << refresh.err;
    EXPECT_THAT(refresh.out, StartsWith("Refreshed the tokens of profile \"default\""));
    EXPECT_EQ(refresh_grants(), grants + 1);
    const std::string refreshed = store()->load("default")->access_token;
    EXPECT_NE(refreshed, signed_in.access_token);
    EXPECT_EQ(authflow({"token"}).out, refreshed + "\n");
    EXPECT_TRUE(active(refreshed));

    // A token that is due: `token` refreshes it first (once).
    auto tokens = store()->load("default").value();
    tokens.issued_at -= static_cast<double>(*tokens.expires_in) - 30; // 30 s left, buffer 60
    store()->save("default", tokens);
    const auto due = authflow({"token"});
    ASSERT_EQ(due.exit_code, 0) << due.err;
    EXPECT_NE(due.out, tokens.access_token + "\n");
    EXPECT_EQ(refresh_grants(), grants + 2);
    const std::string latest = due.out.substr(0, due.out.size() - 1);
    EXPECT_TRUE(active(latest));

    const std::size_t revocations = op_->count_events("revocation.success", client_id);
    const auto logout = authflow({"logout"});
    ASSERT_EQ(logout.exit_code, 0) << logout.err;
    EXPECT_THAT(logout.out, HasSubstr("revoked the refresh and access tokens"));
    EXPECT_EQ(op_->count_events("revocation.success", client_id), revocations + 2);
    EXPECT_FALSE(active(latest));
    EXPECT_FALSE(store()->exists("default"));
    EXPECT_FALSE(store()->exists("default#settings"));

    const auto after = authflow({"token"});
    EXPECT_EQ(after.exit_code, 3);
    EXPECT_THAT(after.err, StartsWith("error: token_missing: "));
}

// The provider is unreachable while the token is due but still valid (a laptop on a train, a
// provider restarting): `token`, `status` and `userinfo`-free commands keep working. The token is
// printed with a warning; only an expired token with no way to refresh fails.
TEST_F(SessionCliOp, ProviderUnreachableWhileTheTokenIsStillValid) {
    sign_in();
    auto tokens = store()->load("default").value();
    tokens.issued_at -= static_cast<double>(*tokens.expires_in) - 30; // 30 s left, buffer 60
    store()->save("default", tokens);
    op_.reset(); // stopped: nothing answers at its port any more

    const auto token = authflow({"token"});
    EXPECT_EQ(token.exit_code, 0) << token.err;
    EXPECT_EQ(token.out, tokens.access_token + "\n");
    EXPECT_THAT(token.err, HasSubstr("warning"));
    EXPECT_EQ(token.err.find(tokens.access_token), std::string::npos);

    const auto status = authflow({"status"});
    EXPECT_EQ(status.exit_code, 0) << status.err;

    // Expired, and the refresh cannot reach the provider: that fails (exit 1: may pass).
    tokens.issued_at -= 60;
    store()->save("default", tokens);
    const auto expired = authflow({"token"});
    EXPECT_EQ(expired.exit_code, 1) << expired.err;
    EXPECT_EQ(expired.out, "");
}

// `profiles` lists every account in the store, like `gh auth status`; `--json` on refresh too.
TEST_F(SessionCliOp, ProfilesListsEveryAccountAndRefreshSpeaksJson) {
    const OAuthTokenSet signed_in = sign_in();
    sign_in("work");
    auto expired = store()->load("work").value();
    expired.refresh_token.reset();
    expired.issued_at -= static_cast<double>(*expired.expires_in) + 10;
    store()->save("work", expired);

    const auto text = authflow({"profiles"});
    ASSERT_EQ(text.exit_code, 0) << text.err;
    EXPECT_THAT(text.out, HasSubstr("default (current)\n"));
    EXPECT_THAT(text.out, HasSubstr("\nwork\n"));
    EXPECT_THAT(text.out, HasSubstr("alice"));
    EXPECT_THAT(text.out, HasSubstr("run `authflow --profile work login`"));
    EXPECT_EQ(text.out.find(signed_in.access_token), std::string::npos);

    const auto listed = authflow({"--profile", "work", "profiles", "--json"});
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    const json all = json::parse(listed.out);
    EXPECT_EQ(all["store"]["backend"], "sqlite");
    ASSERT_EQ(all["profiles"].size(), 2u) << listed.out;
    const json& first = all["profiles"][0];
    const json& second = all["profiles"][1];
    EXPECT_EQ(first["profile"], "default");
    EXPECT_EQ(first["current"], false);
    EXPECT_EQ(first["signed_in"], true);
    EXPECT_EQ(first["subject"], "alice");
    EXPECT_EQ(first["issuer"], op_->issuer());
    EXPECT_EQ(second["profile"], "work");
    EXPECT_EQ(second["current"], true);
    EXPECT_EQ(second["signed_in"], false);
    EXPECT_EQ(second["expired"], true);

    const auto refresh = authflow({"refresh", "--json"});
    ASSERT_EQ(refresh.exit_code, 0) << refresh.err;
    const json refreshed = json::parse(refresh.out);
    EXPECT_EQ(refreshed["signed_in"], true);
    EXPECT_GT(refreshed["expires_in"].get<int>(), 500);
    EXPECT_EQ(refresh.out.find(store()->load("default")->access_token), std::string::npos);

    const auto logout = authflow({"--profile", "work", "logout", "--json"});
    ASSERT_EQ(logout.exit_code, 0) << logout.err;
    const json out = json::parse(logout.out);
    EXPECT_EQ(out["profile"], "work");
    EXPECT_EQ(out["signed_out"], true);
    EXPECT_EQ(out["settings_removed"], true);
    EXPECT_FALSE(store()->exists("work"));
}

// The token helper's options: --min-valid (refresh first when less is left), --id-token, and a
// narrower token by --scope that leaves the session's own tokens, and its grant, working.
TEST_F(SessionCliOp, TokenHelperOptions) {
    const OAuthTokenSet signed_in = sign_in();
    const std::size_t grants = refresh_grants();

    const auto plenty = authflow({"token", "--min-valid", "300"});
    ASSERT_EQ(plenty.exit_code, 0) << plenty.err;
    EXPECT_EQ(plenty.out, signed_in.access_token + "\n");
    EXPECT_EQ(refresh_grants(), grants);
    auto tokens = store()->load("default").value();
    tokens.issued_at -= static_cast<double>(*tokens.expires_in) - 200; // 200 s left, buffer 60
    store()->save("default", tokens);
    const auto short_of_it = authflow({"token", "--min-valid", "300"});
    ASSERT_EQ(short_of_it.exit_code, 0) << short_of_it.err;
    EXPECT_NE(short_of_it.out, signed_in.access_token + "\n");
    EXPECT_EQ(refresh_grants(), grants + 1);

    const auto id_token = authflow({"token", "--id-token"});
    ASSERT_EQ(id_token.exit_code, 0) << id_token.err;
    EXPECT_EQ(id_token.out, *store()->load("default")->id_token + "\n");

    const OAuthTokenSet before = store()->load("default").value();
    const auto narrowed = authflow({"token", "--scope", "openid"});
    ASSERT_EQ(narrowed.exit_code, 0) << narrowed.err;
    const std::string narrow_token = narrowed.out.substr(0, narrowed.out.size() - 1);
    const auto introspected = provider()->introspect_token(narrow_token, "access_token");
    EXPECT_TRUE(introspected.active);
    EXPECT_EQ(introspected.scope.value_or(""), "openid");
    // The session keeps its own access token; the rotated refresh token replaced the used one.
    const OAuthTokenSet after = store()->load("default").value();
    EXPECT_EQ(after.access_token, before.access_token);
    EXPECT_NE(after.refresh_token, before.refresh_token);
    EXPECT_EQ(after.scope, before.scope);
    const auto refresh = authflow({"refresh"});
    EXPECT_EQ(refresh.exit_code, 0) << refresh.err; // the grant lives on

    // This provider has no resource indicators (RFC 8707): it ignores `resource` and `audience`
    // and hands out a token for nothing in particular. That is said, not printed as if it were
    // what was asked for; the session's grant lives on.
    for (const char* option : {"--resource", "--audience"}) {
        const auto ignored = authflow({"token", option, "https://api.example/"});
        EXPECT_EQ(ignored.exit_code, 1) << option;
        EXPECT_EQ(ignored.out, "") << option;
        EXPECT_THAT(ignored.err, HasSubstr("RFC 8707")) << option;
    }
    EXPECT_EQ(authflow({"refresh"}).exit_code, 0);
    const auto bad_resource = authflow({"token", "--resource", "not a uri"});
    EXPECT_EQ(bad_resource.exit_code, 2);
    EXPECT_THAT(bad_resource.err, HasSubstr("RFC 8707"));
    const auto too_wide = authflow({"token", "--scope", "openid api:write"});
    EXPECT_EQ(too_wide.exit_code, 1);
    EXPECT_THAT(too_wide.err, HasSubstr("invalid_scope"));
    const auto both = authflow({"token", "--id-token", "--scope", "openid"});
    EXPECT_EQ(both.exit_code, 2);
}

// What a command fetched (the discovery document, the key set) is kept with the profile: the next
// command's refresh reaches only the token endpoint.
TEST_F(SessionCliOp, TheDiscoveryDocumentAndKeysAreKeptForTheNextCommand) {
    sign_in();
    ASSERT_EQ(authflow({"refresh"}).exit_code, 0);
    const auto kept = store()->load_document("default#provider");
    ASSERT_TRUE(kept);
    EXPECT_EQ((*kept)["issuer"], op_->issuer());
    EXPECT_EQ((*kept)["discovery"]["issuer"], op_->issuer());
    EXPECT_TRUE((*kept)["jwks"]["keys"].is_array()) << kept->dump();

    const std::size_t discoveries = op_->count_events("discovery.request");
    const std::size_t key_sets = op_->count_events("jwks.request");
    const std::size_t grants = refresh_grants();
    const auto again = authflow({"refresh"}); // the new ID token is checked with the kept keys
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(refresh_grants(), grants + 1);
    EXPECT_EQ(op_->count_events("discovery.request"), discoveries);
    EXPECT_EQ(op_->count_events("jwks.request"), key_sets);

    ASSERT_EQ(authflow({"logout"}).exit_code, 0);
    EXPECT_FALSE(store()->exists("default#provider"));
}

TEST_F(SessionCliOp, RevokedGrantMeansSignInAgain) {
    const OAuthTokenSet signed_in = sign_in();
    // Revoked elsewhere (another device logged out): the refresh token no longer works.
    ASSERT_TRUE(provider()->revoke_token(*signed_in.refresh_token, "refresh_token"));
    const auto refresh = authflow({"refresh"});
    EXPECT_EQ(refresh.exit_code, 3) << refresh.err;
    EXPECT_THAT(refresh.err, StartsWith("error: invalid_grant: "));
    EXPECT_TRUE(store()->exists("default")); // a refusal never removes the stored tokens
}

} // namespace
} // namespace authflow

// `authflow logout [--keep-settings]`: revokes the profile's tokens at the provider (best effort)
// and removes them, and the remembered settings, from the store.
#include "cli.hpp"
#include "profile.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/session/session_manager.hpp>

#include <CLI/CLI.hpp>

#include <memory>
#include <ostream>

namespace authflow::cli {

namespace {

int run_logout(Context& ctx, bool keep_settings) {
    const OpenedProfile profile = open_profile(ctx);
    LogoutResult result;
    std::unique_ptr<SessionManager> session;
    if (profile.store->exists(profile_tokens_key(profile.name))) {
        try {
            session = make_profile_session(profile);
        } catch (const ConfigError& e) {
            // Without usable settings nothing can be revoked, but the tokens still go.
            log(LogLevel::warning, std::string{"cannot revoke the tokens: "} + e.what());
        }
    }
    if (session) {
        result = session->logout();
    } else {
        result.had_tokens = profile.store->remove(profile_tokens_key(profile.name));
    }
    const bool had_settings = !keep_settings && forget_profile(*profile.store, profile.name);

    std::ostream& out = *ctx.out;
    if (!result.had_tokens && !had_settings) {
        out << "Profile \"" << profile.name << "\" was not signed in.\n";
        return exit_ok;
    }
    out << "Signed out of profile \"" << profile.name << "\": ";
    if (result.revoked.refresh_token_revoked || result.revoked.access_token_revoked) {
        out << "revoked the "
            << (result.revoked.refresh_token_revoked && result.revoked.access_token_revoked
                    ? "refresh and access tokens"
                : result.revoked.refresh_token_revoked ? "refresh token"
                                                       : "access token")
            << ", ";
    } else if (result.had_tokens) {
        out << "the provider did not confirm the revocation, ";
    }
    out << "removed the " << (had_settings ? "tokens and settings" : "tokens") << " from "
        << describe_profile_store(profile) << ".\n";
    return exit_ok;
}

} // namespace

void add_logout_command(CLI::App& app, Context& ctx) {
    auto keep_settings = std::make_shared<bool>(false);
    auto* command =
        app.add_subcommand("logout", "Revoke the profile's tokens and remove them from the store");
    command->add_flag("--keep-settings", *keep_settings,
                      "Keep the remembered provider settings (client secret included)");
    command->callback([&ctx, keep_settings] {
        ctx.run = [&ctx, keep_settings] { return run_logout(ctx, *keep_settings); };
    });
}

} // namespace authflow::cli

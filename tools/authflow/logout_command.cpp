// `authflow logout [--keep-settings] [--provider [--post-logout-redirect-uri URI]]`: revokes the
// profile's tokens at the provider (best effort) and removes them, and the remembered settings,
// from the store; with --provider, then ends the provider's session too (OpenID Connect
// RP-Initiated Logout 1.0) in the browser, or prints the URL to open.
#include "cli.hpp"
#include "profile.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/native/browser.hpp>
#include <authflow/providers/factory.hpp>
#include <authflow/session/session_manager.hpp>

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <ostream>
#include <string>

namespace authflow::cli {

namespace {

struct LogoutOptions {
    bool keep_settings = false;
    bool provider = false;
    std::string post_logout_redirect_uri;
    bool as_json = false;
};

/// After the local sign-out: the provider's end-session URL opened in the browser, or printed on
/// `out` (it carries the ID token as its hint). Returns "opened", "printed" or "unsupported".
std::string end_provider_session(std::ostream& out, const OpenedProfile& profile,
                                 const std::optional<std::string>& id_token,
                                 const LogoutOptions& options) {
    EndSessionRequest request;
    if (id_token) {
        request.id_token_hint = *id_token;
    }
    request.post_logout_redirect_uri = options.post_logout_redirect_uri;
    const auto provider = make_profile_provider(profile);
    const std::optional<std::string> url = provider->end_session_url(request);
    if (!url) {
        out << "The provider has no end-session endpoint: signed out of this computer only.\n";
        return "unsupported";
    }
    if (has_graphical_display()) {
        try {
            if (open_browser(*url)) {
                out << "Opened the browser to sign out at the provider.\n";
                return "opened";
            }
        } catch (const Error& e) {
            log(LogLevel::warning,
                std::string{"cannot open the browser: "} + std::string{to_string(e.code())});
        }
    }
    out << "To sign out at the provider too, open:\n" << *url << "\n";
    return "printed";
}

int run_logout(Context& ctx, const LogoutOptions& options) {
    const bool keep_settings = options.keep_settings;
    const OpenedProfile profile = open_profile(ctx);
    // The ID token names the provider session to end (id_token_hint); read it before the
    // tokens go.
    std::optional<std::string> id_token;
    if (options.provider) {
        try {
            if (const auto tokens = profile.store->load(profile_tokens_key(profile.name))) {
                id_token = tokens->id_token;
            }
        } catch (const Error& e) {
            log(LogLevel::warning,
                std::string{"cannot read the ID token: "} + std::string{to_string(e.code())});
        }
    }
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

    if (options.as_json) {
        // The end-session URL carries the ID token: it goes to stderr, never into the JSON.
        nlohmann::json status = {
            {"profile", profile.name},
            {"signed_out", result.had_tokens || had_settings},
            {"refresh_token_revoked", result.revoked.refresh_token_revoked},
            {"access_token_revoked", result.revoked.access_token_revoked},
            {"settings_removed", had_settings},
            {"store",
             {{"backend", profile.backend}, {"location", describe_profile_store(profile)}}},
        };
        if (options.provider) {
            status["provider_logout"] = end_provider_session(*ctx.err, profile, id_token, options);
        }
        *ctx.out << status.dump(2) << "\n";
        return exit_ok;
    }
    std::ostream& out = *ctx.out;
    if (!result.had_tokens && !had_settings) {
        out << "Profile \"" << profile.name << "\" was not signed in.\n";
        if (options.provider) {
            end_provider_session(out, profile, id_token, options);
        }
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
    if (options.provider) {
        end_provider_session(out, profile, id_token, options);
    }
    return exit_ok;
}

} // namespace

void add_logout_command(CLI::App& app, Context& ctx) {
    auto options = std::make_shared<LogoutOptions>();
    auto* command =
        app.add_subcommand("logout", "Revoke the profile's tokens and remove them from the store");
    command->add_flag("--keep-settings", options->keep_settings,
                      "Keep the remembered provider settings (client secret included)");
    // After the command, --provider is this flag; the global --provider (the provider type)
    // goes before the command.
    command->add_flag("--provider", options->provider,
                      "Then end the session at the provider too (opens the browser at its "
                      "end-session endpoint, or prints the URL)");
    command->add_option("--post-logout-redirect-uri", options->post_logout_redirect_uri,
                        "Where the provider sends the browser afterwards (must be registered "
                        "at the provider)");
    command->add_flag("--json", options->as_json,
                      "Print what was done as JSON (never a token; the end-session URL goes to "
                      "stderr)");
    command->callback(
        [&ctx, options] { ctx.run = [&ctx, options] { return run_logout(ctx, *options); }; });
}

} // namespace authflow::cli

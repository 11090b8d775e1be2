// `authflow status [--json]`: who is signed in under the profile, with which provider, until
// when, with which scopes, and where the tokens are kept. Never a token.
#include "cli.hpp"
#include "profile.hpp"
#include "profile_summary.hpp"
#include "terminal_text.hpp"

#include <authflow/core/clock.hpp>

#include <CLI/CLI.hpp>

#include <memory>
#include <ostream>
#include <string>

namespace authflow::cli {

namespace {

int run_status(Context& ctx, bool as_json) {
    const OpenedProfile profile = open_profile(ctx);
    std::optional<OAuthTokenSet> tokens = profile.store->load(profile_tokens_key(profile.name));
    if (!tokens && !as_json) {
        require_tokens(profile); // throws token_missing: exit code 3, with the login hint
    }
    ProfileSummary summary = summarize_profile(profile.name, profile.settings, tokens,
                                               profile.record, system_clock().unix_seconds());
    summary.store_backend = profile.backend;
    summary.store_location = describe_profile_store(profile);
    const int code = summary.signed_in ? exit_ok : exit_not_signed_in;

    std::ostream& out = *ctx.out;
    if (as_json) {
        // Signed out is an answer too: a script reads it as JSON, and the exit code says it.
        nlohmann::json status = to_json(summary);
        if (!summary.signed_in) {
            status["hint"] = "run `" + login_command_for(profile.name) + "`";
        }
        out << status.dump(2) << "\n";
        return code;
    }
    const std::string identity = describe_identity(summary);
    out << "profile:   " << profile.name << "\n"
        << "signed in: " << (identity.empty() ? "yes (identity unknown)" : identity) << "\n"
        << "provider:  " << summary.provider;
    if (!summary.issuer.empty()) {
        out << " (" << summary.issuer << ")";
    }
    out << "\n"
        << "expires:   " << describe_expiry(summary) << "\n"
        << "refresh:   "
        << (summary.has_refresh_token ? "yes"
            : summary.expired         ? "no: sign in again"
                                      : "no")
        << "\n"
        << "scopes:    " << (tokens->scope.empty() ? "-" : terminal_safe(tokens->scope)) << "\n"
        << "store:     " << summary.store_location << "\n";
    return code;
}

} // namespace

void add_status_command(CLI::App& app, Context& ctx) {
    auto as_json = std::make_shared<bool>(false);
    auto* command = app.add_subcommand(
        "status", "Show who is signed in, with which provider, until when (never a token)");
    command->add_flag("--json", *as_json, "Print the status as JSON (also when signed out)");
    command->callback(
        [&ctx, as_json] { ctx.run = [&ctx, as_json] { return run_status(ctx, *as_json); }; });
}

} // namespace authflow::cli

// `authflow refresh`: refreshes the profile's tokens now and says until when they are valid.
#include "cli.hpp"
#include "profile.hpp"
#include "profile_summary.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/session/session_manager.hpp>

#include <CLI/CLI.hpp>

#include <cmath>
#include <memory>
#include <ostream>

namespace authflow::cli {

namespace {

int run_refresh(Context& ctx, bool as_json) {
    const OpenedProfile profile = open_profile(ctx);
    require_tokens(profile);
    auto session = make_profile_session(profile);
    const OAuthTokenSet tokens = session->refresh();
    std::ostream& out = *ctx.out;
    if (as_json) {
        ProfileSummary summary = summarize_profile(profile.name, profile.settings, tokens,
                                                   profile.record, system_clock().unix_seconds());
        summary.store_backend = profile.backend;
        summary.store_location = describe_profile_store(profile);
        out << to_json(summary).dump(2) << "\n";
        return exit_ok;
    }
    out << "Refreshed the tokens of profile \"" << profile.name << "\"";
    if (auto expires_at = tokens.expires_at()) {
        const auto left = std::llround(*expires_at - system_clock().unix_seconds());
        out << ": the access token is valid until " << format_utc(*expires_at) << " (" << left
            << " s)";
    }
    out << ".\n";
    return exit_ok;
}

} // namespace

void add_refresh_command(CLI::App& app, Context& ctx) {
    auto as_json = std::make_shared<bool>(false);
    auto* command = app.add_subcommand("refresh", "Refresh the profile's tokens now");
    command->add_flag("--json", *as_json, "Print the refreshed state as JSON (never a token)");
    command->callback(
        [&ctx, as_json] { ctx.run = [&ctx, as_json] { return run_refresh(ctx, *as_json); }; });
}

} // namespace authflow::cli

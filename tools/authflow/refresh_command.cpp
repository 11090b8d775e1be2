// `authflow refresh`: refreshes the profile's tokens now and says until when they are valid.
#include "cli.hpp"
#include "profile.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/session/session_manager.hpp>

#include <CLI/CLI.hpp>

#include <cmath>
#include <ostream>

namespace authflow::cli {

namespace {

int run_refresh(Context& ctx) {
    const OpenedProfile profile = open_profile(ctx);
    require_tokens(profile);
    auto session = make_profile_session(profile);
    const OAuthTokenSet tokens = session->refresh();
    std::ostream& out = *ctx.out;
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
    auto* command = app.add_subcommand("refresh", "Refresh the profile's tokens now");
    command->callback([&ctx] { ctx.run = [&ctx] { return run_refresh(ctx); }; });
}

} // namespace authflow::cli

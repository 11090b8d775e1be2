// `authflow token [--min-ttl S]`: prints a valid access token of the profile and nothing else,
// refreshing it first when needed (like `gcloud auth print-access-token`).
#include "cli.hpp"
#include "profile.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/session/session_manager.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <memory>
#include <ostream>

namespace authflow::cli {

namespace {

int run_token(Context& ctx, std::int64_t min_ttl) {
    const OpenedProfile profile = open_profile(ctx);
    const OAuthTokenSet tokens = require_tokens(profile);
    // The common case needs neither the provider nor the network: the stored token is fresh
    // by the same rule SessionManager uses.
    const double now = system_clock().unix_seconds();
    const auto due =
        refresh_due_at(tokens, std::chrono::seconds{profile.settings.refresh_buffer_seconds});
    const double expires_at = tokens.expires_at().value_or(now + 1e12);
    if ((!due || now < *due) && now + static_cast<double>(min_ttl) < expires_at) {
        *ctx.out << tokens.access_token << "\n";
        return exit_ok;
    }
    auto session = make_profile_session(profile);
    *ctx.out << session->get_access_token(std::chrono::seconds{min_ttl}) << "\n";
    return exit_ok;
}

} // namespace

void add_token_command(CLI::App& app, Context& ctx) {
    auto min_ttl = std::make_shared<std::int64_t>(0);
    auto* command = app.add_subcommand(
        "token", "Print a valid access token of the profile (refreshed when needed)");
    command
        ->add_option("--min-ttl", *min_ttl,
                     "Seconds the token must still be valid for (refresh otherwise)")
        ->check(CLI::Range(std::int64_t{0}, std::int64_t{86400}));
    command->callback(
        [&ctx, min_ttl] { ctx.run = [&ctx, min_ttl] { return run_token(ctx, *min_ttl); }; });
}

} // namespace authflow::cli

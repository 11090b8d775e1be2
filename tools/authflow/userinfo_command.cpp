// `authflow userinfo`: prints what the provider's userinfo endpoint says about the profile's
// user (OIDC Core §5.3), with a fresh access token.
#include "cli.hpp"
#include "profile.hpp"
#include "terminal_text.hpp"

#include <authflow/providers/factory.hpp>
#include <authflow/session/session_manager.hpp>

#include <CLI/CLI.hpp>

#include <ostream>

namespace authflow::cli {

namespace {

int run_userinfo(Context& ctx) {
    const OpenedProfile profile = open_profile(ctx);
    require_tokens(profile);
    auto provider = create_provider_from_settings(profile.settings);
    SessionManagerOptions options;
    options.session_key = profile_tokens_key(profile.name);
    options.refresh_buffer_seconds = profile.settings.refresh_buffer_seconds;
    options.background_refresh = false;
    SessionManager session(provider, profile.store, options);
    const nlohmann::json info = provider->get_userinfo(session.get_access_token());
    *ctx.out << terminal_safe_json(info).dump(2) << "\n"; // nothing that acts on a terminal
    return exit_ok;
}

} // namespace

void add_userinfo_command(CLI::App& app, Context& ctx) {
    auto* command =
        app.add_subcommand("userinfo", "Print the provider's userinfo answer for the profile");
    command->callback([&ctx] { ctx.run = [&ctx] { return run_userinfo(ctx); }; });
}

} // namespace authflow::cli

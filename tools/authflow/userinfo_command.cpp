// `authflow userinfo`: prints what the provider's userinfo endpoint says about the profile's
// user (OIDC Core §5.3), with a fresh access token (and its DPoP proof for DPoP-bound tokens,
// RFC 9449 §7).
#include "cli.hpp"
#include "profile.hpp"
#include "terminal_text.hpp"

#include <authflow/session/session_manager.hpp>

#include <CLI/CLI.hpp>

#include <ostream>

namespace authflow::cli {

namespace {

int run_userinfo(Context& ctx) {
    const OpenedProfile profile = open_profile(ctx);
    require_tokens(profile);
    const nlohmann::json info = make_profile_session(profile)->get_userinfo();
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

#pragma once
// What every `authflow` command shares: global options, settings, exit codes, error output.

#include <authflow/core/settings.hpp>

#include <functional>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <string_view>

namespace CLI {
class App;
}

namespace authflow::cli {

/// Exit codes of ../shared/CLI.md.
enum ExitCode : int {
    exit_ok = 0,
    exit_failed = 1,
    exit_usage = 2,
    exit_not_signed_in = 3,
    exit_interrupted = 130,
};

/// A usage error found after parsing (e.g. a flag's value out of range): printed as
/// `error: usage: <message>`, exit code 2. The message names the flag, never its value.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The global options (accepted before or after the command).
struct GlobalOptions {
    std::string config_file;
    std::string profile = "default";
    std::string provider;
    std::string client_id;
    std::string client_secret_file;
    std::string private_key_file; ///< the setting private_key_file (a path; the key stays there)
    std::string issuer;
    std::string scopes;
    std::string store;
    bool verbose = false;
};

/// Shared by every command while the program runs.
struct Context {
    GlobalOptions global;
    std::ostream* out;
    std::ostream* err;
    /// The command's work, set by the subcommand that CLI11 selected.
    std::function<int()> run;

    /// Settings with the documented precedence; the global options are the flags layer. The
    /// token store backend defaults to `auto` (CLI.md) when no source names one. Throws
    /// ConfigError.
    OAuth2Settings load_settings(SettingsValues extra_flags = {}) const;
    /// The sources load_settings reads (config file, profile, flags). Throws ConfigError for an
    /// unreadable --client-secret-file.
    SettingsSources settings_sources(SettingsValues extra_flags = {}) const;
};

/// Registers a command: adds the subcommand and its options, and sets ctx.run when selected.
using CommandRegistrar = void (*)(CLI::App& app, Context& ctx);

void add_pkce_command(CLI::App& app, Context& ctx);
void add_id_token_command(CLI::App& app, Context& ctx);
void add_discover_command(CLI::App& app, Context& ctx);
void add_login_command(CLI::App& app, Context& ctx);
void add_token_command(CLI::App& app, Context& ctx);
void add_refresh_command(CLI::App& app, Context& ctx);
void add_status_command(CLI::App& app, Context& ctx);
void add_profiles_command(CLI::App& app, Context& ctx);
void add_userinfo_command(CLI::App& app, Context& ctx);
void add_dpop_proof_command(CLI::App& app, Context& ctx);
void add_logout_command(CLI::App& app, Context& ctx);
/// `authflow completion bash|zsh|fish`.
void add_completion_command(CLI::App& app, Context& ctx);
/// `authflow man` (hidden): the manual page, run by the build.
void add_man_command(CLI::App& app, Context& ctx);
/// `authflow serve` (only when built with AUTHFLOW_WITH_HTTPLIB).
void add_serve_command(CLI::App& app, Context& ctx);

/// The completion script for `shell` ("bash", "zsh" or "fish"), generated from `app`.
std::string completion_script(const CLI::App& app, std::string_view shell);
/// The manual page authflow(1) in roff, generated from `app` and the help table.
std::string man_page(const CLI::App& app);

/// Runs the program: parses, dispatches, maps exceptions to exit codes and `error:` lines.
int run(int argc, char** argv, std::ostream& out, std::ostream& err);

} // namespace authflow::cli

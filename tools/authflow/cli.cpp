#include "cli.hpp"

#include "command_tree.hpp"
#include "environment_check.hpp"
#include "exit_code.hpp"
#include "help_formatter.hpp"
#include "profile.hpp"

#include <authflow/config.hpp>
#include <authflow/core/closest_match.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/http/http_client.hpp>

#include <CLI/CLI.hpp>
#include <openssl/crypto.h>

#include <array>
#include <fstream>
#include <functional>
#include <ostream>
#include <sstream>
#include <string_view>
#include <vector>

namespace authflow::cli {
namespace {

// Every command of the program; later commands add themselves here.
constexpr std::array registrars = {
    &add_pkce_command,       &add_id_token_command, &add_discover_command,   &add_login_command,
    &add_token_command,      &add_refresh_command,  &add_status_command,     &add_profiles_command,
    &add_userinfo_command,   &add_logout_command,   &add_completion_command, &add_man_command,
    &add_dpop_proof_command,
#if AUTHFLOW_WITH_HTTPLIB
    &add_serve_command,
#endif
};

std::string read_secret_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw ConfigError(errc::config_invalid, "cannot read --client-secret-file '" + path + "'");
    }
    std::ostringstream text;
    text << in.rdbuf();
    std::string secret = text.str();
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) {
        secret.pop_back();
    }
    return secret;
}

/// The settings fields that flags set, with the flag a user types for each: errors about them
/// name the flag (`--timeout`), not the field (`auth_timeout_seconds`).
struct FlagField {
    std::string_view field;
    std::string_view flag;
};
constexpr FlagField flag_fields[] = {
    {"provider", "--provider"},
    {"client_id", "--client-id"},
    {"client_secret", "--client-secret-file"},
    {"issuer_url", "--issuer"},
    {"scopes", "--scopes"},
    {"token_store_backend", "--store"},
    {"auth_timeout_seconds", "--timeout"},
    {"callback_port", "--port"},
};

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
    return text;
}

/// Checks one flag's value the way the settings will, so that an error names the flag the user
/// typed. Throws UsageError (a value out of range or not among the choices), ConfigError (e.g.
/// an insecure URL). Never quotes the value: it may be a secret typed in the wrong place.
void check_flag_value(std::string_view field, const std::string& value) {
    const auto* it = std::find_if(std::begin(flag_fields), std::end(flag_fields),
                                  [&](const FlagField& known) { return known.field == field; });
    if (it == std::end(flag_fields)) {
        return;
    }
    try {
        OAuth2Settings probe;
        probe.set(field, value);
        probe.validate();
    } catch (const ConfigError& e) {
        const std::string message = e.what();
        const std::string expected = "invalid " + std::string{field} + ": expected ";
        if (message.rfind(expected, 0) != 0) {
            throw ConfigError(e.code(), replace_all(message, field, it->flag));
        }
        std::string text = std::string{it->flag} + " must be " + message.substr(expected.size());
        // A choice (--provider, --store): the closest name, never the value itself.
        std::vector<std::string_view> choices;
        for (const std::string& choice : option_values(it->flag)) {
            choices.push_back(choice);
        }
        if (auto suggestion = closest_match(value, choices)) {
            text += "; did you mean '" + *suggestion + "'?";
        }
        throw UsageError(text);
    }
}

/// The deepest command CLI11 selected (the program itself when none).
const CLI::App* selected_command(const CLI::App& app) {
    const CLI::App* current = &app;
    for (auto subs = current->get_subcommands(); !subs.empty(); subs = current->get_subcommands()) {
        current = subs.front();
    }
    return current;
}

/// "unknown command 'logni'; did you mean 'login'?" or "unknown option '--devcie'; did you mean
/// '--device'?" for the first word CLI11 could not place; empty when no word is near a known one
/// (CLI11's own message is clearer then).
std::string suggestion_for(const CLI::App& app) {
    const std::vector<std::string> extras = app.remaining(true);
    if (extras.empty()) {
        return {};
    }
    const CLI::App* selected = selected_command(app);
    const std::string& word = extras.front();
    std::vector<std::string> names;
    if (word.rfind("-", 0) == 0) {
        const std::string typed = word.substr(0, word.find('='));
        for (const CLI::App* command = selected; command != nullptr;
             command = command->get_parent()) {
            for (const CLI::Option* option : command->get_options()) {
                for (const std::string& name : option->get_lnames()) {
                    names.push_back("--" + name);
                }
            }
        }
        const std::vector<std::string_view> candidates(names.begin(), names.end());
        if (auto suggestion = closest_match(typed, candidates)) {
            return "unknown option '" + typed + "'; did you mean '" + *suggestion + "'?";
        }
        return {};
    }
    const auto visible = selected->get_subcommands(
        [](const CLI::App* command) { return !command->get_group().empty(); });
    if (visible.empty()) {
        return {};
    }
    for (const CLI::App* command : visible) {
        names.push_back(command->get_name());
    }
    const std::vector<std::string_view> candidates(names.begin(), names.end());
    std::string text = "unknown command '" + word + "'";
    if (auto suggestion = closest_match(word, candidates)) {
        return text + "; did you mean '" + *suggestion + "'?";
    }
    return text + " (see authflow --help)";
}

std::string version_text() {
    return std::string("authflow ") + AUTHFLOW_VERSION + "\n" + OpenSSL_version(OPENSSL_VERSION) +
           "\n" + curl_version_text();
}

void add_global_options(CLI::App& app, GlobalOptions& global) {
    app.add_option("--config", global.config_file, "Config file (TOML)");
    app.add_option("--profile", global.profile, "Signed-in identity to use")->capture_default_str();
    app.add_option("--provider", global.provider, "google, github, microsoft, oidc or custom");
    app.add_option("--client-id", global.client_id, "OAuth client id");
    app.add_option("--client-secret-file", global.client_secret_file,
                   "File holding the client secret (never pass secrets as arguments)");
    app.add_option("--private-key-file", global.private_key_file,
                   "PEM or JWK file with the client's private key (private_key_jwt)");
    app.add_option("--issuer", global.issuer, "OpenID Provider issuer URL");
    app.add_option("--scopes", global.scopes, "Scopes, space-separated");
    app.add_option("--store", global.store, "Token store: auto, memory, sqlite, redis, keyring");
    app.add_flag("--verbose", global.verbose, "Log progress to stderr");
}

} // namespace

OAuth2Settings Context::load_settings(SettingsValues extra_flags) const {
    const LoadedSettings loaded =
        load_settings_with_sources(settings_sources(std::move(extra_flags)));
    OAuth2Settings settings = loaded.settings();
    if (!loaded.is_given("token_store_backend")) {
        // the CLI's default; the library's is memory
        settings.token_store_backend = TokenStoreBackend::automatic;
    }
    return settings;
}

SettingsSources Context::settings_sources(SettingsValues extra_flags) const {
    SettingsSources sources;
    sources.config_file = global.config_file;
    sources.profile = global.profile;
    auto flag = [&](const char* field, const std::string& value) {
        if (!value.empty()) {
            check_flag_value(field, value);
            sources.flags[field] = value;
        }
    };
    flag("provider", global.provider);
    flag("client_id", global.client_id);
    flag("issuer_url", global.issuer);
    flag("scopes", global.scopes);
    flag("token_store_backend", global.store);
    flag("private_key_file", global.private_key_file);
    if (!global.client_secret_file.empty()) {
        sources.flags["client_secret"] = read_secret_file(global.client_secret_file);
    }
    for (auto& [field, value] : extra_flags) {
        check_flag_value(field, value);
        sources.flags[field] = value;
    }
    return sources;
}

int run(int argc, char** argv, std::ostream& out, std::ostream& err) {
    Context ctx{{}, &out, &err, {}};
    CLI::App app{"authflow: OAuth 2.0 and OpenID Connect sign-in", "authflow"};
    // Before the subcommands are added: each copies its parent's formatter.
    app.formatter(make_help_formatter());
    app.footer("Run `authflow COMMAND --help` for a command's options and examples, "
               "`man authflow` for everything.");
    app.fallthrough();
    app.require_subcommand(0, 1);
    // Computed only when asked for: libcurl's version line loads libcurl, which no command
    // that makes no request should pay for at start-up.
    app.set_version_flag("--version", std::function<std::string()>{version_text});
    add_global_options(app, ctx.global);
    for (auto registrar : registrars) {
        registrar(app, ctx);
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e, out, err);
    } catch (const CLI::ParseError& e) {
        const std::string suggestion = suggestion_for(app);
        err << "error: usage: " << (suggestion.empty() ? e.what() : suggestion) << "\n";
        return exit_usage;
    }
    if (ctx.global.verbose) {
        set_log_level(LogLevel::debug);
    }
    // Once per run, names only: a mistyped variable is otherwise ignored without a word.
    for (const std::string& warning : unknown_environment_warnings(authflow_environment_names())) {
        log(LogLevel::warning, warning);
    }
    if (!ctx.run) {
        out << app.help();
        return exit_usage;
    }
    try {
        return ctx.run();
    } catch (const UsageError& e) {
        err << "error: usage: " << e.what() << "\n";
        return exit_usage;
    } catch (const Error& e) {
        err << "error: " << e.display_code() << ": " << e.what() << "\n";
        return exit_code_for(e);
    } catch (const std::exception& e) {
        err << "error: internal: " << e.what() << "\n";
        return exit_failed;
    }
}

} // namespace authflow::cli

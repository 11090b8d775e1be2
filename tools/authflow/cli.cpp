#include "cli.hpp"

#include "exit_code.hpp"
#include "profile.hpp"

#include <authflow/config.hpp>
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

namespace authflow::cli {
namespace {

// Every command of the program; later commands add themselves here.
constexpr std::array registrars = {
    &add_pkce_command,   &add_id_token_command,   &add_discover_command, &add_login_command,
    &add_token_command,  &add_refresh_command,    &add_status_command,   &add_userinfo_command,
    &add_logout_command, &add_dpop_proof_command,
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
            sources.flags[field] = value;
        }
    };
    flag("provider", global.provider);
    flag("client_id", global.client_id);
    flag("issuer_url", global.issuer);
    flag("scopes", global.scopes);
    flag("token_store_backend", global.store);
    if (!global.client_secret_file.empty()) {
        sources.flags["client_secret"] = read_secret_file(global.client_secret_file);
    }
    for (auto& [field, value] : extra_flags) {
        sources.flags[field] = value;
    }
    return sources;
}

int run(int argc, char** argv, std::ostream& out, std::ostream& err) {
    Context ctx{{}, &out, &err, {}};
    CLI::App app{"authflow: OAuth 2.0 and OpenID Connect sign-in", "authflow"};
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
        err << "error: usage: " << e.what() << "\n";
        return exit_usage;
    }
    if (ctx.global.verbose) {
        set_log_level(LogLevel::debug);
    }
    if (!ctx.run) {
        out << app.help();
        return exit_usage;
    }
    try {
        return ctx.run();
    } catch (const Error& e) {
        err << "error: " << e.display_code() << ": " << e.what() << "\n";
        return exit_code_for(e);
    } catch (const std::exception& e) {
        err << "error: internal: " << e.what() << "\n";
        return exit_failed;
    }
}

} // namespace authflow::cli

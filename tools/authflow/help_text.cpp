#include "help_text.hpp"

#include <algorithm>
#include <array>
#include <sstream>

namespace authflow::cli {

namespace {

// ---- what several commands share --------------------------------------------------------------

constexpr HelpItem config_file_env{
    "AUTHFLOW_CONFIG_FILE", "The config file to read instead of the default location (it must "
                            "exist); --config takes precedence"};
constexpr HelpItem oauth2_env{"AUTHFLOW_OAUTH2__<FIELD>",
                              "Any OAuth2 setting, field name upper-cased (AUTHFLOW_OAUTH2__"
                              "CLIENT_ID, AUTHFLOW_OAUTH2__ISSUER_URL, ...); above the config "
                              "file and the profile, below the flags"};
constexpr HelpItem client_secret_env{"AUTHFLOW_OAUTH2__CLIENT_SECRET",
                                     "The client secret (never pass a secret as an argument; "
                                     "--client-secret-file FILE reads it from a file)"};
constexpr HelpItem store_key_env{"AUTHFLOW_STORE_KEY",
                                 "Key that encrypts the token store at rest: standard base64 of "
                                 "32 random bytes (openssl rand -base64 32)"};
constexpr HelpItem xdg_config_env{"XDG_CONFIG_HOME",
                                  "Base of the default config file location (absolute paths "
                                  "only)"};
constexpr HelpItem xdg_state_env{"XDG_STATE_HOME",
                                 "Base of the default SQLite token store location (absolute "
                                 "paths only)"};
constexpr HelpItem browser_env{"BROWSER", "The browser `login` opens, before xdg-open and friends"};
constexpr HelpItem display_env{"DISPLAY, WAYLAND_DISPLAY",
                               "Without either (SSH, containers) `login` prints the sign-in URL "
                               "instead of trying to open a browser, and suggests --device"};
constexpr HelpItem deploy_env{"AUTHFLOW_DEPLOY__<FIELD>",
                              "Any deploy setting ([deploy] table), field name upper-cased "
                              "(AUTHFLOW_DEPLOY__PUBLIC_URL, AUTHFLOW_DEPLOY__STATE_BACKEND, ...)"};

constexpr HelpItem config_file{"$XDG_CONFIG_HOME/authflow/config.toml",
                               "The config file (TOML; ~/.config/authflow/config.toml when "
                               "XDG_CONFIG_HOME is unset): tables [oauth2], "
                               "[profiles.<name>.oauth2] and [deploy]"};
constexpr HelpItem sqlite_store{"$XDG_STATE_HOME/authflow/tokens.db",
                                "The SQLite token store (~/.local/state/authflow/tokens.db when "
                                "XDG_STATE_HOME is unset), used by --store sqlite and by "
                                "--store auto when no keyring answers"};
constexpr HelpItem deploy_db{"$XDG_STATE_HOME/authflow/deploy.db",
                             "Sessions of `serve --session-store sqlite` (default location)"};

/// The variables and files of every command that opens a profile's store.
const std::vector<HelpItem> profile_environment = {
    client_secret_env, oauth2_env, store_key_env, config_file_env, xdg_config_env, xdg_state_env};
const std::vector<HelpItem> profile_files = {config_file, sqlite_store};

// ---- the table --------------------------------------------------------------------------------

const std::vector<CommandHelp>& table() {
    static const std::vector<CommandHelp> entries = {
        {"login",
         "Signs in through the system browser and a loopback redirect (RFC 8252), or with "
         "--device through the device authorization grant (RFC 8628), and keeps the tokens and "
         "the provider settings under the profile, so later commands work in a new shell. "
         "Progress goes to stderr; stdout says who signed in, never a token.",
         {{"Sign in with Google in the system browser",
           "authflow login --provider google --client-id 1234.apps.googleusercontent.com"},
          {"Sign in to any OpenID Provider, secret from a file",
           "authflow login --provider oidc --issuer https://id.example.com --client-id cli "
           "--client-secret-file ~/.config/authflow/secret"},
          {"Over SSH or in a container: enter a code on any device (with a QR code)",
           "authflow login --device"},
          {"A second identity, under its own profile", "authflow --profile work login"}},
         [] {
             std::vector<HelpItem> items = profile_environment;
             items.push_back(browser_env);
             items.push_back(display_env);
             return items;
         }(),
         profile_files},
        {"token",
         "Prints the profile's access token and nothing else, refreshed first when it is about to "
         "expire: made for scripts.",
         {{"Call an API with the current access token",
           "curl -H \"Authorization: Bearer $(authflow token)\" https://api.example.com/me"},
          {"A token valid for at least ten more minutes", "authflow token --min-valid 600"},
          {"The ID token instead", "authflow token --id-token"},
          {"A narrower token for one scope (never stored)", "authflow token --scope api:read"},
          {"The header lines for a request (DPoP-bound tokens get a proof)",
           "authflow token --header --method GET --url https://api.example.com/me"}},
         profile_environment,
         profile_files},
        {"dpop-proof",
         "Prints a DPoP proof (RFC 9449) for one request with the token `authflow token` prints, "
         "with its hash (ath); for the APIs that want DPoP-bound tokens.",
         {{"A proof for one request", "authflow dpop-proof GET https://api.example.com/me"},
          {"Call an API with a DPoP-bound token (curl)",
           "authflow token --header --method GET --url https://api.example.com/me"}},
         profile_environment,
         profile_files},
        {"refresh",
         "Refreshes the profile's tokens now with its refresh token.",
         {{"Refresh now", "authflow refresh"},
          {"Refresh the work profile and print the new state as JSON",
           "authflow --profile work refresh --json"}},
         profile_environment,
         profile_files},
        {"status",
         "Says who is signed in, with which provider, until when, with which scopes and where the "
         "tokens are kept; never a token. Exits 3 when the profile is not signed in.",
         {{"Who is signed in", "authflow status"},
          {"The same for a script", "authflow status --json"}},
         profile_environment,
         profile_files},
        {"profiles",
         "Lists every profile in the token store, the current one marked.",
         {{"Every signed-in identity", "authflow profiles"},
          {"The list as JSON", "authflow profiles --json"}},
         profile_environment,
         profile_files},
        {"userinfo",
         "Prints the provider's userinfo answer (OIDC Core 5.3) for the profile's access token.",
         {{"Claims about the signed-in user", "authflow userinfo"},
          {"One claim", "authflow userinfo | jq -r .email"}},
         profile_environment,
         profile_files},
        {"logout",
         "Revokes the profile's tokens at the provider (RFC 7009, best effort) and removes them "
         "and the remembered settings from the store.",
         {{"Sign out", "authflow logout"},
          {"Sign out of the work profile but keep its settings",
           "authflow --profile work logout --keep-settings"},
          {"Sign out at the provider too (OpenID Connect RP-Initiated Logout)",
           "authflow logout --provider"}},
         profile_environment,
         profile_files},
        {"discover",
         "Fetches the issuer's discovery document (OpenID Connect Discovery 1.0), checks it and "
         "prints what matters: endpoints, algorithms, grant types, PKCE methods.",
         {{"What an OpenID Provider supports", "authflow discover https://accounts.google.com"},
          {"The whole document", "authflow discover https://accounts.google.com --json"}},
         {oauth2_env, config_file_env, xdg_config_env},
         {config_file}},
        {"id-token",
         "",
         {{"Verify an ID token read from stdin",
           "authflow id-token verify --issuer https://accounts.google.com - < id_token.txt"}},
         {},
         {}},
        {"id-token verify",
         "Validates an ID token as OIDC Core 3.1.3.7 says (signature, iss, aud, exp, iat, nonce, "
         "auth_time) and prints its claims as JSON; any failure exits 1 naming the check.",
         {{"Against the issuer's published keys",
           "authflow id-token verify --issuer https://accounts.google.com --audience CLIENT_ID "
           "\"$ID_TOKEN\""},
          {"Against a local JWKS file, token on stdin",
           "authflow id-token verify --issuer https://id.example.com --jwks jwks.json - < "
           "token.txt"}},
         {oauth2_env, config_file_env},
         {config_file}},
        {"pkce",
         "The verifier is 64 random bytes in base64url (86 characters); the challenge is its "
         "SHA-256 in base64url (RFC 7636 4.1, 4.2).",
         {{"A fresh verifier and challenge", "authflow pkce"},
          {"The challenge of a known verifier (RFC 7636 appendix B)",
           "authflow pkce --verifier dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"}},
         {},
         {}},
        {"serve",
         "Runs a small web app with server-side sign-in (deploy mode) until SIGINT or SIGTERM. "
         "Several processes with the same Redis, store key and --public-url share sessions.",
         {{"The demo app on port 8080",
           "authflow serve --provider google --client-id ID --listen 127.0.0.1:8080"},
          {"Behind a proxy, sessions in Redis",
           "AUTHFLOW_STORE_KEY=$(cat key) authflow serve --public-url https://app.example.com "
           "--session-store redis --redis-url redis://127.0.0.1:6379/0"}},
         {deploy_env, oauth2_env, client_secret_env, store_key_env, config_file_env},
         {config_file, deploy_db}},
        {"completion",
         "Prints a completion script for bash, zsh or fish: commands, their flags, the global "
         "flags and the values of --provider and --store.",
         {{"bash, for this shell", "source <(authflow completion bash)"},
          {"bash, for every shell",
           "authflow completion bash > ~/.local/share/bash-completion/completions/authflow"},
          {"zsh (a directory in $fpath)", "authflow completion zsh > ~/.zfunc/_authflow"},
          {"fish", "authflow completion fish > ~/.config/fish/completions/authflow.fish"}},
         {},
         {}},
    };
    return entries;
}

void write_items(std::ostream& out, std::string_view title, const std::vector<HelpItem>& items) {
    if (items.empty()) {
        return;
    }
    constexpr std::size_t column = 34;
    out << "\n" << title << "\n";
    for (const HelpItem& item : items) {
        out << "  " << item.name;
        if (item.name.size() + 2 < column) {
            out << std::string(column - item.name.size() - 2, ' ');
        } else {
            out << "\n" << std::string(column, ' ');
        }
        // Wrapped to 100 columns, continuation lines under the meaning.
        std::size_t width = column;
        std::istringstream words{std::string{item.meaning}};
        bool first = true;
        for (std::string word; words >> word;) {
            if (!first && width + 1 + word.size() > 100) {
                out << "\n" << std::string(column, ' ');
                width = column;
                first = true;
            }
            if (!first) {
                out << ' ';
                ++width;
            }
            out << word;
            width += word.size();
            first = false;
        }
        out << "\n";
    }
}

} // namespace

std::span<const CommandHelp> command_help_table() {
    return table();
}

const CommandHelp* find_command_help(std::string_view command) {
    const auto& entries = table();
    const auto it = std::find_if(entries.begin(), entries.end(),
                                 [&](const CommandHelp& help) { return help.command == command; });
    return it == entries.end() ? nullptr : &*it;
}

const CommandHelp& program_help() {
    static const CommandHelp help = [] {
        CommandHelp program{"",
                            "",
                            {{"Sign in, then use the access token in a script",
                              "authflow login --provider google --client-id ID"},
                             {"", "curl -H \"Authorization: Bearer $(authflow token)\" URL"},
                             {"Who is signed in", "authflow status"},
                             {"Tab completion in bash", "source <(authflow completion bash)"}},
                            {},
                            {}};
        // Every command's variables and files, once each, in the table's order.
        for (const CommandHelp& command : table()) {
            for (const HelpItem& item : command.environment) {
                if (std::none_of(program.environment.begin(), program.environment.end(),
                                 [&](const HelpItem& seen) { return seen.name == item.name; })) {
                    program.environment.push_back(item);
                }
            }
            for (const HelpItem& item : command.files) {
                if (std::none_of(program.files.begin(), program.files.end(),
                                 [&](const HelpItem& seen) { return seen.name == item.name; })) {
                    program.files.push_back(item);
                }
            }
        }
        return program;
    }();
    return help;
}

std::string format_help_sections(const CommandHelp& help) {
    std::ostringstream out;
    if (!help.examples.empty()) {
        out << "\nEXAMPLES\n";
        for (const HelpExample& example : help.examples) {
            if (!example.comment.empty()) {
                out << "  # " << example.comment << "\n";
            }
            out << "  $ " << example.command << "\n";
        }
    }
    write_items(out, "ENVIRONMENT", help.environment);
    write_items(out, "FILES", help.files);
    return out.str();
}

std::span<const std::string_view> known_environment_variables() {
    // Read by the program or its scripts and tests, and not settings.
    static constexpr std::array<std::string_view, 8> names = {
        "AUTHFLOW_STORE_KEY", "AUTHFLOW_CONFIG_FILE",
        "AUTHFLOW_CLI",       "AUTHFLOW_OP_OPTIONS",
        "AUTHFLOW_BIN",       "AUTHFLOW_CHROMIUM",
        "AUTHFLOW_REDIS_URL", "AUTHFLOW_KEYRING_UNAVAILABLE"};
    return names;
}

std::span<const std::string_view> known_environment_prefixes() {
    static constexpr std::array<std::string_view, 4> prefixes = {
        "AUTHFLOW_TEST_", "AUTHFLOW_BENCH_", "AUTHFLOW_DEMO_", "AUTHFLOW_COMPARE_"};
    return prefixes;
}

} // namespace authflow::cli

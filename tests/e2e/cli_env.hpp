#pragma once
// Running the `authflow` program as a user would, in a private environment: its own HOME and XDG
// directories, an SQLite token store in a temporary directory, and $BROWSER pointing at a test
// script that plays the user (tests/support/node/browser_user.mjs or chromium_login.mjs). Nothing
// touches the real home directory or keyring.

#include "support/process.hpp"
#include "support/test_env.hpp"

#include <authflow/core/encoding.hpp>
#include <authflow/core/url.hpp>
#include <authflow/http/http_client.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace authflow::test {

class CliEnv {
public:
    /// `browser_script`: a file in tests/support/node, or empty for none.
    explicit CliEnv(const std::string& browser_script = "browser_user.mjs") {
        for (const char* sub : {"home", "config", "state", "data", "cache", "browser"}) {
            std::filesystem::create_directories(dir_.path() / sub);
        }
        env_ = {
            {"HOME", (dir_.path() / "home").string()},
            {"XDG_CONFIG_HOME", (dir_.path() / "config").string()},
            {"XDG_STATE_HOME", (dir_.path() / "state").string()},
            {"XDG_DATA_HOME", (dir_.path() / "data").string()},
            {"XDG_CACHE_HOME", (dir_.path() / "cache").string()},
            {"AUTHFLOW_OAUTH2__TOKEN_STORE_PATH", (dir_.path() / "state" / "tokens.db").string()},
            {"AUTHFLOW_OAUTH2__TOKEN_STORE_BACKEND", "sqlite"},
            {"AUTHFLOW_TEST_BROWSER_DIR", browser_dir().string()},
            {"BROWSER", browser_script.empty()
                            ? (dir_.path() / "no-such-browser").string()
                            : (source_dir() / "tests/support/node" / browser_script).string()},
        };
    }

    std::map<std::string, std::string>& env() { return env_; }
    std::filesystem::path root() const { return dir_.path(); }
    /// Where the browser script writes `url`, `log` and `done`.
    std::filesystem::path browser_dir() const { return dir_.path() / "browser"; }
    std::string browser_log() const { return file_or_empty(browser_dir() / "log"); }

    /// Runs `authflow <args>` to completion.
    CommandResult run(const std::vector<std::string>& args, int timeout_ms = 120000) const {
        std::vector<std::string> argv{cli_path().string()};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_command(argv, env_, {}, timeout_ms);
    }

    /// Starts `authflow <args>` in the background; stdout and stderr go to `log`.
    std::unique_ptr<ChildProcess> start(const std::vector<std::string>& args,
                                        const std::filesystem::path& log) const {
        std::vector<std::string> argv{cli_path().string()};
        argv.insert(argv.end(), args.begin(), args.end());
        return std::make_unique<ChildProcess>(argv, env_, log);
    }

    /// Waits (bounded) until `file` exists and contains `text`; returns its content.
    static std::optional<std::string>
    wait_for_text(const std::filesystem::path& file, const std::string& text,
                  std::chrono::milliseconds limit = std::chrono::seconds{30}) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        for (;;) {
            std::string content = file_or_empty(file);
            if (content.find(text) != std::string::npos) {
                return content;
            }
            if (std::chrono::steady_clock::now() > deadline) {
                return std::nullopt;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds{20});
        }
    }

    static std::string file_or_empty(const std::filesystem::path& file) {
        std::error_code ec;
        if (!std::filesystem::exists(file, ec)) {
            return {};
        }
        return read_file(file);
    }

    /// Every file under one of the private directories ("config", "home", ...) whose content
    /// contains `needle`.
    std::vector<std::string> files_containing(const std::string& needle,
                                              const std::string& sub) const {
        std::vector<std::string> found;
        for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path() / sub)) {
            if (entry.is_regular_file() &&
                read_file(entry.path()).find(needle) != std::string::npos) {
                found.push_back(entry.path().string());
            }
        }
        return found;
    }

private:
    TempDir dir_;
    std::map<std::string, std::string> env_;
};

/// RFC 7662 introspection at oidc-provider with a confidential client's credentials (it may
/// introspect any client's tokens): is `token` active?
inline bool token_is_active(const std::string& introspection_url, const std::string& token,
                            const std::string& client_id, const std::string& client_secret) {
    HttpRequest request;
    request.method = "POST";
    request.url = introspection_url;
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                       {"Authorization", "Basic " + base64_encode(url_encode(client_id) + ":" +
                                                                  url_encode(client_secret))}};
    request.body = build_query(QueryParams{{"token", token}});
    auto response = make_http_client()->send(request);
    if (response.status != 200) {
        throw std::runtime_error("introspection answered HTTP " + std::to_string(response.status));
    }
    return nlohmann::json::parse(response.body).value("active", false);
}

/// The first line of `text` that starts with `prefix`, or "".
inline std::string line_starting(const std::string& text, const std::string& prefix) {
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) {
            end = text.size();
        }
        std::string line = text.substr(start, end - start);
        if (line.starts_with(prefix)) {
            return line;
        }
        start = end + 1;
    }
    return {};
}

/// The authorization URL that `authflow login` printed (the line after "...sign in...:").
inline std::string printed_url(const std::string& output, const std::string& origin) {
    auto at = output.find("    " + origin + "/auth?");
    if (at == std::string::npos) {
        return {};
    }
    at += 4;
    auto end = output.find_first_of("\r\n", at);
    return output.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

} // namespace authflow::test

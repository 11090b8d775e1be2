#pragma once
// What the end-to-end tests that drive headless Chromium share: where the browser is, what is
// missing to run one, and the checks on the screenshots and files it leaves.

#include "support/oidc_provider.hpp"
#include "support/test_env.hpp"

#include <filesystem>
#include <string>

namespace authflow::test {

/// Debian's Chromium, driven by playwright-core (tests/support/node).
inline constexpr const char* chromium = "/usr/bin/chromium";

/// What is missing to drive Chromium against oidc-provider ("" when nothing is).
inline std::string browser_missing() {
    if (!std::filesystem::exists(chromium)) {
        return "Debian's chromium (/usr/bin/chromium; scripts/install-deps.sh installs it)";
    }
    if (!std::filesystem::exists(source_dir() /
                                 "tests/support/node/node_modules/playwright-core/package.json")) {
        return "playwright-core in tests/support/node/node_modules (run npm ci there)";
    }
    return OidcProvider::missing();
}

/// The content of `file`, or "" when it does not exist (a browser that failed early).
inline std::string file_or_empty(const std::filesystem::path& file) {
    return std::filesystem::exists(file) ? read_file(file) : std::string{};
}

/// True when `file` is a PNG image of some size (a screenshot that was taken).
inline bool is_png(const std::filesystem::path& file) {
    const std::string content = file_or_empty(file);
    return content.size() > 1000 && content.starts_with("\x89PNG\r\n\x1a\n");
}

} // namespace authflow::test

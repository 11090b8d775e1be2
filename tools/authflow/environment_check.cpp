#include "environment_check.hpp"

#include "help_text.hpp"

#include <authflow/core/closest_match.hpp>
#include <authflow/core/settings.hpp>
#include <authflow/deploy/settings.hpp>

#include <algorithm>
#include <string_view>
#include <unistd.h>

namespace authflow::cli {

namespace {

constexpr std::string_view prefix = "AUTHFLOW_";

std::string upper(std::string_view text) {
    std::string out{text};
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; });
    return out;
}

/// Every variable name authflow reads.
const std::vector<std::string>& known_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (auto field : OAuth2Settings::field_names()) {
            out.push_back("AUTHFLOW_OAUTH2__" + upper(field));
        }
        for (auto field : DeploySettings::field_names()) {
            out.push_back("AUTHFLOW_DEPLOY__" + upper(field));
        }
        for (auto name : known_environment_variables()) {
            out.emplace_back(name);
        }
        return out;
    }();
    return names;
}

} // namespace

std::vector<std::string> unknown_environment_warnings(std::span<const std::string> names) {
    const std::vector<std::string>& known = known_names();
    const std::vector<std::string_view> candidates(known.begin(), known.end());
    std::vector<std::string> warnings;
    for (const std::string& name : names) {
        if (!name.starts_with(prefix) ||
            std::find(known.begin(), known.end(), name) != known.end()) {
            continue;
        }
        const auto prefixes = known_environment_prefixes();
        if (std::any_of(prefixes.begin(), prefixes.end(), [&](std::string_view known_prefix) {
                return name.starts_with(known_prefix);
            })) {
            continue;
        }
        std::string warning = "unknown setting " + name;
        if (auto suggestion = closest_match(name, candidates)) {
            warning += " (did you mean " + *suggestion + "?)";
        } else {
            warning += " (ignored; see docs/settings.md)";
        }
        warnings.push_back(std::move(warning));
    }
    return warnings;
}

std::vector<std::string> authflow_environment_names() {
    std::vector<std::string> names;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        std::string_view text{*entry};
        if (text.starts_with(prefix)) {
            names.emplace_back(text.substr(0, text.find('=')));
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

} // namespace authflow::cli

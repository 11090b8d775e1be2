#pragma once
// Internal (not installed): the text rules shared by the settings loaders (OAuth2Settings in
// src/core/settings.cpp, DeploySettings in src/deploy/settings.cpp), so that a value means the
// same in both: trimming, case, booleans, whole numbers, lists, the "expected ..." texts of their
// errors, and the environment lookup.
#include <authflow/core/ascii.hpp>
#include <authflow/core/settings.hpp>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace authflow::settings_text {

/// The C locale's white space.
inline bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/// `text` without leading and trailing white space.
inline std::string_view trim(std::string_view text) noexcept {
    while (!text.empty() && is_space(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_space(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

/// `text` with ASCII letters in upper case.
inline std::string upper(std::string_view text) {
    std::string out{text};
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
        return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    });
    return out;
}

/// The items joined with `separator` between them.
template <typename Range> std::string join(const Range& items, std::string_view separator) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) {
            out += separator;
        }
        out += item;
    }
    return out;
}

/// What parse_bool accepts, for error messages.
inline constexpr std::string_view bool_text = "true, false, 1, 0, yes or no";

/// true/1/yes or false/0/no, in any case, white space around; nullopt for anything else.
inline std::optional<bool> parse_bool(std::string_view text) {
    const std::string value = ascii_lower(trim(text));
    if (value == "true" || value == "1" || value == "yes") {
        return true;
    }
    if (value == "false" || value == "0" || value == "no") {
        return false;
    }
    return std::nullopt;
}

/// A whole decimal number that fits an int (white space around); nullopt otherwise.
inline std::optional<int> parse_int(std::string_view text) {
    text = trim(text);
    int value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return value;
}

/// The items of a list separated by commas and/or white space (empty items dropped).
inline std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> items;
    std::string current;
    for (char c : text) {
        if (c == ',' || is_space(c)) {
            if (!current.empty()) {
                items.push_back(std::move(current));
                current.clear();
            }
        } else {
            current += c;
        }
    }
    if (!current.empty()) {
        items.push_back(std::move(current));
    }
    return items;
}

/// True when `value` is one of `choices`.
inline bool in_choices(std::span<const std::string_view> choices, std::string_view value) {
    return std::find(choices.begin(), choices.end(), value) != choices.end();
}

/// "one of a, b, c", for error messages.
inline std::string choice_text(std::span<const std::string_view> choices) {
    return "one of " + join(choices, ", ");
}

/// "a whole number from <min> to <max>", for error messages.
inline std::string int_text(int min, int max) {
    return "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
}

/// The variable `name` of the sources' environment (the process environment when the sources
/// bring none); nullopt when it is not set.
inline std::optional<std::string> environment_value(const SettingsSources& sources,
                                                    std::string_view name) {
    if (sources.environment) {
        auto it = sources.environment->find(name);
        if (it == sources.environment->end()) {
            return std::nullopt;
        }
        return it->second;
    }
    const std::string key{name};
    const char* value = std::getenv(key.c_str());
    if (value == nullptr) {
        return std::nullopt;
    }
    return std::string{value};
}

} // namespace authflow::settings_text

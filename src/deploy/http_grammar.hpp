#pragma once
// Private to the deploy layer: the pieces of HTTP's grammar that cookies, settings and the
// forwarding headers share.

#include <algorithm>
#include <string_view>

namespace authflow::http_grammar {

/// RFC 9110 §5.6.2 tchar: a visible ASCII character that is not a separator.
constexpr bool is_tchar(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    constexpr std::string_view separators = "()<>@,;:\\\"/[]?={}";
    return u > 0x20 && u < 0x7f && separators.find(c) == std::string_view::npos;
}

/// RFC 9110 §5.6.2 token: one or more tchar (also what a cookie name may be, RFC 6265 §4.1.1).
constexpr bool is_token(std::string_view text) noexcept {
    return !text.empty() && std::all_of(text.begin(), text.end(), is_tchar);
}

/// `text` without the optional white space (spaces and tabs, RFC 9110 §5.6.3) around it.
constexpr std::string_view trim_ows(std::string_view text) noexcept {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

} // namespace authflow::http_grammar

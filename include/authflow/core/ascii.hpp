#pragma once
// ASCII case rules for protocol text (header names, schemes, host names, `Bearer`): never the
// C locale's, which may differ from ASCII for bytes above 127.

#include <algorithm>
#include <string>
#include <string_view>

namespace authflow {

/// `c` with 'A'..'Z' turned into 'a'..'z'; every other byte unchanged.
constexpr char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

/// `text` with 'A'..'Z' turned into 'a'..'z'; every other byte unchanged.
inline std::string ascii_lower(std::string_view text) {
    std::string out{text};
    std::transform(out.begin(), out.end(), out.begin(), [](char c) { return ascii_lower(c); });
    return out;
}

/// True when `a` and `b` are equal ignoring ASCII case (RFC 9110 §5.1 field names, §4.2.3
/// schemes, RFC 6750 §2.1 "Bearer").
constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return ascii_lower(x) == ascii_lower(y);
           });
}

} // namespace authflow

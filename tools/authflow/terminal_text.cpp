#include "terminal_text.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace authflow::cli {

namespace {

struct Decoded {
    char32_t code_point;
    std::size_t length;
};

/// The UTF-8 sequence at the start of `text` (RFC 3629: no overlong forms, no surrogates,
/// nothing above U+10FFFF); nothing when it is not one.
std::optional<Decoded> decode_utf8(std::string_view text) {
    const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[i]); };
    const std::uint8_t lead = byte(0);
    if (lead < 0x80) {
        return Decoded{lead, 1};
    }
    // The sequence's length, the lead byte's payload bits, and the smallest code point that
    // needs that length.
    struct Form {
        std::uint8_t mask;
        std::uint8_t value;
        std::size_t length;
        char32_t smallest;
    };
    constexpr Form forms[] = {
        {0xE0, 0xC0, 2, 0x80}, {0xF0, 0xE0, 3, 0x800}, {0xF8, 0xF0, 4, 0x10000}};
    const Form* form = nullptr;
    for (const Form& candidate : forms) {
        if ((lead & candidate.mask) == candidate.value) {
            form = &candidate;
        }
    }
    if (form == nullptr) {
        return std::nullopt;
    }
    const std::size_t length = form->length;
    const char32_t smallest = form->smallest;
    char32_t code_point = lead & static_cast<std::uint8_t>(~form->mask);
    if (text.size() < length) {
        return std::nullopt;
    }
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xC0) != 0x80) {
            return std::nullopt;
        }
        code_point = (code_point << 6) | (byte(i) & 0x3F);
    }
    if (code_point < smallest || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
        return std::nullopt;
    }
    return Decoded{code_point, length};
}

bool acted_on_by_terminals(char32_t c) {
    return c < 0x20 || (c >= 0x7F && c <= 0x9F) || (c >= 0x202A && c <= 0x202E) ||
           (c >= 0x2066 && c <= 0x2069);
}

} // namespace

std::string terminal_safe(std::string_view text) {
    std::string safe;
    safe.reserve(text.size());
    while (!text.empty()) {
        const auto decoded = decode_utf8(text);
        if (!decoded) {
            safe += '?';
            text.remove_prefix(1);
            continue;
        }
        if (decoded->code_point == U'\t') {
            safe += ' ';
        } else if (!acted_on_by_terminals(decoded->code_point)) {
            safe.append(text.substr(0, decoded->length));
        }
        text.remove_prefix(decoded->length);
    }
    return safe;
}

nlohmann::json terminal_safe_json(const nlohmann::json& value) {
    if (value.is_string()) {
        return terminal_safe(value.get_ref<const std::string&>());
    }
    if (value.is_array()) {
        nlohmann::json safe = nlohmann::json::array();
        for (const auto& item : value) {
            safe.push_back(terminal_safe_json(item));
        }
        return safe;
    }
    if (value.is_object()) {
        nlohmann::json safe = nlohmann::json::object();
        for (const auto& [key, item] : value.items()) {
            safe[terminal_safe(key)] = terminal_safe_json(item);
        }
        return safe;
    }
    return value;
}

} // namespace authflow::cli

#include <authflow/deploy/redirect.hpp>

#include <optional>

namespace authflow {
namespace {

constexpr std::size_t max_next_length = 2048;
constexpr int max_decode_rounds = 4;

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/// One round of percent-decoding ('+' left alone: this is a path); nothing on a bad escape.
std::optional<std::string> percent_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size()) {
            return std::nullopt;
        }
        const int high = hex_value(text[i + 1]);
        const int low = hex_value(text[i + 2]);
        if (high < 0 || low < 0) {
            return std::nullopt;
        }
        out += static_cast<char>(high << 4 | low);
        i += 2;
    }
    return out;
}

/// The checks every form (raw and decoded) must pass.
bool is_local_path(std::string_view path, bool is_decoded) noexcept {
    if (path.empty() || path.front() != '/') {
        return false;
    }
    // "//host" and "/\host" are network-path references to another host (browsers read '\'
    // as '/').
    if (path.size() > 1 && (path[1] == '/' || path[1] == '\\')) {
        return false;
    }
    for (char c : path) {
        const auto u = static_cast<unsigned char>(c);
        // Browsers strip tab, CR and LF from URLs ("/\t/evil" becomes "//evil") and treat '\'
        // as '/'; control characters could also split a Location header.
        // A raw URL is ASCII without spaces; a decoded space or UTF-8 ("/%E2%9C%93") is
        // harmless.
        const bool is_bad = is_decoded ? (u < 0x20 || u == 0x7f) : (u <= 0x20 || u >= 0x7f);
        if (is_bad || c == '\\') {
            return false;
        }
    }
    return true;
}

} // namespace

std::string safe_next_path(std::string_view next) {
    if (next.size() > max_next_length || !is_local_path(next, false)) {
        return "/";
    }
    std::string current{next};
    for (int round = 0; round < max_decode_rounds; ++round) {
        if (current.find('%') == std::string::npos) {
            return std::string{next};
        }
        auto decoded = percent_decode(current);
        if (!decoded) {
            // The raw form must be a valid URL path; a decoded form with a stray '%' (from
            // "%25") decodes no further, for us or anyone else.
            return round == 0 ? "/" : std::string{next};
        }
        if (!is_local_path(*decoded, true)) {
            return "/";
        }
        if (*decoded == current) {
            return std::string{next};
        }
        current = std::move(*decoded);
    }
    // Still changing after several rounds: nobody encodes a path that often on purpose.
    return "/";
}

} // namespace authflow

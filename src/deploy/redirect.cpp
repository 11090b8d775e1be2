#include <authflow/core/ascii.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/url.hpp>
#include <authflow/deploy/redirect.hpp>

#include <algorithm>
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

namespace authflow {
namespace {

bool is_digits(std::string_view text) noexcept {
    return !text.empty() && text.size() <= 5 &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int port_number(std::string_view text) noexcept {
    int port = 0;
    for (char c : text) {
        port = port * 10 + (c - '0');
    }
    return port;
}

bool ends_with_label(std::string_view host, std::string_view domain) noexcept {
    if (host.size() == domain.size()) {
        return iequals(host, domain);
    }
    return host.size() > domain.size() && host[host.size() - domain.size() - 1] == '.' &&
           iequals(host.substr(host.size() - domain.size()), domain);
}

} // namespace

bool is_dns_name(std::string_view text) noexcept {
    if (text.empty() || text.size() > 253) {
        return false;
    }
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t dot = std::min(text.find('.', start), text.size());
        const std::string_view label = text.substr(start, dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
            return false;
        }
        for (char c : label) {
            const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-';
            if (!ok) {
                return false;
            }
        }
        start = dot + 1;
        if (dot == text.size()) {
            break;
        }
    }
    return true;
}

bool is_redirect_host_pattern(std::string_view pattern) noexcept {
    if (!pattern.empty() && pattern.front() == '.') {
        pattern.remove_prefix(1);
    }
    const auto colon = pattern.find(':');
    if (colon != std::string_view::npos) {
        const std::string_view port = pattern.substr(colon + 1);
        if (!is_digits(port) || port_number(port) < 1 || port_number(port) > 65535) {
            return false;
        }
        pattern = pattern.substr(0, colon);
    }
    return is_dns_name(pattern); // an IPv4 address is a valid DNS name syntactically
}

bool host_within_domain(std::string_view host, std::string_view domain) noexcept {
    if (!domain.empty() && domain.front() == '.') {
        domain.remove_prefix(1);
    }
    return !domain.empty() && ends_with_label(host, domain);
}

bool redirect_host_allowed(std::string_view host, int port, int default_port,
                           const std::vector<std::string>& patterns) noexcept {
    for (std::string_view pattern : patterns) {
        int wanted_port = default_port;
        const auto colon = pattern.find(':');
        if (colon != std::string_view::npos) {
            const std::string_view digits = pattern.substr(colon + 1);
            if (!is_digits(digits)) {
                continue;
            }
            wanted_port = port_number(digits);
            pattern = pattern.substr(0, colon);
        }
        if (port != wanted_port || pattern.empty()) {
            continue;
        }
        if (pattern.front() == '.') {
            if (ends_with_label(host, pattern.substr(1))) {
                return true;
            }
        } else if (iequals(host, pattern)) {
            return true;
        }
    }
    return false;
}

std::string safe_next(std::string_view next, const DeploySettings& settings) {
    if (!next.empty() && next.front() == '/') {
        return safe_next_path(next);
    }
    if (next.size() > max_next_length) {
        return "/";
    }
    for (char c : next) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || c == '\\') {
            return "/";
        }
    }
    ParsedUrl target;
    ParsedUrl site;
    try {
        target = parse_url(next);
        site = parse_url(settings.public_url);
    } catch (const Error&) {
        return "/";
    }
    if (target.has_userinfo || (target.scheme == "http" && site.scheme == "https")) {
        return "/";
    }
    // The path, query and fragment must be as harmless as a local next would be.
    const auto authority_end = next.find('/', target.scheme.size() + 3);
    const std::string_view rest = authority_end == std::string_view::npos
                                      ? std::string_view{"/"}
                                      : next.substr(authority_end);
    if (safe_next_path(rest) != rest) {
        return "/";
    }
    const bool same_site =
        target.scheme == site.scheme && target.host == site.host && target.port == site.port;
    const int default_port = target.scheme == "https" ? 443 : 80;
    if (same_site || redirect_host_allowed(target.host, target.port, default_port,
                                           settings.allowed_redirect_hosts)) {
        return std::string{next};
    }
    return "/";
}

} // namespace authflow

#include <authflow/core/ascii.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/url.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <charconv>

namespace authflow {
namespace {

bool is_unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

int hex_value(char c) {
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

[[noreturn]] void bad_url(const std::string& why) {
    throw Error(errc::bad_url, why);
}

} // namespace

std::string url_encode(std::string_view text) {
    constexpr std::string_view digits = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        if (is_unreserved(c)) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += digits[c >> 4];
            out += digits[c & 15];
        }
    }
    return out;
}

std::string url_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%') {
            int high = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
            int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
            if (high < 0 || low < 0) {
                bad_url("invalid percent-escape in URL or query");
            }
            out += static_cast<char>(high << 4 | low);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

void QueryParams::add(std::string name, std::string value) {
    items_.emplace_back(std::move(name), std::move(value));
}

void QueryParams::set(std::string_view name, std::string value) {
    remove(name);
    items_.emplace_back(std::string{name}, std::move(value));
}

void QueryParams::remove(std::string_view name) {
    std::erase_if(items_, [&](const value_type& item) { return item.first == name; });
}

bool QueryParams::contains(std::string_view name) const {
    return std::any_of(items_.begin(), items_.end(),
                       [&](const value_type& item) { return item.first == name; });
}

std::optional<std::string> QueryParams::get(std::string_view name) const {
    for (const auto& [key, value] : items_) {
        if (key == name) {
            return value;
        }
    }
    return std::nullopt;
}

std::vector<std::string> QueryParams::get_all(std::string_view name) const {
    std::vector<std::string> values;
    for (const auto& [key, value] : items_) {
        if (key == name) {
            values.push_back(value);
        }
    }
    return values;
}

QueryParams parse_query(std::string_view query) {
    if (query.starts_with('?')) {
        query.remove_prefix(1);
    }
    QueryParams params;
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view piece = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (piece.empty()) {
            continue;
        }
        auto eq = piece.find('=');
        std::string_view name = piece.substr(0, eq);
        std::string_view value =
            eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1);
        params.add(url_decode(name), url_decode(value));
    }
    return params;
}

std::string build_query(const QueryParams& params) {
    std::string out;
    for (const auto& [name, value] : params) {
        if (!out.empty()) {
            out += '&';
        }
        out += url_encode(name);
        out += '=';
        out += url_encode(value);
    }
    return out;
}

std::string append_query(std::string_view url, const QueryParams& params) {
    auto hash = url.find('#');
    std::string_view base = url.substr(0, hash);
    std::string_view fragment =
        hash == std::string_view::npos ? std::string_view{} : url.substr(hash);
    std::string out{base};
    std::string query = build_query(params);
    if (!query.empty()) {
        if (base.find('?') == std::string_view::npos) {
            out += '?';
        } else if (!base.ends_with('?') && !base.ends_with('&')) {
            out += '&';
        }
        out += query;
    }
    out += fragment;
    return out;
}

std::string ParsedUrl::origin() const {
    std::string out = scheme + "://";
    out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
    bool default_port = (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
    if (!default_port) {
        out += ':' + std::to_string(port);
    }
    return out;
}

ParsedUrl parse_url(std::string_view url) {
    ParsedUrl parsed;
    auto colon = url.find("://");
    if (colon == std::string_view::npos) {
        bad_url("not an absolute URL");
    }
    parsed.scheme = ascii_lower(url.substr(0, colon));
    if (parsed.scheme != "http" && parsed.scheme != "https") {
        bad_url("URL scheme must be http or https");
    }
    std::string_view rest = url.substr(colon + 3);
    for (char c : rest) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '\\') {
            bad_url("URL contains a space, a control character or a backslash");
        }
    }
    auto authority_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, authority_end);
    rest =
        authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
        parsed.has_userinfo = true;
        authority = authority.substr(at + 1);
    }
    std::string_view port_text;
    if (authority.starts_with('[')) {
        auto close = authority.find(']');
        if (close == std::string_view::npos) {
            bad_url("unterminated IPv6 address in URL");
        }
        parsed.host = ascii_lower(authority.substr(1, close - 1));
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (!after.starts_with(':')) {
                bad_url("unexpected text after IPv6 address in URL");
            }
            port_text = after.substr(1);
        }
    } else {
        auto port_colon = authority.find(':');
        parsed.host = ascii_lower(authority.substr(0, port_colon));
        if (port_colon != std::string_view::npos) {
            port_text = authority.substr(port_colon + 1);
        }
    }
    if (parsed.host.empty()) {
        bad_url("URL has no host");
    }
    parsed.port = parsed.scheme == "https" ? 443 : 80;
    if (!port_text.empty()) {
        int port = 0;
        auto [end, ec] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (ec != std::errc{} || end != port_text.data() + port_text.size() || port < 1 ||
            port > 65535) {
            bad_url("URL port is not a number from 1 to 65535");
        }
        parsed.port = port;
    }
    auto hash = rest.find('#');
    if (hash != std::string_view::npos) {
        parsed.fragment = std::string{rest.substr(hash + 1)};
        rest = rest.substr(0, hash);
    }
    auto question = rest.find('?');
    if (question != std::string_view::npos) {
        parsed.query = std::string{rest.substr(question + 1)};
        rest = rest.substr(0, question);
    }
    parsed.path = rest.empty() ? "/" : std::string{rest};
    return parsed;
}

bool is_loopback_host(std::string_view host) noexcept {
    if (host.starts_with('[') && host.ends_with(']')) {
        host = host.substr(1, host.size() - 2);
    }
    std::string name;
    try {
        name = ascii_lower(host);
    } catch (...) {
        return false;
    }
    if (name == "localhost") {
        return true;
    }
    in_addr v4{};
    if (inet_pton(AF_INET, name.c_str(), &v4) == 1) {
        return (ntohl(v4.s_addr) >> 24) == 127;
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, name.c_str(), &v6) == 1) {
        return IN6_IS_ADDR_LOOPBACK(&v6);
    }
    return false;
}

void require_secure_url(std::string_view url, std::string_view what) {
    ParsedUrl parsed;
    try {
        parsed = parse_url(url);
    } catch (const Error& e) {
        throw ConfigError(errc::bad_url, std::string{what} + " is not a valid URL: " + e.what());
    }
    if (parsed.scheme == "https") {
        return;
    }
    if (!is_loopback_host(parsed.host)) {
        throw ConfigError(errc::insecure_url,
                          std::string{what} +
                              " must use https (plain http is allowed only for loopback hosts)");
    }
}

} // namespace authflow

// Reverse-proxy header rules (RFC 9110 §7.6.1, X-Forwarded-*), without I/O.
#include "reverse_proxy_headers.hpp"

#include <authflow/core/ascii.hpp>
#include <authflow/gateway/identity.hpp>

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace authflow::gateway {

namespace {

bool istarts_with(std::string_view text, std::string_view prefix) noexcept {
    return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view text) noexcept {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

/// The comma-separated elements of a list field (RFC 9110 §5.6.1), trimmed, empty ones skipped.
std::vector<std::string_view> list_elements(std::string_view value) {
    std::vector<std::string_view> out;
    while (!value.empty()) {
        const auto comma = value.find(',');
        const auto element = trim(value.substr(0, comma));
        if (!element.empty()) {
            out.push_back(element);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        value.remove_prefix(comma + 1);
    }
    return out;
}

/// Every element of every `name` field.
bool list_contains(const Headers& headers, std::string_view name, std::string_view token) {
    for (const auto& [field, value] : headers) {
        if (!iequals(field, name)) {
            continue;
        }
        for (const auto element : list_elements(value)) {
            if (iequals(element, token)) {
                return true;
            }
        }
    }
    return false;
}

void remove_if(Headers& headers, auto predicate) {
    Headers kept;
    kept.reserve(headers.size());
    for (const auto& [name, value] : headers) {
        if (!predicate(name)) {
            kept.add(name, value);
        }
    }
    headers = std::move(kept);
}

} // namespace

bool is_hop_by_hop(std::string_view name) noexcept {
    static constexpr std::array<std::string_view, 6> fixed = {
        "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade"};
    return istarts_with(name, "proxy-") ||
           std::any_of(fixed.begin(), fixed.end(),
                       [name](std::string_view hop) { return iequals(name, hop); });
}

void remove_hop_by_hop(Headers& headers) {
    std::vector<std::string> named; // the fields Connection names (RFC 9110 §7.6.1)
    for (const auto& value : headers.get_all("Connection")) {
        for (const auto element : list_elements(value)) {
            named.emplace_back(element);
        }
    }
    remove_if(headers, [&named](std::string_view name) {
        return is_hop_by_hop(name) || std::any_of(named.begin(), named.end(),
                                                  [name](const std::string& connection_option) {
                                                      return iequals(name, connection_option);
                                                  });
    });
}

bool asks_for_upgrade(const Headers& headers) {
    return headers.contains("Upgrade") || list_contains(headers, "Connection", "upgrade");
}

bool wants_json(const Headers& headers) {
    if (headers.contains("X-Requested-With")) {
        return true;
    }
    for (const auto& value : headers.get_all("Accept")) {
        for (const auto element : list_elements(value)) {
            const auto media_type = trim(element.substr(0, element.find(';')));
            if (iequals(media_type, "application/json")) {
                return true;
            }
        }
    }
    return false;
}

std::string without_cookies(std::string_view cookie_header,
                            const std::vector<std::string>& hidden) {
    std::string out;
    while (!cookie_header.empty()) {
        const auto semicolon = cookie_header.find(';');
        const auto pair = trim(cookie_header.substr(0, semicolon));
        const auto name = trim(pair.substr(0, pair.find('=')));
        const bool is_hidden =
            std::any_of(hidden.begin(), hidden.end(),
                        [name](const std::string& hidden_name) { return name == hidden_name; });
        if (!pair.empty() && !is_hidden) {
            if (!out.empty()) {
                out += "; ";
            }
            out += pair;
        }
        if (semicolon == std::string_view::npos) {
            break;
        }
        cookie_header.remove_prefix(semicolon + 1);
    }
    return out;
}

Headers upstream_request_headers(const Request& request, const Headers& identity,
                                 const ForwardingContext& context) {
    static const TrustedProxies no_proxies;
    const TrustedProxies& trusted =
        context.trusted_proxies != nullptr ? *context.trusted_proxies : no_proxies;
    const bool peer_is_trusted = trusted.contains(request.remote_address);

    Headers headers = request.headers;
    remove_hop_by_hop(headers);
    strip_identity_headers(headers); // only authflow says who the user is
    remove_if(headers, [peer_is_trusted](std::string_view name) {
        return iequals(name, "Host") || iequals(name, "Expect") ||
               iequals(name, "Content-Length") || iequals(name, "Cookie") ||
               istarts_with(name, "x-forwarded-") ||
               (!peer_is_trusted && iequals(name, "Forwarded"));
    });

    std::string cookies;
    for (const auto& value : request.headers.get_all("Cookie")) {
        cookies += (cookies.empty() ? "" : "; ") + value;
    }
    cookies = without_cookies(cookies, context.hidden_cookies);
    if (!cookies.empty()) {
        headers.add("Cookie", std::move(cookies));
    }
    for (const auto& [name, value] : identity) {
        headers.add(name, value);
    }

    // X-Forwarded-For: a list the client may have written; kept only when a trusted proxy
    // passed it on, and the peer appended (as nginx's $proxy_add_x_forwarded_for does).
    std::string forwarded_for;
    if (peer_is_trusted) {
        for (const auto& value : request.headers.get_all("X-Forwarded-For")) {
            forwarded_for += (forwarded_for.empty() ? "" : ", ") + value;
        }
    }
    const std::string peer = request.remote_address.empty() ? "unknown" : request.remote_address;
    forwarded_for += (forwarded_for.empty() ? "" : ", ") + peer;
    headers.add("X-Forwarded-For", std::move(forwarded_for));
    headers.add("X-Forwarded-Proto", request_is_https(request, trusted) ? "https" : "http");
    auto host = peer_is_trusted && request.headers.contains("X-Forwarded-Host")
                    ? request.headers.get("X-Forwarded-Host")
                    : request.headers.get("Host");
    if (host) {
        headers.add("X-Forwarded-Host", std::move(*host));
    }
    return headers;
}

Headers downstream_response_headers(const Headers& upstream) {
    Headers headers = upstream;
    remove_hop_by_hop(headers);
    headers.remove("Content-Length");
    return headers;
}

} // namespace authflow::gateway

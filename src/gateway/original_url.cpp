// The URL a browser asked for, as a trusted forward-auth proxy reports it.
#include <authflow/deploy/redirect.hpp>
#include <authflow/gateway/gatekeeper.hpp>

#include <algorithm>

namespace authflow {
namespace {

constexpr std::size_t max_url = 4096;

/// The only value of `name`, or nothing when absent or repeated.
std::optional<std::string> only(const Headers& headers, std::string_view name) {
    if (headers.count(name) != 1) {
        return std::nullopt;
    }
    return headers.get(name);
}

/// host[:port]: a DNS name, an IPv4 address or a bracketed IPv6 address.
bool is_authority(std::string_view authority) {
    std::string_view host = authority;
    std::string_view port;
    if (!host.empty() && host.front() == '[') {
        const auto close = host.find(']');
        if (close == std::string_view::npos) {
            return false;
        }
        const auto address = IpAddress::parse(host.substr(0, close + 1));
        if (!address || !address->is_v6) {
            return false;
        }
        port = host.substr(close + 1);
        if (!port.empty() && port.front() != ':') {
            return false;
        }
    } else {
        const auto colon = host.find(':');
        if (colon != std::string_view::npos) {
            port = host.substr(colon);
            host = host.substr(0, colon);
        }
        if (!is_dns_name(host)) {
            return false;
        }
    }
    if (!port.empty()) {
        port.remove_prefix(1);
        if (port.empty() || port.size() > 5 ||
            !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
            std::stoi(std::string{port}) > 65535 || std::stoi(std::string{port}) == 0) {
            return false;
        }
    }
    return true;
}

} // namespace

std::optional<std::string> original_url(const Request& request,
                                        const TrustedProxies& trusted_proxies) {
    // A client can send any X-Forwarded-* itself: only a proxy we trust is believed.
    if (!trusted_proxies.contains(request.remote_address)) {
        return std::nullopt;
    }
    auto proto = only(request.headers, "X-Forwarded-Proto");
    const auto host = only(request.headers, "X-Forwarded-Host");
    const auto uri = only(request.headers, "X-Forwarded-Uri");
    if (!proto || !host || !uri) {
        return std::nullopt;
    }
    std::transform(proto->begin(), proto->end(), proto->begin(),
                   [](char c) { return ascii_lower(c); });
    if ((*proto != "http" && *proto != "https") || !is_authority(*host)) {
        return std::nullopt;
    }
    if (uri->empty() || uri->size() > max_url || safe_next_path(*uri) != *uri) {
        return std::nullopt;
    }
    std::string url = *proto + "://" + *host + *uri;
    if (url.size() > max_url) {
        return std::nullopt;
    }
    return url;
}

} // namespace authflow

#include "http_grammar.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/deploy/forwarded.hpp>

#include <arpa/inet.h>
#include <charconv>
#include <cstring>

namespace authflow {
namespace {

/// Every comma-separated element of every field named `name`, in order (RFC 9110 §5.3: several
/// fields are one comma-joined list).
std::vector<std::string> list_elements(const Headers& headers, std::string_view name) {
    std::vector<std::string> out;
    for (const auto& value : headers.get_all(name)) {
        std::string_view rest = value;
        while (true) {
            const auto comma = rest.find(',');
            out.emplace_back(http_grammar::trim_ows(rest.substr(0, comma)));
            if (comma == std::string_view::npos) {
                break;
            }
            rest.remove_prefix(comma + 1);
        }
    }
    return out;
}

bool in_network(const IpAddress& address, const IpAddress& base, int prefix_length) noexcept {
    if (address.is_v6 != base.is_v6) {
        return false;
    }
    int remaining = prefix_length;
    for (std::size_t i = 0; remaining > 0; ++i) {
        const int bits = remaining >= 8 ? 8 : remaining;
        const auto mask = static_cast<std::uint8_t>(0xff << (8 - bits));
        if ((address.bytes[i] & mask) != (base.bytes[i] & mask)) {
            return false;
        }
        remaining -= bits;
    }
    return true;
}

struct ClientHop {
    std::string address;
    /// Index of the chosen X-Forwarded-For element; nothing when the peer itself is the client.
    std::optional<std::size_t> index;
    std::size_t hop_count = 0;
};

ClientHop find_client(const Request& request, const TrustedProxies& trusted) {
    const auto peer = IpAddress::parse(request.remote_address);
    if (!peer) {
        return {"unknown", std::nullopt, 0};
    }
    if (!trusted.contains(*peer)) {
        return {peer->to_string(), std::nullopt, 0};
    }
    std::vector<std::string> hops;
    try {
        hops = list_elements(request.headers, "X-Forwarded-For");
    } catch (...) {
        return {peer->to_string(), std::nullopt, 0};
    }
    std::string nearest = peer->to_string();
    std::optional<std::size_t> nearest_index;
    for (std::size_t i = hops.size(); i-- > 0;) {
        const auto hop = IpAddress::parse(hops[i]);
        if (!hop) {
            // A hop our trusted proxy could not vouch for: keep the last address we can believe.
            return {nearest, nearest_index, hops.size()};
        }
        if (!trusted.contains(*hop)) {
            return {hop->to_string(), i, hops.size()};
        }
        nearest = hop->to_string();
        nearest_index = i;
    }
    return {nearest, nearest_index, hops.size()};
}

} // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) noexcept {
    if (text.starts_with('[') && text.ends_with(']') && text.size() >= 2) {
        text = text.substr(1, text.size() - 2);
    }
    // Long enough for any textual IPv6 address (INET6_ADDRSTRLEN is 46 with the NUL).
    char buffer[64];
    if (text.empty() || text.size() >= sizeof buffer) {
        return std::nullopt;
    }
    std::memcpy(buffer, text.data(), text.size());
    buffer[text.size()] = '\0';
    IpAddress address;
    in_addr v4{};
    if (inet_pton(AF_INET, buffer, &v4) == 1) {
        std::memcpy(address.bytes.data(), &v4, 4);
        return address;
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, buffer, &v6) == 1) {
        std::memcpy(address.bytes.data(), &v6, 16);
        if (IN6_IS_ADDR_V4MAPPED(&v6)) {
            // One client, one identity: ::ffff:192.0.2.1 is 192.0.2.1.
            IpAddress mapped;
            std::memcpy(mapped.bytes.data(), address.bytes.data() + 12, 4);
            return mapped;
        }
        address.is_v6 = true;
        return address;
    }
    return std::nullopt;
}

std::string IpAddress::to_string() const {
    char buffer[INET6_ADDRSTRLEN] = {};
    if (inet_ntop(is_v6 ? AF_INET6 : AF_INET, bytes.data(), buffer, sizeof buffer) == nullptr) {
        return "unknown";
    }
    return buffer;
}

TrustedProxies::TrustedProxies(const std::vector<std::string>& entries) {
    for (const auto& entry : entries) {
        std::string_view text = entry;
        const auto slash = text.find('/');
        const auto address = IpAddress::parse(text.substr(0, slash));
        if (!address) {
            throw Error(errc::invalid_argument, "trusted proxy is not an IP address or CIDR block");
        }
        const int max_length = address->is_v6 ? 128 : 32;
        int prefix_length = max_length;
        if (slash != std::string_view::npos) {
            const std::string_view length_text = text.substr(slash + 1);
            const char* end = length_text.data() + length_text.size();
            auto [ptr, ec] = std::from_chars(length_text.data(), end, prefix_length);
            if (length_text.empty() || ec != std::errc{} || ptr != end || prefix_length < 0 ||
                prefix_length > max_length) {
                throw Error(errc::invalid_argument, "trusted proxy has an invalid prefix length");
            }
            // An IPv4-mapped block (::ffff:10.0.0.0/104) is the IPv4 block 10.0.0.0/8.
            if (!address->is_v6 && text.substr(0, slash).find(':') != std::string_view::npos) {
                prefix_length -= 96;
                if (prefix_length < 0) {
                    throw Error(errc::invalid_argument,
                                "trusted proxy has an invalid prefix length");
                }
            }
        }
        networks_.push_back(Network{*address, prefix_length});
    }
}

bool TrustedProxies::contains(std::string_view address) const noexcept {
    const auto parsed = IpAddress::parse(address);
    return parsed && contains(*parsed);
}

bool TrustedProxies::contains(const IpAddress& address) const noexcept {
    for (const auto& network : networks_) {
        if (in_network(address, network.base, network.prefix_length)) {
            return true;
        }
    }
    return false;
}

std::string client_address(const Request& request, const TrustedProxies& trusted_proxies) {
    try {
        return find_client(request, trusted_proxies).address;
    } catch (...) {
        return "unknown";
    }
}

bool request_is_https(const Request& request, const TrustedProxies& trusted_proxies) {
    if (request.is_tls) {
        return true;
    }
    try {
        const auto peer = IpAddress::parse(request.remote_address);
        if (!peer || !trusted_proxies.contains(*peer)) {
            return false;
        }
        const auto protocols = list_elements(request.headers, "X-Forwarded-Proto");
        if (protocols.empty()) {
            return false;
        }
        const ClientHop client = find_client(request, trusted_proxies);
        std::string_view protocol = protocols.back();
        if (client.index && protocols.size() == client.hop_count) {
            protocol = protocols[*client.index];
        }
        return iequals(protocol, "https");
    } catch (...) {
        return false;
    }
}

} // namespace authflow

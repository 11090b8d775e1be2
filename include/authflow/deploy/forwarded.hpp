#pragma once
// The real client behind reverse proxies: X-Forwarded-For and X-Forwarded-Proto are believed only
// when they come from a trusted proxy.

#include <authflow/deploy/http.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authflow {

/// An IPv4 or IPv6 address (IPv4-mapped IPv6 addresses count as IPv4). A plain value.
struct IpAddress {
    bool is_v6 = false;
    std::array<std::uint8_t, 16> bytes{}; ///< IPv4 in the first 4 bytes

    /// Parses "192.0.2.1", "2001:db8::1", "[2001:db8::1]" or "::ffff:192.0.2.1"; nothing on
    /// anything else (a port, a zone id, a host name).
    static std::optional<IpAddress> parse(std::string_view text) noexcept;
    /// The canonical text form ("2001:db8::1", "192.0.2.1").
    std::string to_string() const;
    friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

/// A set of addresses and CIDR blocks, e.g. {"10.0.0.0/8", "::1"}. Immutable after construction:
/// safe to use from several threads.
class TrustedProxies {
public:
    TrustedProxies() = default;
    /// Throws Error (invalid_argument) on an entry that is neither an address nor a CIDR block.
    explicit TrustedProxies(const std::vector<std::string>& entries);

    /// True when `address` (text) is in one of the blocks. Unparsable text is never trusted.
    bool contains(std::string_view address) const noexcept;
    bool contains(const IpAddress& address) const noexcept;
    bool empty() const noexcept { return networks_.empty(); }

private:
    struct Network {
        IpAddress base;
        int prefix_length;
    };
    std::vector<Network> networks_;
};

/// The client's address: the peer's (request.remote_address), unless the peer is a trusted proxy;
/// then the right-most X-Forwarded-For hop that is not itself a trusted proxy (every earlier hop
/// could be written by the client). When every hop is trusted, the left-most; when a hop is
/// unparsable, the last trusted hop before it. Returned in canonical form ("unknown" when the
/// peer address is empty or unparsable). Never throws.
std::string client_address(const Request& request, const TrustedProxies& trusted_proxies);

/// True when the client reached us over https: request.is_tls, or, when the peer is a trusted
/// proxy, its X-Forwarded-Proto says "https". With one X-Forwarded-Proto entry per
/// X-Forwarded-For hop, the entry of the hop client_address picked is used; otherwise the
/// right-most (the one the nearest proxy wrote). Never throws.
bool request_is_https(const Request& request, const TrustedProxies& trusted_proxies);

} // namespace authflow

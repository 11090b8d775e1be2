#pragma once
// The header rules of reverse-proxy mode, without I/O: what goes to the upstream app and what
// comes back (RFC 9110 §7.6.1 hop-by-hop fields, X-Forwarded-*, identity headers).

#include <authflow/deploy/forwarded.hpp>
#include <authflow/deploy/http.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace authflow::gateway {

/// True for the fields RFC 9110 §7.6.1 makes hop-by-hop (Connection, Keep-Alive, Proxy-*, TE,
/// Trailer, Transfer-Encoding, Upgrade). Fields named by Connection are found by
/// remove_hop_by_hop.
bool is_hop_by_hop(std::string_view name) noexcept;

/// RFC 9110 §7.6.1: removes every hop-by-hop field and every field the Connection header names.
void remove_hop_by_hop(Headers& headers);

/// True when the request asks to switch protocols (Upgrade, e.g. WebSocket; or "upgrade" in
/// Connection): the proxy does not carry those.
bool asks_for_upgrade(const Headers& headers);

/// True for an API client: Accept names application/json, or X-Requested-With is present.
bool wants_json(const Headers& headers);

/// What the proxy knows about the hop in front of it.
struct ForwardingContext {
    const TrustedProxies* trusted_proxies = nullptr; ///< null: trust no peer
    /// Cookie names removed from Cookie before it goes upstream (authflow's own: the session
    /// is a credential the app must not see).
    std::vector<std::string> hidden_cookies;
};

/// The request fields for the upstream: the client's minus hop-by-hop fields, Host (the client
/// library sets the upstream's), Expect, Content-Length (set by the body's transfer), every
/// client-supplied X-Auth-Request-*, and the hidden cookies; then `identity` and
/// X-Forwarded-For (the peer appended to the client's list only when the peer is a trusted proxy,
/// else the peer alone), X-Forwarded-Proto (request_is_https) and X-Forwarded-Host (the client's
/// Host). A Forwarded (RFC 7239) field passes only from a trusted proxy.
Headers upstream_request_headers(const Request& request, const Headers& identity,
                                 const ForwardingContext& context);

/// The response fields for the client: the upstream's minus hop-by-hop fields and
/// Content-Length (the server writes its own framing).
Headers downstream_response_headers(const Headers& upstream);

/// `cookie_header` without the cookies named in `hidden` (RFC 6265 §5.4 "name=value; ..."
/// pairs kept byte for byte otherwise). Empty when nothing is left.
std::string without_cookies(std::string_view cookie_header, const std::vector<std::string>& hidden);

} // namespace authflow::gateway

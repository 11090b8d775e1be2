#pragma once
// Reverse-proxy mode of the gateway: every path outside the auth routes goes to one upstream app
// for a signed-in, allowed user (docs/gateway.md, "Reverse-proxy mode"). Needs authflow built with
// AUTHFLOW_WITH_HTTPLIB; the server is cpp-httplib's (declared here, never included).

#include <authflow/config.hpp>

#if !AUTHFLOW_WITH_HTTPLIB
#error "authflow/gateway/reverse_proxy.hpp needs authflow built with AUTHFLOW_WITH_HTTPLIB"
#endif

#include <authflow/deploy/http.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace httplib {
class Server;
} // namespace httplib

namespace authflow {

/// What the gate says about one request for the upstream.
enum class ProxyVerdict {
    allowed,         ///< forward it, with identity_headers
    unauthenticated, ///< no valid session: sign in (browsers) or 401 (API clients)
    forbidden,       ///< signed in, refused by the policy: 403
    unavailable,     ///< the session store failed: 503
};

struct ProxyDecision {
    ProxyVerdict verdict = ProxyVerdict::unauthenticated;
    /// X-Auth-Request-* fields for the app (only when allowed).
    Headers identity_headers;
    /// When forbidden: the page a browser gets (AuthRoutes::denied_page); none: a plain 403.
    std::optional<Response> denied_page;
};

/// Decides for one request (Gatekeeper::decide in `authflow serve`). Called from the server's
/// threads at once: it must be thread-safe.
using ProxyGate = std::function<ProxyDecision(const Request&)>;

/// How the proxy reaches the app and answers for it. A plain value.
struct ReverseProxyOptions {
    /// "http://HOST[:PORT]" (DeploySettings::upstream). Required.
    std::string upstream;
    /// Paths at or below route_prefix + "/" are never proxied (the auth routes).
    std::string route_prefix = "/auth";
    /// Where a browser without a session is sent, with `?next=<the page>`.
    std::string login_path = "/auth/login";
    /// Peers whose X-Forwarded-For/-Proto/-Host are passed on (DeploySettings::trusted_proxies).
    std::vector<std::string> trusted_proxies;
    /// Cookies kept from the app (authflow's session cookie).
    std::vector<std::string> hidden_cookies;
    /// Bytes buffered per direction of one exchange; a faster side waits for the slower one.
    std::size_t buffer_bytes = 256 * 1024;
    int connect_timeout_seconds = 5;
    /// Longest wait for the upstream's answer head and between two reads of its body.
    int read_timeout_seconds = 60;
    /// Idle keep-alive connections kept to the upstream.
    std::size_t max_idle_connections = 64;
};

/// Registers handlers for every path outside `{route_prefix}/` on `server` (GET, HEAD, POST,
/// PUT, PATCH, DELETE, OPTIONS): the gate decides; allowed requests go to the upstream with the
/// identity headers, their bodies streamed both ways; a browser without a session gets 302 to
/// login_path?next=<the page>, an API client (Accept: application/json, or X-Requested-With) 401
/// JSON; a refused user 403; a protocol upgrade (WebSocket) 501; an unreachable upstream 502;
/// no answer head within read_timeout_seconds 504. Mount the auth routes first. Throws
/// ConfigError (config_invalid) for a bad upstream or trusted_proxies entry.
void mount_reverse_proxy(httplib::Server& server, ProxyGate gate, ReverseProxyOptions options);

} // namespace authflow

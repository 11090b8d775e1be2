#pragma once
// Forward authentication: "who is this, and may they pass?" for nginx auth_request, Caddy
// forward_auth and Traefik forwardAuth.

#include <authflow/core/clock.hpp>
#include <authflow/deploy/auth_routes.hpp>
#include <authflow/deploy/forwarded.hpp>
#include <authflow/deploy/http.hpp>
#include <authflow/gateway/access_policy.hpp>
#include <authflow/gateway/gateway_settings.hpp>
#include <authflow/gateway/identity.hpp>

#include <memory>
#include <optional>
#include <string>

namespace authflow {

namespace gateway_detail {
class IdentityCache;
}

enum class Verdict {
    allowed,         ///< signed in, and the policy allows the user
    unauthenticated, ///< no live session
    forbidden,       ///< signed in, but the policy refuses the user
};

/// What the gateway decided about one request.
struct GateDecision {
    Verdict verdict = Verdict::unauthenticated;
    Identity identity;        ///< filled when signed in
    Headers identity_headers; ///< identity_headers(identity) (+ the access token), when allowed
};

/// Decides forward-authentication requests with the auth routes' sessions and tokens.
/// Safe to use from several threads (immutable after construction; the stores are thread-safe).
class Gatekeeper {
public:
    /// `routes` gives the sessions, the token store, the provider and the deploy settings; it is
    /// shared. Throws Error (invalid_argument) for null routes. An empty `clock`: the system
    /// clock.
    Gatekeeper(std::shared_ptr<const AuthRoutes> routes, GatewaySettings settings,
               std::shared_ptr<Clock> clock = nullptr);

    /// The verdict for `request` under the global policy and `location`. With pass_access_token,
    /// an allowed request whose access token cannot be had (no token, refresh refused) is
    /// unauthenticated: the user must sign in again. Throws StoreError when a shared store
    /// fails.
    GateDecision decide(const Request& request, const AccessPolicy& location = {}) const;

    /// {prefix}/check (any method): 202 with an empty body and the identity headers (every one
    /// of the five names, empty when there is no value); 401 without a
    /// session (with ?redirect=true, a GET or HEAD whose Accept names text/html gets a 302 to
    /// {prefix}/login?next=<the original URL, rebuilt by original_url, when safe_next keeps it>);
    /// 403 when the policy refuses; 400 for a malformed policy parameter; 503 when a store fails.
    /// Cache-Control: no-store on every answer. Never throws but std::bad_alloc.
    Response check(const Request& request) const;

    /// Removes every client-supplied X-Auth-Request-* field (case-insensitive).
    static void strip_identity_headers(Headers& headers);

    const GatewaySettings& settings() const noexcept { return settings_; }
    const AuthRoutes& routes() const noexcept { return *routes_; }

private:
    /// A fresh access token of the session, refreshed (once across workers) when due.
    std::optional<std::string> access_token(const UserSession& session) const;

    std::shared_ptr<const AuthRoutes> routes_;
    GatewaySettings settings_;
    std::shared_ptr<Clock> clock_;
    TrustedProxies trusted_proxies_;
    std::string login_url_; ///< public_url + route_prefix + "/login"
    /// Identities of live sessions already seen (a session's identity never changes).
    std::shared_ptr<gateway_detail::IdentityCache> identity_cache_;
};

/// The URL the browser asked for, rebuilt from X-Forwarded-Proto, X-Forwarded-Host and
/// X-Forwarded-Uri, which are believed only when the peer is in `trusted_proxies`; nothing when
/// the peer is not trusted, a field is missing or repeated, the proto is not http/https, the host
/// is not a valid host[:port], or the URI is not an origin-form path ("/..."), or it is longer
/// than 4096 bytes. Never throws but std::bad_alloc.
std::optional<std::string> original_url(const Request& request,
                                        const TrustedProxies& trusted_proxies);

} // namespace authflow

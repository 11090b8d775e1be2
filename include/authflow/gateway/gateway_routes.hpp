#pragma once
// The deploy auth routes plus GET {prefix}/check: what `authflow serve` mounts.

#include <authflow/deploy/auth_routes.hpp>
#include <authflow/deploy/http.hpp>
#include <authflow/gateway/gatekeeper.hpp>

#include <memory>
#include <optional>

namespace authflow {

/// AuthRoutes::handle and {prefix}/check (Gatekeeper::check, for any method: web servers may send
/// the original request's method, and the check has no side effect).
/// Safe to use from several threads.
class GatewayRoutes {
public:
    /// Throws Error (invalid_argument) for null routes.
    GatewayRoutes(std::shared_ptr<const AuthRoutes> routes, GatewaySettings settings,
                  std::shared_ptr<Clock> clock = nullptr);

    /// The answer of {prefix}/check or of an auth route; nothing for any other path.
    std::optional<Response> handle(const Request& request) const;

    /// settings.route_path("check").
    const std::string& check_path() const noexcept { return check_path_; }
    const Gatekeeper& gatekeeper() const noexcept { return *gatekeeper_; }
    const AuthRoutes& auth_routes() const noexcept { return *routes_; }

private:
    std::shared_ptr<const AuthRoutes> routes_;
    std::shared_ptr<const Gatekeeper> gatekeeper_;
    std::string check_path_;
};

} // namespace authflow

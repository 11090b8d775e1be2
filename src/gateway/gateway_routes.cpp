#include <authflow/core/errors.hpp>
#include <authflow/gateway/gateway_routes.hpp>

namespace authflow {

GatewayRoutes::GatewayRoutes(std::shared_ptr<const AuthRoutes> routes, GatewaySettings settings,
                             std::shared_ptr<Clock> clock)
    : routes_(std::move(routes)) {
    if (!routes_) {
        throw Error(errc::invalid_argument, "GatewayRoutes needs the auth routes");
    }
    gatekeeper_ =
        std::make_shared<const Gatekeeper>(routes_, std::move(settings), std::move(clock));
    check_path_ = routes_->settings().route_path("check");
}

std::optional<Response> GatewayRoutes::handle(const Request& request) const {
    if (request.path == check_path_) {
        // Any method: a web server may forward the original one, and the check changes nothing.
        return gatekeeper_->check(request);
    }
    return routes_->handle(request);
}

} // namespace authflow

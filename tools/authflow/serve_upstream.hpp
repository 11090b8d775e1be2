#pragma once
// `authflow serve --upstream`: reverse-proxy mode wired to the deploy routes' sessions.

#include <authflow/deploy/auth_routes.hpp>
#include <authflow/deploy/settings.hpp>

#include <httplib.h>

#include <memory>

namespace authflow::cli {

/// Proxies every path outside deploy.route_prefix to deploy.upstream for signed-in users (the
/// gateway's reverse proxy). Throws ConfigError for a bad upstream.
void mount_upstream(httplib::Server& server, std::shared_ptr<const AuthRoutes> routes,
                    const DeploySettings& deploy);

} // namespace authflow::cli

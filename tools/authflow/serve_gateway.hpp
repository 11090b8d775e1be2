#pragma once
// `authflow serve`'s gateway part: the forward-auth route {prefix}/check, the gateway settings as
// flags, --check-config, and the checks at start (provider discovery, Redis).

#include "cli.hpp"

#include <authflow/deploy/auth_routes.hpp>
#include <authflow/deploy/settings.hpp>
#include <authflow/gateway/gateway_routes.hpp>
#include <authflow/providers/oauth_provider.hpp>

#include <memory>
#include <string>

namespace CLI {
class App;
}
namespace httplib {
class Server;
}

namespace authflow::cli {

/// The gateway flags of `serve`; each sets the deploy setting of the same name (flags win over
/// the config file and AUTHFLOW_DEPLOY__* variables).
struct GatewayServeOptions {
    std::string allowed_groups;
    std::string allowed_emails;
    std::string allowed_email_domains;
    std::string allowed_redirect_hosts;
    std::string cookie_domain;
    std::string trusted_proxies;
    bool pass_access_token = false;
    bool check_config = false;
};

/// Adds --allowed-groups, --allowed-emails, --allowed-email-domains, --allowed-redirect-hosts,
/// --cookie-domain, --trusted-proxies, --pass-access-token and --check-config to `command`.
void add_gateway_options(CLI::App& command, GatewayServeOptions& options);

/// Puts the flags that were given into `flags` (the settings' flags layer).
void apply_gateway_flags(const GatewayServeOptions& options, SettingsValues& flags);

/// Checks what `serve` needs before it answers anyone: the provider's discovery (for providers
/// that discover) and, for the redis backend, that Redis answers. Throws the cause as an Error
/// whose code names it (discovery_failed, store_unavailable…) and whose message says what was
/// reached.
void preflight(OAuthProvider& provider, const AuthRouteStores& stores,
               const DeploySettings& settings);

/// Prints the redirect URI to register at the provider (and the post-logout one with
/// provider_logout) to `out`.
void print_registration(std::ostream& out, const DeploySettings& settings);

/// Registers {prefix}/check on `server` for every method, answered by `gateway`.
void mount_check_route(httplib::Server& server, std::shared_ptr<const GatewayRoutes> gateway);

} // namespace authflow::cli

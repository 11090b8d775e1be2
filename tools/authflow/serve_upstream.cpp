// `authflow serve --upstream`: the gate of reverse-proxy mode and its options from settings.
#include "serve_upstream.hpp"

#include <authflow/gateway/gatekeeper.hpp>
#include <authflow/gateway/reverse_proxy.hpp>

#include <string>
#include <utility>

namespace authflow::cli {

void mount_upstream(httplib::Server& server, std::shared_ptr<const AuthRoutes> routes,
                    const DeploySettings& deploy) {
    ReverseProxyOptions options;
    options.upstream = deploy.upstream;
    options.route_prefix = deploy.route_prefix;
    options.login_path = deploy.route_path("login");
    options.trusted_proxies = deploy.trusted_proxies;
    options.hidden_cookies = {deploy.auth_session_cookie};
    auto gatekeeper = std::make_shared<const Gatekeeper>(routes, GatewaySettings::from(deploy));
    ProxyGate gate = [gatekeeper, routes](const Request& request) {
        GateDecision decided = gatekeeper->decide(request); // StoreError: the proxy answers 503
        ProxyDecision decision;
        decision.verdict = decided.verdict == Verdict::allowed     ? ProxyVerdict::allowed
                           : decided.verdict == Verdict::forbidden ? ProxyVerdict::forbidden
                                                                   : ProxyVerdict::unauthenticated;
        decision.identity_headers = std::move(decided.identity_headers);
        if (decided.verdict == Verdict::forbidden) {
            // The access-denied page names who is signed in and offers to sign out.
            decision.denied_page = routes->denied_page(request, routes->require_session(request));
        }
        return decision;
    };
    mount_reverse_proxy(server, std::move(gate), std::move(options));
}

} // namespace authflow::cli

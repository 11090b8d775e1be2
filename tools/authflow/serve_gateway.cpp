// `authflow serve`'s gateway part (serve_gateway.hpp).
#include "serve_gateway.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/deploy/httplib_adapter.hpp>

#include <CLI/CLI.hpp>
#include <httplib.h>

#include <ostream>

namespace authflow::cli {

void add_gateway_options(CLI::App& command, GatewayServeOptions& options) {
    command.add_option("--allowed-groups", options.allowed_groups,
                       "Gateway policy: groups that may pass (comma-separated; any one suffices)");
    command.add_option("--allowed-emails", options.allowed_emails,
                       "Gateway policy: verified e-mail addresses that may pass");
    command.add_option("--allowed-email-domains", options.allowed_email_domains,
                       "Gateway policy: e-mail domains whose verified addresses may pass");
    command.add_option("--allowed-redirect-hosts", options.allowed_redirect_hosts,
                       "Hosts `next` may send the browser to after sign-in (app.example.com, "
                       ".example.com for subdomains)");
    command.add_option("--cookie-domain", options.cookie_domain,
                       "Domain of the session cookie (one sign-in for the apps under it)");
    command.add_option("--trusted-proxies", options.trusted_proxies,
                       "Proxies (addresses or CIDR blocks) whose X-Forwarded-* are believed");
    command.add_flag("--pass-access-token", options.pass_access_token,
                     "Pass a fresh access token to the app in X-Auth-Request-Access-Token");
    command.add_flag("--check-config", options.check_config,
                     "Check the settings, print the redirect URI to register, and exit");
}

void apply_gateway_flags(const GatewayServeOptions& options, SettingsValues& flags) {
    const auto put = [&](const char* name, const std::string& value) {
        if (!value.empty()) {
            flags[name] = value;
        }
    };
    put("allowed_groups", options.allowed_groups);
    put("allowed_emails", options.allowed_emails);
    put("allowed_email_domains", options.allowed_email_domains);
    put("allowed_redirect_hosts", options.allowed_redirect_hosts);
    put("cookie_domain", options.cookie_domain);
    put("trusted_proxies", options.trusted_proxies);
    if (options.pass_access_token) {
        flags["pass_access_token"] = "true";
    }
}

void preflight(OAuthProvider& provider, const AuthRouteStores& stores,
               const DeploySettings& settings) {
    // Discovery, for providers that discover: its error names the URL and the cause.
    static_cast<void>(provider.endpoints());
    if (settings.state_backend == "redis") {
        try {
            static_cast<void>(stores.tokens->exists("authflow:preflight"));
        } catch (const StoreError& e) {
            throw StoreError(e.code(), std::string{"Redis does not answer: "} + e.what());
        }
    }
}

void print_registration(std::ostream& out, const DeploySettings& settings) {
    out << "Redirect URI to register at the provider: " << settings.redirect_uri() << "\n";
    if (settings.provider_logout) {
        out << "Post-logout redirect URI to register: " << settings.post_logout_redirect_uri()
            << "\n";
    }
}

void mount_check_route(httplib::Server& server, std::shared_ptr<const GatewayRoutes> gateway) {
    auto handler = [gateway](const httplib::Request& request, httplib::Response& response) {
        if (auto answer = gateway->handle(to_request(request))) {
            apply_response(*answer, response);
        } else {
            response.status = 404;
        }
    };
    // Web servers send GET, or the original request's method (HEAD comes with GET).
    const std::string& path = gateway->check_path();
    server.Get(path, handler);
    server.Post(path, handler);
    server.Put(path, handler);
    server.Patch(path, handler);
    server.Delete(path, handler);
    server.Options(path, handler);
}

} // namespace authflow::cli

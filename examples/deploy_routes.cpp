// Deploy mode: the sign-in routes in front of an application's own routes, framework-agnostic
// (docs/deploy.md, "Sign-in routes"). A real server converts its requests to authflow::Request;
// with cpp-httplib, <authflow/deploy/httplib_adapter.hpp> does it.
#include <authflow/deploy/auth_routes.hpp>
#include <authflow/providers/factory.hpp>

#include <iostream>
#include <memory>

namespace {

authflow::Response answer(const authflow::AuthRoutes& routes, const authflow::Request& request) {
    if (auto response = routes.handle(request)) {
        return *response; // /auth/login, /auth/callback, /auth/logout, ...
    }
    if (auto session = routes.require_session(request)) {
        return authflow::Response::html(200, "<p>hello, signed-in user</p>");
    }
    return authflow::Response::redirect(routes.settings().route_path("login"));
}

} // namespace

int main() {
    try {
        authflow::OAuth2Settings oauth;
        oauth.provider = authflow::ProviderKind::custom;
        oauth.client_id = "my-app";
        oauth.authorize_url = "https://op.example/authorize";
        oauth.token_url = "https://op.example/token";
        oauth.scopes = std::vector<std::string>{"api:read"}; // plain OAuth 2.0 here
        authflow::DeploySettings deploy;
        deploy.public_url = "https://app.example.com";
        const authflow::AuthRoutes routes(deploy, authflow::create_provider_from_settings(oauth));

        authflow::Request request; // GET /auth/login from a browser
        request.path = "/auth/login";
        request.remote_address = "203.0.113.7";
        const authflow::Response response = answer(routes, request);
        std::cout << response.status << " " << response.headers.get("Location").value_or("")
                  << "\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
}

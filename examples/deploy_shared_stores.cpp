// Deploy mode with shared stores: the sessions, pending logins, rate limits and tokens of
// [deploy] state_backend (memory, sqlite or redis), mounted on cpp-httplib. Run several copies
// with state_backend = "redis", one Redis and one store key, and any of them serves any request.
//
//   export AUTHFLOW_STORE_KEY="$(openssl rand -base64 32)"
//   export AUTHFLOW_DEPLOY__STATE_BACKEND=redis AUTHFLOW_DEPLOY__PUBLIC_URL=http://127.0.0.1:8080
//   ./example_deploy_shared_stores
#include <authflow/config.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/deploy/auth_routes.hpp>
#include <authflow/deploy/shared_stores.hpp>
#include <authflow/providers/factory.hpp>

#include <iostream>
#include <memory>

int main() {
    try {
        const authflow::DeploySettings settings = authflow::load_deploy_settings();
        // Redis without a store key throws ConfigError (config_missing) here.
        authflow::AuthRouteStores stores = authflow::make_deploy_stores(settings);
        std::cout << "sessions, pending logins, rate limits and tokens in "
                  << settings.state_backend << " (tokens: " << stores.tokens->backend() << ")\n";

        const authflow::OAuth2Settings oauth = authflow::load_settings();
        auto provider = authflow::create_provider_from_settings(oauth);
        const authflow::AuthRoutes routes(settings, provider, stores);
        std::cout << "sign in at " << settings.public_url << routes.settings().route_path("login")
                  << "\n";
        // Mount `routes` on a server: see examples/deploy_routes.cpp (mount_auth_routes).
        return 0;
    } catch (const authflow::Error& e) {
        std::cerr << "error: " << authflow::to_string(e.code()) << ": " << e.what() << "\n";
        return 2;
    }
}

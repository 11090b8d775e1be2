// The deploy routes' own share of an authenticated request (docs/BENCHMARKS.md, "Deploy mode").
//
//   bench_deploy_status [COUNT]     (default 1000000)
//
// What `authflow serve` does for `GET /auth/status` with a session cookie once cpp-httplib has
// parsed the request, and nothing else: the mounted handler (mount_auth_routes) converts the
// cpp-httplib request (to_request), AuthRoutes::handle looks the session up in a
// MemorySessionStore holding 10 000 sessions shaped like the callback's, builds the JSON answer,
// and apply_response copies it into cpp-httplib's response. One thread, no sockets: the figure is
// the time per request on top of what `/healthz` costs (which only sets a 3-byte body).
// The request carries the headers wrk sends (Host, the Cookie) plus those cpp-httplib adds
// (REMOTE_ADDR, REMOTE_PORT, LOCAL_ADDR, LOCAL_PORT).

#include "bench_sessions.hpp"

#include <authflow/config.hpp>
#include <authflow/core/clock.hpp>
#include <authflow/deploy/httplib_adapter.hpp>
#include <authflow/deploy/session_store.hpp>
#include <authflow/providers/factory.hpp>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

int main(int argc, char** argv) {
    using namespace authflow;
    const std::size_t count = bench::parse_count(argc, argv, 1000000, "bench_deploy_status");

    OAuth2Settings oauth;
    oauth.provider = ProviderKind::custom;
    oauth.client_id = "authflow-demo";
    oauth.authorize_url = "https://op.example/authorize";
    oauth.token_url = "https://op.example/token";
    oauth.scopes = std::vector<std::string>{"openid", "profile", "email"};
    DeploySettings deploy;
    deploy.public_url = "http://127.0.0.1:8080";
    auto sessions = std::make_shared<MemorySessionStore>();
    AuthRouteStores stores;
    stores.sessions = sessions;
    auto routes =
        std::make_shared<const AuthRoutes>(deploy, create_provider_from_settings(oauth), stores);

    const auto now = system_clock().now();
    std::string cookie;
    for (std::size_t i = 0; i < 10000; ++i) {
        const UserSession session = bench::callback_shaped_session(i, now);
        sessions->create(session);
        if (i == 4321) {
            cookie = deploy.auth_session_cookie + "=" + session.session_id;
        }
    }

    httplib::Server server; // only to take the handler mount_auth_routes registers
    mount_auth_routes(server, routes);
    httplib::Request request;
    request.method = "GET";
    request.path = deploy.route_path("status");
    request.headers.emplace("Host", "127.0.0.1:8080");
    request.headers.emplace("Cookie", cookie);
    request.headers.emplace("REMOTE_ADDR", "127.0.0.1");
    request.headers.emplace("REMOTE_PORT", "40000");
    request.headers.emplace("LOCAL_ADDR", "127.0.0.1");
    request.headers.emplace("LOCAL_PORT", "8080");
    request.remote_addr = "127.0.0.1";

    // The handler as mounted: the same code path as a served request after routing.
    auto handle = [&](httplib::Response& response) {
        const Request converted = to_request(request);
        if (auto answer = routes->handle(converted)) {
            apply_response(*answer, response);
        }
    };
    {
        httplib::Response response;
        handle(response);
        if (response.status != 200 ||
            response.body.find("\"authenticated\":true") == std::string::npos) {
            std::cerr << "bench_deploy_status: not signed in: " << response.body << "\n";
            return 1;
        }
    }
    std::size_t bytes = 0;
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < count; ++i) {
        httplib::Response response;
        handle(response);
        bytes += response.body.size();
    }
    const std::chrono::duration<double, std::nano> elapsed =
        std::chrono::steady_clock::now() - start;
    std::printf("requests            %zu\n", count);
    std::printf("body_bytes          %zu\n", bytes / count);
    std::printf("status_ns_per_call  %.0f\n", elapsed.count() / static_cast<double>(count));
    return 0;
}

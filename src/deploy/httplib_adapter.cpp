// cpp-httplib adapter for the deploy-mode auth routes.
#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/deploy/httplib_adapter.hpp>

#include <string>
#include <string_view>
#include <utility>

namespace authflow {

namespace {

/// The fields cpp-httplib adds to a request itself (they are not the client's).
bool is_httplib_field(std::string_view name) noexcept {
    // Each starts with 'R' or 'L' (any case): one test skips most others before iequals.
    if (name.empty()) {
        return false;
    }
    const char first = static_cast<char>(name.front() | 0x20);
    if (first != 'r' && first != 'l') {
        return false;
    }
    return iequals(name, "REMOTE_ADDR") || iequals(name, "REMOTE_PORT") ||
           iequals(name, "LOCAL_ADDR") || iequals(name, "LOCAL_PORT");
}

} // namespace

Request to_request(const httplib::Request& request) {
    Request out;
    out.method = request.method;
    out.path = request.path;
    for (const auto& [name, value] : request.params) {
        out.query.add(name, value);
    }
    out.headers.reserve(request.headers.size());
    for (const auto& [name, value] : request.headers) {
        if (!is_httplib_field(name)) {
            out.headers.add(name, value);
        }
    }
    out.remote_address = request.remote_addr;
    out.body = request.body;
    return out;
}

void apply_response(const Response& response, httplib::Response& out) {
    out.status = response.status;
    std::string content_type = "text/plain";
    for (const auto& [name, value] : response.headers) {
        if (iequals(name, "Content-Type")) {
            content_type = value;
            continue;
        }
        out.headers.emplace(name, value); // a multimap: every Set-Cookie is kept
    }
    out.set_content(response.body, content_type.c_str());
}

void mount_auth_routes(httplib::Server& server, std::shared_ptr<const AuthRoutes> routes) {
    auto handler = [routes](const httplib::Request& request, httplib::Response& response) {
        const Request converted = to_request(request);
        if (auto answer = routes->handle(converted)) {
            apply_response(*answer, response);
        } else {
            response.status = 404;
        }
    };
    for (const char* route : {"login", "callback", "refresh", "logout", "userinfo", "status",
                              "signed-out", "backchannel-logout"}) {
        const std::string path = routes->settings().route_path(route);
        server.Get(path, handler);
        server.Post(path, handler);
    }
}

httplib::Server::Handler protect(std::shared_ptr<const AuthRoutes> routes, SessionHandler handler,
                                 std::optional<std::string> login_redirect) {
    return [routes = std::move(routes), handler = std::move(handler),
            login_redirect = std::move(login_redirect)](const httplib::Request& request,
                                                        httplib::Response& response) {
        std::optional<UserSession> session;
        try {
            session = routes->require_session(to_request(request));
        } catch (const std::exception& e) {
            log(LogLevel::error, std::string{"session lookup failed: "} + e.what());
            apply_response(Response::json(503, {{"error", "store_unavailable"}}), response);
            return;
        }
        if (!session) {
            if (login_redirect) {
                apply_response(Response::redirect(*login_redirect), response);
            } else {
                apply_response(Response::json(401, {{"error", "not_authenticated"}}), response);
            }
            return;
        }
        handler(request, response, *session);
    };
}

} // namespace authflow

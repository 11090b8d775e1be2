// cpp-httplib adapter for the deploy-mode auth routes.
#include "../native/internal/listening_socket.hpp"

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

namespace {

/// True when a request says nothing of a body (RFC 9112 §6.3: no Content-Length and no
/// Transfer-Encoding means a request has none).
bool is_bodiless(const httplib::Request& request) {
    return !request.has_header("Content-Length") && !request.has_header("Transfer-Encoding");
}

} // namespace

void mount_auth_routes(httplib::Server& server, std::shared_ptr<const AuthRoutes> routes) {
    auto handler = [routes](const httplib::Request& request, httplib::Response& response) {
        const Request converted = to_request(request);
        if (auto answer = routes->handle(converted)) {
            apply_response(*answer, response);
        } else {
            apply_response(routes->not_found_page(converted), response);
        }
    };
    for (const char* route : {"login", "callback", "refresh", "logout", "userinfo", "status",
                              "signed-out", "backchannel-logout", "sign-in", "denied"}) {
        const std::string path = routes->settings().route_path(route);
        server.Get(path, handler);
        server.Post(path, handler);
    }
    // Any other path below the prefix: the 404 page (registered last: routes match in order).
    // (cpp-httplib takes a pattern: the prefix's own characters are escaped. Done by hand: GCC 12
    // warns falsely inside std::regex at -O1 with ASan.)
    std::string below;
    for (const char c : routes->settings().route_prefix) {
        if (std::string_view{".^$|()[]{}*+?\\"}.find(c) != std::string_view::npos) {
            below += '\\';
        }
        below += c;
    }
    below += "/.*";
    server.Get(below, handler);
    server.Post(below, handler);
    // cpp-httplib 0.11 reads a POST without Content-Length until the connection closes (400
    // after its read timeout), though RFC 9112 §6.3 says such a request has no body: a
    // bodiless POST to an auth route is answered before cpp-httplib reads anything.
    server.set_pre_routing_handler(
        [routes](const httplib::Request& request, httplib::Response& response) {
            if (request.method != "POST" || !is_bodiless(request) ||
                request.path.rfind(routes->settings().route_prefix + "/", 0) != 0) {
                return httplib::Server::HandlerResponse::Unhandled;
            }
            const Request converted = to_request(request);
            if (auto answer = routes->handle(converted)) {
                apply_response(*answer, response);
            } else {
                apply_response(routes->not_found_page(converted), response);
            }
            return httplib::Server::HandlerResponse::Handled;
        });
}

void own_listening_ports(httplib::Server& server) {
    server.set_socket_options(native_detail::own_port_socket_options);
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
        if (!session && routes->is_public_path(request.path)) {
            handler(request, response, UserSession{}); // signed out on a public path
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

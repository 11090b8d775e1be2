#pragma once
// Mounts the deploy-mode auth routes on a cpp-httplib server. Opt-in header: include it only
// when authflow was built with AUTHFLOW_WITH_HTTPLIB (it includes <httplib.h>; link
// PkgConfig::HTTPLIB). cpp-httplib 0.11 is not meant to face the Internet: put a reverse proxy
// (nginx) in front and list it in DeploySettings::trusted_proxies (docs/deploy.md).
#include <authflow/config.hpp>

#if !AUTHFLOW_WITH_HTTPLIB
#error "authflow/deploy/httplib_adapter.hpp needs authflow built with AUTHFLOW_WITH_HTTPLIB"
#endif

#include <authflow/deploy/auth_routes.hpp>
#include <authflow/deploy/http.hpp>

#include <httplib.h>

#include <functional>
#include <memory>
#include <optional>

namespace authflow {

/// Converts a cpp-httplib request: method, path, query (decoded), headers, the peer address
/// (without port), body. `is_tls` is false (cpp-httplib's plain Server). Throws only
/// std::bad_alloc.
Request to_request(const httplib::Request& request);

/// Copies a Response (status, headers including every Set-Cookie, body) into cpp-httplib's.
void apply_response(const Response& response, httplib::Response& out);

/// Registers GET and POST handlers for every auth route on `server` (HEAD is answered by
/// cpp-httplib from GET), and the 404 page (AuthRoutes::not_found_page) for any other path
/// below the route prefix. Sets the server's pre-routing handler: a POST without
/// Content-Length or Transfer-Encoding to a path below the prefix has no body (RFC 9112 §6.3)
/// and is answered at once (cpp-httplib 0.11 would wait for a body). `routes` is shared with
/// the handlers (which run on the server's threads; AuthRoutes is thread-safe). cpp-httplib
/// takes the first route that matches: register your own routes below the prefix first.
void mount_auth_routes(httplib::Server& server, std::shared_ptr<const AuthRoutes> routes);

/// Makes `server` own the ports it binds: SO_REUSEADDR (a restarted server binds again while old
/// connections sit in TIME_WAIT) and close-on-exec, but not cpp-httplib's default SO_REUSEPORT,
/// with which a second server of the same user binds the same port without an error and takes
/// part of the first one's connections. Call before binding.
void own_listening_ports(httplib::Server& server);

/// A handler of an application route that needs a signed-in user.
using SessionHandler =
    std::function<void(const httplib::Request&, httplib::Response&, const UserSession&)>;

/// Wraps `handler` so that it runs only with a live session (AuthRoutes::require_session);
/// without one the request gets 401 {"error":"not_authenticated"}, or, when `login_redirect` is
/// set, a 302 to it, except on a public path (AuthRoutes::is_public_path: auth_public_paths),
/// where `handler` runs with an empty UserSession (user_id empty: nobody signed in). A store
/// failure gives 503.
httplib::Server::Handler protect(std::shared_ptr<const AuthRoutes> routes, SessionHandler handler,
                                 std::optional<std::string> login_redirect = std::nullopt);

} // namespace authflow

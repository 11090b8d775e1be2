// Deploy mode: the C++ auth routes behind any Python web framework (requests and responses
// cross as plain tuples; authflow.fastapi converts Starlette's), sessions and RBAC helpers.

#include "common.hpp"

#include <authflow/core/url.hpp>
#include <authflow/deploy/auth_routes.hpp>
#include <authflow/deploy/http.hpp>
#include <authflow/deploy/rbac.hpp>
#include <authflow/deploy/session_store.hpp>
#include <authflow/deploy/settings.hpp>
#include <authflow/deploy/shared_stores.hpp>
#include <authflow/store/encryption.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace authflow::python {
namespace {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

DeploySettings deploy_settings(const std::map<std::string, std::string>& values) {
    DeploySettings settings;
    for (const auto& [field, value] : values) {
        settings.set(field, value);
    }
    return settings;
}

double unix_seconds(Clock::wall_time time) {
    return std::chrono::duration<double>(time.time_since_epoch()).count();
}

py::object session_object(const UserSession& session) {
    py::object cls = py::module_::import("authflow.types").attr("UserSession");
    return cls(py::arg("session_id") = session.session_id, py::arg("user_id") = session.user_id,
               py::arg("roles") = session.roles,
               py::arg("created_at") = unix_seconds(session.created_at),
               py::arg("expires_at") = unix_seconds(session.expires_at),
               py::arg("metadata") = to_py(session.metadata), py::arg("sid") = session.sid);
}

Request make_request(std::string method, std::string path, std::string_view query,
                     const HeaderList& headers, std::string remote_address, bool is_tls,
                     std::string body) {
    Request request;
    request.method = std::move(method);
    request.path = std::move(path);
    request.query = parse_query(query);
    request.headers.reserve(headers.size());
    for (const auto& [name, value] : headers) {
        request.headers.add(name, value);
    }
    request.remote_address = std::move(remote_address);
    request.is_tls = is_tls;
    request.body = std::move(body);
    return request;
}

/// The routes and the stores they were built with. Safe to use from several threads.
struct DeployRoutes {
    std::shared_ptr<AuthRoutes> routes;
};

} // namespace

void init_deploy(py::module_& m) {
    py::class_<DeployRoutes>(m, "DeployRoutes",
                             "The deploy-mode auth routes of the C++ library (login, callback, "
                             "refresh, logout, userinfo, status, signed-out, backchannel-logout). "
                             "Safe to use from several threads.")
        .def(py::init([](std::shared_ptr<OAuthProvider> provider,
                         const std::map<std::string, std::string>& settings,
                         const std::string& sqlite_path,
                         const std::optional<std::string>& store_key) {
                 auto deploy = deploy_settings(settings);
                 DeployStoreOptions options;
                 options.sqlite_path = sqlite_path;
                 if (store_key && !store_key->empty()) {
                     options.key = StoreKey::from_base64(*store_key);
                 }
                 py::gil_scoped_release released;
                 auto stores = make_deploy_stores(deploy, options);
                 return DeployRoutes{
                     std::make_shared<AuthRoutes>(std::move(deploy), std::move(provider), stores)};
             }),
             py::arg("provider"), py::arg("settings"), py::kw_only(), py::arg("sqlite_path") = "",
             py::arg("store_key") = py::none())
        .def(
            "handle",
            [](const DeployRoutes& d, std::string method, std::string path,
               const std::string& query, const HeaderList& headers, std::string remote_address,
               bool is_tls, const py::bytes& body) -> py::object {
                auto request = make_request(std::move(method), std::move(path), query, headers,
                                            std::move(remote_address), is_tls, std::string(body));
                std::optional<Response> response;
                {
                    py::gil_scoped_release released;
                    response = d.routes->handle(request);
                }
                if (!response) {
                    return py::none();
                }
                HeaderList out(response->headers.begin(), response->headers.end());
                return py::make_tuple(response->status, out, py::bytes(response->body));
            },
            py::arg("method"), py::arg("path"), py::arg("query"), py::arg("headers"),
            py::arg("remote_address") = "", py::arg("is_tls") = false,
            py::arg("body") = py::bytes(),
            "Answers a request to one of the auth routes as (status, headers, body), or None "
            "for any other path.")
        .def(
            "require_session",
            [](const DeployRoutes& d, const HeaderList& headers, bool with_metadata,
               bool release_gil) -> py::object {
                auto request = make_request("GET", "/", "", headers, "", false, "");
                const auto fields =
                    with_metadata ? SessionFields::all : SessionFields::without_metadata;
                std::optional<UserSession> session;
                if (release_gil) {
                    py::gil_scoped_release released;
                    session = d.routes->require_session(request, fields);
                } else {
                    session = d.routes->require_session(request, fields);
                }
                return session ? session_object(*session) : py::none();
            },
            py::arg("headers"), py::arg("with_metadata") = true, py::arg("release_gil") = true,
            "The live session named by the session cookie or `Authorization: Bearer`, or None. "
            "release_gil=False keeps the GIL during the lookup: for the in-memory store, whose "
            "few microseconds cost less than handing the GIL to another thread and back.")
        .def_property_readonly(
            "route_prefix", [](const DeployRoutes& d) { return d.routes->settings().route_prefix; })
        .def("is_public_path", [](const DeployRoutes& d, const std::string& path) {
            return d.routes->settings().is_public_path(path);
        });

    m.def(
        "role_permissions",
        [](const std::string& role) {
            std::vector<std::string> out;
            for (auto permission : role_permissions(role)) {
                out.emplace_back(permission);
            }
            return out;
        },
        py::arg("role"), "The permissions a role grants (admin, editor, viewer; others none).");
    m.def(
        "has_permission",
        [](const std::vector<std::string>& roles, const std::string& permission) {
            return has_permission(roles, permission);
        },
        py::arg("roles"), py::arg("permission"), "True when one of roles grants permission.");
    m.def(
        "roles_for",
        [](py::handle claims, const std::map<std::string, std::string>& settings) {
            return roles_for(from_py(claims), deploy_settings(settings));
        },
        py::arg("claims"), py::arg("settings") = std::map<std::string, std::string>{},
        "The roles of a user who just signed in: default_roles, plus admin for admin_users.");
    m.def("new_session_id", &new_session_id);
    m.def("session_key", &session_key, py::arg("session_id"));
}

} // namespace authflow::python

// AuthFlowManager (native sign-in with the system browser, device flow) and the loopback
// callback server.

#include "common.hpp"

#include <authflow/config.hpp>
#include <authflow/core/auth_flow.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/native/auth_flow_manager.hpp>
#include <authflow/native/callback_server.hpp>
#include <authflow/session/session_manager.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace authflow::python {
namespace {

using release = py::call_guard<py::gil_scoped_release>;

py::object flow_result(const AuthFlowResult& result) {
    py::object cls = py::module_::import("authflow.types").attr("AuthFlowResult");
    return cls(py::arg("success") = result.success, py::arg("tokens") = result.tokens,
               py::arg("error") = result.error,
               py::arg("user_info") = result.user_info ? to_py(*result.user_info) : py::none());
}

py::dict window_dict(const WindowConfig& config) {
    py::dict d;
    d["title"] = config.title;
    d["width"] = config.width;
    d["height"] = config.height;
    d["center"] = config.center;
    d["resizable"] = config.resizable;
    for (const auto& [key, value] : config.extra.items()) {
        d[py::str(key)] = to_py(value);
    }
    return d;
}

WindowConfig window_config(const std::optional<py::dict>& given) {
    WindowConfig config;
    if (!given) {
        return config;
    }
    for (const auto& [key, value] : *given) {
        const auto name = py::str(key).cast<std::string>();
        if (name == "title") {
            config.title = value.cast<std::string>();
        } else if (name == "width") {
            config.width = value.cast<int>();
        } else if (name == "height") {
            config.height = value.cast<int>();
        } else if (name == "center") {
            config.center = value.cast<bool>();
        } else if (name == "resizable") {
            config.resizable = value.cast<bool>();
        } else {
            config.extra[name] = from_py(value);
        }
    }
    return config;
}

ShowWindow show_window_of(py::object show) {
    if (show.is_none()) {
        return {};
    }
    return [callback = PyCallback(std::move(show))](const std::string& url,
                                                    const WindowConfig& config) {
        py::gil_scoped_acquire gil;
        // An exception ends the flow as failed: it is reported, then the flow fails.
        py::object label = callback.call_or_throw(errc::browser, url, window_dict(config));
        return label.is_none() ? std::string() : py::str(label).cast<std::string>();
    };
}

CloseWindow close_window_of(py::object close) {
    if (close.is_none()) {
        return {};
    }
    return [callback = PyCallback(std::move(close))](const std::string& label) { callback(label); };
}

} // namespace

void init_flow(py::module_& m) {
    py::class_<AuthFlowManager, std::shared_ptr<AuthFlowManager>>(
        m, "AuthFlowManager",
        "Runs sign-in flows for one provider, one at a time: native (system browser and "
        "loopback redirect, RFC 8252) or device (RFC 8628). cancel(), flow_state and flow_id may "
        "be used from any thread.")
        .def(py::init([](std::shared_ptr<OAuthProvider> provider,
                         std::shared_ptr<SessionManager> session, double auth_timeout,
                         const std::string& redirect_uri, int callback_port, bool open_browser,
                         py::object on_authorization_url, py::object on_device_code,
                         const std::optional<std::map<std::string, std::string>>& extra_params,
                         std::optional<double> device_timeout) {
                 AuthFlowOptions options;
                 options.auth_timeout =
                     std::chrono::milliseconds(static_cast<long long>(auth_timeout * 1000.0));
                 if (device_timeout) {
                     options.device_timeout = std::chrono::milliseconds(
                         static_cast<long long>(*device_timeout * 1000.0));
                 }
                 options.redirect_uri = redirect_uri;
                 options.callback_port = callback_port;
                 options.open_browser = open_browser;
                 if (extra_params) {
                     for (const auto& [name, value] : *extra_params) {
                         options.extra_params.add(name, value);
                     }
                 }
                 if (!on_authorization_url.is_none()) {
                     options.on_authorization_url = [callback = PyCallback(on_authorization_url)](
                                                        const std::string& url, bool opened) {
                         callback(url, opened);
                     };
                 }
                 if (!on_device_code.is_none()) {
                     options.on_device_code = [callback = PyCallback(on_device_code)](
                                                  const DeviceAuthorization& authorization) {
                         py::gil_scoped_acquire gil;
                         py::dict d;
                         d["user_code"] = authorization.user_code;
                         d["verification_uri"] = authorization.verification_uri;
                         d["verification_uri_complete"] = authorization.verification_uri_complete;
                         d["expires_in"] = authorization.expires_in.count();
                         d["interval"] = authorization.interval.count();
                         callback(d);
                     };
                 }
                 py::gil_scoped_release released;
                 return released_on_delete(std::make_unique<AuthFlowManager>(
                     std::move(provider), std::move(session), std::move(options)));
             }),
             py::arg("provider"), py::arg("session_manager") = py::none(),
             py::arg("auth_timeout") = 120.0, py::kw_only(), py::arg("redirect_uri") = "",
             py::arg("callback_port") = 0, py::arg("open_browser") = true,
             py::arg("on_authorization_url") = py::none(), py::arg("on_device_code") = py::none(),
             py::arg("extra_params") = py::none(), py::arg("device_timeout") = py::none())
        .def_property_readonly(
            "_flow_state",
            [](const AuthFlowManager& f) { return std::string(to_string(f.flow_state())); })
        .def_property_readonly("flow_id", &AuthFlowManager::flow_id)
        .def_property_readonly("provider", &AuthFlowManager::provider)
#if AUTHFLOW_WITH_HTTPLIB
        .def(
            "run_native_sync",
            [](AuthFlowManager& f, py::object show, py::object close,
               const std::optional<py::dict>& config) {
                auto show_window = show_window_of(std::move(show));
                auto close_window = close_window_of(std::move(close));
                auto window = window_config(config);
                AuthFlowResult result;
                {
                    py::gil_scoped_release released;
                    result = f.run_native(show_window, close_window, window);
                }
                return flow_result(result);
            },
            py::arg("show_window") = py::none(), py::arg("close_window") = py::none(),
            py::arg("window_config") = py::none(),
            "Native sign-in: loopback server, the system browser (or show_window), the code "
            "exchange, ID-token validation, userinfo, one save. Raises AuthFlowTimeout, "
            "AuthFlowCancelled, AuthenticationError.")
#endif
        .def(
            "run_device_sync",
            [](AuthFlowManager& f) {
                AuthFlowResult result;
                {
                    py::gil_scoped_release released;
                    result = f.run_device();
                }
                return flow_result(result);
            },
            "The device authorization grant (RFC 8628) for machines without a browser.")
        .def_static(
            "run_deploy",
            [](const std::string& base_url, const std::string& prefix) {
                return AuthFlowManager::run_deploy(base_url, prefix);
            },
            py::arg("base_url") = "", py::arg("prefix") = "/auth",
            "The login URL of deploy mode: base_url + prefix + '/login'.")
        .def("cancel", &AuthFlowManager::cancel, release(),
             "Cancels the running flow from any thread.");

#if AUTHFLOW_WITH_HTTPLIB
    py::class_<CallbackServer, std::shared_ptr<CallbackServer>>(
        m, "OAuthCallbackServer",
        "The loopback redirect receiver of native sign-in (RFC 8252 §7.3): only a request with "
        "the expected state ends the flow. Safe to use from several threads.")
        .def(py::init([](const std::string& host, int port, const std::string& expected_state,
                         const std::string& path) {
                 CallbackServerOptions options;
                 options.host = host;
                 options.port = port;
                 options.expected_state = expected_state;
                 options.path = path;
                 return released_on_delete(std::make_unique<CallbackServer>(std::move(options)));
             }),
             py::arg("host") = "127.0.0.1", py::arg("port") = 0, py::kw_only(),
             py::arg("expected_state"), py::arg("path") = "/callback")
        .def(
            "start",
            [](CallbackServer& s) {
                s.start();
                return s.redirect_uri();
            },
            release(), "Binds and serves in the background; returns the redirect URI.")
        .def("stop", &CallbackServer::stop, release())
        .def("cancel", &CallbackServer::cancel, release())
        .def_property_readonly("port", &CallbackServer::port)
        .def_property_readonly("redirect_uri", &CallbackServer::redirect_uri)
        .def_property_readonly("is_running", &CallbackServer::is_running)
        .def(
            "wait_for_callback_sync",
            [](CallbackServer& s, double timeout) -> py::object {
                std::optional<CallbackResult> result;
                {
                    py::gil_scoped_release released;
                    try {
                        result = s.wait(
                            std::chrono::milliseconds(static_cast<long long>(timeout * 1000.0)));
                    } catch (const AuthFlowTimeout&) {
                        result.reset();
                    }
                }
                if (!result) {
                    return py::none();
                }
                py::dict d;
                auto field = [](const std::string& v) -> py::object {
                    return v.empty() ? py::object(py::none()) : py::object(py::str(v));
                };
                d["code"] = field(result->code);
                d["state"] = field(result->state);
                d["iss"] = field(result->iss);
                d["error"] = field(result->error);
                d["error_description"] = field(result->error_description);
                return d;
            },
            py::arg("timeout") = 120.0,
            "The callback's code, state, iss, error and error_description (None when absent), "
            "or None after `timeout` seconds.");
#endif
}

} // namespace authflow::python

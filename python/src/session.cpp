// SessionManager: blocking calls without the GIL; callbacks from the scheduler's threads take
// the GIL only around the Python code.

#include "common.hpp"

#include <authflow/session/session_manager.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace authflow::python {
namespace {

using release = py::call_guard<py::gil_scoped_release>;

} // namespace

void init_session(py::module_& m) {
    py::class_<SessionManager, std::shared_ptr<SessionManager>>(
        m, "SessionManager",
        "Keeps the tokens of one sign-in fresh: refreshed once per expiry across threads and "
        "processes, in the background. Safe to use from several threads.")
        .def(py::init([](std::shared_ptr<OAuthProvider> provider, std::shared_ptr<TokenStore> store,
                         const std::string& session_key, int refresh_buffer_seconds,
                         py::object on_reauth_required, py::object on_tokens_changed,
                         bool background_refresh, bool testing_disable_single_flight) {
                 SessionManagerOptions options;
                 options.session_key = session_key;
                 options.refresh_buffer_seconds = refresh_buffer_seconds;
                 options.background_refresh = background_refresh;
                 options.testing_disable_single_flight = testing_disable_single_flight;
                 if (!on_reauth_required.is_none()) {
                     options.on_reauth_required = [callback = PyCallback(on_reauth_required)] {
                         callback();
                     };
                 }
                 if (!on_tokens_changed.is_none()) {
                     options.on_tokens_changed =
                         [callback = PyCallback(on_tokens_changed)](const OAuthTokenSet& tokens) {
                             callback(tokens);
                         };
                 }
                 py::gil_scoped_release released;
                 return released_on_delete(std::make_unique<SessionManager>(
                     std::move(provider), std::move(store), std::move(options)));
             }),
             py::arg("provider"), py::arg("token_store"), py::arg("session_key") = "default",
             py::arg("refresh_buffer_seconds") = 60, py::arg("on_reauth_required") = py::none(),
             py::kw_only(), py::arg("on_tokens_changed") = py::none(),
             py::arg("background_refresh") = true, py::arg("testing_disable_single_flight") = false)
        .def("initialize_sync", &SessionManager::initialize, release(),
             "Loads the stored tokens (refreshing them when due); None when nothing is stored.")
        .def("save_tokens_sync", &SessionManager::save_tokens, py::arg("tokens"), release(),
             "Stores tokens, schedules their refresh and calls on_tokens_changed.")
        .def(
            "get_access_token_sync",
            [](SessionManager& s, std::optional<double> min_ttl) {
                if (min_ttl) {
                    return s.get_access_token(
                        std::chrono::seconds(static_cast<long long>(*min_ttl)));
                }
                return s.get_access_token();
            },
            py::arg("min_ttl") = py::none(), release(),
            "A valid access token, refreshed first when less than the buffer (or min_ttl) is "
            "left (one refresh however many callers). Raises TokenError (token_missing), "
            "TokenRefreshError (reauth_required, refresh_failed), TokenExpiredError.")
        .def(
            "get_tokens_sync",
            [](SessionManager& s, double min_ttl) {
                return s.get_tokens(std::chrono::seconds(static_cast<long long>(min_ttl)));
            },
            py::arg("min_ttl") = 0.0, release(), "The whole token set behind get_access_token.")
        .def(
            "get_userinfo_sync",
            [](SessionManager& s) {
                nlohmann::json info;
                {
                    py::gil_scoped_release released;
                    info = s.get_userinfo();
                }
                return to_py(info);
            },
            "The provider's userinfo for a fresh access token.")
        .def("refresh_sync", &SessionManager::refresh, release(),
             "Refreshes now (single-flight). Raises TokenRefreshError.")
        .def(
            "logout_sync",
            [](SessionManager& s) {
                LogoutResult result;
                {
                    py::gil_scoped_release released;
                    result = s.logout();
                }
                py::dict d;
                d["had_tokens"] = result.had_tokens;
                d["refresh_token_revoked"] = result.revoked.refresh_token_revoked;
                d["access_token_revoked"] = result.revoked.access_token_revoked;
                return d;
            },
            "Revokes the tokens at the provider (RFC 7009), removes them and cancels the "
            "background refresh.")
        .def_property_readonly("current_tokens", &SessionManager::current_tokens)
        .def_property_readonly("session_key", &SessionManager::session_key)
        .def("stats", [](const SessionManager& s) {
            auto stats = s.stats();
            py::dict d;
            d["refreshes"] = stats.refreshes;
            d["adopted"] = stats.adopted;
            d["refresh_failures"] = stats.refresh_failures;
            d["reauth_notifications"] = stats.reauth_notifications;
            return d;
        });
}

} // namespace authflow::python

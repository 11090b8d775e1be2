// RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) in deploy mode: after the local
// sign-out, the browser goes to the provider's end_session_endpoint with id_token_hint,
// client_id, post_logout_redirect_uri and a state that {prefix}/signed-out checks (single use,
// bound to the browser, kept server-side like a pending login).
#include "route_answers.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/deploy/auth_routes.hpp>
#include <authflow/deploy/redirect.hpp>

#include <string>

namespace authflow {
namespace {

/// How a logout's state is filed in the pending-login store: a sign-in state never has a ':'
/// (the callback refuses one), so neither route can take the other's record.
std::string logout_state_key(std::string_view state) {
    return "logout:" + std::string{state};
}

/// A browser's form or navigation rather than a script: answered with a redirect.
bool wants_redirect(const Request& request, const std::optional<std::string>& next) {
    if (next) {
        return true;
    }
    const auto accept = request.headers.get("Accept");
    const auto type = request.headers.get("Content-Type");
    return (accept && accept->find("text/html") != std::string::npos) ||
           (type && type->find("application/x-www-form-urlencoded") != std::string::npos);
}

} // namespace

std::optional<Response>
AuthRoutes::provider_logout_answer(const Request& request,
                                   const std::optional<std::string>& id_token,
                                   const std::optional<std::string>& next) const {
    EndSessionRequest end;
    if (id_token) {
        end.id_token_hint = *id_token;
    }
    end.post_logout_redirect_uri = post_logout_redirect_uri_;
    end.state = new_session_id(); // 256 random bits
    std::optional<std::string> url;
    try {
        url = provider_->end_session_url(end);
    } catch (const Error& e) {
        log(LogLevel::warning, std::string{"logout: cannot reach the provider's metadata; signed "
                                           "out locally only: "} +
                                   std::string{to_string(e.code())});
        return std::nullopt;
    }
    if (!url) {
        if (!end_session_missing_logged_->exchange(true)) {
            log(LogLevel::warning, "logout: provider_logout is on but the provider has no "
                                   "end_session_endpoint; signing out locally only");
        }
        return std::nullopt;
    }

    const std::string binding = new_session_id();
    PendingLogin record;
    record.redirect_uri = post_logout_redirect_uri_;
    record.next = next ? safe_next(*next, settings_) : settings_.post_logout_path;
    record.browser_binding = browser_binding_hash(binding);
    record.created_at = clock_->now();
    try {
        stores_.pending_logins->put(logout_state_key(end.state), record, pending_login_ttl);
    } catch (const StoreError&) {
        throw;
    } catch (const Error& e) {
        // A full store: the provider logout still happens; the return just is not trusted.
        log(LogLevel::warning,
            std::string{"logout: cannot remember the state: "} + std::string{to_string(e.code())});
    }

    Response response;
    if (wants_redirect(request, next)) {
        response = Response::redirect(*url, 303);
    } else {
        response = Response::json(200, nlohmann::json{{"success", true},
                                                      {"message", "Logged out"},
                                                      {"end_session_url", *url}});
    }
    CookieOptions options = pre_login_cookie_options();
    options.max_age = pending_login_ttl;
    response.add_set_cookie(build_set_cookie(logout_cookie_name(), binding, options));
    return response;
}

Response AuthRoutes::signed_out(const Request& request) const {
    // Whatever came back, the page is the same; only a state this browser left with may send it
    // on (never to a site the settings do not allow: next passed safe_next when stored).
    std::optional<PendingLogin> record;
    std::optional<std::string> binding;
    try {
        const auto state = deploy_detail::single(request.query, "state");
        // A HEAD (a link checker, a prefetch) must not spend the state.
        if (request.method != "HEAD" && state && !state->empty() && state->size() <= 512) {
            record = stores_.pending_logins->take(logout_state_key(*state));
        }
        binding = request.cookie(logout_cookie_name());
    } catch (const std::exception& e) {
        log(LogLevel::warning, std::string{"signed-out: state not checked: "} + e.what());
        record.reset();
    }
    Response response;
    if (record && binding && record->is_bound_to(*binding) &&
        record->redirect_uri == post_logout_redirect_uri_ && !record->next.empty()) {
        response = Response::redirect(safe_next(record->next, settings_), 303);
    } else {
        if (record && (!binding || !record->is_bound_to(*binding))) {
            log(LogLevel::warning, "signed-out: state not bound to this browser");
        }
        response = signed_out_page();
    }
    if (request.method != "HEAD") {
        response.add_set_cookie(
            build_clear_cookie(logout_cookie_name(), pre_login_cookie_options()));
    }
    return response;
}

} // namespace authflow

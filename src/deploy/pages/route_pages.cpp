// The pages of the auth routes: sign-in, signed out, access denied, sign-in errors and not
// found. Each is HTML for a browser (wants_html) and the JSON answer the routes always gave for
// a script; each value shown is escaped by the template (page_template.hpp).
#include "../callback_failure.hpp"
#include "../route_answers.hpp"
#include "page_template.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/core/url.hpp>
#include <authflow/deploy/auth_routes.hpp>
#include <authflow/deploy/pages.hpp>
#include <authflow/deploy/redirect.hpp>

#include <string>

namespace authflow {
namespace {

using deploy_detail::fill;
using deploy_detail::join_markup;
using deploy_detail::Markup;

/// The longest provider error_description a page or answer repeats.
constexpr std::size_t max_description = 300;

deploy_detail::PageFrame frame_of(const DeploySettings& settings, std::string_view title) {
    return {std::string{title}, settings.logo_url};
}

std::string with_next(const std::string& path, std::string_view next) {
    if (next.empty() || next == "/") {
        return path;
    }
    return path + "?next=" + url_encode(next);
}

/// The name a page shows for a session: userinfo name, preferred_username, email, else `sub`.
std::string display_name(const UserSession& session) {
    const nlohmann::json& metadata = session.metadata;
    if (metadata.is_object() && metadata.contains("user_info") &&
        metadata["user_info"].is_object()) {
        const nlohmann::json& info = metadata["user_info"];
        for (const char* key : {"name", "preferred_username", "email"}) {
            if (info.contains(key) && info[key].is_string() &&
                !info[key].get_ref<const std::string&>().empty()) {
                return info[key].get<std::string>();
            }
        }
    }
    return session.user_id;
}

/// What a failed sign-in page says, by the answer's `error`.
struct Problem {
    std::string_view heading;
    std::string_view text;
};

Problem problem_of(std::string_view error, bool is_refusal) {
    if (is_refusal && error == "access_denied") {
        return {"Sign-in cancelled", "The sign-in was cancelled at the identity provider, or it "
                                     "did not allow access."};
    }
    if (is_refusal) {
        return {"Sign-in refused", "The identity provider did not complete the sign-in."};
    }
    if (error == "invalid_state" || error == "missing_code") {
        return {"Sign-in link expired", "This sign-in link has expired or was already used. "
                                        "Sign-in links work once, in the browser that started "
                                        "them, for a few minutes."};
    }
    if (error == "provider_unavailable" || error == "token_exchange_failed") {
        return {"Identity provider unreachable",
                "The identity provider could not be reached or did not answer as expected. "
                "Please try again in a moment."};
    }
    if (error == "invalid_token") {
        return {"Sign-in not verified", "The answer of the identity provider could not be "
                                        "verified, so you were not signed in."};
    }
    if (error == "rate_limited") {
        return {"Too many sign-in attempts", "Please wait a minute and try again."};
    }
    return {"Sign-in failed", "Something went wrong while signing you in."};
}

} // namespace

Response AuthRoutes::sign_in_page(const Request& request) const {
    std::string next = "/";
    if (auto value = deploy_detail::single(request.query, "next")) {
        next = safe_next_path(*value);
    }
    const std::string login_url = with_next(route_paths_[0], next);
    if (wants_json(request)) {
        return Response::json(200, nlohmann::json{{"login_url", login_url}});
    }
    const std::string provider = provider_display_name(provider_->name());
    const Markup body = fill("<p>Sign in to continue</p>\n<a id=\"authflow-login-btn\" "
                             "class=\"btn\" href=\"{{url}}\">Sign in with {{provider}}</a>\n",
                             {{"url", login_url}, {"provider", provider}});
    return deploy_detail::page_response(
        200, page_document(frame_of(settings_, settings_.title), settings_.title, body),
        settings_.logo_url);
}

Response AuthRoutes::sign_in(const Request& request) const {
    return sign_in_page(request);
}

Response AuthRoutes::denied_page(const Request& request,
                                 const std::optional<UserSession>& session) const {
    if (wants_json(request) || !wants_html(request)) {
        return deploy_detail::error_json(403, "access_denied",
                                         "You are signed in but not allowed to see this page");
    }
    const std::string sign_in_url = route_paths_[0];
    Markup body;
    std::string form_action;
    if (session) {
        body = fill("<p id=\"signed-in-as\">You are signed in as <strong>{{user}}</strong>, "
                    "but this account is not allowed to see this page.</p>\n"
                    "<form method=\"post\" action=\"{{logout}}\"><button id=\"sign-out\" "
                    "class=\"btn\" type=\"submit\">Sign out</button></form>\n"
                    "<p class=\"links\"><a href=\"/\">Home</a></p>\n",
                    {{"user", display_name(*session)},
                     {"logout", route_paths_[3] + "?next=" + url_encode(route_paths_[6])}});
        if (settings_.provider_logout) {
            // Browsers apply form-action to the sign-out's redirect to the provider too.
            try {
                const std::string end_session = provider_->endpoints().end_session_endpoint;
                if (!end_session.empty()) {
                    form_action = parse_url(end_session).origin();
                }
            } catch (const std::exception&) {
                form_action.clear();
            }
        }
    } else {
        body = fill("<p>You are not signed in.</p>\n<a class=\"btn\" href=\"{{url}}\">Sign "
                    "in</a>\n",
                    {{"url", sign_in_url}});
    }
    return deploy_detail::page_response(
        403, page_document(frame_of(settings_, "Access denied"), "Access denied", body),
        settings_.logo_url, form_action);
}

Response AuthRoutes::denied(const Request& request) const {
    return denied_page(request, require_session(request));
}

Response AuthRoutes::not_found_page(const Request& request) const {
    if (!wants_html(request)) {
        return deploy_detail::error_json(404, "not_found", "No such page");
    }
    const Markup body = fill("<p>There is no page at this address.</p>\n"
                             "<p class=\"links\"><a href=\"/\">Home</a></p>\n",
                             {});
    return deploy_detail::page_response(
        404, page_document(frame_of(settings_, "Not found"), "Page not found", body),
        settings_.logo_url);
}

Response AuthRoutes::signed_out_page() const {
    const Markup body =
        fill("<p>You are signed out.</p>\n<a class=\"btn\" href=\"{{url}}\">Sign in again</a>\n",
             {{"url", route_paths_[0]}});
    return deploy_detail::page_response(
        200, page_document(frame_of(settings_, "Signed out"), "Signed out", body),
        settings_.logo_url);
}

Response AuthRoutes::sign_in_failure(const Request& request, int status, std::string_view error,
                                     std::string_view description, std::string_view next,
                                     bool is_refusal) const {
    // Only the codes of RFC 6749 §4.1.2.1 / OIDC Core §3.1.2.6 are repeated; any other code is
    // a provider's invention (or an attacker's) and its description is not shown either.
    std::string shown_error{error};
    std::string shown_description = deploy_detail::displayable_text(description, max_description);
    if (is_refusal && !is_known_authorization_error(error)) {
        shown_error = "provider_error";
        shown_description = "The identity provider refused the sign-in";
    }
    if (!wants_html(request)) {
        return deploy_detail::error_json(status, shown_error, shown_description);
    }
    const Problem problem = problem_of(shown_error, is_refusal);
    const std::string retry = with_next(route_paths_[0], next.empty() ? "/" : next);
    const Markup text = fill("<p id=\"problem\">{{text}}</p>\n", {{"text", problem.text}});
    const Markup detail =
        is_refusal
            ? fill("<p class=\"detail\" id=\"provider-error\">{{code}}: {{description}}</p>\n",
                   {{"code", shown_error}, {"description", shown_description}})
            : fill("", {});
    const Markup action = fill("<a id=\"try-again\" class=\"btn\" href=\"{{url}}\">Try again</a>\n",
                               {{"url", retry}});
    const Markup body = join_markup({&text, &detail, &action});
    return deploy_detail::page_response(
        status, page_document(frame_of(settings_, problem.heading), problem.heading, body),
        settings_.logo_url);
}

Response AuthRoutes::callback_failure_response(const Request& request, errc code,
                                               std::string_view next) const {
    const deploy_detail::CallbackFailure failure = deploy_detail::callback_failure(code);
    if (failure.status != 400) {
        return sign_in_failure(request, failure.status, failure.error, "An internal error occurred",
                               next);
    }
    return sign_in_failure(request, 400, failure.error,
                           code == errc::invalid_state ? "Invalid or expired state parameter"
                                                       : "The identity token could not be verified",
                           next);
}

} // namespace authflow

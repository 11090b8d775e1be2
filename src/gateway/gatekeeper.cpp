// Forward authentication: GET {prefix}/check answers nginx auth_request, Caddy forward_auth and
// Traefik forwardAuth with 202 + identity headers, 401 or 403.
#include "access_token_refresh.hpp"
#include "identity_cache.hpp"

#include <authflow/core/ascii.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/deploy/redirect.hpp>
#include <authflow/gateway/gatekeeper.hpp>

#include <nlohmann/json.hpp>

namespace authflow {
namespace {

Response plain_status(int status) {
    Response response;
    response.status = status;
    response.headers.add("Cache-Control", "no-store");
    return response;
}

Response error_answer(int status, std::string_view error) {
    Response response = Response::json(status, nlohmann::json{{"error", error}});
    response.headers.set("X-Content-Type-Options", "nosniff");
    return response;
}

/// True when the Accept field names text/html (a browser navigating, not an API client).
bool accepts_html(const Request& request) {
    for (const auto& accept : request.headers.get_all("Accept")) {
        std::string lowered = accept;
        for (char& c : lowered) {
            c = ascii_lower(c);
        }
        if (lowered.find("text/html") != std::string::npos) {
            return true;
        }
    }
    return false;
}

bool is_true(const std::optional<std::string>& value) {
    return value && (*value == "true" || *value == "1");
}

} // namespace

Gatekeeper::Gatekeeper(std::shared_ptr<const AuthRoutes> routes, GatewaySettings settings,
                       std::shared_ptr<Clock> clock)
    : routes_(std::move(routes)), settings_(std::move(settings)),
      clock_(clock_or_system(std::move(clock))),
      identity_cache_(std::make_shared<gateway_detail::IdentityCache>(100000)) {
    if (!routes_) {
        throw Error(errc::invalid_argument, "Gatekeeper needs the auth routes");
    }
    trusted_proxies_ = TrustedProxies{routes_->settings().trusted_proxies};
    std::string base = routes_->settings().public_url;
    while (base.ends_with('/')) {
        base.pop_back();
    }
    login_url_ = base + routes_->settings().route_path("login");
}

GateDecision Gatekeeper::decide(const Request& request, const AccessPolicy& location) const {
    GateDecision decision;
    // Liveness on every check; the identity (session metadata, parsed JSON) once per session.
    const auto session = routes_->require_session(request, SessionFields::without_metadata);
    if (!session) {
        decision.verdict = Verdict::unauthenticated;
        return decision;
    }
    const std::string key =
        session->session_key.empty() ? session_key(session->session_id) : session->session_key;
    std::optional<gateway_detail::CachedIdentity> cached = identity_cache_->find(key);
    if (!cached) {
        const auto full = routes_->require_session(request, SessionFields::all);
        if (!full) {
            decision.verdict = Verdict::unauthenticated;
            return decision;
        }
        cached.emplace();
        cached->identity = identity_of(*full);
        cached->headers = identity_headers(cached->identity);
        identity_cache_->put(key, *cached);
    }
    decision.identity = std::move(cached->identity);
    if (!settings_.policy.allows(decision.identity, location)) {
        decision.verdict = Verdict::forbidden;
        return decision;
    }
    decision.identity_headers = std::move(cached->headers);
    if (settings_.pass_access_token) {
        const auto token = access_token(*session);
        if (!token || !is_header_safe(*token)) {
            // The application was promised a token: without one the user signs in again.
            decision.verdict = Verdict::unauthenticated;
            decision.identity_headers = Headers{};
            return decision;
        }
        decision.identity_headers.add(std::string{identity_header::access_token}, *token);
    }
    decision.verdict = Verdict::allowed;
    return decision;
}

std::optional<std::string> Gatekeeper::access_token(const UserSession& session) const {
    gateway_detail::RefreshPolicy policy;
    policy.buffer = settings_.refresh_buffer;
    policy.wait = settings_.refresh_wait;
    return gateway_detail::fresh_access_token(*routes_->stores().tokens, routes_->provider(),
                                              *clock_, session, policy);
}

Response Gatekeeper::check(const Request& request) const {
    AccessPolicy location;
    try {
        location = AccessPolicy::from_query(request.query);
    } catch (const Error& e) {
        // A mistake in the web server's config: fail closed, and say which parameter.
        log(LogLevel::error, std::string{"check: "} + e.what());
        return error_answer(400, "invalid_request");
    }
    GateDecision decision;
    try {
        decision = decide(request, location);
    } catch (const StoreError& e) {
        log(LogLevel::error, std::string{"check: store failed: "} + e.what());
        return error_answer(503, "store_unavailable");
    } catch (const std::exception& e) {
        log(LogLevel::error, std::string{"check failed: "} + e.what());
        return error_answer(500, "internal_error");
    }
    switch (decision.verdict) {
    case Verdict::allowed: {
        Response response = plain_status(202);
        for (const auto& [name, value] : decision.identity_headers) {
            response.headers.add(name, value);
        }
        // Every name, empty when unknown: a web server that copies the fields onto the request
        // then overwrites whatever the client sent under them (Caddy 2.6's copy_headers would
        // otherwise pass its own unreplaced placeholder text to the app).
        for (const std::string_view name :
             {identity_header::user, identity_header::email, identity_header::preferred_username,
              identity_header::groups, identity_header::access_token}) {
            if (!response.headers.contains(name)) {
                response.headers.add(std::string{name}, "");
            }
        }
        return response;
    }
    case Verdict::forbidden:
        if (is_true(request.query.get("redirect")) && accepts_html(request)) {
            // Answers the browser as they are (Caddy, Traefik): the access-denied page, which
            // names who is signed in and offers to sign out.
            return routes_->denied_page(request, routes_->require_session(request));
        }
        return error_answer(403, "forbidden");
    case Verdict::unauthenticated:
        break;
    }
    if (is_true(request.query.get("redirect")) && accepts_html(request)) {
        // Only a navigation can be sent to sign in and back; a POST would come back as a GET.
        std::string method = request.method;
        if (trusted_proxies_.contains(request.remote_address)) {
            if (auto forwarded = request.headers.get("X-Forwarded-Method")) {
                method = *forwarded;
            }
        }
        if (method == "GET" || method == "HEAD") {
            QueryParams params;
            // A next the sign-in would not keep (a host outside allowed_redirect_hosts) is
            // left out rather than carried along to be dropped there.
            auto next = original_url(request, trusted_proxies_);
            if (next && safe_next(*next, routes_->settings()) == *next) {
                params.add("next", std::move(*next));
            }
            return Response::redirect(params.empty() ? login_url_
                                                     : append_query(login_url_, params));
        }
    }
    return error_answer(401, "not_authenticated");
}

void Gatekeeper::strip_identity_headers(Headers& headers) {
    authflow::strip_identity_headers(headers);
}

} // namespace authflow

// The deploy-mode sign-in routes: login, callback (state bound to the browser that started the
// sign-in), refresh, logout (cookies cleared with their attributes, tokens revoked), userinfo and
// status, with the redirect URI from settings, never from the request.
#include "route_answers.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/deploy/auth_routes.hpp>
#include <authflow/deploy/pages.hpp>
#include <authflow/deploy/rbac.hpp>
#include <authflow/deploy/redirect.hpp>
#include <authflow/store/memory_token_store.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <string>
#include <utility>

namespace authflow {
namespace {

using json = nlohmann::json;

/// "<what>: <code>: <message>" for the log: the cause, not just its code. Error texts carry no
/// secret, but may quote the provider; control characters become '?' so that no text can start
/// a forged log line.
std::string failure_line(std::string_view what, const Error& e) {
    std::string line = std::string{what} + ": " + std::string{to_string(e.code())} + ": ";
    for (const char c : std::string_view{e.what()}) {
        const auto byte = static_cast<unsigned char>(c);
        line += byte < 0x20 || byte == 0x7f ? '?' : c;
    }
    return line;
}

using deploy_detail::error_json;
using deploy_detail::single;

Response not_authenticated() {
    return Response::json(401, json{{"error", "not_authenticated"}});
}

Response internal_error(std::string_view error) {
    return error_json(500, error, "An internal error occurred");
}

double unix_seconds(Clock::wall_time time) {
    return std::chrono::duration<double>(time.time_since_epoch()).count();
}

bool has_param(const QueryParams& params, std::string_view name) {
    for (const auto& item : params) {
        if (item.first == name) {
            return true;
        }
    }
    return false;
}

/// The claims roles_for looks at: the validated ID token's, plus, when it has no email, the
/// address the provider established (UserIdentity::email with its own email_verified: the
/// ID token's or userinfo's, or GitHub's verified primary address from /user/emails, never its
/// public /user email), else userinfo's email.
json role_claims(const UserIdentity& identity) {
    json claims = json::object();
    if (identity.id_token_claims) {
        claims = identity.id_token_claims->raw();
    }
    claims["sub"] = identity.subject;
    if (claims.contains("email")) {
        return claims;
    }
    if (identity.email) {
        claims["email"] = *identity.email;
        claims["email_verified"] = identity.email_verified;
    } else if (identity.userinfo.is_object() && identity.userinfo.contains("email")) {
        claims["email"] = identity.userinfo["email"];
        claims["email_verified"] = identity.userinfo.value("email_verified", json(false));
    }
    return claims;
}

/// The profile kept in the session's metadata (pywry.auth: metadata.user_info): userinfo, or the
/// identity's profile fields when there was no userinfo. Never a token.
json user_info_of(const UserIdentity& identity) {
    json info = identity.userinfo.is_object() ? identity.userinfo : json::object();
    info["sub"] = identity.subject;
    if (identity.email && !info.contains("email")) {
        info["email"] = *identity.email;
        info["email_verified"] = identity.email_verified;
    }
    if (identity.name && !info.contains("name")) {
        info["name"] = *identity.name;
    }
    if (!info.contains("preferred_username") && identity.id_token_claims) {
        const json& claims = identity.id_token_claims->raw();
        const auto it = claims.find("preferred_username");
        if (it != claims.end() && it->is_string()) {
            info["preferred_username"] = *it;
        }
    }
    return info;
}

/// The groups the gateway passes on: the ID token's groups/roles claims, then userinfo's.
json groups_of(const UserIdentity& identity) {
    std::vector<std::string> groups;
    if (identity.id_token_claims) {
        groups = claim_groups(identity.id_token_claims->raw());
    }
    for (auto& group : claim_groups(identity.userinfo)) {
        if (std::find(groups.begin(), groups.end(), group) == groups.end()) {
            groups.push_back(std::move(group));
        }
    }
    return groups;
}

} // namespace

AuthRoutes::AuthRoutes(DeploySettings settings, std::shared_ptr<OAuthProvider> provider,
                       AuthRouteStores stores, std::shared_ptr<Clock> clock)
    : settings_((settings.validate(), std::move(settings))), provider_(std::move(provider)),
      stores_(std::move(stores)), clock_(clock_or_system(std::move(clock))), csrf_(settings_),
      trusted_proxies_(settings_.trusted_proxies), redirect_uri_(settings_.redirect_uri()),
      post_logout_redirect_uri_(settings_.post_logout_redirect_uri()) {
    if (!provider_) {
        throw Error(errc::invalid_argument, "AuthRoutes needs a provider");
    }
    if (!stores_.sessions) {
        stores_.sessions = std::make_shared<MemorySessionStore>(1000000, clock_);
    }
    if (!stores_.pending_logins) {
        stores_.pending_logins = std::make_shared<MemoryPendingLoginStore>(50000, clock_);
    }
    if (!stores_.rate_limiter) {
        stores_.rate_limiter =
            std::make_shared<MemoryLoginRateLimiter>(login_rate_limit_options(settings_), clock_);
    }
    if (!stores_.tokens) {
        MemoryTokenStoreOptions options;
        options.clock = clock_;
        options.max_records = 1000000; // one token set per session, as many as sessions
        stores_.tokens = std::make_shared<MemoryTokenStore>(std::move(options));
    }
    if (!stores_.logout_replays) {
        stores_.logout_replays = std::make_shared<MemoryReplayStore>(100000, clock_);
    }
    constexpr std::array<std::string_view, route_count> names{
        "login",      "callback",           "refresh", "logout", "userinfo", "status",
        "signed-out", "backchannel-logout", "sign-in", "denied"};
    for (std::size_t i = 0; i < names.size(); ++i) {
        route_paths_[i] = settings_.route_path(names[i]);
    }
}

CookieOptions AuthRoutes::session_cookie_options() const {
    CookieOptions options;
    options.path = "/";
    options.http_only = true;
    options.secure = settings_.cookie_secure();
    options.same_site = SameSite::lax;
    options.domain = settings_.cookie_domain;
    return options;
}

CookieOptions AuthRoutes::pre_login_cookie_options() const {
    CookieOptions options = session_cookie_options();
    options.domain.clear(); // only this host's callback reads it
    // RFC 6265bis §4.1.3.2: a __Host- cookie is dropped unless Path=/ (and Secure, no Domain).
    if (!settings_.is_host_prefixed_cookie() && !settings_.route_prefix.empty()) {
        options.path = settings_.route_prefix;
    }
    return options;
}

std::string AuthRoutes::pre_login_cookie_name() const {
    return settings_.auth_session_cookie + std::string{pre_login_cookie_suffix};
}

std::string AuthRoutes::logout_cookie_name() const {
    return settings_.auth_session_cookie + std::string{logout_cookie_suffix};
}

namespace {

struct Route {
    std::string_view name;
    std::string_view method;
    Response (AuthRoutes::*handler)(const Request&) const;
};

} // namespace

std::optional<Response> AuthRoutes::handle(const Request& request) const {
    static constexpr std::array<Route, route_count> routes{{
        {"login", "GET", &AuthRoutes::login},
        {"callback", "GET", &AuthRoutes::callback},
        {"refresh", "POST", &AuthRoutes::refresh},
        {"logout", "POST", &AuthRoutes::logout},
        {"userinfo", "GET", &AuthRoutes::userinfo},
        {"status", "GET", &AuthRoutes::status},
        {"signed-out", "GET", &AuthRoutes::signed_out},
        {"backchannel-logout", "POST", &AuthRoutes::backchannel_logout},
        {"sign-in", "GET", &AuthRoutes::sign_in},
        {"denied", "GET", &AuthRoutes::denied},
    }};
    for (std::size_t i = 0; i < routes.size(); ++i) {
        const Route& route = routes[i];
        if (request.path != route_paths_[i]) {
            continue;
        }
        const bool head = route.method == "GET" && request.method == "HEAD";
        if (request.method != route.method && !head) {
            Response response = error_json(405, "method_not_allowed", "Method not allowed");
            response.headers.set("Allow", std::string{route.method});
            return response;
        }
        try {
            return (this->*route.handler)(request);
        } catch (const StoreError& e) {
            log(LogLevel::error,
                "auth route " + std::string{route.name} + ": store failed: " + e.what());
            return error_json(503, "store_unavailable", "Please try again later");
        } catch (const std::exception& e) {
            log(LogLevel::error, "auth route " + std::string{route.name} + " failed: " + e.what());
            return internal_error("internal_error");
        }
    }
    return std::nullopt;
}

std::optional<UserSession> AuthRoutes::session_from_id(const std::string& session_id,
                                                       SessionFields fields) const {
    if (session_id.empty() || session_id.size() > 256) {
        return std::nullopt;
    }
    return stores_.sessions->lookup(session_id, fields);
}

std::optional<UserSession> AuthRoutes::require_session(const Request& request,
                                                       SessionFields fields) const {
    std::optional<std::string> cookie;
    try {
        cookie = request.cookie(settings_.auth_session_cookie);
    } catch (const Error&) {
        cookie.reset(); // an oversized Cookie header names no session
    }
    if (cookie) {
        if (auto session = session_from_id(*cookie, fields)) {
            return session;
        }
    }
    if (auto header = request.headers.get("Authorization")) {
        constexpr std::string_view scheme = "bearer ";
        if (header->size() > scheme.size() &&
            iequals(std::string_view{*header}.substr(0, scheme.size()), scheme)) {
            std::string id = header->substr(scheme.size());
            while (!id.empty() && id.front() == ' ') {
                id.erase(0, 1);
            }
            return session_from_id(id, fields);
        }
    }
    return std::nullopt;
}

Response AuthRoutes::login(const Request& request) const {
    const std::string client = rate_limit_key(client_address(request, trusted_proxies_));
    const RateLimitDecision decision = stores_.rate_limiter->check(client);
    if (!decision.allowed) {
        Response response = sign_in_failure(
            request, 429, "rate_limited", "Too many login attempts. Please try again later.", "/");
        response.headers.set("Retry-After", std::to_string(decision.retry_after.count()));
        return response;
    }
    std::string next = "/";
    if (auto value = single(request.query, "next")) {
        next = safe_next(*value, settings_);
    }

    AuthorizationRequest authorization;
    try {
        authorization = provider_->begin_authorization(redirect_uri_);
    } catch (const Error& e) {
        // The message may carry the provider's refusal of a pushed request (RFC 9126 §2.3,
        // e.g. invalid_client: a setting to fix); it never holds a secret.
        log(LogLevel::error, std::string{"login: cannot build the authorization request: "} +
                                 std::string{to_string(e.code())} + ": " + e.what());
        return sign_in_failure(request, 502, "provider_unavailable",
                               "The identity provider is unavailable", next);
    }

    const std::string binding = new_session_id(); // 256 random bits
    PendingLogin record;
    record.nonce = authorization.nonce;
    if (authorization.pkce) {
        record.pkce_verifier = authorization.pkce->verifier();
    }
    if (authorization.dpop_key) {
        record.dpop_key = authorization.dpop_key->to_pem();
    }
    record.redirect_uri = authorization.redirect_uri;
    record.next = next;
    record.browser_binding = browser_binding_hash(binding);
    record.client = client;
    record.created_at = clock_->now();
    try {
        stores_.pending_logins->put(authorization.state, record, pending_login_ttl);
    } catch (const StoreError&) {
        throw;
    } catch (const Error& e) {
        if (e.code() == errc::rate_limited) {
            return sign_in_failure(request, 429, "rate_limited",
                                   "Too many login attempts. Please try again later.", next);
        }
        throw;
    }

    Response response = Response::redirect(authorization.url);
    CookieOptions options = pre_login_cookie_options();
    options.max_age = pending_login_ttl;
    response.add_set_cookie(build_set_cookie(pre_login_cookie_name(), binding, options));
    return response;
}

Response AuthRoutes::callback(const Request& request) const {
    const QueryParams& params = request.query;
    // RFC 6749 §10.12: an answer is this browser's sign-in only when its state is; before that,
    // not even its `error` is believed (the native flow checks in the same order).
    const bool is_refusal = has_param(params, "error");
    const auto state = single(params, "state");
    // A provider logout's state (filed as "logout:<state>") never starts a sign-in.
    const auto invalid_state = [&] {
        return sign_in_failure(request, 400, "invalid_state", "Invalid or expired state parameter",
                               "/");
    };
    if (!state || state->empty() || state->size() > 512 || state->find(':') != std::string::npos) {
        return invalid_state();
    }
    if (!is_refusal && !single(params, "code")) {
        return sign_in_failure(request, 400, "missing_code", "Authorization code not provided",
                               "/");
    }
    std::optional<PendingLogin> record = stores_.pending_logins->take(*state);
    if (!record) {
        return invalid_state();
    }
    std::optional<std::string> binding;
    try {
        binding = request.cookie(pre_login_cookie_name());
    } catch (const Error&) {
        binding.reset();
    }
    if (!binding || !record->is_bound_to(*binding)) {
        // Login CSRF: the callback reached a browser that did not start this login (an
        // attacker's link would sign the victim in as the attacker). The record is spent either
        // way.
        log(LogLevel::warning, "callback: state not bound to this browser");
        return invalid_state();
    }

    std::string code;
    try {
        code = provider_->check_callback(params, *state);
    } catch (const Error& e) {
        log(LogLevel::warning, failure_line("callback: sign-in failed", e));
        // Only now, with the state this browser's, is the provider's refusal believed.
        if (e.code() == errc::provider_error && is_refusal) {
            const std::string error = single(params, "error").value_or("invalid_request");
            std::string description = single(params, "error_description").value_or("");
            if (description.empty()) {
                description = "Authentication failed";
            }
            return sign_in_failure(request, 400, error, description, record->next, true);
        }
        return callback_failure_response(request, e.code(), record->next);
    }

    LoginResult result;
    try {
        std::optional<SigningKey> dpop_key;
        if (!record->dpop_key.empty()) {
            dpop_key = SigningKey::from_pem(record->dpop_key);
        }
        result = provider_->complete_login(
            code, record->redirect_uri,
            record->pkce_verifier.empty() ? std::nullopt
                                          : std::optional<std::string>{record->pkce_verifier},
            record->nonce.empty() ? std::nullopt : std::optional<std::string>{record->nonce},
            dpop_key);
    } catch (const Error& e) {
        log(LogLevel::warning, failure_line("callback: sign-in failed", e));
        return callback_failure_response(request, e.code(), record->next);
    }
    if (result.identity.subject.empty()) {
        return sign_in_failure(request, 400, "invalid_token",
                               "The identity token could not be verified", record->next);
    }

    // Session fixation: a session the browser already held is never reused; it is ended.
    try {
        if (auto old = request.cookie(settings_.auth_session_cookie)) {
            if (stores_.sessions->remove(*old)) {
                stores_.tokens->remove(session_key(*old));
            }
        }
    } catch (const Error&) {
        // an oversized Cookie header: nothing to end
    }

    const auto ttl = std::chrono::seconds{settings_.session_ttl};
    UserSession session;
    session.session_id = new_session_id();
    session.user_id = result.identity.subject;
    if (result.identity.id_token_claims && result.identity.id_token_claims->sid()) {
        // Back-Channel Logout 1.0 §2.6 step 9: a logout token names the provider's session.
        session.sid = *result.identity.id_token_claims->sid();
    }
    session.roles = roles_for(role_claims(result.identity), settings_);
    session.created_at = clock_->now();
    session.expires_at = session.created_at + ttl;
    session.metadata = json{{"provider", std::string{provider_->name()}},
                            {"user_info", user_info_of(result.identity)}};
    if (json groups = groups_of(result.identity); !groups.empty()) {
        session.metadata[std::string{groups_metadata_key}] = std::move(groups);
    }
    stores_.sessions->create(session);
    try {
        stores_.tokens->save(session_key(session.session_id), result.tokens, ttl);
    } catch (...) {
        stores_.sessions->remove(session.session_id);
        throw;
    }

    Response response = Response::redirect(record->next.empty() ? "/" : record->next);
    CookieOptions options = session_cookie_options();
    options.max_age = ttl;
    response.add_set_cookie(
        build_set_cookie(settings_.auth_session_cookie, session.session_id, options));
    response.add_set_cookie(
        build_clear_cookie(pre_login_cookie_name(), pre_login_cookie_options()));
    return response;
}

Response AuthRoutes::refresh(const Request& request) const {
    if (!csrf_.allows(request)) {
        return csrf_failed_response();
    }
    const auto session = require_session(request);
    if (!session) {
        return not_authenticated();
    }
    const std::string key = session_key(session->session_id);
    auto lease = stores_.tokens->try_acquire("refresh:" + key, refresh_lease_ttl);
    if (!lease) {
        return error_json(409, "refresh_in_progress", "A refresh is already in progress");
    }
    const auto tokens = stores_.tokens->load(key);
    if (!tokens || !tokens->refresh_token || tokens->refresh_token->empty()) {
        return error_json(400, "no_refresh_token", "No refresh token available");
    }
    OAuthTokenSet fresh;
    try {
        fresh = provider_->refresh_tokens(*tokens);
    } catch (const Error& e) {
        log(LogLevel::warning, failure_line("refresh: failed", e));
        return internal_error("refresh_failed");
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(session->expires_at - clock_->now());
    // A sign-out during the exchange removed the session before waiting for this lease: the
    // new tokens are revoked, never stored (no refresh token outlives sign-out).
    if (left.count() <= 0 ||
        !stores_.sessions->lookup(session->session_id, SessionFields::without_metadata)) {
        try {
            provider_->revoke_tokens(fresh);
        } catch (const std::exception& e) {
            log(LogLevel::warning, std::string{"refresh: revocation failed: "} + e.what());
        }
        return not_authenticated();
    }
    stores_.tokens->save(key, fresh, left);
    json body = {{"success", true},
                 {"expires_in", fresh.expires_in ? json(*fresh.expires_in) : json(nullptr)},
                 {"token_type", fresh.token_type}};
    return Response::json(200, body);
}

Response AuthRoutes::logout(const Request& request) const {
    if (!csrf_.allows(request)) {
        return csrf_failed_response();
    }
    std::optional<std::string> id_token;
    if (const auto session = require_session(request)) {
        const std::string key = session_key(session->session_id);
        // The session ends first: a refresh that starts now finds none, and one already past
        // its exchange sees it gone and revokes what it received instead of storing it.
        stores_.sessions->remove(session->session_id);
        // Then the refresh lease (the one refresh() takes): a refresh in flight finishes before
        // the tokens are read, so no refresh token it stored outlives this sign-out.
        const auto lease = wait_for_refresh_lease(key);
        try {
            if (const auto tokens = stores_.tokens->load(key)) {
                id_token = tokens->id_token;       // for id_token_hint, kept only in this call
                provider_->revoke_tokens(*tokens); // best effort; logged by the provider
            }
        } catch (const std::exception& e) {
            log(LogLevel::warning, std::string{"logout: revocation failed: "} + e.what());
        }
        stores_.tokens->remove(key);
    }
    const auto next = single(request.query, "next");
    Response response;
    if (settings_.provider_logout) {
        // RP-Initiated Logout: the local session is gone whatever the provider does next.
        if (auto answer = provider_logout_answer(request, id_token, next)) {
            response = std::move(*answer);
            response.add_set_cookie(
                build_clear_cookie(settings_.auth_session_cookie, session_cookie_options()));
            return response;
        }
    }
    if (next) {
        response = Response::redirect(safe_next(*next, settings_), 303);
    } else if (wants_html(request)) {
        response = Response::redirect(route_paths_[6], 303); // the "signed out" page
    } else {
        response = Response::json(200, json{{"success", true}, {"message", "Logged out"}});
    }
    response.add_set_cookie(
        build_clear_cookie(settings_.auth_session_cookie, session_cookie_options()));
    return response;
}

Response AuthRoutes::userinfo(const Request& request) const {
    const auto session = require_session(request);
    if (!session) {
        return not_authenticated();
    }
    json info = session->metadata.is_object() && session->metadata.contains("user_info")
                    ? session->metadata["user_info"]
                    : json::object();
    return Response::json(
        200, json{{"user_id", session->user_id}, {"roles", session->roles}, {"user_info", info}});
}

Response AuthRoutes::status(const Request& request) const {
    const auto session = require_session(request, SessionFields::without_metadata);
    if (!session) {
        return Response::json(200, json{{"authenticated", false}});
    }
    // Every authenticated request of an application may poll this: the body is written without
    // building a JSON tree, the same bytes as Response::json(200, json{{"authenticated", true},
    // {"user_id", ...}, {"roles", ...}, {"expires_at", ...}}) (keys in nlohmann::json's order;
    // each value dumped by nlohmann::json, invalid UTF-8 replaced).
    const auto dump = [](const json& value) {
        return value.dump(-1, ' ', false, json::error_handler_t::replace);
    };
    Response response;
    response.headers.reserve(3);
    response.headers.add("Content-Type", "application/json");
    response.headers.add("Cache-Control", "no-store");
    response.headers.add("X-Content-Type-Options", "nosniff");
    std::string& body = response.body;
    body.reserve(96 + session->user_id.size() + 16 * session->roles.size());
    body += R"({"authenticated":true,"expires_at":)";
    body += dump(unix_seconds(session->expires_at));
    body += R"(,"roles":[)";
    for (std::size_t i = 0; i < session->roles.size(); ++i) {
        if (i > 0) {
            body += ',';
        }
        body += dump(session->roles[i]);
    }
    body += R"(],"user_id":)";
    body += dump(session->user_id);
    body += '}';
    return response;
}

} // namespace authflow

#pragma once
// The sign-in routes of deploy mode, framework-agnostic:
// mount them on any web server through Request/Response (see httplib_adapter.hpp).
#include <authflow/core/clock.hpp>
#include <authflow/deploy/csrf.hpp>
#include <authflow/deploy/forwarded.hpp>
#include <authflow/deploy/http.hpp>
#include <authflow/deploy/pending_login.hpp>
#include <authflow/deploy/rate_limit.hpp>
#include <authflow/deploy/replay_store.hpp>
#include <authflow/deploy/session_store.hpp>
#include <authflow/deploy/settings.hpp>
#include <authflow/providers/oauth_provider.hpp>
#include <authflow/store/token_store.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace authflow {

/// The stores the routes use. A null member gets the in-process default (memory) built on the
/// routes' Clock. Several workers share state only when every store is shared (Redis).
struct AuthRouteStores {
    std::shared_ptr<SessionStore> sessions;
    std::shared_ptr<PendingLoginStore> pending_logins;
    std::shared_ptr<LoginRateLimiter> rate_limiter;
    /// Where each session's OAuth tokens live, under session_key(session id).
    std::shared_ptr<TokenStore> tokens;
    /// The back-channel logout tokens' `jti`s already accepted (each is accepted once).
    std::shared_ptr<ReplayStore> logout_replays;
};

/// The suffix of the short-lived pre-login cookie's name: auth_session_cookie + "_login".
inline constexpr std::string_view pre_login_cookie_suffix = "_login";
/// The suffix of the short-lived cookie that binds a provider logout to the browser that
/// started it: auth_session_cookie + "_logout".
inline constexpr std::string_view logout_cookie_suffix = "_logout";
/// The largest body {prefix}/backchannel-logout reads (a larger one is answered 413).
inline constexpr std::size_t max_backchannel_logout_body = 64 * 1024;

/// The deploy-mode auth routes under settings.route_prefix:
/// GET login, GET callback, POST refresh, POST logout, GET userinfo, GET status,
/// GET signed-out (the return from RP-initiated logout), POST backchannel-logout (OpenID
/// Connect Back-Channel Logout 1.0), GET sign-in (the sign-in page) and GET denied (the
/// "access denied" page for the current session, for a web server's `error_page 403`).
/// A browser's request (wants_html) gets HTML pages where a script gets JSON (pages.hpp).
/// Safe to use from several threads (every member is immutable or thread-safe).
class AuthRoutes {
public:
    /// Checks the settings (DeploySettings::validate) and builds the CSRF check and the trusted
    /// proxy list. Throws ConfigError as validate() and CsrfOriginCheck, Error (invalid_argument)
    /// for a null provider or a bad trusted_proxies entry. An empty `clock`: the system clock.
    AuthRoutes(DeploySettings settings, std::shared_ptr<OAuthProvider> provider,
               AuthRouteStores stores = {}, std::shared_ptr<Clock> clock = nullptr);

    /// Answers `request` when its path is one of the auth routes (405 for a wrong method), else
    /// nothing. Never throws for anything a client sends; a failing shared store gives 500/503.
    std::optional<Response> handle(const Request& request) const;

    /// The live session of the request: the session cookie, else `Authorization: Bearer <session
    /// id>` (scheme compared case-insensitively, RFC 9110 §11.1). Nothing when neither names a
    /// live session. `fields` says what of the session the caller needs
    /// (SessionStore::lookup). Throws StoreError when a shared session store fails.
    std::optional<UserSession> require_session(const Request& request,
                                               SessionFields fields = SessionFields::all) const;

    /// The sign-in page ("Sign in with <provider>", settings.title and logo_url) whose button
    /// starts {prefix}/login with the request's `next` (kept only when safe_next_path keeps
    /// it). JSON for wants_json: {"login_url": ...}.
    Response sign_in_page(const Request& request) const;
    /// The 403 "access denied" page for `session`: who is signed in, and a sign-out button.
    /// Without a session it offers sign-in instead. JSON for wants_json: 403 access_denied.
    Response denied_page(const Request& request, const std::optional<UserSession>& session) const;
    /// The 404 page for a path under {prefix}/ that is no route (JSON 404 for wants_json).
    Response not_found_page(const Request& request) const;
    /// True when `path` is served without a session (settings.is_public_path: auth_public_paths,
    /// or the routes that must work signed out). For require_session's callers and a gateway.
    bool is_public_path(std::string_view path) const { return settings_.is_public_path(path); }

    /// The attributes the session cookie is set (and cleared) with: Path=/, HttpOnly,
    /// SameSite=Lax, Secure when settings.cookie_secure().
    CookieOptions session_cookie_options() const;
    /// The attributes of the pre-login cookie: Path=route_prefix (Path=/ for a `__Host-`
    /// session cookie name, which the browser requires), HttpOnly, SameSite=Lax, Secure as the
    /// session cookie, Max-Age = pending_login_ttl.
    CookieOptions pre_login_cookie_options() const;
    /// auth_session_cookie + pre_login_cookie_suffix.
    std::string pre_login_cookie_name() const;
    /// auth_session_cookie + logout_cookie_suffix (attributes as the pre-login cookie).
    std::string logout_cookie_name() const;

    const DeploySettings& settings() const noexcept { return settings_; }
    const AuthRouteStores& stores() const noexcept { return stores_; }
    OAuthProvider& provider() const noexcept { return *provider_; }

private:
    Response login(const Request& request) const;
    Response callback(const Request& request) const;
    Response refresh(const Request& request) const;
    Response logout(const Request& request) const;
    Response userinfo(const Request& request) const;
    Response status(const Request& request) const;
    Response signed_out(const Request& request) const;
    Response backchannel_logout(const Request& request) const;
    Response sign_in(const Request& request) const;
    Response denied(const Request& request) const;
    /// A failed sign-in (login or callback): the JSON error as before, or for wants_html the
    /// page that says what happened with a "Try again" link starting {prefix}/login?next=`next`.
    /// `is_refusal`: `error` is the provider's (a known authorization error code).
    Response sign_in_failure(const Request& request, int status, std::string_view error,
                             std::string_view description, std::string_view next,
                             bool is_refusal = false) const;
    /// sign_in_failure for a callback that failed with `code` (callback_failure.hpp).
    Response callback_failure_response(const Request& request, errc code,
                                       std::string_view next) const;
    /// After the local sign-out: the answer that sends the browser to the provider's
    /// end-session endpoint (provider_logout), or nothing when the provider has none.
    std::optional<Response> provider_logout_answer(const Request& request,
                                                   const std::optional<std::string>& id_token,
                                                   const std::optional<std::string>& next) const;
    /// The page {prefix}/signed-out shows.
    Response signed_out_page() const;
    std::optional<UserSession> session_from_id(const std::string& session_id,
                                               SessionFields fields) const;
    /// The refresh lease of the token set under `key`, waiting (bounded) while a refresh holds
    /// it; nullptr when it could not be taken in time.
    std::unique_ptr<Lease> wait_for_refresh_lease(const std::string& key) const;

    /// How long a refresh (or a sign-out) holds the session's refresh lease at most.
    static constexpr std::chrono::milliseconds refresh_lease_ttl{30000};
    /// How often, and how many times, a sign-out tries for the lease a refresh holds.
    static constexpr std::chrono::milliseconds refresh_lease_poll{20};
    static constexpr int refresh_lease_attempts = 500;

    /// How many routes handle() serves.
    static constexpr std::size_t route_count = 10;

    DeploySettings settings_;
    std::shared_ptr<OAuthProvider> provider_;
    AuthRouteStores stores_;
    std::shared_ptr<Clock> clock_;
    CsrfOriginCheck csrf_;
    TrustedProxies trusted_proxies_;
    std::string redirect_uri_;
    std::string post_logout_redirect_uri_;
    /// Set once the missing end_session_endpoint has been logged (shared by copies).
    std::shared_ptr<std::atomic<bool>> end_session_missing_logged_ =
        std::make_shared<std::atomic<bool>>(false);
    /// settings_.route_path() of each route, in the order of handle()'s table.
    std::array<std::string, route_count> route_paths_;
};

} // namespace authflow

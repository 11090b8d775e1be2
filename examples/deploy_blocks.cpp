// The deploy layer's building blocks in one small program (docs/deploy.md): settings, a
// session cookie, the session store, CSRF, rate limiting, roles and a safe `next`.
#include <authflow/deploy/csrf.hpp>
#include <authflow/deploy/forwarded.hpp>
#include <authflow/deploy/login_page.hpp>
#include <authflow/deploy/rate_limit.hpp>
#include <authflow/deploy/rbac.hpp>
#include <authflow/deploy/redirect.hpp>
#include <authflow/deploy/session_store.hpp>
#include <authflow/deploy/settings.hpp>

#include <iostream>

int main() {
    authflow::DeploySettings settings;
    settings.public_url = "https://app.example.com";
    settings.trusted_proxies = {"127.0.0.1"}; // nginx on the same machine
    settings.admin_users = {"alice@example.com"};
    settings.validate();

    authflow::MemorySessionStore sessions;
    authflow::MemoryLoginRateLimiter limiter;
    const authflow::TrustedProxies proxies{settings.trusted_proxies};
    const authflow::CsrfOriginCheck csrf{settings};

    // After a successful callback: a new opaque id, roles from the validated ID token's claims.
    const nlohmann::json claims = {
        {"sub", "248289761001"}, {"email", "alice@example.com"}, {"email_verified", true}};
    authflow::UserSession session;
    session.session_id = authflow::new_session_id();
    session.user_id = claims["sub"];
    session.roles = authflow::roles_for(claims, settings);
    session.created_at = authflow::system_clock().now();
    session.expires_at = session.created_at + std::chrono::seconds{settings.session_ttl};
    sessions.create(session);

    authflow::CookieOptions cookie;
    cookie.secure = settings.cookie_secure();
    cookie.max_age = std::chrono::seconds{settings.session_ttl};
    const auto set_cookie =
        authflow::build_set_cookie(settings.auth_session_cookie, session.session_id, cookie);

    // A later request through the proxy, carrying the cookie.
    authflow::Request request;
    request.method = "POST";
    request.path = "/reports";
    request.remote_address = "127.0.0.1";
    request.headers.add("X-Forwarded-For", "203.0.113.7");
    request.headers.add("Origin", "https://app.example.com");
    request.headers.add("Cookie", settings.auth_session_cookie + "=" + session.session_id);

    const auto client = authflow::client_address(request, proxies);
    const bool allowed = limiter.check(authflow::rate_limit_key(client)).allowed;
    const bool same_origin = csrf.allows(request);
    const auto found = sessions.get(request.cookie(settings.auth_session_cookie).value_or(""));

    std::cout << "client " << client << ", rate limit " << (allowed ? "ok" : "refused")
              << ", origin " << (same_origin ? "ok" : "refused") << '\n';
    if (found) {
        std::cout << "user " << found->user_id << ", may delete: "
                  << (authflow::has_permission(*found, authflow::permission::delete_) ? "yes"
                                                                                      : "no")
                  << '\n';
    }
    std::cout << "next: " << authflow::safe_next_path("//evil.example") << '\n';
    std::cout << "Set-Cookie: " << set_cookie.substr(set_cookie.find(';')) << '\n';
    std::cout << authflow::build_login_page("Example ID").size() << " bytes of login page\n";
    return found && allowed && same_origin ? 0 : 1;
}

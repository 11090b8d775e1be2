// Fuzz target: the deploy routes' handling of a request (AuthRoutes::handle and require_session)
// built from the input, with an in-memory provider (no network) and memory stores. Input format:
//   METHOD SP TARGET LF          the request line (TARGET = path[?query])
//   Name: value LF ...           header fields (Cookie, Origin, Authorization, X-Forwarded-*, ...);
//                                "@remote: addr" sets the peer address, "@tls: 1" marks TLS
//   LF body                      after an empty line, the body
// Each input starts from the same state: one live session (cookie authflow_session=<fuzz_session>,
// with tokens), one pending login (state "state-1", pre-login cookie "prelogin-1"), so that
// callback, refresh, logout, userinfo and status reach their success paths. handle() promises
// never to throw for anything a client sends: any exception escaping it is a bug. The answers
// must not carry CR or LF in a header (response splitting) nor redirect to another site, and a
// `next` parameter must come out of safe_next_path as a path on this site.
#include "fuzz_routes.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/deploy/auth_routes.hpp>
#include <authflow/deploy/redirect.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>
#include <authflow/store/memory_token_store.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

namespace {

using namespace authflow;

constexpr const char* session_id = "fuzz-session-0123456789abcdefghijklmnopqrst";

struct Fixture : fuzz::OfflineProvider {
    DeploySettings settings;

    Fixture() {
        settings.public_url = "https://app.example";
        settings.admin_users = {"alice"};
        settings.trusted_origins = {"https://admin.example"};
        settings.trusted_proxies = {"10.0.0.0/8", "::1"};
    }

    /// Routes over fresh stores holding one session and one pending login.
    std::unique_ptr<AuthRoutes> routes() {
        AuthRouteStores stores;
        stores.sessions = std::make_shared<MemorySessionStore>(100, clock);
        stores.pending_logins = std::make_shared<MemoryPendingLoginStore>(100, clock);
        stores.rate_limiter = std::make_shared<MemoryLoginRateLimiter>(RateLimitOptions{}, clock);
        MemoryTokenStoreOptions token_options;
        token_options.clock = clock;
        stores.tokens = std::make_shared<MemoryTokenStore>(token_options);

        UserSession session;
        session.session_id = session_id;
        session.user_id = "alice";
        session.roles = {"viewer", "admin"};
        session.created_at = clock->now();
        session.expires_at = clock->now() + std::chrono::hours{1};
        session.metadata = {{"user_info", {{"sub", "alice"}, {"email", "alice@example.com"}}}};
        stores.sessions->create(session);

        OAuthTokenSet tokens = live_tokens();
        tokens.id_token = fuzz::seed_id_token;
        stores.tokens->save(session_key(session_id), tokens);

        PendingLogin pending;
        pending.nonce = "n-1";
        pending.pkce_verifier = "verifier-0123456789012345678901234567890123456789";
        pending.redirect_uri = settings.redirect_uri();
        pending.next = "/after";
        pending.browser_binding = browser_binding_hash("prelogin-1");
        pending.created_at = clock->now();
        stores.pending_logins->put("state-1", pending);

        return std::make_unique<AuthRoutes>(settings, provider, stores, clock);
    }
};

void check_response(const Response& response) {
    fuzz::check(response.status >= 100 && response.status <= 599, "a valid HTTP status");
    for (const auto& [name, value] : response.headers) {
        fuzz::check(name.find_first_of("\r\n") == std::string::npos &&
                        value.find_first_of("\r\n") == std::string::npos,
                    "no CR or LF in a response header");
        if (iequals(name, "Location")) {
            // No open redirect: the provider, or a path on this site ("//host" and "/\\host"
            // are other sites to a browser).
            const bool to_provider = value.rfind("https://op.example/", 0) == 0;
            const bool local = value.size() >= 1 && value[0] == '/' &&
                               (value.size() == 1 || (value[1] != '/' && value[1] != '\\'));
            fuzz::check(to_provider || local, "a redirect goes to the provider or this site");
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Fixture fixture;
    std::string_view text = fuzz::as_text(data, size);

    Request request;
    if (!fuzz::parse_request(text, request)) {
        return 0;
    }

    // The login's `next` is kept for after the callback: it must stay on this site.
    if (const auto next = request.query.get("next")) {
        const std::string safe = safe_next_path(*next);
        fuzz::check(!safe.empty() && safe[0] == '/' &&
                        (safe.size() == 1 || (safe[1] != '/' && safe[1] != '\\')) &&
                        safe.find_first_of("\\\t\r\n") == std::string::npos,
                    "safe_next_path gives a path on this site");
    }

    const auto routes = fixture.routes();
    try {
        if (const auto response = routes->handle(request)) {
            check_response(*response);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "handle threw: %s\n", e.what());
        fuzz::check(false, "AuthRoutes::handle never throws for a request");
    }
    try {
        if (const auto session = routes->require_session(request)) {
            fuzz::check(!session->user_id.empty(), "a live session has a user");
        }
    } catch (const Error& e) {
        // Only a failing shared store may throw; these are memory stores.
        std::fprintf(stderr, "require_session threw: %s\n", e.what());
        fuzz::check(false, "require_session throws only for a failing store");
    }
    return 0;
}

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
#include "fuzz_common.hpp"
#include "fuzz_keys.hpp"

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
using nlohmann::json;

constexpr const char* session_id = "fuzz-session-0123456789abcdefghijklmnopqrst";

struct Fixture {
    std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
    std::shared_ptr<fuzz::FakeHttp> http = std::make_shared<fuzz::FakeHttp>();
    std::shared_ptr<GenericOIDCProvider> provider;
    DeploySettings settings;

    Fixture() {
        fuzz::quiet_logs();
        http->on_body("https://op.example/jwks", 200, fuzz::seed_jwks);
        http->on("https://op.example/token", [](const HttpRequest& request) {
            HttpResponse response;
            response.status = 200;
            response.headers.emplace_back("Content-Type", "application/json");
            json body = {{"access_token", "AT-1"},
                         {"token_type", "Bearer"},
                         {"expires_in", 3600},
                         {"refresh_token", "RT-2"}};
            if (request.body.find("grant_type=authorization_code") != std::string::npos) {
                body["id_token"] = fuzz::seed_id_token;
            }
            response.body = body.dump();
            return response;
        });
        http->on_body("https://op.example/userinfo", 200,
                      R"({"sub":"alice","email":"alice@example.com","email_verified":true})");
        http->on_body("https://op.example/revoke", 200, "{}");

        ProviderConfig config;
        config.client_id = fuzz::seed_client_id;
        config.client_secret = fuzz::seed_client_secret;
        config.issuer_url = fuzz::seed_issuer;
        config.authorize_url = "https://op.example/authorize";
        config.token_url = "https://op.example/token";
        config.userinfo_url = "https://op.example/userinfo";
        config.revocation_url = "https://op.example/revoke";
        config.end_session_url = "https://op.example/logout";
        config.jwks_uri = "https://op.example/jwks";
        config.http = http;
        config.clock = clock;
        provider =
            std::make_shared<GenericOIDCProvider>(config, GenericOIDCProvider::Discovery::off);

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

        OAuthTokenSet tokens;
        tokens.access_token = "AT-0";
        tokens.refresh_token = "RT-1";
        tokens.expires_in = 3600;
        tokens.id_token = fuzz::seed_id_token;
        tokens.issued_at = static_cast<double>(
            std::chrono::duration_cast<std::chrono::seconds>(clock->now().time_since_epoch())
                .count());
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

/// Splits off the next line (without its LF, and a CR before it); nothing left: false.
bool next_line(std::string_view& text, std::string_view& line) {
    if (text.empty()) {
        return false;
    }
    const std::size_t end = text.find('\n');
    line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    return true;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

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
    request.remote_address = "203.0.113.7";
    std::string_view line;
    if (!next_line(text, line)) {
        return 0;
    }
    const std::size_t space = line.find(' ');
    request.method = std::string{line.substr(0, space)};
    const std::string_view target =
        space == std::string_view::npos ? std::string_view{"/"} : line.substr(space + 1);
    const std::size_t question = target.find('?');
    request.path = std::string{target.substr(0, question)};
    if (question != std::string_view::npos) {
        try {
            request.query = parse_query(target.substr(question + 1));
        } catch (const Error&) {
            return 0; // a server answers 400 before the routes see it
        }
    }
    while (next_line(text, line) && !line.empty()) {
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
            continue;
        }
        const std::string_view name = line.substr(0, colon);
        const std::string_view value = trim(line.substr(colon + 1));
        if (name == "@remote") {
            request.remote_address = std::string{value};
        } else if (name == "@tls") {
            request.is_tls = value == "1";
        } else {
            try {
                request.headers.add(std::string{name}, std::string{value});
            } catch (const Error&) {
                // An empty name, CR or NUL: servers refuse such a field before any routing.
            }
        }
    }
    request.body = std::string{text};

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

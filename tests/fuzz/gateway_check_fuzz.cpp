// Fuzz target: the gateway's forward-auth check (GatewayRoutes::handle on {prefix}/check, and
// safe_next on any `next`) for a request built from the input, with an in-memory provider (no
// network) and memory stores. Input format as in fuzz_routes.hpp: a request line, header fields
// ("@remote", "@tls"), an empty line, a body. Each input starts from one live
// session (cookie authflow_session=<fuzz_session>, with tokens, a groups claim). The check must
// never throw, never put CR or LF in a header, and only redirect to this site's sign-in with a
// `next` that safe_next keeps; the policy parameters (allowed_groups, allowed_emails,
// allowed_domains), X-Forwarded-* and Accept come from the input.
#include "fuzz_routes.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/deploy/redirect.hpp>
#include <authflow/gateway/gateway_routes.hpp>
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
constexpr std::string_view login_url = "https://app.example/auth/login";

struct Fixture : fuzz::OfflineProvider {
    DeploySettings settings;

    Fixture() {
        settings.public_url = "https://app.example";
        settings.admin_users = {"alice"};
        settings.trusted_proxies = {"10.0.0.0/8", "::1"};
        settings.allowed_redirect_hosts = {".example.com"};
        settings.pass_access_token = true;
    }

    /// The gateway over fresh stores holding one session.
    std::unique_ptr<GatewayRoutes> gateway() {
        AuthRouteStores stores;
        stores.sessions = std::make_shared<MemorySessionStore>(100, clock);
        MemoryTokenStoreOptions token_options;
        token_options.clock = clock;
        stores.tokens = std::make_shared<MemoryTokenStore>(token_options);

        UserSession session;
        session.session_id = session_id;
        session.user_id = "alice";
        session.roles = {"viewer", "admin"};
        session.created_at = clock->now();
        session.expires_at = clock->now() + std::chrono::hours{1};
        session.metadata = {{"user_info",
                             {{"sub", "alice"},
                              {"email", "alice@example.com"},
                              {"email_verified", true},
                              {"preferred_username", "al"}}},
                            {"groups", {"eng", "ops"}}};
        stores.sessions->create(session);

        OAuthTokenSet tokens = live_tokens();
        stores.tokens->save(session_key(session_id), tokens);

        auto routes = std::make_shared<const AuthRoutes>(settings, provider, stores, clock);
        return std::make_unique<GatewayRoutes>(routes, GatewaySettings::from(settings), clock);
    }
};

void check_response(const Response& response, const DeploySettings& settings, bool is_check) {
    fuzz::check(response.status >= 100 && response.status <= 599, "a valid HTTP status");
    for (const auto& [name, value] : response.headers) {
        fuzz::check(name.find_first_of("\r\n") == std::string::npos &&
                        value.find_first_of("\r\n") == std::string::npos,
                    "no CR or LF in a response header");
        if (is_check && iequals(name, "Location")) {
            fuzz::check(value.rfind(login_url, 0) == 0, "the check redirects to the sign-in only");
            const auto question = value.find('?');
            if (question != std::string::npos) {
                const auto next = parse_query(value.substr(question + 1)).get("next");
                fuzz::check(next && safe_next(*next, settings) == *next,
                            "the rebuilt next is one the sign-in keeps");
            }
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

    // Whatever `next` a client asks for, the sign-in sends the browser only here or to an
    // allowed host.
    if (const auto next = request.query.get("next")) {
        const std::string safe = safe_next(*next, fixture.settings);
        fuzz::check(safe == "/" || safe == *next, "safe_next keeps next or gives /");
        fuzz::check(safe.find_first_of("\\\t\r\n ") == std::string::npos,
                    "a kept next has no backslash, space or control character");
    }

    const auto gateway = fixture.gateway();
    try {
        if (const auto response = gateway->handle(request)) {
            check_response(*response, fixture.settings, request.path == gateway->check_path());
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "handle threw: %s\n", e.what());
        fuzz::check(false, "GatewayRoutes::handle never throws for a request");
    }
    return 0;
}

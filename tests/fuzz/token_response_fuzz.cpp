// Fuzz target: the token endpoint's answer (OAuthTokenSet and the providers' token parsing).
// The first byte chooses the HTTP status, the provider (OpenID Connect or GitHub) and the grant
// (authorization code or refresh); the rest is the answer's body, served by a fake HTTP client.
// The body is also read directly by OAuthTokenSet::from_token_response and the storage form's
// readers (core's from_json_string and the stores' fast decode_token_json, which must accept
// exactly the same texts with the same result), and what they accept must survive a round trip
// through the storage form (both writers).
// authflow errors are expected; anything else escaping is a bug.
#include "fuzz_common.hpp"
#include "fuzz_keys.hpp"
#include "store/token_json.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/core/token_set.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>
#include <authflow/providers/github_provider.hpp>

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace {

using namespace authflow;

constexpr const char* jwks_url = "https://op.example/jwks";
constexpr const char* token_url = "https://op.example/token";
constexpr const char* github_token_url = "https://gh.example/login/oauth/access_token";

struct Fixture {
    std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
    std::shared_ptr<fuzz::FakeHttp> http = std::make_shared<fuzz::FakeHttp>();
    std::unique_ptr<GenericOIDCProvider> oidc;
    std::unique_ptr<GitHubProvider> github;
    /// The body and status the token endpoints answer with (set per input).
    std::string body;
    int status = 200;

    Fixture() {
        fuzz::quiet_logs();
        http->on_body(jwks_url, 200, fuzz::seed_jwks);
        const auto answer = [this](const HttpRequest&) {
            HttpResponse response;
            response.status = status;
            response.headers.emplace_back("Content-Type", "application/json");
            response.headers.emplace_back("Retry-After", "7");
            response.body = body;
            return response;
        };
        http->on(token_url, answer);
        http->on(github_token_url, answer);

        ProviderConfig config;
        config.client_id = fuzz::seed_client_id;
        config.client_secret = fuzz::seed_client_secret;
        config.issuer_url = fuzz::seed_issuer;
        config.authorize_url = "https://op.example/authorize";
        config.token_url = token_url;
        config.jwks_uri = jwks_url;
        config.id_token_algs = {JwsAlg::RS256, JwsAlg::PS256, JwsAlg::ES256, JwsAlg::EdDSA,
                                JwsAlg::HS256};
        config.http = http;
        config.clock = clock;
        oidc = std::make_unique<GenericOIDCProvider>(config, GenericOIDCProvider::Discovery::off);

        ProviderConfig gh;
        gh.client_id = "client-1";
        gh.client_secret = "gh-secret";
        gh.http = http;
        gh.clock = clock;
        github = std::make_unique<GitHubProvider>(gh, "https://gh.example");
    }
};

constexpr int statuses[] = {200, 200, 400, 401, 429, 500, 503, 200};

bool same_tokens(const OAuthTokenSet& a, const OAuthTokenSet& b) {
    return a.access_token == b.access_token && a.token_type == b.token_type &&
           a.refresh_token == b.refresh_token && a.expires_in == b.expires_in &&
           a.id_token == b.id_token && a.scope == b.scope && a.raw == b.raw &&
           a.issued_at == b.issued_at;
}

void check_tokens(const OAuthTokenSet& tokens) {
    fuzz::check(!tokens.access_token.empty(), "accepted tokens have an access token");
    (void)tokens.to_string();
    (void)tokens.expires_at();
    // The storage form reads back as the same tokens.
    const OAuthTokenSet copy = OAuthTokenSet::from_json_string(tokens.to_json_string());
    fuzz::check(same_tokens(copy, tokens), "the storage form round-trips");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Fixture fixture;
    if (size == 0) {
        return 0;
    }
    const std::uint8_t mode = data[0];
    const std::string_view body = fuzz::as_text(data + 1, size - 1);
    fixture.body.assign(body);
    fixture.status = statuses[mode & 7];
    OAuthProvider& provider = (mode & 8) != 0 ? static_cast<OAuthProvider&>(*fixture.github)
                                              : static_cast<OAuthProvider&>(*fixture.oidc);
    try {
        if ((mode & 16) != 0) {
            check_tokens(provider.refresh_tokens("RT-1"));
        } else {
            check_tokens(provider.exchange_code("C-1", "http://127.0.0.1:8765/callback", "verifier",
                                                std::string{"n-1"}));
        }
    } catch (const Error&) {
    }

    // The same body through the core readers.
    const nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
    if (!json.is_discarded()) {
        try {
            check_tokens(OAuthTokenSet::from_token_response(json, *fixture.clock));
        } catch (const Error&) {
        }
        try {
            check_tokens(OAuthTokenSet::from_json(json, *fixture.clock));
        } catch (const Error&) {
        }
        if (json.is_object() && json.contains("expires_in")) {
            try {
                fuzz::check(parse_expires_in(json["expires_in"]) >= 0,
                            "expires_in is not negative");
            } catch (const Error&) {
            }
        }
    }
    std::optional<OAuthTokenSet> core_read;
    std::optional<OAuthTokenSet> store_read;
    try {
        core_read = OAuthTokenSet::from_json_string(body, *fixture.clock);
        check_tokens(*core_read);
    } catch (const Error&) {
    }
    try {
        store_read = store_detail::decode_token_json(body, *fixture.clock);
    } catch (const Error&) {
    }
    fuzz::check(core_read.has_value() == store_read.has_value(),
                "decode_token_json accepts exactly what from_json_string accepts");
    if (core_read && store_read) {
        fuzz::check(same_tokens(*core_read, *store_read), "both storage readers read the same");
        const OAuthTokenSet again = OAuthTokenSet::from_json_string(
            store_detail::encode_token_json(*core_read), *fixture.clock);
        fuzz::check(same_tokens(again, *core_read), "encode_token_json round-trips");
    }
    return 0;
}

// Fuzz target: the query string of the redirect to the native callback (what the loopback server
// reads: parse_query, make_callback_result, the escaped error page text) and the provider's
// check of it (OAuthProvider::check_callback). The same text is also tried as a configured
// redirect URI (CallbackServerOptions::from_redirect_uri). authflow errors are expected; anything
// else escaping is a bug.
#include "fuzz_common.hpp"

#include <authflow/core/url.hpp>
#include <authflow/native/callback_server.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace {

using namespace authflow;

struct Fixture {
    std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
    std::unique_ptr<GenericOIDCProvider> provider;

    Fixture() {
        fuzz::quiet_logs();
        ProviderConfig config;
        config.client_id = "client-1";
        config.issuer_url = "https://op.example";
        config.authorize_url = "https://op.example/authorize";
        config.token_url = "https://op.example/token";
        config.http = std::make_shared<fuzz::FakeHttp>();
        config.clock = clock;
        provider =
            std::make_unique<GenericOIDCProvider>(config, GenericOIDCProvider::Discovery::off);
    }
};

void check_escaped(const std::string& text) {
    const std::string escaped = html_escape(text);
    fuzz::check(escaped.find_first_of("<>\"'") == std::string::npos,
                "escaped text has no markup characters");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Fixture fixture;
    const std::string_view query = fuzz::as_text(data, size);
    try {
        const QueryParams params = parse_query(query);
        // What parse_query accepts survives a round trip through build_query.
        const QueryParams again = parse_query(build_query(params));
        fuzz::check(again.items() == params.items(), "a query round-trips through build_query");

        const CallbackResult result = make_callback_result(params);
        fuzz::check(result.state.empty() || params.get("state").has_value(),
                    "the state comes from the query");
        for (const std::string* field :
             {&result.code, &result.state, &result.iss, &result.error, &result.error_description}) {
            check_escaped(*field);
        }
        try {
            const std::string code = fixture.provider->check_callback(params, "state-1");
            fuzz::check(!code.empty(), "an accepted callback has a code");
            fuzz::check(params.get_all("state").size() == 1, "an accepted callback has one state");
        } catch (const Error&) {
        }
    } catch (const Error&) {
    }
    try {
        const CallbackServerOptions options = CallbackServerOptions::from_redirect_uri(query);
        fuzz::check(options.port >= 0 && options.port <= 65535, "a redirect URI's port fits");
    } catch (const Error&) {
    }
    return 0;
}

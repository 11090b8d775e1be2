// Keeps a signed-in user's tokens fresh with a SessionManager and calls the provider's userinfo
// endpoint with a valid access token (docs/sessions.md).
//
//   export AUTHFLOW_OAUTH2__PROVIDER=oidc AUTHFLOW_OAUTH2__ISSUER_URL=https://accounts.example
//   export AUTHFLOW_OAUTH2__CLIENT_ID=... AUTHFLOW_OAUTH2__TOKEN_STORE_BACKEND=sqlite
//   example_session_manager [session key]
//
// The tokens must already be in the store under the session key (a sign-in put them there, e.g.
// `authflow login`, whose profile "default" is the key "default").

#include <authflow/core/errors.hpp>
#include <authflow/core/settings.hpp>
#include <authflow/providers/factory.hpp>
#include <authflow/session/session_manager.hpp>
#include <authflow/store/factory.hpp>

#include <iostream>

int main(int argc, char** argv) {
    using namespace authflow;
    try {
        const OAuth2Settings settings = load_settings(); // config file and environment
        auto provider = create_provider_from_settings(settings);
        auto store = get_token_store(settings);

        SessionManagerOptions options;
        options.session_key = argc > 1 ? argv[1] : "default";
        options.refresh_buffer_seconds = settings.refresh_buffer_seconds;
        // Called once when a new sign-in is needed (refresh token refused or missing).
        options.on_reauth_required = [] { std::cerr << "Please sign in again.\n"; };
        // Called with every new token set (a refresh here or by another process).
        options.on_tokens_changed = [](const OAuthTokenSet& tokens) {
            std::cerr << "New tokens: " << tokens.to_string() << "\n"; // never the tokens
        };
        SessionManager session(provider, store, options);

        if (!session.initialize()) {
            std::cerr << "Not signed in under \"" << options.session_key << "\".\n";
            return 3;
        }
        // Fresh for as long as the program runs: the shared scheduler refreshes in the
        // background, and every call returns a token with more than the buffer left.
        // (get_userinfo sends a DPoP proof with DPoP-bound tokens; get_access_token gives the
        // token alone, for APIs you call yourself: see example_dpop_api_request.)
        std::cout << session.get_userinfo().dump(2) << "\n";
        return 0;
    } catch (const Error& e) {
        std::cerr << "error: " << e.display_code() << ": " << e.what() << "\n";
        return e.code() == errc::token_missing || e.code() == errc::reauth_required ? 3 : 1;
    }
}

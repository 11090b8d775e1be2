// Builds an authorization URL from the settings (config file, AUTHFLOW_OAUTH2__* variables) and
// prints it with the values the callback must be checked against. For example:
//
//   AUTHFLOW_OAUTH2__PROVIDER=google AUTHFLOW_OAUTH2__CLIENT_ID=my-id example_provider_login_url
//
// After the browser comes back to the redirect URI with ?code=...&state=..., the same provider
// object finishes the sign-in with provider->complete_login(request, callback_query).
#include <authflow/authflow.hpp>
#include <authflow/providers/factory.hpp>
#include <authflow/providers/oauth_provider.hpp>

#include <iostream>

int main() {
    try {
        const authflow::OAuth2Settings settings = authflow::load_settings();
        auto provider = authflow::create_provider_from_settings(settings);

        const std::string redirect_uri = settings.redirect_uri.empty()
                                             ? "http://127.0.0.1:8765/callback"
                                             : settings.redirect_uri;
        // A fresh state, nonce (OpenID Connect) and PKCE verifier; discovery runs first when the
        // endpoints come from it.
        authflow::AuthorizationRequest request = provider->begin_authorization(redirect_uri);

        std::cout << "provider: " << provider->name() << "\n"
                  << "open: " << request.url << "\n"
                  << "state: " << request.state << "\n"
                  << "nonce: "
                  << (request.nonce.empty() ? "(none: plain OAuth 2.0)" : request.nonce) << "\n";
        // Keep request (its PKCE verifier is a secret) until the callback arrives, then:
        //   authflow::LoginResult login = provider->complete_login(request, callback_query);
        //   login.identity.subject is who signed in; login.tokens holds the tokens.
    } catch (const authflow::ConfigError& e) {
        std::cerr << "error: " << e.display_code() << ": " << e.what() << "\n";
        return 2;
    } catch (const authflow::Error& e) {
        std::cerr << "error: " << e.display_code() << ": " << e.what() << "\n";
        return 1;
    }
    return 0;
}

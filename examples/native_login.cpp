// Signs in through the system browser (RFC 8252: loopback redirect, PKCE, state, nonce) and
// prints who signed in. The provider comes from the settings (config file, AUTHFLOW_OAUTH2__*
// variables), for example:
//
//   export AUTHFLOW_OAUTH2__CLIENT_SECRET=...   # never on the command line
//   AUTHFLOW_OAUTH2__PROVIDER=google AUTHFLOW_OAUTH2__CLIENT_ID=my-id example_native_login
//
// The tokens are kept by a SessionManager in the configured token store (memory by default), so a
// program goes on with session->get_access_token(), refreshed when due.
#include <authflow/authflow.hpp>
#include <authflow/native/auth_flow_manager.hpp>
#include <authflow/session/session_manager.hpp>

#include <iostream>

int main() {
#if AUTHFLOW_WITH_HTTPLIB
    try {
        const authflow::OAuth2Settings settings = authflow::load_settings();
        auto provider = authflow::create_provider_from_settings(settings);
        auto session = std::make_shared<authflow::SessionManager>(
            provider, authflow::get_token_store(settings));

        // Opens the browser (or prints the URL when none can be started) and waits for the
        // redirect on 127.0.0.1; the timeout, port and redirect URI come from the settings.
        authflow::AuthFlowManager flow(provider, session,
                                       authflow::AuthFlowOptions::from_settings(settings));
        authflow::LoginResult login = flow.login_native();

        const auto& who = login.identity;
        std::cout << "Hello, " << who.name.value_or(who.email.value_or(who.subject)) << "!\n";
    } catch (const authflow::ConfigError& e) {
        std::cerr << "error: " << e.display_code() << ": " << e.what() << "\n";
        return 2;
    } catch (const authflow::AuthFlowCancelled& e) {
        std::cerr << "error: " << e.display_code() << ": " << e.what() << "\n";
        return 130;
    } catch (const authflow::Error& e) {
        // A refusal shows the provider's code, e.g. "error: access_denied: ...".
        std::cerr << "error: " << e.display_code() << ": " << e.what() << "\n";
        return 1;
    }
    return 0;
#else
    std::cerr << "this build of authflow has no loopback server (AUTHFLOW_WITH_HTTPLIB=OFF)\n";
    return 2;
#endif
}

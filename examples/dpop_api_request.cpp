// Calls an API with the signed-in user's tokens, DPoP-bound or not (docs/modern-oauth.md):
// SessionManager::authorization_headers gives `Authorization: DPoP <token>` and a fresh
// `DPoP: <proof>` for this method and URL (or `Authorization: Bearer <token>`), and an API that
// asks for a DPoP nonce (HTTP 401 with a DPoP-Nonce header) gets one more request with it.
//
//   export AUTHFLOW_OAUTH2__PROVIDER=oidc AUTHFLOW_OAUTH2__ISSUER_URL=https://accounts.example
//   export AUTHFLOW_OAUTH2__CLIENT_ID=... AUTHFLOW_OAUTH2__TOKEN_STORE_BACKEND=sqlite
//   export AUTHFLOW_OAUTH2__DPOP=auto     # the default: DPoP when the provider offers it
//   example_dpop_api_request https://api.example.com/v1/me
//
// The tokens must already be in the store under "default" (e.g. after `authflow login`).

#include <authflow/core/errors.hpp>
#include <authflow/core/settings.hpp>
#include <authflow/http/http_client.hpp>
#include <authflow/providers/factory.hpp>
#include <authflow/session/session_manager.hpp>
#include <authflow/store/factory.hpp>

#include <iostream>

int main(int argc, char** argv) {
    using namespace authflow;
    if (argc != 2) {
        std::cerr << "usage: example_dpop_api_request URL\n";
        return 2;
    }
    try {
        const OAuth2Settings settings = load_settings();
        SessionManagerOptions options;
        options.background_refresh = false; // one request, then the program ends
        SessionManager session(create_provider_from_settings(settings), get_token_store(settings),
                               options);

        auto http = make_http_client();
        HttpRequest request;
        request.url = argv[1];
        request.headers = session.authorization_headers(request.method, request.url);
        HttpResponse response = http->send(request);
        // RFC 9449 §9: the API wants a nonce in the proof; a new proof with it, once.
        if (auto nonce = response.header("DPoP-Nonce"); response.status == 401 && nonce) {
            request.headers = session.authorization_headers(request.method, request.url, *nonce);
            response = http->send(request);
        }
        std::cout << "HTTP " << response.status << "\n" << response.body << "\n";
        return response.status == 200 ? 0 : 1;
    } catch (const Error& e) {
        std::cerr << "error: " << e.display_code() << ": " << e.what() << "\n";
        return e.code() == errc::token_missing || e.code() == errc::reauth_required ? 3 : 1;
    }
}

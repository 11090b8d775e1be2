// Validates an ID token against its provider's published keys and prints who it is about.
//   verify_id_token ISSUER CLIENT_ID ID_TOKEN [NONCE]
#include <authflow/http/http_client.hpp>
#include <authflow/oidc/id_token.hpp>
#include <authflow/oidc/jwks_cache.hpp>
#include <authflow/oidc/provider_metadata.hpp>

#include <iostream>
#include <memory>

int main(int argc, char** argv) {
    if (argc < 4) {
        std::cerr << "usage: verify_id_token ISSUER CLIENT_ID ID_TOKEN [NONCE]\n";
        return 2;
    }
    try {
        auto http = authflow::default_http_client();
        // Discovery: the document's issuer must equal ISSUER exactly.
        auto metadata = authflow::fetch_provider_metadata(argv[1], *http);
        // Keep one JwksCache (and one validator) per provider for the life of the program: keys
        // are fetched once, refetched on rotation, and shared by every thread.
        auto keys = std::make_shared<authflow::JwksCache>(metadata.jwks_uri, http);

        authflow::IdTokenValidatorOptions options;
        options.client_id = argv[2];
        options.issuer = metadata.issuer;
        options.allowed_algs = metadata.id_token_algs();
        authflow::IdTokenValidator validator(options, keys);

        authflow::IdTokenChecks checks;
        if (argc > 4) {
            checks.nonce = argv[4]; // the nonce sent in the authorization request
        }
        authflow::IdTokenClaims claims = validator.validate(argv[3], checks);
        std::cout << "sub: " << claims.sub() << "\n";
        if (claims.email()) {
            std::cout << "email: " << *claims.email() << "\n";
        }
        std::cout << claims.raw().dump(2) << "\n";
        return 0;
    } catch (const authflow::Error& e) {
        std::cerr << "error: " << e.display_code() << ": " << e.what() << "\n";
        return 1;
    }
}

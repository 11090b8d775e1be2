// Makes a DPoP proof (RFC 9449) for a request to an API with a DPoP-bound access token, and
// prints the two header lines the request carries. Usage:
//   example_dpop_proof ACCESS_TOKEN            (reads the key from dpop-key.pem, or makes one)
#include <authflow/core/clock.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/jose/dpop.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: example_dpop_proof ACCESS_TOKEN\n";
        return 2;
    }
    try {
        // The key the tokens are bound to: kept with the tokens, like a secret.
        std::ifstream file("dpop-key.pem");
        std::stringstream pem;
        pem << file.rdbuf();
        authflow::SigningKey key = file ? authflow::SigningKey::from_pem(pem.str())
                                        : authflow::SigningKey::generate(authflow::JwsAlg::ES256);

        authflow::DpopProofMaker proofs(key);
        std::string proof = proofs.make(
            {.method = "GET", .url = "https://api.example.com/v1/me", .access_token = argv[1]},
            authflow::system_clock());
        std::cout << "Authorization: DPoP " << argv[1] << "\n"
                  << "DPoP: " << proof << "\n";
    } catch (const authflow::Error& e) {
        std::cerr << "error: " << e.display_code() << ": " << e.what() << "\n";
        return 1;
    }
    return 0;
}

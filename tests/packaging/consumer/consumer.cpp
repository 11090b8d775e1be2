// A program built against an installed authflow: checks the RFC 7636 App. B vector.
#include <authflow/authflow.hpp>

#include <iostream>

int main() {
    auto pkce =
        authflow::PKCEChallenge::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    if (pkce.challenge() != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM") {
        std::cerr << "wrong challenge\n";
        return 1;
    }
    std::cout << "authflow " << AUTHFLOW_VERSION << ": ok\n";
    return 0;
}

// Prints a fresh PKCE pair and an authorization URL that uses it.
#include <authflow/authflow.hpp>

#include <iostream>

int main() {
    auto pkce = authflow::PKCEChallenge::generate();
    authflow::QueryParams params{{"response_type", "code"},
                                 {"client_id", "my-client"},
                                 {"redirect_uri", "http://127.0.0.1:8765/callback"},
                                 {"state", authflow::random_token()},
                                 {"code_challenge", pkce.challenge()},
                                 {"code_challenge_method", std::string{pkce.method()}}};
    std::cout << authflow::append_query("https://idp.example/authorize", params) << "\n";
    return 0;
}

// Fetches a URL with authflow's HTTP client and prints the status, e.g.
//   example_http_get https://accounts.google.com/.well-known/openid-configuration
// An optional second argument is a CA file to trust in addition.
#include <authflow/authflow.hpp>

#include <chrono>
#include <iostream>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: " << argv[0] << " URL [CA_FILE]\n";
        return 2;
    }
    authflow::HttpClientOptions options;
    options.total_timeout = std::chrono::seconds{10};
    if (argc > 2) {
        options.ca_file = argv[2];
    }
    try {
        auto client = authflow::make_http_client(options);
        authflow::HttpRequest request;
        request.url = argv[1];
        request.headers = {{"Accept", "application/json"}};
        const authflow::HttpResponse response = client->send(request);
        std::cout << response.status << " (" << response.body.size()
                  << " bytes, Date: " << response.header("Date").value_or("-") << ")\n";
        return response.status < 400 ? 0 : 1;
    } catch (const authflow::Error& e) {
        std::cerr << "error: " << authflow::to_string(e.code()) << ": " << e.what() << "\n";
        return 1;
    }
}

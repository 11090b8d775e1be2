// The floor for forward authentication: a cpp-httplib server whose GET /auth/check answers 202
// with an empty body and no work at all, configured as `authflow serve` configures its own
// (TCP_NODELAY, 1000 requests per keep-alive connection, the default thread pool).
//
//   bench_gateway_bare PORT
#include <httplib.h>

#include <cstdlib>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: bench_gateway_bare PORT\n";
        return 2;
    }
    const int port = std::stoi(argv[1]);
    httplib::Server server;
    server.set_tcp_nodelay(true);
    server.set_keep_alive_max_count(1000);
    server.set_keep_alive_timeout(1);
    server.Get("/auth/check", [](const httplib::Request&, httplib::Response& response) {
        response.status = 202;
        response.set_header("Cache-Control", "no-store");
    });
    std::cout << "listening " << port << std::endl;
    return server.listen("127.0.0.1", port) ? EXIT_SUCCESS : EXIT_FAILURE;
}

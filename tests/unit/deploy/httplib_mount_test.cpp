// The auth routes mounted on a real cpp-httplib server: a bodiless POST (RFC 9112 §6.3) sent
// over a raw socket is answered at once, any other path below the prefix gets the 404 page,
// and protect() lets auth_public_paths through.
#include "support/httplib_server.hpp"

#include <authflow/deploy/httplib_adapter.hpp>
#include <authflow/providers/factory.hpp>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <memory>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace authflow {
namespace {

std::shared_ptr<const AuthRoutes> make_routes(DeploySettings deploy = {}) {
    OAuth2Settings oauth;
    oauth.provider = ProviderKind::custom;
    oauth.client_id = "app";
    oauth.authorize_url = "https://op.example/authorize";
    oauth.token_url = "https://op.example/token";
    oauth.scopes = std::vector<std::string>{"api:read"};
    deploy.public_url = "https://app.example";
    return std::make_shared<const AuthRoutes>(deploy, create_provider_from_settings(oauth));
}

/// Sends `bytes` on a new connection to 127.0.0.1:`port` and returns what arrives until the
/// end of the first response's header block (or what came before a 3 s receive timeout).
std::string exchange(int port, const std::string& bytes) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return {};
    }
    timeval timeout{3, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string received;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0 &&
        ::send(fd, bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size())) {
        char buffer[4096];
        while (received.find("\r\n\r\n") == std::string::npos) {
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n <= 0) {
                break;
            }
            received.append(buffer, static_cast<std::size_t>(n));
        }
    }
    ::close(fd);
    return received;
}

TEST(DeployHttplibMount, BodilessPostWithoutContentLengthIsAnswered) {
    httplib::Server server;
    mount_auth_routes(server, make_routes());
    test::ServerThread thread(server);
    // A keep-alive connection that sends no body and no Content-Length: RFC 9112 §6.3 says the
    // request has no body. cpp-httplib alone waits for one, then answers 400.
    const std::string answer = exchange(thread.port(), "POST /auth/logout HTTP/1.1\r\n"
                                                       "Host: app.example\r\n"
                                                       "Origin: https://app.example\r\n"
                                                       "Accept: application/json\r\n\r\n");
    EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
    EXPECT_NE(answer.find("X-Content-Type-Options: nosniff"), std::string::npos) << answer;
    // A POST with a body still goes the usual way.
    httplib::Client client("127.0.0.1", thread.port());
    httplib::Headers headers{{"Origin", "https://app.example"}};
    const auto with_body =
        client.Post("/auth/logout", headers, "x=1", "application/x-www-form-urlencoded");
    ASSERT_TRUE(with_body);
    EXPECT_EQ(with_body->status, 200);
}

TEST(DeployHttplibMount, UnknownPathBelowThePrefixIsTheNotFoundPage) {
    httplib::Server server;
    mount_auth_routes(server, make_routes());
    server.Get("/app", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("app", "text/plain");
    });
    test::ServerThread thread(server);
    httplib::Client client("127.0.0.1", thread.port());
    const auto page = client.Get("/auth/nope", {{"Accept", "text/html"}});
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 404);
    EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
    EXPECT_NE(page->body.find("Page not found"), std::string::npos);
    EXPECT_FALSE(page->get_header_value("Content-Security-Policy").empty());
    const auto json = client.Get("/auth/nope");
    ASSERT_TRUE(json);
    EXPECT_EQ(json->status, 404);
    EXPECT_EQ(json->get_header_value("Content-Type"), "application/json");
    const auto denied = client.Get("/auth/denied", {{"Accept", "text/html"}});
    ASSERT_TRUE(denied);
    EXPECT_EQ(denied->status, 403);
    const auto app = client.Get("/app");
    ASSERT_TRUE(app);
    EXPECT_EQ(app->body, "app");
}

TEST(DeployHttplibMount, ProtectLetsPublicPathsThrough) {
    DeploySettings deploy;
    deploy.auth_public_paths = std::vector<std::string>{"/health"};
    auto routes = make_routes(deploy);
    int anonymous_calls = 0;
    auto handler =
        protect(routes, [&](const httplib::Request&, httplib::Response&, const UserSession& s) {
            anonymous_calls += s.user_id.empty() ? 1 : 0;
        });
    httplib::Request health;
    health.path = "/health";
    httplib::Response ok;
    handler(health, ok);
    EXPECT_EQ(anonymous_calls, 1);
    httplib::Request other;
    other.path = "/healthz";
    httplib::Response refused;
    handler(other, refused);
    EXPECT_EQ(refused.status, 401);
    EXPECT_EQ(anonymous_calls, 1);
}

} // namespace
} // namespace authflow

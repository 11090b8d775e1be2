#pragma once
// Helpers shared by the end-to-end tests: plain HTTP requests as a browser makes them, and checks
// on loopback ports.

#include <authflow/core/url.hpp>
#include <authflow/http/http_client.hpp>

#include <arpa/inet.h>
#include <cerrno>
#include <cstdint>
#include <netinet/in.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace authflow::test {

/// One GET, no redirect followed.
inline HttpResponse http_get(const std::string& url) {
    static const auto client = make_http_client();
    HttpRequest request;
    request.url = url;
    return client->send(request);
}

/// The value of one query parameter of a URL ("" when absent).
inline std::string query_param(const std::string& url, std::string_view name) {
    return parse_query(parse_url(url).query).get(name).value_or("");
}

/// `url` with the query parameter `name` replaced by `value`.
inline std::string with_query_param(const std::string& url, std::string_view name,
                                    std::string value) {
    auto parsed = parse_url(url);
    auto params = parse_query(parsed.query);
    params.set(name, std::move(value));
    return parsed.origin() + parsed.path + "?" + build_query(params);
}

/// True when nothing accepts connections on 127.0.0.1:port (the connection is refused).
inline bool port_is_closed(int port) {
    int sock = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0) {
        return false;
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    int rc = ::connect(sock, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    int error = rc == 0 ? 0 : errno;
    ::close(sock);
    return rc != 0 && error == ECONNREFUSED;
}

/// A listening TCP socket on 127.0.0.1 (a port someone else has taken), closed when destroyed.
class PortHolder {
public:
    PortHolder() {
        sock_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = 0;
        ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
        if (sock_ < 0 || ::bind(sock_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
            ::listen(sock_, 4) != 0) {
            throw std::runtime_error("cannot listen on 127.0.0.1");
        }
        socklen_t length = sizeof(addr);
        ::getsockname(sock_, reinterpret_cast<sockaddr*>(&addr), &length);
        port_ = ntohs(addr.sin_port);
    }
    ~PortHolder() {
        if (sock_ >= 0) {
            ::close(sock_);
        }
    }
    PortHolder(const PortHolder&) = delete;
    PortHolder& operator=(const PortHolder&) = delete;
    int port() const { return port_; }

private:
    int sock_ = -1;
    int port_ = 0;
};

} // namespace authflow::test

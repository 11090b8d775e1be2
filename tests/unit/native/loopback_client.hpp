#pragma once
// Test clients for the loopback callback server: authflow's libcurl HttpClient for ordinary
// requests, raw sockets for misbehaving ones.

#include <authflow/core/errors.hpp>
#include <authflow/http/http_client.hpp>

#include <arpa/inet.h>
#include <cerrno>
#include <netinet/in.h>
#include <optional>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <unistd.h>

namespace authflow::test {

/// An owned socket descriptor.
class Socket {
public:
    Socket() = default;
    explicit Socket(int fd) : fd_(fd) {}
    ~Socket() { reset(); }
    Socket(Socket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    Socket& operator=(Socket&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = other.fd_;
            other.fd_ = -1;
        }
        return *this;
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    int fd() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    void reset() {
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }

private:
    int fd_ = -1;
};

/// Connects to host:port (IPv4 or IPv6 literal); returns an invalid Socket and sets `error`
/// (errno) on failure.
inline Socket connect_to(const std::string& host, int port, int* error = nullptr) {
    bool v6 = host.find(':') != std::string::npos;
    Socket sock{::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    int rc = -1;
    if (v6) {
        sockaddr_in6 addr{};
        addr.sin6_family = AF_INET6;
        addr.sin6_port = htons(static_cast<std::uint16_t>(port));
        ::inet_pton(AF_INET6, host.c_str(), &addr.sin6_addr);
        rc = ::connect(sock.fd(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    } else {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
        rc = ::connect(sock.fd(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    }
    if (rc != 0) {
        if (error != nullptr) {
            *error = errno;
        }
        return Socket{};
    }
    return sock;
}

/// True when a TCP connection to host:port is accepted.
inline bool can_connect(const std::string& host, int port) {
    return connect_to(host, port).valid();
}

/// Sends `bytes` as they are and reads one answer: up to the end of its body (Content-Length)
/// or until the server closes. Returns nothing when the connection failed.
inline std::optional<std::string> raw_exchange(const std::string& host, int port,
                                               const std::string& bytes) {
    Socket sock = connect_to(host, port);
    if (!sock.valid()) {
        return std::nullopt;
    }
    timeval tv{10, 0};
    ::setsockopt(sock.fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        auto n = ::send(sock.fd(), bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            break;
        }
        sent += static_cast<std::size_t>(n);
    }
    std::string answer;
    char buffer[4096];
    while (true) {
        auto n = ::recv(sock.fd(), buffer, sizeof(buffer), 0);
        if (n <= 0) {
            break;
        }
        answer.append(buffer, static_cast<std::size_t>(n));
        auto head_end = answer.find("\r\n\r\n");
        if (head_end == std::string::npos) {
            continue;
        }
        auto length_at = answer.find("Content-Length: ");
        if (length_at == std::string::npos || length_at > head_end) {
            continue;
        }
        auto length = std::stoul(answer.substr(length_at + 16));
        if (answer.size() >= head_end + 4 + length) {
            break;
        }
    }
    return answer;
}

/// An answer from the real libcurl HttpClient, with a cpp-httplib-like header accessor.
struct Reply : HttpResponse {
    /// The first header of that name (case-insensitive), or "".
    std::string get_header_value(std::string_view name) const {
        return header(name).value_or(std::string{});
    }
};

/// A GET or POST through authflow's libcurl client; the target is sent exactly as given.
/// Returns nothing (and the reason in `why`) when no complete answer arrived.
inline std::optional<Reply> http_request(const std::string& host, int port,
                                         const std::string& method, const std::string& target,
                                         std::string* why = nullptr) {
    static const auto client = make_http_client();
    std::string authority = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    HttpRequest request;
    request.method = method;
    request.url = "http://" + authority + ":" + std::to_string(port) + target;
    request.connect_timeout = std::chrono::seconds(5);
    request.total_timeout = std::chrono::seconds(10);
    if (method == "POST") {
        request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
        request.body = "x=1";
    }
    try {
        Reply reply;
        static_cast<HttpResponse&>(reply) = client->send(request);
        return reply;
    } catch (const TransportError& e) {
        if (why != nullptr) {
            *why = std::string{to_string(e.code())} + ": " + e.what();
        }
        return std::nullopt;
    }
}

inline std::optional<Reply> http_get(const std::string& host, int port, const std::string& target,
                                     std::string* why = nullptr) {
    return http_request(host, port, "GET", target, why);
}

} // namespace authflow::test

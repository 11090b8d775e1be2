#pragma once
// Serves a cpp-httplib server on 127.0.0.1 from a background thread (header-only: only test
// programs that link PkgConfig::HTTPLIB include it).

#include <httplib.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace authflow::test {

/// Binds `server` to 127.0.0.1 on a free port and runs it on a thread until destroyed. Turns on
/// TCP_NODELAY and long keep-alive (the 0.11 defaults cost 40 ms per response and a new
/// connection every 5 requests). Not safe to share between threads.
class ServerThread {
public:
    explicit ServerThread(httplib::Server& server) : server_(server) {
        server_.set_tcp_nodelay(true);
        server_.set_keep_alive_max_count(100000);
        port_ = server_.bind_to_any_port("127.0.0.1");
        if (port_ <= 0) {
            throw std::runtime_error("httplib: cannot bind 127.0.0.1");
        }
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        // 0.11 has no wait_until_ready(); stop() before the loop starts would be lost.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!server_.is_running()) {
            if (std::chrono::steady_clock::now() > deadline) {
                thread_.detach();
                throw std::runtime_error("httplib: server did not start");
            }
            std::this_thread::yield();
        }
    }
    ~ServerThread() {
        server_.stop();
        thread_.join();
    }
    ServerThread(const ServerThread&) = delete;
    ServerThread& operator=(const ServerThread&) = delete;

    int port() const { return port_; }

private:
    httplib::Server& server_;
    int port_ = 0;
    std::thread thread_;
};

} // namespace authflow::test

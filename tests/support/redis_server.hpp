#pragma once
// A private redis-server for one test program: 127.0.0.1 on a free port plus a unix socket,
// started in the foreground as a ChildProcess and stopped by its pid.

#include "support/process.hpp"
#include "support/test_env.hpp"

#include <filesystem>
#include <memory>
#include <string>

namespace authflow::test {

/// A redis-server the test owns. Not safe to share between threads.
class RedisServer {
public:
    struct Options {
        /// Append-only persistence (fsync on every write), so a restart loses nothing.
        bool appendonly = false;
        /// When set, clients must AUTH with this password (user "default").
        std::string password;
    };

    /// True when redis-server is installed.
    static bool available();

    /// Starts the server and waits until it answers. Throws std::runtime_error otherwise.
    explicit RedisServer(Options options);
    RedisServer() : RedisServer(Options{}) {}
    ~RedisServer();
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    int port() const { return port_; }
    /// The unix socket the server also listens on.
    std::filesystem::path socket_path() const { return dir_.path() / "redis.sock"; }
    /// redis://127.0.0.1:<port>/<db> (with the password when one is set).
    std::string url(int db = 0) const;
    /// unix:<socket path>?db=<db>
    std::string unix_url(int db = 0) const;
    /// The server's working directory (AOF, log).
    const std::filesystem::path& dir() const { return dir_.path(); }

    /// SIGTERM and wait: a clean shutdown that writes the append-only file.
    void stop();
    /// SIGKILL and wait: a crash.
    void kill();
    /// Starts again on the same port and directory (after stop or kill).
    void start();
    /// stop() then start().
    void restart();
    bool running();

private:
    Options options_;
    TempDir dir_;
    int port_ = 0;
    std::unique_ptr<ChildProcess> process_;
};

} // namespace authflow::test

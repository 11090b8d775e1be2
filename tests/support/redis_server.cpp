#include "support/redis_server.hpp"

#include <signal.h>
#include <stdexcept>
#include <vector>

namespace authflow::test {

bool RedisServer::available() {
    return have_program("redis-server");
}

RedisServer::RedisServer(Options options) : options_(std::move(options)) {
    // A port that was free may be taken before the server binds it: try a few.
    for (int attempt = 0; attempt < 5; ++attempt) {
        port_ = free_port();
        try {
            start();
            return;
        } catch (const std::runtime_error&) {
            if (attempt == 4) {
                throw;
            }
        }
    }
}

RedisServer::~RedisServer() {
    if (process_) {
        process_->stop(SIGKILL);
    }
}

std::string RedisServer::url(int db) const {
    std::string auth = options_.password.empty() ? "" : ":" + options_.password + "@";
    return "redis://" + auth + "127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db);
}

std::string RedisServer::unix_url(int db) const {
    return "unix:" + socket_path().string() + "?db=" + std::to_string(db);
}

void RedisServer::start() {
    if (process_ && process_->running()) {
        return;
    }
    std::vector<std::string> argv{"redis-server",
                                  "--port",
                                  std::to_string(port_),
                                  "--bind",
                                  "127.0.0.1",
                                  "--unixsocket",
                                  socket_path().string(),
                                  "--unixsocketperm",
                                  "700",
                                  "--dir",
                                  dir_.path().string(),
                                  "--daemonize",
                                  "no",
                                  "--save",
                                  "",
                                  "--appendonly",
                                  options_.appendonly ? "yes" : "no",
                                  "--appendfsync",
                                  "always"};
    if (!options_.password.empty()) {
        argv.insert(argv.end(), {"--requirepass", options_.password});
    }
    process_ = std::make_unique<ChildProcess>(argv, std::map<std::string, std::string>{},
                                              dir_.path() / "redis.log");
    if (!wait_for_port(port_, 10000) || !process_->running()) {
        process_->stop(SIGKILL);
        process_.reset();
        throw std::runtime_error("redis-server did not start on port " + std::to_string(port_) +
                                 " (see " + (dir_.path() / "redis.log").string() + ")");
    }
}

void RedisServer::stop() {
    if (process_) {
        process_->stop(SIGTERM);
        process_.reset();
    }
}

void RedisServer::kill() {
    if (process_) {
        process_->stop(SIGKILL);
        process_.reset();
    }
}

void RedisServer::restart() {
    stop();
    start();
}

bool RedisServer::running() {
    return process_ && process_->running();
}

} // namespace authflow::test

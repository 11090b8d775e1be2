#include "support/fault_proxy.hpp"

#include <authflow/core/ascii.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/http/http_client.hpp>

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <stdexcept>

namespace authflow::test {

using namespace std::chrono_literals;

std::string_view to_string(FaultMode mode) {
    switch (mode) {
    case FaultMode::pass:
        return "pass";
    case FaultMode::error_500:
        return "error_500";
    case FaultMode::rate_limited:
        return "rate_limited";
    case FaultMode::slow:
        return "slow";
    case FaultMode::html:
        return "html";
    case FaultMode::truncated_json:
        return "truncated_json";
    case FaultMode::oversized:
        return "oversized";
    case FaultMode::hold:
        return "hold";
    }
    return "?";
}

struct FaultProxy::Shared {
    std::mutex mutex;
    std::condition_variable cv;
    FaultMode mode = FaultMode::pass;
    std::chrono::milliseconds delay{5000};
    int retry_after = 2;
    std::uint64_t releases = 0;
    bool stopping = false;
    int held = 0;
    std::atomic<int> requests{0};
    std::atomic<int> forwarded{0};
    std::atomic<int> faulted{0};
    std::shared_ptr<HttpClient> http = make_http_client();
};

namespace {

bool hop_by_hop(std::string_view name) {
    for (const char* h :
         {"Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Content-Type"}) {
        if (iequals(name, h)) {
            return true;
        }
    }
    return false;
}

} // namespace

FaultProxy::FaultProxy(std::string target)
    : target_(std::move(target)), shared_(std::make_shared<Shared>()) {
    while (!target_.empty() && target_.back() == '/') {
        target_.pop_back();
    }
    start(0);
}

FaultProxy::~FaultProxy() {
    stop();
}

std::string FaultProxy::url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string{path};
}

void FaultProxy::set_mode(FaultMode mode) {
    std::lock_guard lock(shared_->mutex);
    shared_->mode = mode;
}

FaultMode FaultProxy::mode() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->mode;
}

void FaultProxy::set_delay(std::chrono::milliseconds delay) {
    std::lock_guard lock(shared_->mutex);
    shared_->delay = delay;
}

void FaultProxy::set_retry_after(int seconds) {
    std::lock_guard lock(shared_->mutex);
    shared_->retry_after = seconds;
}

void FaultProxy::release() {
    {
        std::lock_guard lock(shared_->mutex);
        ++shared_->releases;
    }
    shared_->cv.notify_all();
}

bool FaultProxy::wait_for_held(int count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(shared_->mutex);
    return shared_->cv.wait_for(lock, timeout, [&] { return shared_->held >= count; });
}

int FaultProxy::requests() const {
    return shared_->requests;
}
int FaultProxy::forwarded() const {
    return shared_->forwarded;
}
int FaultProxy::faulted() const {
    return shared_->faulted;
}
int FaultProxy::held() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->held;
}

void FaultProxy::go_down() {
    stop();
}
void FaultProxy::come_back() {
    start(port_);
}

void FaultProxy::start(int port) {
    {
        std::lock_guard lock(shared_->mutex);
        shared_->stopping = false;
    }
    server_ = std::make_unique<httplib::Server>();
    server_->set_tcp_nodelay(true);
    server_->set_keep_alive_max_count(100000);
    auto handler = [shared = shared_, target = target_](const httplib::Request& request,
                                                        httplib::Response& response) {
        ++shared->requests;
        std::unique_lock lock(shared->mutex);
        const FaultMode mode = shared->mode;
        auto fault = [&](int status, const std::string& body, const char* type) {
            ++shared->faulted;
            response.status = status;
            response.set_content(body, type);
        };
        switch (mode) {
        case FaultMode::pass:
            break;
        case FaultMode::error_500:
            return fault(500, "internal server error", "text/plain");
        case FaultMode::rate_limited:
            response.set_header("Retry-After", std::to_string(shared->retry_after));
            return fault(429, R"({"error":"slow_down","error_description":"too many requests"})",
                         "application/json");
        case FaultMode::html:
            return fault(200,
                         "<!DOCTYPE html><html><head><title>Sign in to the network</title></head>"
                         "<body><form action=\"/portal\"><input name=\"user\"></form></body>"
                         "</html>",
                         "text/html; charset=utf-8");
        case FaultMode::truncated_json:
            return fault(200, R"({"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ)",
                         "application/json");
        case FaultMode::oversized: {
            std::string body = R"({"access_token":")";
            body.append(2 * 1024 * 1024, 'a');
            body += R"(","token_type":"Bearer","keys":[]})";
            return fault(200, body, "application/json");
        }
        case FaultMode::slow: {
            // Released or stopping before the delay passed: dropped, never forwarded late (a
            // late forward would reach the provider after the client gave up on it).
            const auto seen = shared->releases;
            if (shared->cv.wait_for(lock, shared->delay,
                                    [&] { return shared->stopping || shared->releases != seen; })) {
                return fault(502, "slow request dropped", "text/plain");
            }
            break;
        }
        case FaultMode::hold: {
            const auto seen = shared->releases;
            ++shared->held;
            shared->cv.notify_all();
            shared->cv.wait(lock, [&] { return shared->stopping || shared->releases != seen; });
            --shared->held;
            return fault(502, "held request dropped", "text/plain");
        }
        }
        lock.unlock();

        HttpRequest forward;
        forward.method = request.method;
        forward.url = target + request.target;
        forward.body = request.body;
        for (const char* name : {"Authorization", "Content-Type", "Accept", "Cookie"}) {
            if (request.has_header(name)) {
                forward.headers.emplace_back(name, request.get_header_value(name));
            }
        }
        ++shared->forwarded;
        HttpResponse answer;
        try {
            answer = shared->http->send(forward);
        } catch (const Error& e) {
            response.status = 502;
            response.set_content(std::string{"proxy: "} + e.what(), "text/plain");
            return;
        }
        response.status = answer.status;
        for (const auto& [name, value] : answer.headers) {
            if (!hop_by_hop(name)) {
                response.set_header(name, value);
            }
        }
        response.set_content(answer.body,
                             answer.header("Content-Type").value_or("application/octet-stream"));
    };
    server_->Get(".*", handler);
    server_->Post(".*", handler);
    if (port == 0) {
        port_ = server_->bind_to_any_port("127.0.0.1");
        if (port_ <= 0) {
            throw std::runtime_error("fault proxy: cannot bind 127.0.0.1");
        }
    } else {
        // The old socket may linger briefly; try for a while.
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (!server_->bind_to_port("127.0.0.1", port)) {
            if (std::chrono::steady_clock::now() > deadline) {
                throw std::runtime_error("fault proxy: cannot bind the port again");
            }
            std::this_thread::sleep_for(50ms);
        }
    }
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!server_->is_running()) {
        if (std::chrono::steady_clock::now() > deadline) {
            throw std::runtime_error("fault proxy: did not start");
        }
        std::this_thread::yield();
    }
}

void FaultProxy::stop() {
    if (!server_) {
        return;
    }
    {
        std::lock_guard lock(shared_->mutex);
        shared_->stopping = true;
    }
    shared_->cv.notify_all();
    server_->stop();
    thread_.join();
    server_.reset();
}

} // namespace authflow::test

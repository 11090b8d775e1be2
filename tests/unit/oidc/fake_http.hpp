#pragma once
// An HttpClient for unit tests: answers from a handler, counts requests, and can hold requests
// at a gate until the test opens it.

#include <authflow/core/errors.hpp>
#include <authflow/http/http_client.hpp>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace authflow::test {

class FakeHttpClient final : public HttpClient {
public:
    using Handler = std::function<HttpResponse(const HttpRequest&)>;

    explicit FakeHttpClient(Handler handler = {}) : handler_(std::move(handler)) {}

    void set_handler(Handler handler) {
        std::lock_guard lock(mutex_);
        handler_ = std::move(handler);
    }
    /// Answers 200 with `body` (and Cache-Control when given).
    void serve(std::string body, std::string cache_control = {}) {
        set_handler(
            [body = std::move(body), cache_control = std::move(cache_control)](const HttpRequest&) {
                HttpResponse response;
                response.status = 200;
                response.body = body;
                response.headers.emplace_back("Content-Type", "application/json");
                if (!cache_control.empty()) {
                    response.headers.emplace_back("Cache-Control", cache_control);
                }
                return response;
            });
    }

    /// While closed, requests wait inside send() (counted by entered()).
    void close_gate() {
        std::lock_guard lock(mutex_);
        gate_open_ = false;
    }
    void open_gate() {
        {
            std::lock_guard lock(mutex_);
            gate_open_ = true;
        }
        changed_.notify_all();
    }
    /// Waits (bounded) until `count` requests have entered send().
    bool wait_entered(std::size_t count) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, std::chrono::seconds{30}, [&] { return entered_ >= count; });
    }

    HttpResponse send(const HttpRequest& request) override {
        Handler handler;
        {
            std::unique_lock lock(mutex_);
            ++entered_;
            urls_.push_back(request.url);
            changed_.notify_all();
            changed_.wait(lock, [&] { return gate_open_; });
            handler = handler_;
        }
        if (!handler) {
            throw TransportError(errc::connect, "no handler");
        }
        return handler(request);
    }

    std::size_t requests() const {
        std::lock_guard lock(mutex_);
        return entered_;
    }
    std::vector<std::string> urls() const {
        std::lock_guard lock(mutex_);
        return urls_;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    Handler handler_;
    bool gate_open_ = true;
    std::size_t entered_ = 0;
    std::vector<std::string> urls_;
};

/// A handler answering with a status and body.
inline FakeHttpClient::Handler answer(int status, std::string body) {
    return [status, body = std::move(body)](const HttpRequest&) {
        HttpResponse response;
        response.status = status;
        response.body = body;
        return response;
    };
}

/// A handler failing like an unreachable server.
inline FakeHttpClient::Handler unreachable() {
    return [](const HttpRequest&) -> HttpResponse {
        throw TransportError(errc::connect, "connection refused");
    };
}

} // namespace authflow::test

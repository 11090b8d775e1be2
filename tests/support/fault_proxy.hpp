#pragma once
// A fault-injecting HTTP proxy in front of a real service (node oidc-provider): it forwards
// requests, or answers as a broken provider would (HTTP 500, 429 with Retry-After, an HTML page,
// truncated JSON, an oversized body), answers too slowly, holds requests until released, or
// stops listening altogether. Link the target authflow_test_fault_proxy (needs cpp-httplib).
//
//   test::FaultProxy proxy(op.url(""));            // http://127.0.0.1:<op port>
//   config.token_url = proxy.url("/token");         // explicit endpoints win over discovery
//   proxy.set_mode(test::FaultMode::error_500);     // every request now fails
//   proxy.go_down(); proxy.come_back();             // the port refuses connections, then listens

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace httplib {
class Server;
}

namespace authflow {
class HttpClient;
}

namespace authflow::test {

/// What a FaultProxy does with each request.
enum class FaultMode {
    pass,           ///< forward to the target, answer with its answer
    error_500,      ///< HTTP 500 with a text body, nothing forwarded
    rate_limited,   ///< HTTP 429 with `Retry-After: <retry_after seconds>`, nothing forwarded
    slow,           ///< wait `delay`, then forward (dropped with 502 if released first)
    html,           ///< HTTP 200 text/html (a captive portal, a login page), nothing forwarded
    truncated_json, ///< HTTP 200 application/json cut off mid-object, nothing forwarded
    oversized,      ///< HTTP 200 application/json of 2 MiB, nothing forwarded
    hold,           ///< keep the request until release(), then answer 502 unforwarded
};

/// "pass", "error_500", ...
std::string_view to_string(FaultMode mode);

/// An HTTP server on 127.0.0.1 (a free port, kept across go_down/come_back) that forwards every
/// method and path to `target` or injects the configured fault. Mode changes and the counters
/// are safe from any thread; go_down/come_back/destruction are not safe to call concurrently.
class FaultProxy {
public:
    /// `target`: the base URL requests are forwarded to, e.g. "http://127.0.0.1:4010" (a path
    /// prefix is allowed). Throws std::runtime_error when the proxy cannot listen.
    explicit FaultProxy(std::string target);
    ~FaultProxy();
    FaultProxy(const FaultProxy&) = delete;
    FaultProxy& operator=(const FaultProxy&) = delete;

    int port() const { return port_; }
    /// http://127.0.0.1:<port><path>
    std::string url(std::string_view path) const;

    void set_mode(FaultMode mode);
    FaultMode mode() const;
    /// How long `slow` waits before forwarding (default 5 s).
    void set_delay(std::chrono::milliseconds delay);
    /// The Retry-After value `rate_limited` sends, in seconds (default 2).
    void set_retry_after(int seconds);

    /// Closes the port: connections are refused. Held and slow requests are answered 502.
    void go_down();
    /// Listens again on the same port.
    void come_back();

    /// Ends every held and slow request: they are answered 502 without being forwarded (their
    /// clients have usually given up already).
    void release();
    /// Waits until at least `count` requests are held (mode `hold`); false after `timeout`.
    bool wait_for_held(int count, std::chrono::milliseconds timeout);

    int requests() const;  ///< requests received so far
    int forwarded() const; ///< requests forwarded to the target so far
    int faulted() const;   ///< requests answered with an injected fault so far
    int held() const;      ///< requests being held right now

private:
    struct Shared;
    void start(int port);
    void stop();

    std::string target_;
    std::shared_ptr<Shared> shared_;
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    int port_ = 0;
};

} // namespace authflow::test

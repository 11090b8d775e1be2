#pragma once
// The loopback redirect receiver of native sign-in (RFC 8252 §7.3, §8.3).

#include <authflow/config.hpp>
#include <authflow/core/clock.hpp>
#include <authflow/core/html.hpp>
#include <authflow/core/url.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

namespace authflow {

/// The authorization response that reached the loopback redirect URI (RFC 6749 §4.1.2, §4.1.2.1;
/// RFC 9207 `iss`). A plain value; not synchronised. Each named field is the first value of that
/// parameter, empty when the parameter is missing or empty. The server only checked
/// `state`; the caller checks everything else (code present, `iss`, duplicates) in `params`.
struct CallbackResult {
    QueryParams params; ///< every query parameter, decoded, in the order received
    std::string code;
    std::string state;
    std::string iss;
    std::string error;
    std::string error_description;

    /// True when the provider answered with an `error` (RFC 6749 §4.1.2.1).
    bool is_error() const noexcept { return !error.empty(); }
};

/// Fills the named fields of a CallbackResult from a parsed query (first value of each, empty
/// values count as missing). Does not throw (except std::bad_alloc).
CallbackResult make_callback_result(QueryParams params);

/// Settings of a CallbackServer. Every default is the secure one.
struct CallbackServerOptions {
    /// Address to bind: a loopback IP literal only (127.0.0.0/8 or ::1), never a wildcard
    /// (RFC 8252 §8.3). "localhost" is not accepted here; see from_redirect_uri.
    std::string host = "127.0.0.1";
    /// Host written into redirect_uri(); empty: `host` (bracketed for IPv6). Must be a loopback
    /// name ("localhost" is allowed here, to match a registered redirect URI).
    std::string redirect_host;
    /// 0: any free port chosen by the system (RFC 8252 §7.3); else exactly this port, and a taken
    /// port is an error, never a silent fallback.
    int port = 0;
    /// Path of the redirect URI; requests to any other path never complete the flow.
    std::string path = "/callback";
    /// The `state` sent in the authorization request. Required: only a request carrying exactly
    /// this value (one `state` parameter, compared in constant time) completes the flow.
    std::string expected_state;
    /// Longest wait for the bytes of a request (and of a write) on an open connection.
    std::chrono::milliseconds read_timeout{5000};
    std::chrono::milliseconds write_timeout{5000};
    /// Longest a connection may stay open without sending a request (rounded up to seconds).
    std::chrono::milliseconds idle_timeout{2000};
    /// Largest request body accepted (bodies are never needed: the callback is a GET).
    std::size_t max_payload_bytes = 8192;

    /// Options whose host, port and path come from a configured loopback redirect URI such as
    /// `http://127.0.0.1:8765/callback` or `http://[::1]:8765/cb`. A "localhost" URI binds
    /// 127.0.0.1 and keeps "localhost" in redirect_uri(). Throws ConfigError (config_invalid) for
    /// anything but an http URI to a loopback host with no query, fragment or user info.
    static CallbackServerOptions from_redirect_uri(std::string_view redirect_uri);
};

#if AUTHFLOW_WITH_HTTPLIB

/// A one-flow-at-a-time HTTP server on a loopback address that waits for the authorization
/// response (RFC 8252 §7.3). Only a request with the expected `state` ends the flow; anything
/// else (wrong or missing state, other paths, other methods, scanners) gets a page or a 404
/// and the flow keeps waiting. The listening socket is closed as soon as the flow ends.
/// Safe to use from several threads: start, stop, wait and cancel may be called concurrently.
class CallbackServer {
public:
    /// Checks the options; throws ConfigError (config_invalid) when the host is not a loopback
    /// literal, the path is not a plain absolute path, the state is empty or a limit is not
    /// positive. An empty `clock`: the system clock.
    explicit CallbackServer(CallbackServerOptions options, std::shared_ptr<Clock> clock = nullptr);
    /// Stops the server (see stop()).
    ~CallbackServer();
    CallbackServer(const CallbackServer&) = delete;
    CallbackServer& operator=(const CallbackServer&) = delete;

    /// Binds and starts serving in a background thread, then returns; a new flow begins (any
    /// earlier result or cancel is forgotten). Throws TransportError (port_in_use) when the fixed
    /// port is taken, TransportError (transport) when binding fails otherwise (e.g. no ::1 on
    /// this machine), Error (invalid_argument) when already running.
    void start();

    /// The bound port; 0 before start().
    int port() const;
    /// `http://<host>:<port><path>`, the value to send as `redirect_uri`; empty before start().
    std::string redirect_uri() const;
    /// True between start() and stop().
    bool is_running() const;

    /// Blocks until the flow ends and returns the response that carried the expected state
    /// (possibly an `error` answer: see CallbackResult::is_error). Throws AuthFlowTimeout
    /// (auth_timeout) when the clock reaches `deadline` first, which ends the flow;
    /// AuthFlowCancelled (cancelled) after cancel(), stop() or a stop request on `stop_token`;
    /// Error (invalid_argument) if start() was never called. Returns at once if the flow already
    /// completed.
    CallbackResult wait_until(Clock::steady_time deadline, std::stop_token stop_token = {});
    /// wait_until(clock.steady_now() + timeout, stop_token).
    CallbackResult wait(std::chrono::milliseconds timeout, std::stop_token stop_token = {});
    /// Like wait_until, but when `deadline` passes it returns nothing and the flow keeps
    /// waiting (for callers that show a countdown). Throws AuthFlowCancelled as wait_until does.
    std::optional<CallbackResult> try_wait_until(Clock::steady_time deadline,
                                                 std::stop_token stop_token = {});

    /// Ends a waiting flow as cancelled and closes the listening socket; wait() then throws
    /// AuthFlowCancelled. Callable from any thread (e.g. a signal-handling thread); a waiter
    /// wakes at once. No effect when no flow is waiting.
    void cancel();

    /// Ends the flow (cancelled, if still waiting), closes the listening socket and joins the
    /// server's threads. A connection in the middle of a request can delay the return by up to
    /// the read or idle timeout. Idempotent. A completed result stays readable via wait().
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

#endif // AUTHFLOW_WITH_HTTPLIB

} // namespace authflow

// The loopback callback server on cpp-httplib (RFC 8252 §7.3, §8.3).

#include "callback_options.hpp"
#include "internal/listening_socket.hpp"

#include <authflow/core/crypto.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/native/callback_server.hpp>

#include <httplib.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace authflow {
namespace {

// The security headers of every response (CSP level 2: no scripts, no external loads).
const httplib::Headers& security_headers() {
    static const httplib::Headers headers{
        {"Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"},
        {"Cache-Control", "no-store"},
        {"X-Content-Type-Options", "nosniff"},
        {"Referrer-Policy", "no-referrer"},
        {"X-Frame-Options", "DENY"},
    };
    return headers;
}

constexpr const char* html_type = "text/html; charset=utf-8";
constexpr std::size_t max_shown_error_chars = 300;

// One page: a centred card, system font, no scripts. `title` and `heading` are constants;
// `message_html` is already escaped.
std::string render_page(std::string_view title, std::string_view heading,
                        std::string_view heading_colour, std::string_view message_html) {
    std::string page;
    page.reserve(1024 + message_html.size());
    page += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<title>";
    page += title;
    page += "</title><style>"
            "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;background:#f3f4f6;"
            "margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}"
            ".card{background:#fff;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08);"
            "padding:2rem 2.5rem;max-width:32rem;text-align:center}"
            "h1{font-size:1.4rem;margin:0 0 1rem;color:";
    page += heading_colour;
    page += "}p{color:#374151;line-height:1.5;overflow-wrap:anywhere}"
            "</style></head><body><div class=\"card\"><h1>";
    page += heading;
    page += "</h1>";
    page += message_html;
    page += "</div></body></html>\n";
    return page;
}

std::string success_page() {
    return render_page("Sign-in complete", "&#10004; Sign-in complete", "#15803d",
                       "<p>You can close this window and return to the application.</p>");
}

// Cuts `text` to at most `limit` bytes without splitting a UTF-8 sequence.
std::string_view shorten(std::string_view text, std::size_t limit) {
    if (text.size() <= limit) {
        return text;
    }
    std::size_t end = limit;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
        --end;
    }
    return text.substr(0, end);
}

std::string error_page(const CallbackResult& result) {
    // The provider's error text is shown escaped and shortened; the code and state never are.
    std::string message;
    if (result.is_error()) {
        std::string_view text =
            result.error_description.empty() ? result.error : result.error_description;
        message = "<p>The sign-in was not completed:</p><p>" +
                  html_escape(shorten(text, max_shown_error_chars)) + "</p>";
        if (!result.error_description.empty()) {
            message += "<p>(" + html_escape(shorten(result.error, 64)) + ")</p>";
        }
    } else {
        message = "<p>The sign-in response carried no authorization code.</p>";
    }
    message += "<p>You can close this window and return to the application.</p>";
    return render_page("Sign-in failed", "&#10008; Sign-in failed", "#b91c1c", message);
}

std::string waiting_page(bool after_foreign_response) {
    std::string message = "<p>Please complete the sign-in in your browser window.</p>";
    if (after_foreign_response) {
        message = "<p>This response does not belong to the sign-in in progress, which is still "
                  "waiting.</p>" +
                  message;
    }
    return render_page("Waiting for sign-in", "Waiting for sign-in&hellip;", "#1f2937", message);
}

std::string finished_page() {
    return render_page("Sign-in finished", "Sign-in finished", "#1f2937",
                       "<p>This sign-in is no longer in progress. You can close this window.</p>");
}

std::string status_page(int status, std::string_view text) {
    std::string heading = std::to_string(status) + " " + html_escape(text);
    return render_page(heading, heading, "#1f2937", "");
}

std::string_view reason_phrase(int status) {
    switch (status) {
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 413:
        return "Payload Too Large";
    case 414:
        return "URI Too Long";
    case 431:
        return "Request Header Fields Too Large";
    default:
        return status >= 500 ? "Server Error" : "Error";
    }
}

// After httplib failed to bind, finds out why with a plain socket (httplib drops errno).
int bind_errno(const std::string& host, int port) {
    bool v6 = detail::is_ipv6_literal(host);
    int sock = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0) {
        return errno;
    }
    native_detail::own_port_socket_options(sock);
    int rc = 0;
    if (v6) {
        sockaddr_in6 addr{};
        addr.sin6_family = AF_INET6;
        addr.sin6_port = htons(static_cast<std::uint16_t>(port));
        ::inet_pton(AF_INET6, host.c_str(), &addr.sin6_addr);
        rc = ::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    } else {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
        rc = ::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    }
    int error = rc == 0 ? 0 : errno;
    ::close(sock);
    return error;
}

time_t whole_seconds_at_least_one(std::chrono::milliseconds duration) {
    auto seconds = (duration.count() + 999) / 1000;
    return static_cast<time_t>(seconds < 1 ? 1 : seconds);
}

enum class FlowStatus { idle, waiting, completed, cancelled, timed_out };

// One start()..stop() run: the httplib server and the thread that runs its accept loop.
struct ServerRun {
    httplib::Server server;
    std::thread thread;
    std::atomic<bool> listener_closed{false};

    // Closes the listening socket so no new connection is accepted; does not block. httplib's
    // stop() is not safe to call twice concurrently, hence the flag.
    void close_listener() {
        if (!listener_closed.exchange(true)) {
            server.stop();
        }
    }
};

} // namespace

struct CallbackServer::Impl {
    CallbackServerOptions options;
    std::shared_ptr<Clock> clock;

    std::mutex life_mutex; // serialises start() and stop()

    mutable std::mutex mutex; // guards everything below
    std::condition_variable changed;
    FlowStatus status = FlowStatus::idle;
    std::optional<CallbackResult> result;
    ServerRun* visible_run = nullptr; // the run that cancel() may close; owned by `run`
    int port = 0;

    std::unique_ptr<ServerRun> run; // only touched under life_mutex

    Impl(CallbackServerOptions o, std::shared_ptr<Clock> c)
        : options(std::move(o)), clock(std::move(c)) {}

    // Ends a waiting flow; returns true if it did. Caller holds `mutex`.
    bool end_flow_locked(FlowStatus to) {
        if (status != FlowStatus::waiting) {
            return false;
        }
        status = to;
        if (visible_run != nullptr) {
            visible_run->close_listener();
        }
        changed.notify_all();
        return true;
    }

    void respond(httplib::Response& res, int status_code, std::string body) {
        res.status = status_code;
        res.set_content(std::move(body), html_type);
    }

    void handle(const httplib::Request& req, httplib::Response& res) {
        // Only GET: the authorization response arrives as a browser redirect (RFC 6749 §4.1.2).
        if (req.method != "GET") {
            res.set_header("Allow", "GET");
            respond(res, 405, status_page(405, "Method Not Allowed"));
            return;
        }
        if (req.path != options.path) {
            if (req.path == "/") {
                std::lock_guard lock(mutex);
                bool waiting = status == FlowStatus::waiting;
                respond(res, 200, waiting ? waiting_page(false) : finished_page());
            } else {
                respond(res, 404, status_page(404, "Not Found"));
            }
            return;
        }
        auto question = req.target.find('?');
        std::string_view raw_query;
        if (question != std::string::npos) {
            raw_query = std::string_view{req.target}.substr(question + 1);
        }
        QueryParams params;
        bool parsed = true;
        try {
            params = parse_query(raw_query);
        } catch (const Error&) {
            parsed = false;
        }
        // Exactly one `state`, equal to ours (compared in constant time): nothing else can end
        // the flow, so a local process that guesses the port cannot end someone's sign-in.
        auto states = params.get_all("state");
        bool is_ours = parsed && states.size() == 1 &&
                       constant_time_equal(states.front(), options.expected_state);

        std::optional<CallbackResult> completed;
        {
            std::lock_guard lock(mutex);
            if (status != FlowStatus::waiting) {
                respond(res, 200, finished_page());
                return;
            }
            if (!is_ours) {
                log(LogLevel::debug, "callback server: ignored a request without the expected "
                                     "state; still waiting");
                respond(res, 400, waiting_page(true));
                return;
            }
            result = make_callback_result(std::move(params));
            completed = result;
            // The flow has its answer: stop accepting connections before this one is answered.
            end_flow_locked(FlowStatus::completed);
        }
        bool has_code = !completed->is_error() && !completed->code.empty();
        respond(res, 200, has_code ? success_page() : error_page(*completed));
    }
};

CallbackServer::CallbackServer(CallbackServerOptions options, std::shared_ptr<Clock> clock) {
    detail::validate_callback_options(options);
    impl_ = std::make_unique<Impl>(std::move(options), clock_or_system(std::move(clock)));
}

CallbackServer::~CallbackServer() {
    stop();
}

void CallbackServer::start() {
    std::lock_guard life(impl_->life_mutex);
    if (impl_->run) {
        throw Error(errc::invalid_argument, "callback server: already running");
    }
    const auto& options = impl_->options;
    auto run = std::make_unique<ServerRun>();
    auto& server = run->server;
    server.set_tcp_nodelay(true);
    server.set_address_family(detail::is_ipv6_literal(options.host) ? AF_INET6 : AF_INET);
    server.set_socket_options(native_detail::own_port_socket_options);
    server.set_read_timeout(options.read_timeout);
    server.set_write_timeout(options.write_timeout);
    server.set_keep_alive_timeout(whole_seconds_at_least_one(options.idle_timeout));
    server.set_keep_alive_max_count(20);
    server.set_payload_max_length(options.max_payload_bytes);
    server.set_default_headers(security_headers());
    Impl* impl = impl_.get();
    // Every request is routed here, before httplib reads any body.
    server.set_pre_routing_handler([impl](const httplib::Request& req, httplib::Response& res) {
        impl->handle(req, res);
        return httplib::Server::HandlerResponse::Handled;
    });
    // Errors httplib answers by itself (400 bad request line, 413, 414): give them a page too.
    server.set_error_handler(
        httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
            if (!res.body.empty()) {
                return httplib::Server::HandlerResponse::Unhandled;
            }
            res.set_content(status_page(res.status, reason_phrase(res.status)), html_type);
            return httplib::Server::HandlerResponse::Handled;
        }));
    server.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
            res.status = 500;
            res.set_content(status_page(500, "Internal Server Error"), html_type);
        });

    int port = options.port;
    bool bound = false;
    if (port == 0) {
        port = server.bind_to_any_port(options.host);
        bound = port > 0;
    } else {
        bound = server.bind_to_port(options.host, port);
    }
    if (!bound) {
        int error = bind_errno(options.host, options.port);
        if (options.port != 0 && error == EADDRINUSE) {
            throw TransportError(errc::port_in_use, "callback server: port " +
                                                        std::to_string(options.port) + " on " +
                                                        options.host + " is already in use");
        }
        throw TransportError(errc::transport, "callback server: cannot listen on " + options.host +
                                                  ": " +
                                                  (error != 0 ? std::strerror(error) : "unknown"));
    }

    ServerRun* raw = run.get();
    run->thread = std::thread([raw] { raw->server.listen_after_bind(); });
    // cpp-httplib 0.11 has no wait_until_ready(): stop() is a no-op until the accept loop has
    // started, so wait for it before anyone can call cancel() or stop().
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!raw->server.is_running() && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!raw->server.is_running()) {
        raw->close_listener();
        raw->thread.join();
        throw TransportError(errc::transport, "callback server: the accept loop did not start");
    }
    {
        std::lock_guard lock(impl_->mutex);
        impl_->status = FlowStatus::waiting;
        impl_->result.reset();
        impl_->visible_run = raw;
        impl_->port = port;
    }
    impl_->run = std::move(run);
    log(LogLevel::debug, "callback server: listening on " + redirect_uri());
}

int CallbackServer::port() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->port;
}

std::string CallbackServer::redirect_uri() const {
    int port = this->port();
    if (port == 0) {
        return {};
    }
    const auto& options = impl_->options;
    std::string host = options.redirect_host.empty() ? options.host : options.redirect_host;
    if (detail::is_ipv6_literal(host)) {
        host = "[" + host + "]";
    }
    return "http://" + host + ":" + std::to_string(port) + options.path;
}

bool CallbackServer::is_running() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->visible_run != nullptr;
}

std::optional<CallbackResult> CallbackServer::try_wait_until(Clock::steady_time deadline,
                                                             std::stop_token stop_token) {
    // The callback runs cancel() in the thread that requests the stop; it is destroyed (which
    // waits for a running callback) only after `lock` below is released.
    std::stop_callback on_stop(stop_token, [this] { cancel(); });
    std::unique_lock lock(impl_->mutex);
    if (impl_->status == FlowStatus::idle) {
        throw Error(errc::invalid_argument, "callback server: wait() before start()");
    }
    impl_->clock->wait_until(lock, impl_->changed, deadline,
                             [&] { return impl_->status != FlowStatus::waiting; });
    switch (impl_->status) {
    case FlowStatus::waiting:
        return std::nullopt;
    case FlowStatus::completed:
        return impl_->result;
    case FlowStatus::timed_out:
        throw AuthFlowTimeout("sign-in timed out: no response reached the redirect URI", 0.0);
    case FlowStatus::idle: // excluded above
    case FlowStatus::cancelled:
        break;
    }
    throw AuthFlowCancelled(errc::cancelled, "sign-in was cancelled");
}

CallbackResult CallbackServer::wait_until(Clock::steady_time deadline, std::stop_token stop_token) {
    auto started = impl_->clock->steady_now();
    auto result = try_wait_until(deadline, std::move(stop_token));
    if (result) {
        return std::move(*result);
    }
    {
        std::lock_guard lock(impl_->mutex);
        // A response may have arrived between the wait and this lock: it wins.
        if (impl_->status == FlowStatus::completed && impl_->result) {
            return *impl_->result;
        }
        impl_->end_flow_locked(FlowStatus::timed_out);
    }
    double seconds = std::chrono::duration<double>(deadline - started).count();
    log(LogLevel::info, "callback server: timed out waiting for the redirect");
    throw AuthFlowTimeout("sign-in timed out after " + std::to_string(static_cast<long>(seconds)) +
                              " s: no response reached the redirect URI",
                          seconds < 0 ? 0.0 : seconds);
}

CallbackResult CallbackServer::wait(std::chrono::milliseconds timeout, std::stop_token stop_token) {
    return wait_until(impl_->clock->steady_now() + timeout, std::move(stop_token));
}

void CallbackServer::cancel() {
    std::lock_guard lock(impl_->mutex);
    if (impl_->end_flow_locked(FlowStatus::cancelled)) {
        log(LogLevel::info, "callback server: sign-in cancelled");
    }
}

void CallbackServer::stop() {
    std::lock_guard life(impl_->life_mutex);
    if (!impl_->run) {
        return;
    }
    {
        std::lock_guard lock(impl_->mutex);
        impl_->end_flow_locked(FlowStatus::cancelled);
        impl_->visible_run = nullptr;
        impl_->port = 0;
        // The status stays: a completed result remains readable through wait().
    }
    impl_->run->close_listener();
    if (impl_->run->thread.joinable()) {
        impl_->run->thread.join();
    }
    impl_->run.reset();
}

} // namespace authflow

// Reverse-proxy mode: the gate, then one upstream exchange per request with both bodies streamed
// through bounded pipes (cpp-httplib 0.11 writes a response only after its handler returns, so
// the upstream exchange runs on a thread of its own while the handler, and then the server's
// content provider, feed and drain it).
#include "reverse_proxy_headers.hpp"
#include "reverse_proxy_pipe.hpp"
#include "reverse_proxy_threads.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/html.hpp>
#include <authflow/core/log.hpp>
#include <authflow/core/url.hpp>
#include <authflow/deploy/httplib_adapter.hpp>
#include <authflow/gateway/reverse_proxy.hpp>

#include <httplib.h>

#include <charconv>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace authflow {

namespace {

using namespace std::chrono_literals;
using gateway::BytePipe;

constexpr const char* upgrade_message =
    "authflow's reverse proxy does not carry WebSocket or other protocol upgrades (nor HTTP/2): "
    "put nginx or Caddy in front of the app and use authflow's forward authentication "
    "(docs/gateway.md)";

std::string regex_escape(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (std::string_view{".^$|()[]{}*+?\\/-"}.find(c) != std::string_view::npos) {
            out += '\\';
        }
        out += c;
    }
    return out;
}

/// A Content-Length value (RFC 9110 §8.6: digits only), or nothing.
std::optional<std::size_t> content_length_of(std::string_view text) {
    std::size_t value = 0;
    const auto parsed = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || parsed.ec != std::errc{} || parsed.ptr != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

/// Moves the next piece of a streamed body from `pipe` into `sink` (closing the sink at the
/// body's end); false ends the exchange (the other side failed or stalled past `timeout`).
bool pump_chunk(BytePipe& pipe, std::string& buffer, std::chrono::milliseconds timeout,
                httplib::DataSink& sink) {
    switch (pipe.pop(buffer, timeout)) {
    case BytePipe::Read::data:
        return sink.write(buffer.data(), buffer.size());
    case BytePipe::Read::end:
        sink.done();
        return true;
    case BytePipe::Read::failed:
        break;
    }
    return false;
}

/// A pool of keep-alive connections to the upstream. Safe to use from several threads.
class UpstreamPool {
public:
    UpstreamPool(std::string host, int port, const ReverseProxyOptions& options)
        : host_(std::move(host)), port_(port), connect_timeout_(options.connect_timeout_seconds),
          read_timeout_(options.read_timeout_seconds), max_idle_(options.max_idle_connections) {}

    std::unique_ptr<httplib::ClientImpl> acquire() {
        {
            std::lock_guard lock(mutex_);
            if (!idle_.empty()) {
                auto client = std::move(idle_.back());
                idle_.pop_back();
                return client;
            }
        }
        auto client = std::make_unique<httplib::ClientImpl>(host_, port_);
        client->set_keep_alive(true);
        client->set_tcp_nodelay(true);
        client->set_decompress(false); // bodies pass as the app encoded them
        client->set_url_encode(false); // the target passes byte for byte
        client->set_follow_location(false);
        client->set_connection_timeout(connect_timeout_, 0);
        client->set_read_timeout(read_timeout_, 0);
        client->set_write_timeout(read_timeout_, 0);
        return client;
    }

    void release(std::unique_ptr<httplib::ClientImpl> client) {
        std::lock_guard lock(mutex_);
        if (idle_.size() < max_idle_) {
            idle_.push_back(std::move(client));
        }
    }

    std::string origin() const { return "http://" + host_ + ":" + std::to_string(port_); }

private:
    const std::string host_;
    const int port_;
    const int connect_timeout_;
    const int read_timeout_;
    const std::size_t max_idle_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<httplib::ClientImpl>> idle_;
};

/// One request's trip to the upstream, shared by the handler, the worker thread and the
/// server's content provider. Safe to use from several threads.
struct Exchange {
    Exchange(std::size_t buffer_bytes) : request_body(buffer_bytes), response_body(buffer_bytes) {}

    BytePipe request_body;
    BytePipe response_body;

    std::mutex mutex;
    std::condition_variable changed;
    bool has_head = false;
    bool finished = false;
    int status = 0;
    httplib::Headers headers;
    httplib::Error error = httplib::Error::Success;

    void set_head(const httplib::Response& response) {
        std::lock_guard lock(mutex);
        has_head = true;
        status = response.status;
        headers = response.headers;
        changed.notify_all();
    }
    void finish(httplib::Error result) {
        std::lock_guard lock(mutex);
        finished = true;
        error = result;
        changed.notify_all();
    }
};

/// Ends the exchange when its last owner (the handler, or the response's content provider)
/// lets go: the worker's pipes fail from then on, so it stops reading the upstream.
struct Flight {
    std::shared_ptr<Exchange> exchange;

    Flight() = default;
    Flight(const Flight&) = delete;
    Flight& operator=(const Flight&) = delete;
    ~Flight() {
        exchange->request_body.cancel();
        exchange->response_body.cancel();
    }
};

class ReverseProxy {
public:
    ReverseProxy(ProxyGate gate, ReverseProxyOptions options, std::string host, int port)
        : gate_(std::move(gate)), options_(std::move(options)), trusted_(options_.trusted_proxies),
          pool_(std::make_shared<UpstreamPool>(std::move(host), port, options_)),
          io_timeout_(std::chrono::seconds(options_.read_timeout_seconds)) {
        context_.trusted_proxies = &trusted_;
        context_.hidden_cookies = options_.hidden_cookies;
    }

    void serve(const httplib::Request& in, httplib::Response& out,
               const httplib::ContentReader* reader) {
        const Request request = to_request(in);
        const bool api = gateway::wants_json(request.headers);
        if (gateway::asks_for_upgrade(request.headers)) {
            return answer(out, api, 501, "not_implemented", upgrade_message);
        }
        if (in.target.empty() || in.target.front() != '/') {
            // The absolute form (RFC 9112 §3.2.2) is for forward proxies; this is not one.
            return answer(out, api, 400, "invalid_request", "The request target must be a path.");
        }
        ProxyDecision decision;
        try {
            decision = gate_(request);
        } catch (const std::exception& e) {
            log(LogLevel::error, std::string{"gateway: session lookup failed: "} + e.what());
            decision.verdict = ProxyVerdict::unavailable;
        }
        switch (decision.verdict) {
        case ProxyVerdict::allowed:
            break;
        case ProxyVerdict::unauthenticated:
            if (api) {
                return answer(out, true, 401, "not_authenticated", "sign in first");
            }
            return sign_in(in, out);
        case ProxyVerdict::forbidden:
            if (!api && decision.denied_page) {
                return apply_response(*decision.denied_page, out);
            }
            return answer(out, api, 403, "forbidden",
                          "You are signed in, but this app is not open to your account.");
        case ProxyVerdict::unavailable:
            return answer(out, api, 503, "store_unavailable",
                          "The sign-in service is unavailable; try again shortly.");
        }
        forward(in, out, request, decision, reader, api);
    }

private:
    void answer(httplib::Response& out, bool api, int status, const char* code,
                const std::string& message) const {
        if (api) {
            apply_response(
                Response::json(status, {{"error", code}, {"error_description", message}}), out);
            return;
        }
        Response page = Response::html(
            status, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
                        html_escape(code) + "</title></head><body><h1>" + html_escape(code) +
                        "</h1><p>" + html_escape(message) + "</p></body></html>");
        page.headers.set("Content-Security-Policy", "default-src 'none'");
        page.headers.set("X-Content-Type-Options", "nosniff");
        page.headers.set("Cache-Control", "no-store");
        apply_response(page, out);
    }

    /// 302 to the sign-in, coming back to this page after it (a navigation only: a POST would
    /// come back as a GET, so it comes back to the default page instead).
    void sign_in(const httplib::Request& in, httplib::Response& out) const {
        std::string location = options_.login_path;
        if (in.method == "GET" || in.method == "HEAD") {
            QueryParams query;
            query.add("next", in.target);
            location = append_query(location, query);
        }
        apply_response(Response::redirect(location), out);
    }

    void forward(const httplib::Request& in, httplib::Response& out, const Request& request,
                 const ProxyDecision& decision, const httplib::ContentReader* reader, bool api) {
        auto flight = std::make_shared<Flight>();
        flight->exchange = std::make_shared<Exchange>(options_.buffer_bytes);
        const auto exchange = flight->exchange;

        httplib::Request upstream;
        upstream.method = in.method;
        upstream.path = in.target; // origin form, checked by serve()
        for (auto& [name, value] :
             gateway::upstream_request_headers(request, decision.identity_headers, context_)) {
            upstream.headers.emplace(std::move(name), std::move(value));
        }
        if (!upstream.headers.count("Accept-Encoding")) {
            // Else the client library asks for gzip on the client's behalf.
            upstream.headers.emplace("Accept-Encoding", "identity");
        }
        // cpp-httplib hands a reader to every POST/PUT/PATCH/DELETE: a body exists only with a
        // Content-Length above 0 or a chunked Transfer-Encoding (RFC 9112 §6.3). Inventing an
        // empty chunked body for a bodiless DELETE desynchronises some servers.
        const auto request_length = content_length_of(in.get_header_value("Content-Length"));
        const bool has_body =
            reader != nullptr && ((request_length && *request_length > 0) ||
                                  (!request_length && in.has_header("Transfer-Encoding")));
        if (has_body) {
            if (request_length) {
                upstream.content_length_ = *request_length;
            } else {
                upstream.is_chunked_content_provider_ = true;
                upstream.headers.emplace("Transfer-Encoding", "chunked");
            }
            upstream.content_provider_ = [exchange, timeout = io_timeout_,
                                          buffer = std::make_shared<std::string>()](
                                             std::size_t, std::size_t, httplib::DataSink& sink) {
                return pump_chunk(exchange->request_body, *buffer, timeout, sink);
            };
        }
        // cpp-httplib would apply the client's Range and gzip to the answer a second time
        // (the app already did); the request object is the server's own, mutable, copy.
        auto& server_request = const_cast<httplib::Request&>(in);
        server_request.ranges.clear();
        server_request.headers.erase("Accept-Encoding");

        const bool may_retry =
            !has_body && (in.method == "GET" || in.method == "HEAD" || in.method == "OPTIONS");
        // The task holds what it uses (never this object, whose destruction waits for it).
        threads_.run([pool = pool_, exchange, upstream = std::move(upstream), may_retry,
                      timeout = io_timeout_]() mutable {
            run_exchange(*pool, *exchange, upstream, may_retry, timeout);
        });

        if (has_body) {
            const bool sent = (*reader)([&](const char* data, std::size_t size) {
                return exchange->request_body.push(data, size, io_timeout_);
            });
            exchange->request_body.close(sent);
        }

        {
            std::unique_lock lock(exchange->mutex);
            const auto limit = std::chrono::seconds(options_.connect_timeout_seconds +
                                                    options_.read_timeout_seconds) +
                               1s;
            if (!exchange->changed.wait_for(
                    lock, limit, [&] { return exchange->has_head || exchange->finished; })) {
                log(LogLevel::error,
                    "gateway: upstream " + pool_->origin() + " sent no answer in time");
                return answer(out, api, 504, "upstream_timeout", "The app did not answer in time.");
            }
            if (!exchange->has_head) {
                log(LogLevel::error, "gateway: upstream " + pool_->origin() + ": " +
                                         httplib::to_string(exchange->error));
                return answer(out, api, 502, "upstream_unavailable",
                              "The app behind this sign-in did not answer.");
            }
        }

        out.status = exchange->status;
        Headers received;
        for (const auto& [name, value] : exchange->headers) {
            received.add(name, value);
        }
        const auto length = content_length_of(received.get("Content-Length").value_or(""));
        std::string content_type;
        for (auto& [name, value] : gateway::downstream_response_headers(received)) {
            if (iequals(name, "Content-Type")) {
                content_type = value;
            } else {
                out.headers.emplace(std::move(name), std::move(value));
            }
        }
        const bool bodiless = in.method == "HEAD" || exchange->status == 204 ||
                              exchange->status == 304 || exchange->status < 200 ||
                              (length && *length == 0);
        if (bodiless && !(in.method == "HEAD" && length && *length > 0)) {
            if (!content_type.empty()) {
                out.set_header("Content-Type", content_type);
            }
            return; // `flight` ends here: the worker has (or soon has) nothing left to read
        }
        auto buffer = std::make_shared<std::string>();
        const auto timeout = io_timeout_;
        if (length) {
            out.set_content_provider(
                *length, content_type,
                [flight, buffer, timeout](std::size_t, std::size_t, httplib::DataSink& sink) {
                    if (flight->exchange->response_body.pop(*buffer, timeout) !=
                        BytePipe::Read::data) {
                        return false;
                    }
                    return sink.write(buffer->data(), buffer->size());
                });
        } else {
            out.set_chunked_content_provider(
                content_type, [flight, buffer, timeout](std::size_t, httplib::DataSink& sink) {
                    return pump_chunk(flight->exchange->response_body, *buffer, timeout, sink);
                });
        }
        if (content_type.empty()) {
            out.headers.erase("Content-Type");
        }
    }

    /// The worker: sends the request, hands the answer's head to the handler and its body to
    /// the response pipe. A GET on a kept-alive connection the app had closed is tried once more.
    static void run_exchange(UpstreamPool& pool, Exchange& exchange, httplib::Request& upstream,
                             bool may_retry, std::chrono::milliseconds timeout) {
        bool has_head = false;
        bool is_bodiless = false;
        upstream.response_handler = [&](const httplib::Response& response) {
            has_head = true;
            exchange.set_head(response);
            // cpp-httplib 0.11 would read a 304's (or 1xx's) missing body until the connection
            // closes: stop at the head (the connection is then dropped, not reused).
            is_bodiless = response.status == 304 || response.status < 200;
            return !is_bodiless;
        };
        upstream.content_receiver = [&exchange, timeout](const char* data, std::size_t size,
                                                         std::uint64_t, std::uint64_t) {
            return exchange.response_body.push(data, size, timeout);
        };
        for (int attempt = 0;; ++attempt) {
            auto client = pool.acquire();
            httplib::Response response;
            httplib::Error error = httplib::Error::Success;
            const bool ok = client->send(upstream, response, error);
            if (ok) {
                if (!has_head) {
                    // 0.11 calls the response handler only before a body (not for 204/HEAD).
                    has_head = true;
                    exchange.set_head(response);
                }
                pool.release(std::move(client));
            }
            if (ok || has_head || !may_retry || attempt > 0 ||
                error == httplib::Error::Connection) {
                const bool complete = ok || (has_head && is_bodiless);
                exchange.request_body.cancel();
                exchange.response_body.close(complete);
                exchange.finish(complete ? httplib::Error::Success : error);
                return;
            }
        }
    }

    ProxyGate gate_;
    const ReverseProxyOptions options_;
    const TrustedProxies trusted_;
    gateway::ForwardingContext context_;
    std::shared_ptr<UpstreamPool> pool_;
    const std::chrono::milliseconds io_timeout_;
    gateway::ThreadCache threads_; // last: destroyed first, waiting for the running exchanges
};

} // namespace

void mount_reverse_proxy(httplib::Server& server, ProxyGate gate, ReverseProxyOptions options) {
    ParsedUrl upstream;
    try {
        upstream = parse_url(options.upstream);
    } catch (const Error&) {
        throw ConfigError(errc::config_invalid, "upstream must be an http:// URL");
    }
    if (upstream.scheme != "http" || upstream.path != "/" || !upstream.query.empty()) {
        throw ConfigError(errc::config_invalid,
                          "upstream must be http://HOST[:PORT] without a path");
    }
    // Everything but {prefix} and below: the auth routes keep their own handlers.
    const std::string pattern = "(?!" + regex_escape(options.route_prefix) + "(/|$)).*";
    std::shared_ptr<ReverseProxy> proxy;
    try {
        proxy = std::make_shared<ReverseProxy>(std::move(gate), std::move(options), upstream.host,
                                               upstream.port);
    } catch (const Error&) {
        throw ConfigError(errc::config_invalid,
                          "trusted_proxies: an entry is not an address or CIDR block");
    }
    const auto plain = [proxy](const httplib::Request& in, httplib::Response& out) {
        proxy->serve(in, out, nullptr);
    };
    const auto with_body = [proxy](const httplib::Request& in, httplib::Response& out,
                                   const httplib::ContentReader& reader) {
        proxy->serve(in, out, &reader);
    };
    server.Get(pattern, plain); // and HEAD
    server.Options(pattern, plain);
    // cpp-httplib picks the reader handler for a request with a body, the plain one otherwise.
    server.Post(pattern, with_body);
    server.Post(pattern, plain);
    server.Put(pattern, with_body);
    server.Put(pattern, plain);
    server.Patch(pattern, with_body);
    server.Patch(pattern, plain);
    server.Delete(pattern, with_body);
    server.Delete(pattern, plain);
}

} // namespace authflow

// The libcurl HttpClient against in-process cpp-httplib servers (HTTP and HTTPS) on 127.0.0.1.

#include "support/httplib_server.hpp"
#include "support/process.hpp"
#include "support/test_ca.hpp"
#include "support/test_env.hpp"

#include <authflow/config.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/http/http_client.hpp>

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace authflow {
namespace {

using namespace std::chrono_literals;

// These tests talk to 127.0.0.1 directly: a proxy set in the environment of the machine running
// them must not get in the way (the proxy tests are in tests/integration).
const bool proxy_environment_cleared = [] {
    for (const char* name : {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                             "no_proxy", "NO_PROXY"}) {
        ::unsetenv(name);
    }
    return true;
}();

constexpr const char* fixed_date = "Tue, 15 Nov 1994 08:12:31 GMT";

// A cpp-httplib server (plain or TLS) with the routes the tests use, and what it observed.
class Backend {
public:
    explicit Backend(std::unique_ptr<httplib::Server> server = std::make_unique<httplib::Server>(),
                     std::string scheme = "http")
        : server_(std::move(server)), scheme_(std::move(scheme)) {
        add_routes();
        thread_.emplace(*server_);
    }
    ~Backend() {
        release_slow();
        thread_.reset();
    }
    Backend(const Backend&) = delete;
    Backend& operator=(const Backend&) = delete;

    int port() const { return thread_->port(); }
    std::string url(const std::string& path) const {
        return scheme_ + "://127.0.0.1:" + std::to_string(port()) + path;
    }
    void release_slow() {
        {
            std::lock_guard lock{mutex_};
            released_ = true;
        }
        released_cv_.notify_all();
    }
    void stop() { thread_.reset(); }

    std::set<int> client_ports() {
        std::lock_guard lock{mutex_};
        return client_ports_;
    }
    std::string last_user_agent() {
        std::lock_guard lock{mutex_};
        return last_user_agent_;
    }
    int hello_count() const { return hello_count_.load(); }
    std::size_t endless_bytes() const { return endless_bytes_.load(); }

private:
    void add_routes() {
        auto& s = *server_;
        s.Get("/hello", [this](const httplib::Request& req, httplib::Response& res) {
            ++hello_count_;
            {
                std::lock_guard lock{mutex_};
                last_user_agent_ = req.get_header_value("User-Agent");
            }
            res.set_header("X-Test", "yes");
            res.set_header("Date", fixed_date);
            res.set_header("X-Seen-Custom", req.get_header_value("X-Custom"));
            res.set_content("hello", "text/plain");
        });
        auto echo = [](const httplib::Request& req, httplib::Response& res) {
            res.set_content(req.method + "|" + req.get_header_value("Content-Type") + "|" +
                                req.get_header_value("X-Custom") + "|" + req.body,
                            "text/plain");
        };
        s.Post("/echo", echo);
        s.Put("/echo", echo);
        s.Patch("/echo", echo);
        s.Delete("/echo", echo);
        s.Get(R"(/status/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
            res.status = std::stoi(req.matches[1]);
            res.set_content("status body", "text/plain");
        });
        s.Get("/redirect", [](const httplib::Request&, httplib::Response& res) {
            res.status = 302;
            res.set_header("Location", "/hello");
            res.set_content("moved", "text/plain");
        });
        s.Get("/cookies", [](const httplib::Request&, httplib::Response& res) {
            res.set_header("Set-Cookie", "a=1");
            res.set_header("Set-Cookie", "b=2");
            res.set_content("", "text/plain");
        });
        s.Get("/slow", [this](const httplib::Request&, httplib::Response& res) {
            std::unique_lock lock{mutex_};
            // Released by the test at its end, so this thread never outlives it.
            released_cv_.wait_for(lock, 20s, [this] { return released_; });
            res.set_content("late", "text/plain");
        });
        s.Get(R"(/big/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
            res.set_content(std::string(std::stoul(req.matches[1]), 'x'), "text/plain");
        });
        s.Get(R"(/chunked/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
            const auto total = std::stoul(req.matches[1]);
            res.set_chunked_content_provider(
                "text/plain", [total](std::size_t offset, httplib::DataSink& sink) {
                    if (offset >= total) {
                        sink.done();
                        return true;
                    }
                    const std::string piece(std::min<std::size_t>(512, total - offset), 'y');
                    return sink.write(piece.data(), piece.size());
                });
        });
        s.Get("/stalled-length", [this](const httplib::Request&, httplib::Response& res) {
            // Announces 5000 bytes, sends 10, then stalls until the test ends.
            res.set_content_provider(
                5000, "text/plain",
                [this](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                    if (offset == 0) {
                        return sink.write("0123456789", 10);
                    }
                    std::unique_lock lock{mutex_};
                    released_cv_.wait_for(lock, 20s, [this] { return released_; });
                    return false;
                });
        });
        s.Get("/many-headers", [](const httplib::Request&, httplib::Response& res) {
            for (int i = 0; i < 300; ++i) {
                res.set_header("X-Filler-" + std::to_string(i), std::string(1000, 'h'));
            }
            res.set_content("ok", "text/plain");
        });
        s.Get("/endless", [this](const httplib::Request&, httplib::Response& res) {
            res.set_chunked_content_provider("text/plain",
                                             [this](std::size_t offset, httplib::DataSink& sink) {
                                                 constexpr std::size_t limit = 256UL * 1024 * 1024;
                                                 if (offset >= limit) {
                                                     sink.done();
                                                     return true;
                                                 }
                                                 const std::string piece(64 * 1024, 'z');
                                                 if (!sink.write(piece.data(), piece.size())) {
                                                     return false;
                                                 }
                                                 endless_bytes_ += piece.size();
                                                 return true;
                                             });
        });
        s.Get("/port", [this](const httplib::Request& req, httplib::Response& res) {
            {
                std::lock_guard lock{mutex_};
                client_ports_.insert(req.remote_port);
            }
            res.set_content(std::to_string(req.remote_port), "text/plain");
        });
    }

    std::unique_ptr<httplib::Server> server_;
    std::string scheme_;
    std::mutex mutex_;
    std::condition_variable released_cv_;
    bool released_ = false;
    std::set<int> client_ports_;
    std::string last_user_agent_;
    std::atomic<int> hello_count_{0};
    std::atomic<std::size_t> endless_bytes_{0};
    std::optional<test::ServerThread> thread_; // last: stopped first
};

HttpRequest get(const std::string& url) {
    HttpRequest request;
    request.url = url;
    return request;
}

// Runs `request` and returns the error code it must fail with.
std::optional<errc> failure_of(HttpClient& client, const HttpRequest& request,
                               std::string* message = nullptr) {
    try {
        client.send(request);
    } catch (const TransportError& e) {
        if (message != nullptr) {
            *message = e.what();
        }
        return e.code();
    }
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Plain HTTP

TEST(HttpClient, GetReturnsStatusHeadersAndBody) {
    Backend backend;
    auto client = make_http_client();
    HttpRequest request = get(backend.url("/hello"));
    request.headers.emplace_back("X-Custom", "value-1");
    const HttpResponse response = client->send(request);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "hello");
    EXPECT_EQ(response.header("x-test"), "yes");
    EXPECT_EQ(response.header("X-SEEN-CUSTOM"), "value-1");
    EXPECT_EQ(response.header("date"), fixed_date);
    EXPECT_EQ(response.header("Content-Type"), "text/plain");
    EXPECT_EQ(response.header("X-Absent"), std::nullopt);
}

TEST(HttpClient, PostSendsBodyAndHeaders) {
    Backend backend;
    auto client = make_http_client();
    HttpRequest request;
    request.method = "POST";
    request.url = backend.url("/echo");
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"X-Custom", "c"}};
    request.body = "grant_type=authorization_code&code=abc";
    const HttpResponse response = client->send(request);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body,
              "POST|application/x-www-form-urlencoded|c|grant_type=authorization_code&code=abc");
}

TEST(HttpClient, LargePostBodyIsSentWhole) {
    Backend backend;
    auto client = make_http_client();
    HttpRequest request;
    request.method = "POST";
    request.url = backend.url("/echo");
    request.headers = {{"Content-Type", "text/plain"}};
    request.body = std::string(300 * 1024, 'b');
    const HttpResponse response = client->send(request);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "POST|text/plain||" + request.body);
}

TEST(HttpClient, OtherMethodsAreSentAsGiven) {
    Backend backend;
    auto client = make_http_client();
    for (const std::string method : {"PUT", "PATCH", "DELETE"}) {
        HttpRequest request;
        request.method = method;
        request.url = backend.url("/echo");
        request.headers = {{"Content-Type", "text/plain"}};
        request.body = method == "DELETE" ? "" : "data";
        const HttpResponse response = client->send(request);
        EXPECT_EQ(response.status, 200) << method;
        EXPECT_EQ(response.body, method + "|text/plain||" + request.body) << method;
    }
}

TEST(HttpClient, HeadReturnsHeadersWithoutBody) {
    Backend backend;
    HttpClientOptions options;
    options.max_response_bytes = 100; // a HEAD's Content-Length describes no body here
    auto client = make_http_client(options);
    HttpRequest request = get(backend.url("/big/5000"));
    request.method = "HEAD";
    const HttpResponse response = client->send(request);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "");
    EXPECT_EQ(response.header("Content-Length"), "5000");
}

TEST(HttpClient, ErrorStatusesAreResponsesNotExceptions) {
    Backend backend;
    auto client = make_http_client();
    for (int status : {400, 401, 404, 500, 503}) {
        const HttpResponse response =
            client->send(get(backend.url("/status/" + std::to_string(status))));
        EXPECT_EQ(response.status, status);
        EXPECT_EQ(response.body, "status body");
    }
}

TEST(HttpClient, RepeatedHeadersAreAllKept) {
    Backend backend;
    auto client = make_http_client();
    const HttpResponse response = client->send(get(backend.url("/cookies")));
    std::vector<std::string> cookies;
    for (const auto& [name, value] : response.headers) {
        if (name == "Set-Cookie") {
            cookies.push_back(value);
        }
    }
    EXPECT_EQ(cookies, (std::vector<std::string>{"a=1", "b=2"}));
    EXPECT_EQ(response.header("set-cookie"), "a=1");
}

TEST(HttpClient, SendsAuthflowUserAgent) {
    Backend backend;
    auto client = make_http_client();
    client->send(get(backend.url("/hello")));
    EXPECT_EQ(backend.last_user_agent(), std::string{"authflow/"} + AUTHFLOW_VERSION);
    EXPECT_EQ(default_user_agent(), std::string{"authflow/"} + AUTHFLOW_VERSION);

    HttpClientOptions options;
    options.user_agent = "my-app/2.0";
    make_http_client(options)->send(get(backend.url("/hello")));
    EXPECT_EQ(backend.last_user_agent(), "my-app/2.0");
}

TEST(HttpClient, DoesNotFollowRedirects) {
    Backend backend;
    auto client = make_http_client();
    const HttpResponse response = client->send(get(backend.url("/redirect")));
    EXPECT_EQ(response.status, 302);
    EXPECT_EQ(response.header("Location"), "/hello");
    EXPECT_EQ(response.body, "moved");
    EXPECT_EQ(backend.hello_count(), 0);
}

TEST(HttpClient, ClosedPortIsConnectError) {
    auto client = make_http_client();
    const int port = test::free_port(); // nothing listens there
    EXPECT_EQ(failure_of(*client, get("http://127.0.0.1:" + std::to_string(port) + "/")),
              errc::connect);
}

TEST(HttpClient, RequestTotalTimeoutIsTimeoutError) {
    Backend backend;
    auto client = make_http_client(); // default 30 s; the request asks for 300 ms
    HttpRequest request = get(backend.url("/slow"));
    request.total_timeout = 300ms;
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(failure_of(*client, request), errc::timeout);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    backend.release_slow();
}

TEST(HttpClient, ClientTotalTimeoutIsTimeoutError) {
    Backend backend;
    HttpClientOptions options;
    options.total_timeout = 300ms;
    auto client = make_http_client(options);
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(failure_of(*client, get(backend.url("/slow"))), errc::timeout);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    backend.release_slow();
}

TEST(HttpClient, BodyAtTheCapPassesOneMoreByteIsTooLarge) {
    Backend backend;
    HttpClientOptions options;
    options.max_response_bytes = 1000;
    auto client = make_http_client(options);
    // With Content-Length.
    EXPECT_EQ(client->send(get(backend.url("/big/1000"))).body.size(), 1000U);
    EXPECT_EQ(failure_of(*client, get(backend.url("/big/1001"))), errc::too_large);
    // Chunked, without Content-Length: only the write callback can catch it.
    EXPECT_EQ(client->send(get(backend.url("/chunked/1000"))).body.size(), 1000U);
    EXPECT_EQ(failure_of(*client, get(backend.url("/chunked/1001"))), errc::too_large);
    EXPECT_EQ(failure_of(*client, get(backend.url("/chunked/50000"))), errc::too_large);
    // The client stays usable after an aborted transfer.
    EXPECT_EQ(client->send(get(backend.url("/hello"))).status, 200);
}

TEST(HttpClient, ContentLengthOverTheCapFailsBeforeTheBody) {
    Backend backend;
    HttpClientOptions options;
    options.max_response_bytes = 1000;
    options.total_timeout = 10s;
    auto client = make_http_client(options);
    // Only the announced length can tell: the body stalls after 10 bytes.
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(failure_of(*client, get(backend.url("/stalled-length"))), errc::too_large);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    backend.release_slow();
}

TEST(HttpClient, HugeResponseHeadersAreTooLarge) {
    Backend backend;
    auto client = make_http_client();
    EXPECT_EQ(failure_of(*client, get(backend.url("/many-headers"))), errc::too_large);
}

TEST(HttpClient, DefaultCapIsOneMebibyte) {
    Backend backend;
    auto client = make_http_client();
    EXPECT_EQ(client->send(get(backend.url("/big/1048576"))).body.size(), 1048576U);
    EXPECT_EQ(failure_of(*client, get(backend.url("/big/1048577"))), errc::too_large);
    EXPECT_EQ(failure_of(*client, get(backend.url("/chunked/1048577"))), errc::too_large);
}

TEST(HttpClient, EndlessBodyIsAbortedEarly) {
    Backend backend;
    auto client = make_http_client(); // 1 MiB cap; the server would send 256 MiB
    EXPECT_EQ(failure_of(*client, get(backend.url("/endless"))), errc::too_large);
    backend.stop();
    // What the server got out before the connection dropped: the cap plus socket buffers.
    EXPECT_LT(backend.endless_bytes(), 64UL * 1024 * 1024);
}

TEST(HttpClient, SequentialRequestsReuseOneConnection) {
    Backend backend;
    auto client = make_http_client();
    for (int i = 0; i < 10; ++i) {
        ASSERT_EQ(client->send(get(backend.url("/port"))).status, 200);
    }
    EXPECT_EQ(backend.client_ports().size(), 1U);
}

TEST(HttpClient, EightThreadsAtOnceShareConnections) {
    Backend backend;
    auto client = make_http_client();
    constexpr int threads = 8;
    constexpr int per_thread = 25;
    std::atomic<int> ok{0};
    std::atomic<int> failed{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            for (int i = 0; i < per_thread; ++i) {
                try {
                    if (client->send(get(backend.url("/port"))).status == 200) {
                        ++ok;
                    } else {
                        ++failed;
                    }
                } catch (const Error&) {
                    ++failed;
                }
            }
        });
    }
    for (auto& worker : workers) {
        worker.join();
    }
    EXPECT_EQ(ok.load(), threads * per_thread);
    EXPECT_EQ(failed.load(), 0);
    // At most one connection per concurrent caller, each reused for its later calls. (A run may
    // take about a second longer: cpp-httplib 0.11 listens with a backlog of 5, so some of the
    // 8 simultaneous first connects wait for a SYN retransmit.)
    const auto ports = backend.client_ports().size();
    RecordProperty("distinct_client_ports", static_cast<int>(ports));
    EXPECT_GE(ports, 1U);
    EXPECT_LE(ports, static_cast<std::size_t>(threads));
}

TEST(HttpClient, RefusesSchemesOtherThanHttpAndHttps) {
    auto client = make_http_client();
    for (const std::string url :
         {"file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/", "dict://127.0.0.1/",
          "ldap://127.0.0.1/", "127.0.0.1/x", "", "http//127.0.0.1/", "http://127.0.0.1/a b"}) {
        EXPECT_EQ(failure_of(*client, get(url)), errc::bad_url) << url;
    }
}

TEST(HttpClient, SchemeIsCaseInsensitive) {
    Backend backend;
    auto client = make_http_client();
    EXPECT_EQ(
        client->send(get("HTTP://127.0.0.1:" + std::to_string(backend.port()) + "/hello")).status,
        200);
}

TEST(HttpClient, RefusesHeaderAndMethodInjection) {
    Backend backend;
    auto client = make_http_client();
    HttpRequest request = get(backend.url("/hello"));
    request.headers = {{"X-Custom", "a\r\nX-Injected: 1"}};
    EXPECT_EQ(failure_of(*client, request), errc::invalid_argument);
    request.headers = {{"X-Custom", std::string{"a\0b", 3}}};
    EXPECT_EQ(failure_of(*client, request), errc::invalid_argument);
    request.headers = {{"Bad Name", "v"}};
    EXPECT_EQ(failure_of(*client, request), errc::invalid_argument);
    request.headers = {{"", "v"}};
    EXPECT_EQ(failure_of(*client, request), errc::invalid_argument);
    request.headers = {};
    request.method = "GET /evil HTTP/1.1\r\n";
    EXPECT_EQ(failure_of(*client, request), errc::invalid_argument);
    request.method = "";
    EXPECT_EQ(failure_of(*client, request), errc::invalid_argument);
    EXPECT_EQ(backend.hello_count(), 0);
}

TEST(HttpClient, ErrorTextsCarryNoSecrets) {
    Backend backend;
    auto client = make_http_client();
    const int closed = test::free_port();
    HttpRequest request;
    request.method = "POST";
    request.url = "http://alice:pw-SECRET0@127.0.0.1:" + std::to_string(closed) +
                  "/token?access_token=SECRET1#frag-SECRET4";
    request.headers = {{"Authorization", "Bearer SECRET2"}};
    request.body = "client_secret=SECRET3";
    std::string message;
    EXPECT_EQ(failure_of(*client, request, &message), errc::connect);
    EXPECT_EQ(message.find("SECRET"), std::string::npos) << message;
    EXPECT_NE(message.find("POST http://127.0.0.1:" + std::to_string(closed) + "/token"),
              std::string::npos)
        << message;

    request.method = "GET";
    request.url = backend.url("/slow?code=SECRET5");
    request.body.clear();
    request.total_timeout = 300ms;
    EXPECT_EQ(failure_of(*client, request, &message), errc::timeout);
    EXPECT_EQ(message.find("SECRET"), std::string::npos) << message;
    backend.release_slow();

    request.url = "ftp://127.0.0.1/x?password=SECRET6";
    EXPECT_EQ(failure_of(*client, request, &message), errc::bad_url);
    EXPECT_EQ(message.find("SECRET"), std::string::npos) << message;

    request.url = backend.url("/hello?x=SECRET7");
    request.headers = {{"X-Custom", "SECRET8\n"}};
    EXPECT_EQ(failure_of(*client, request, &message), errc::invalid_argument);
    EXPECT_EQ(message.find("SECRET"), std::string::npos) << message;
}

TEST(HttpClient, InvalidOptionsAreConfigErrors) {
    auto code_of = [](const HttpClientOptions& options) -> std::optional<errc> {
        try {
            make_http_client(options);
        } catch (const ConfigError& e) {
            return e.code();
        }
        return std::nullopt;
    };
    HttpClientOptions options;
    options.ca_file = "/nonexistent/ca.pem";
    EXPECT_EQ(code_of(options), errc::config_invalid);
    options = {};
    options.ca_path = "/nonexistent-dir";
    EXPECT_EQ(code_of(options), errc::config_invalid);
    options = {};
    options.connect_timeout = 0ms;
    EXPECT_EQ(code_of(options), errc::config_invalid);
    options = {};
    options.total_timeout = -1ms;
    EXPECT_EQ(code_of(options), errc::config_invalid);
    options = {};
    options.max_response_bytes = 0;
    EXPECT_EQ(code_of(options), errc::config_invalid);
    options = {};
    options.user_agent = "x\r\nInjected: 1";
    EXPECT_EQ(code_of(options), errc::config_invalid);
    EXPECT_EQ(code_of(HttpClientOptions{}), std::nullopt);
}

TEST(HttpClient, DefaultClientIsOneSharedInstance) {
    Backend backend;
    auto first = default_http_client();
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first, default_http_client());
    // The process-wide client outlives this server: keep no idle connection to it open.
    HttpRequest request = get(backend.url("/hello"));
    request.headers = {{"Connection", "close"}};
    EXPECT_EQ(first->send(request).status, 200);
}

TEST(HttpClient, CurlVersionTextNamesLibcurl) {
    EXPECT_EQ(curl_version_text().rfind("libcurl/", 0), 0U) << curl_version_text();
}

// ---------------------------------------------------------------------------------------------
// HTTPS with a CA made for the test

class HttpsClient : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (!test::have_program("openssl")) {
            return;
        }
        dir_ = std::make_unique<test::TempDir>();
        ca_ = test::make_test_ca(dir_->path() / "ca");
        server_ = test::issue_server_certificate(*ca_, dir_->path() / "server", "server");
        wrong_name_ = test::issue_server_certificate(*ca_, dir_->path() / "server", "wrong",
                                                     "DNS:wrong.example");
    }
    static void TearDownTestSuite() { dir_.reset(); }

    void SetUp() override { AUTHFLOW_REQUIRE_SERVICE(ca_.has_value(), "openssl command"); }

    static std::unique_ptr<Backend> tls_backend(const test::ServerCertificate& certificate) {
        auto server =
            std::make_unique<httplib::SSLServer>(certificate.cert.c_str(), certificate.key.c_str());
        if (!server->is_valid()) {
            throw std::runtime_error("httplib could not load the test certificate");
        }
        return std::make_unique<Backend>(std::move(server), "https");
    }

    static inline std::unique_ptr<test::TempDir> dir_;
    static inline std::optional<test::TestCa> ca_;
    static inline std::optional<test::ServerCertificate> server_;
    static inline std::optional<test::ServerCertificate> wrong_name_;
};

TEST_F(HttpsClient, UntrustedCertificateIsRefused) {
    auto backend = tls_backend(*server_);
    auto client = make_http_client(); // the system trust store does not know the test CA
    EXPECT_EQ(failure_of(*client, get(backend->url("/hello"))), errc::tls);
    EXPECT_EQ(backend->hello_count(), 0);
}

TEST_F(HttpsClient, CaFileMakesItTrusted) {
    auto backend = tls_backend(*server_);
    HttpClientOptions options;
    options.ca_file = ca_->cert.string();
    auto client = make_http_client(options);
    const HttpResponse response = client->send(get(backend->url("/hello")));
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "hello");
    EXPECT_EQ(response.header("Date"), fixed_date);
    // Connections (and so TLS sessions) are reused across calls.
    for (int i = 0; i < 5; ++i) {
        ASSERT_EQ(client->send(get(backend->url("/port"))).status, 200);
    }
    EXPECT_EQ(backend->client_ports().size(), 1U);
}

TEST_F(HttpsClient, CaPathMakesItTrusted) {
    auto backend = tls_backend(*server_);
    HttpClientOptions options;
    options.ca_path = ca_->hashed_dir.string();
    auto client = make_http_client(options);
    EXPECT_EQ(client->send(get(backend->url("/hello"))).status, 200);
}

TEST_F(HttpsClient, LocalhostNameMatchesTheCertificate) {
    auto backend = tls_backend(*server_);
    HttpClientOptions options;
    options.ca_file = ca_->cert.string();
    auto client = make_http_client(options);
    EXPECT_EQ(
        client->send(get("https://localhost:" + std::to_string(backend->port()) + "/hello")).status,
        200);
}

TEST_F(HttpsClient, CertificateForAnotherNameIsRefused) {
    auto backend = tls_backend(*wrong_name_);
    HttpClientOptions options;
    options.ca_file = ca_->cert.string(); // trusted issuer, wrong host name
    auto client = make_http_client(options);
    EXPECT_EQ(failure_of(*client, get(backend->url("/hello"))), errc::tls);
    EXPECT_EQ(backend->hello_count(), 0);
}

TEST_F(HttpsClient, CapAndTimeoutApplyOverTls) {
    auto backend = tls_backend(*server_);
    HttpClientOptions options;
    options.ca_file = ca_->cert.string();
    options.max_response_bytes = 1000;
    auto client = make_http_client(options);
    EXPECT_EQ(failure_of(*client, get(backend->url("/chunked/1001"))), errc::too_large);
    HttpRequest slow = get(backend->url("/slow"));
    slow.total_timeout = 300ms;
    EXPECT_EQ(failure_of(*client, slow), errc::timeout);
    backend->release_slow();
}

TEST_F(HttpsClient, EightThreadsAtOnce) {
    auto backend = tls_backend(*server_);
    HttpClientOptions options;
    options.ca_file = ca_->cert.string();
    auto client = make_http_client(options);
    std::atomic<int> ok{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < 8; ++t) {
        workers.emplace_back([&] {
            for (int i = 0; i < 10; ++i) {
                try {
                    ok += client->send(get(backend->url("/port"))).status == 200 ? 1 : 0;
                } catch (const Error&) {
                }
            }
        });
    }
    for (auto& worker : workers) {
        worker.join();
    }
    EXPECT_EQ(ok.load(), 80);
    EXPECT_LE(backend->client_ports().size(), 8U);
}

} // namespace
} // namespace authflow

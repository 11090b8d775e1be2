// The libcurl HttpClient through a real HTTP proxy (Debian's tinyproxy) configured by the
// environment: http_proxy / HTTPS_PROXY / NO_PROXY, as libcurl reads them.
//
// libcurl's rules, checked here: http:// URLs use `http_proxy` (lower case only: HTTP_PROXY is
// ignored, see httpoxy), https:// URLs use `https_proxy` or `HTTPS_PROXY` through a CONNECT
// tunnel; loopback hosts are proxied like any other unless NO_PROXY names them.

#include "support/httplib_server.hpp"
#include "support/process.hpp"
#include "support/test_ca.hpp"
#include "support/test_env.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/http/http_client.hpp>

#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace authflow {
namespace {

const std::vector<std::string> proxy_variables = {"http_proxy",  "HTTP_PROXY", "https_proxy",
                                                  "HTTPS_PROXY", "all_proxy",  "ALL_PROXY",
                                                  "no_proxy",    "NO_PROXY"};

// Sets the proxy variables of the process for one test and clears them afterwards. The tests run
// on one thread; the servers' threads do not read the environment.
class ProxyEnvironment {
public:
    explicit ProxyEnvironment(const std::map<std::string, std::string>& values) {
        clear();
        for (const auto& [name, value] : values) {
            ::setenv(name.c_str(), value.c_str(), 1);
        }
    }
    ~ProxyEnvironment() { clear(); }
    ProxyEnvironment(const ProxyEnvironment&) = delete;
    ProxyEnvironment& operator=(const ProxyEnvironment&) = delete;

private:
    static void clear() {
        for (const auto& name : proxy_variables) {
            ::unsetenv(name.c_str());
        }
    }
};

// One tinyproxy process on a free port, logging to a file.
class Tinyproxy {
public:
    Tinyproxy(const std::filesystem::path& dir, const std::string& name,
              const std::string& extra_config = {})
        : port_(test::free_port()), log_(dir / (name + ".log")) {
        const auto config = dir / (name + ".conf");
        test::write_file(config, "Port " + std::to_string(port_) +
                                     "\n"
                                     "Listen 127.0.0.1\n"
                                     "Timeout 30\n"
                                     "Allow 127.0.0.1\n"
                                     "MaxClients 20\n"
                                     "LogLevel Info\n"
                                     "LogFile \"" +
                                     log_.string() + "\"\n" + extra_config);
        process_.emplace(
            std::vector<std::string>{"/usr/bin/tinyproxy", "-d", "-c", config.string()},
            std::map<std::string, std::string>{}, dir / (name + ".out"));
        if (!test::wait_for_port(port_, 10000)) {
            throw std::runtime_error("tinyproxy did not start; see " + log_.string());
        }
    }

    int port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::string log() const { return test::read_file(log_); }

private:
    int port_;
    std::filesystem::path log_;
    std::optional<test::ChildProcess> process_;
};

// Answers with the Via header it received (tinyproxy adds one to requests it forwards).
class ViaBackend {
public:
    explicit ViaBackend(std::unique_ptr<httplib::Server> server, std::string scheme)
        : server_(std::move(server)), scheme_(std::move(scheme)) {
        server_->Get("/via", [](const httplib::Request& req, httplib::Response& res) {
            res.set_content("via=" + req.get_header_value("Via"), "text/plain");
        });
        thread_.emplace(*server_);
    }
    std::string url(const std::string& path) const {
        return scheme_ + "://127.0.0.1:" + std::to_string(thread_->port()) + path;
    }
    std::string authority() const { return "127.0.0.1:" + std::to_string(thread_->port()); }

private:
    std::unique_ptr<httplib::Server> server_;
    std::string scheme_;
    std::optional<test::ServerThread> thread_;
};

HttpRequest get(const std::string& url) {
    HttpRequest request;
    request.url = url;
    return request;
}

std::optional<errc> failure_of(HttpClient& client, const HttpRequest& request) {
    try {
        client.send(request);
    } catch (const TransportError& e) {
        return e.code();
    }
    return std::nullopt;
}

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
        ++n;
    }
    return n;
}

class HttpProxy : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (!test::have_program("/usr/bin/tinyproxy") || !test::have_program("openssl")) {
            return;
        }
        dir_ = std::make_unique<test::TempDir>();
        ca_ = test::make_test_ca(dir_->path() / "ca");
        const auto certificate =
            test::issue_server_certificate(*ca_, dir_->path() / "server", "server");
        open_proxy_ = std::make_unique<Tinyproxy>(dir_->path(), "open");
        // Tunnels only to port 443: a CONNECT to the test server's port is refused (403).
        strict_proxy_ = std::make_unique<Tinyproxy>(dir_->path(), "strict", "ConnectPort 443\n");
        http_ = std::make_unique<ViaBackend>(std::make_unique<httplib::Server>(), "http");
        https_ = std::make_unique<ViaBackend>(
            std::make_unique<httplib::SSLServer>(certificate.cert.c_str(), certificate.key.c_str()),
            "https");
    }
    static void TearDownTestSuite() {
        https_.reset();
        http_.reset();
        strict_proxy_.reset();
        open_proxy_.reset();
        dir_.reset();
    }

    void SetUp() override {
        AUTHFLOW_REQUIRE_SERVICE(open_proxy_ != nullptr, "tinyproxy (Debian package tinyproxy)");
    }

    static HttpClientOptions tls_options() {
        HttpClientOptions options;
        options.ca_file = ca_->cert.string();
        return options;
    }

    static inline std::unique_ptr<test::TempDir> dir_;
    static inline std::optional<test::TestCa> ca_;
    static inline std::unique_ptr<Tinyproxy> open_proxy_;
    static inline std::unique_ptr<Tinyproxy> strict_proxy_;
    static inline std::unique_ptr<ViaBackend> http_;
    static inline std::unique_ptr<ViaBackend> https_;
};

TEST_F(HttpProxy, WithoutProxyVariablesTheRequestIsDirect) {
    ProxyEnvironment env{{}};
    const HttpResponse response = make_http_client()->send(get(http_->url("/via")));
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "via=");
}

TEST_F(HttpProxy, HttpGoesThroughHttpProxyVariable) {
    ProxyEnvironment env{{{"http_proxy", open_proxy_->url()}}};
    const HttpResponse response = make_http_client()->send(get(http_->url("/via?n=1")));
    EXPECT_EQ(response.status, 200);
    EXPECT_NE(response.body.find("tinyproxy"), std::string::npos) << response.body;
    EXPECT_NE(open_proxy_->log().find("GET " + http_->url("/via?n=1")), std::string::npos);
}

TEST_F(HttpProxy, UpperCaseHttpProxyIsIgnoredForHttpUrls) {
    // libcurl's rule, kept: a CGI-style HTTP_PROXY may come from a request's Proxy header.
    ProxyEnvironment env{{{"HTTP_PROXY", open_proxy_->url()}}};
    const HttpResponse response = make_http_client()->send(get(http_->url("/via")));
    EXPECT_EQ(response.body, "via=");
}

TEST_F(HttpProxy, HttpsTunnelsThroughHttpsProxyVariable) {
    ProxyEnvironment env{{{"HTTPS_PROXY", open_proxy_->url()}}};
    const std::string connect_line = "CONNECT " + https_->authority();
    const auto before = count(open_proxy_->log(), connect_line);
    const HttpResponse response = make_http_client(tls_options())->send(get(https_->url("/via")));
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "via="); // a tunnel: the proxy cannot add headers inside TLS
    // The proxy's 200 "Connection established" headers are not mixed into the response.
    EXPECT_EQ(response.header("Proxy-agent"), std::nullopt);
    EXPECT_EQ(response.header("Content-Type"), "text/plain");
    EXPECT_EQ(count(open_proxy_->log(), connect_line), before + 1);
}

TEST_F(HttpProxy, NoProxyBypassesTheProxy) {
    ProxyEnvironment env{{{"http_proxy", open_proxy_->url()},
                          {"HTTPS_PROXY", open_proxy_->url()},
                          {"NO_PROXY", "example.com,127.0.0.1"}}};
    const std::string connect_line = "CONNECT " + https_->authority();
    const auto before = count(open_proxy_->log(), connect_line);
    auto client = make_http_client(tls_options());
    EXPECT_EQ(client->send(get(http_->url("/via"))).body, "via=");
    EXPECT_EQ(client->send(get(https_->url("/via"))).status, 200);
    EXPECT_EQ(count(open_proxy_->log(), connect_line), before);
}

TEST_F(HttpProxy, EnvironmentProxyCanBeSwitchedOff) {
    ProxyEnvironment env{{{"http_proxy", open_proxy_->url()}}};
    HttpClientOptions options;
    options.use_environment_proxy = false;
    EXPECT_EQ(make_http_client(options)->send(get(http_->url("/via"))).body, "via=");
    // The same environment with the default options does use it.
    EXPECT_NE(make_http_client()->send(get(http_->url("/via"))).body.find("tinyproxy"),
              std::string::npos);
}

TEST_F(HttpProxy, UnreachableProxyIsProxyError) {
    const std::string closed = "http://127.0.0.1:" + std::to_string(test::free_port());
    ProxyEnvironment env{{{"http_proxy", closed}, {"HTTPS_PROXY", closed}}};
    EXPECT_EQ(failure_of(*make_http_client(), get(http_->url("/via"))), errc::proxy);
    EXPECT_EQ(failure_of(*make_http_client(tls_options()), get(https_->url("/via"))), errc::proxy);
    HttpClientOptions direct;
    direct.use_environment_proxy = false;
    EXPECT_EQ(make_http_client(direct)->send(get(http_->url("/via"))).status, 200);
}

TEST_F(HttpProxy, RefusedTunnelIsProxyError) {
    ProxyEnvironment env{{{"HTTPS_PROXY", strict_proxy_->url()}}};
    EXPECT_EQ(failure_of(*make_http_client(tls_options()), get(https_->url("/via"))), errc::proxy);
}

TEST_F(HttpProxy, ClosedTargetIsAProxyAnswerBehindProxyAndConnectErrorDirect) {
    // A closed target port: through the proxy it is the proxy's answer (a response), directly
    // it is a connect error.
    const std::string target = "http://127.0.0.1:" + std::to_string(test::free_port()) + "/";
    {
        ProxyEnvironment env{{{"http_proxy", open_proxy_->url()}}};
        const HttpResponse response = make_http_client()->send(get(target));
        EXPECT_GE(response.status, 500);
    }
    ProxyEnvironment env{{}};
    EXPECT_EQ(failure_of(*make_http_client(), get(target)), errc::connect);
}

} // namespace
} // namespace authflow

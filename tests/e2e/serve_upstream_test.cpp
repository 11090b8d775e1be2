// `authflow serve --upstream` (the gateway's reverse-proxy mode) in front of a real app
// (tests/support/node/echo_upstream.mjs, which echoes the headers it received and streams large
// bodies), signing in at node oidc-provider: headless Chromium opens a page of the app, signs in
// and comes back to it with the identity headers; then, with the browser's session cookie, API
// clients, forged identity headers, a WebSocket upgrade and 50 MiB bodies in both directions, with
// serve's peak memory (VmHWM) read from /proc. Screenshots and report.json are kept in
// <build>/test-artifacts/serve-upstream/. Under CI=true a missing Chromium fails the test.
#include "browser.hpp"
#include "support/oidc_provider.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace authflow {
namespace {

constexpr std::size_t mib = 1024 * 1024;

/// Under AddressSanitizer, freed memory waits in a quarantine (256 MiB by default) before it is
/// reused, so streaming 150 MiB would raise serve's peak memory as if it buffered. A small
/// quarantine keeps the memory test about serve; other builds ignore the variable.
std::string small_asan_quarantine() {
    const char* inherited = std::getenv("ASAN_OPTIONS");
    std::string options = inherited ? std::string(inherited) + ":" : std::string{};
    return options + "quarantine_size_mb=1:thread_local_quarantine_size_kb=64";
}

/// The peak resident set of `pid` in KiB (VmHWM in /proc/<pid>/status), 0 when unreadable.
long peak_rss_kib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.starts_with("VmHWM:")) {
            return std::stol(line.substr(6));
        }
    }
    return 0;
}

/// One provider, one app and one `authflow serve --upstream` for the suite; Chromium signs in
/// once and the cookie it got is used by the other cases.
class ServeUpstream : public ::testing::Test {
protected:
    static void SetUpTestSuite() { start({}, "serve-upstream"); }

    /// Starts the provider, the app and `authflow serve --upstream ... <extra>`, then signs in
    /// as alice with Chromium, keeping the screenshots under test-artifacts/<artifacts>.
    static void start(const std::vector<std::string>& extra, const std::string& artifacts) {
        if (!test::browser_missing().empty()) {
            return;
        }
        dir_ = new test::TempDir;
        const int app_port = test::free_port();
        app_ = new test::ChildProcess(
            {"node", (test::source_dir() / "tests/support/node/echo_upstream.mjs").string(),
             std::to_string(app_port)},
            {}, dir_->path() / "app.log");
        const int port = test::free_port();
        proxy_url_ = "http://127.0.0.1:" + std::to_string(port);
        test::OidcProviderOptions options;
        options.redirect_uris = {proxy_url_ + "/auth/callback"};
        op_ = new test::OidcProvider(options);
        test::write_file(dir_->path() / "secret", test::OidcProvider::secret_of("conf-client"));
        test::write_file(dir_->path() / "config.toml", "");
        std::vector<std::string> args{test::cli_path().string(),
                                      "--config",
                                      (dir_->path() / "config.toml").string(),
                                      "--provider",
                                      "oidc",
                                      "--issuer",
                                      op_->issuer(),
                                      "--client-id",
                                      "conf-client",
                                      "--client-secret-file",
                                      (dir_->path() / "secret").string(),
                                      "--scopes",
                                      "openid profile email",
                                      "serve",
                                      "--listen",
                                      "127.0.0.1:" + std::to_string(port),
                                      "--upstream",
                                      "http://127.0.0.1:" + std::to_string(app_port)};
        args.insert(args.end(), extra.begin(), extra.end());
        serve_ = new test::ChildProcess(args, {{"ASAN_OPTIONS", small_asan_quarantine()}},
                                        dir_->path() / "serve.log");
        if (!test::wait_for_port(app_port) || !test::wait_for_port(port)) {
            return;
        }
        artifacts_ = new std::filesystem::path(test::binary_dir() / "test-artifacts" / artifacts);
        std::filesystem::remove_all(*artifacts_);
        signin_ = new test::CommandResult(test::run_command(
            {"node", (test::source_dir() / "tests/support/node/proxy_signin.mjs").string(),
             proxy_url_ + "/echo?from=browser", artifacts_->string(), "--user", "alice"},
            {{"AUTHFLOW_CHROMIUM", test::chromium}}, {}, 120000));
        if (std::filesystem::exists(*artifacts_ / "report.json")) {
            report_ = new nlohmann::json(
                nlohmann::json::parse(test::read_file(*artifacts_ / "report.json")));
        }
    }

    static void TearDownTestSuite() {
        delete serve_; // stops it
        delete app_;
        delete op_;
        delete signin_;
        delete report_;
        delete artifacts_;
        delete dir_;
        serve_ = nullptr;
        app_ = nullptr;
        op_ = nullptr;
        signin_ = nullptr;
        report_ = nullptr;
        artifacts_ = nullptr;
        dir_ = nullptr;
    }

    void SetUp() override {
        const std::string missing = test::browser_missing();
        AUTHFLOW_REQUIRE_SERVICE(missing.empty(), missing);
        ASSERT_NE(report_, nullptr) << (signin_ ? signin_->err : "") << log();
        ASSERT_TRUE(report_->value("ok", false)) << report_->dump(2) << log();
    }

    static std::string log() {
        return dir_ ? test::read_file(dir_->path() / "serve.log") : std::string{};
    }
    static std::string cookie() { return report_->value("cookie", ""); }
    static httplib::Client client() {
        httplib::Client client(proxy_url_);
        client.set_read_timeout(60, 0);
        return client;
    }

    static inline test::TempDir* dir_ = nullptr;
    static inline test::ChildProcess* app_ = nullptr;
    static inline test::ChildProcess* serve_ = nullptr;
    static inline test::OidcProvider* op_ = nullptr;
    static inline test::CommandResult* signin_ = nullptr;
    static inline nlohmann::json* report_ = nullptr;
    static inline std::filesystem::path* artifacts_ = nullptr;
    static inline std::string proxy_url_;
};

TEST_F(ServeUpstream, ChromiumSignsInAndReachesTheAppWithIdentityHeaders) {
    // The app's page sent the browser to sign in, which came back to that page.
    EXPECT_EQ(report_->value("final_url", ""), proxy_url_ + "/echo?from=browser");
    const auto echoed = nlohmann::json::parse(report_->value("body", "{}"));
    EXPECT_EQ(echoed.value("url", ""), "/echo?from=browser");
    const auto& headers = echoed.at("headers");
    EXPECT_EQ(headers.value("x-auth-request-user", ""), "alice");
    EXPECT_EQ(headers.value("x-auth-request-email", ""), "alice@example.test");
    EXPECT_EQ(headers.value("x-forwarded-for", ""), "127.0.0.1");
    EXPECT_EQ(headers.value("x-forwarded-proto", ""), "http");
    EXPECT_EQ(headers.value("x-forwarded-host", ""), proxy_url_.substr(7));
    // The session cookie is authflow's: the app never sees it.
    EXPECT_EQ(headers.value("cookie", "").find("authflow_session"), std::string::npos);
    for (const char* shot : {"provider-login.png", "provider-consent.png", "app-page.png"}) {
        EXPECT_GT(std::filesystem::file_size(*artifacts_ / shot), 1000u) << shot;
    }
    EXPECT_EQ(op_->count_events("grant.success", "conf-client"), 1u);
}

TEST_F(ServeUpstream, ForgedIdentityHeadersNeverReachTheApp) {
    auto http = client();
    const auto answer = http.Get("/echo", {{"Cookie", cookie()},
                                           {"X-Auth-Request-User", "admin"},
                                           {"x-auth-request-groups", "admins"},
                                           {"X-Auth-Request-Access-Token", "forged"},
                                           {"Connection", "X-Auth-Request-Email"},
                                           {"X-Auth-Request-Email", "boss@example.test"}});
    ASSERT_TRUE(answer) << httplib::to_string(answer.error());
    ASSERT_EQ(answer->status, 200) << answer->body;
    const auto headers = nlohmann::json::parse(answer->body).at("headers");
    EXPECT_EQ(headers.value("x-auth-request-user", ""), "alice");
    EXPECT_EQ(headers.value("x-auth-request-email", ""), "alice@example.test");
    EXPECT_EQ(headers.value("x-auth-request-groups", ""), "viewer");
    EXPECT_FALSE(headers.contains("x-auth-request-access-token"));
}

TEST_F(ServeUpstream, WithoutASessionApiClientsGet401AndBrowsersSignIn) {
    auto http = client();
    for (const auto& api : std::vector<httplib::Headers>{{{"Accept", "application/json"}},
                                                         {{"X-Requested-With", "fetch"}}}) {
        const auto answer = http.Get("/echo", api);
        ASSERT_TRUE(answer);
        EXPECT_EQ(answer->status, 401);
        EXPECT_EQ(nlohmann::json::parse(answer->body).value("error", ""), "not_authenticated");
    }
    const auto browser = http.Get("/reports/q?a=1", {{"Accept", "text/html"}});
    ASSERT_TRUE(browser);
    EXPECT_EQ(browser->status, 302);
    // Sent as /auth/login?next=%2Freports%2Fq%3Fa%3D1 (cpp-httplib's client decodes Location).
    EXPECT_EQ(browser->get_header_value("Location"), "/auth/login?next=/reports/q?a=1");
    // A forged identity without a session is not a session.
    const auto forged =
        http.Get("/echo", {{"Accept", "application/json"}, {"X-Auth-Request-User", "alice"}});
    ASSERT_TRUE(forged);
    EXPECT_EQ(forged->status, 401);
}

TEST_F(ServeUpstream, AWebSocketUpgradeGetsAClearError) {
    auto http = client();
    const auto answer = http.Get("/socket", {{"Cookie", cookie()},
                                             {"Connection", "Upgrade"},
                                             {"Upgrade", "websocket"},
                                             {"Sec-WebSocket-Version", "13"},
                                             {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                                             {"Accept", "application/json"}});
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->status, 501);
    EXPECT_EQ(nlohmann::json::parse(answer->body).value("error", ""), "not_implemented");
}

TEST_F(ServeUpstream, LargeBodiesStreamBothWaysWithBoundedMemory) {
    const long before = peak_rss_kib(serve_->pid());
    ASSERT_GT(before, 0);
    auto http = client();
    for (const char* path : {"/big?mb=50", "/big?mb=50&chunked=1"}) {
        std::size_t received = 0;
        const auto answer =
            http.Get(path, {{"Cookie", cookie()}}, [&](const char*, std::size_t size) {
                received += size;
                return true;
            });
        ASSERT_TRUE(answer) << path;
        EXPECT_EQ(answer->status, 200) << path;
        EXPECT_EQ(received, 50 * mib) << path;
    }
    // 50 MiB up, sent in pieces (chunked) so that neither side holds it whole.
    std::size_t offset = 0;
    const std::string piece(mib, 'u');
    const auto upload = http.Post(
        "/upload", {{"Cookie", cookie()}},
        [&](std::size_t, httplib::DataSink& sink) {
            if (offset == 50 * mib) {
                sink.done();
                return true;
            }
            offset += piece.size();
            return sink.write(piece.data(), piece.size());
        },
        "application/octet-stream");
    ASSERT_TRUE(upload);
    ASSERT_EQ(upload->status, 200) << upload->body;
    EXPECT_EQ(nlohmann::json::parse(upload->body).value("bytes", 0u), 50 * mib);
    const long after = peak_rss_kib(serve_->pid());
    // Buffering any one of these bodies would add 50 MiB; streaming adds a few buffers.
    EXPECT_LT(after - before, 16 * 1024) << "VmHWM " << before << " kB -> " << after << " kB";
    RecordProperty("serve_vmhwm_kib_before", std::to_string(before));
    RecordProperty("serve_vmhwm_kib_after", std::to_string(after));
}

TEST_F(ServeUpstream, TheAppsAnswerPassesWithoutHopByHopFields) {
    auto http = client();
    const auto answer = http.Get("/hop-by-hop", {{"Cookie", cookie()}});
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->status, 200);
    EXPECT_EQ(answer->get_header_value("X-App"), "echo");
    EXPECT_EQ(answer->get_header_value_count("Set-Cookie"), 2u);
    // The app's Connection named X-App-Hop: a hop-by-hop field for this hop only.
    EXPECT_FALSE(answer->has_header("X-App-Hop"));
}

} // namespace

/// The same proxy with a policy alice does not meet: she signs in and gets the access-denied
/// page, and the app never sees her request.
class ServeUpstreamRefused : public ServeUpstream {
protected:
    static void SetUpTestSuite() {
        start({"--allowed-groups", "admins"}, "serve-upstream-refused");
    }
};

TEST_F(ServeUpstreamRefused, AUserOutsideAllowedGroupsGetsTheAccessDeniedPage) {
    EXPECT_EQ(report_->value("final_url", ""), proxy_url_ + "/echo?from=browser");
    const std::string body = report_->value("body", "");
    EXPECT_NE(body.find("alice"), std::string::npos) << body;               // says who is signed in
    EXPECT_EQ(body.find("x-auth-request-user"), std::string::npos) << body; // not the app's echo
    auto http = client();
    const auto page = http.Get("/echo", {{"Cookie", cookie()}, {"Accept", "text/html"}});
    ASSERT_TRUE(page) << httplib::to_string(page.error());
    EXPECT_EQ(page->status, 403);
    EXPECT_NE(page->body.find("<form"), std::string::npos); // sign-out is offered
    EXPECT_TRUE(page->has_header("Content-Security-Policy"));
    const auto api = http.Get("/echo", {{"Cookie", cookie()}, {"Accept", "application/json"}});
    ASSERT_TRUE(api) << httplib::to_string(api.error());
    EXPECT_EQ(api->status, 403);
    EXPECT_EQ(nlohmann::json::parse(api->body).value("error", ""), "forbidden");
}

} // namespace authflow

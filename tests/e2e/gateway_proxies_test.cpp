// Forward authentication behind real web servers: nginx (auth_request) and Caddy (forward_auth),
// each started with the configuration docs/gateway.md shows (docs/gateway/nginx.conf and
// docs/gateway/Caddyfile, placeholders filled in), in front of a small app that echoes the
// request headers it received (tests/support/node/echo_upstream.mjs), with `authflow serve` as
// the forward-auth server and node oidc-provider as the provider. Headless Chromium opens the
// app, signs in and lands on the page it asked for; the app receives the identity headers and
// never the ones the browser forged; a user outside allowed_groups gets 403. Screenshots in
// <build>/test-artifacts/gateway-<server>/. Under CI=true a missing nginx, Caddy, Chromium or
// node fails the test.
#include "browser.hpp"
#include "support/oidc_provider.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"

#include <authflow/http/http_client.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace authflow {
namespace {

std::string missing_for(const std::string& server) {
    if (!test::have_program(server)) {
        return server + " (scripts/install-deps.sh installs it)";
    }
    return test::browser_missing();
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
    return text;
}

/// A config file from docs/gateway/ with its placeholders filled in.
std::string render(const std::string& file, const std::map<std::string, std::string>& values) {
    std::string text = test::read_file(test::source_dir() / "docs/gateway" / file);
    for (const auto& [name, value] : values) {
        text = replace_all(text, "{{" + name + "}}", value);
    }
    return text;
}

/// The provider, the echo app, `authflow serve` and the web server named by the test parameter,
/// on free ports of 127.0.0.1. alice is an admin (admin_users); the policy lets only the group
/// "admin" pass (authflow's roles are groups too), so bob gets 403.
class GatewayBehind : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        const std::string missing = missing_for(GetParam());
        AUTHFLOW_REQUIRE_SERVICE(missing.empty(), missing);
        proxy_port_ = test::free_port();
        const int authflow_port = test::free_port();
        const int app_port = test::free_port();
        site_ = "http://127.0.0.1:" + std::to_string(proxy_port_);
        test::OidcProviderOptions options;
        options.redirect_uris = {site_ + "/auth/callback"};
        op_ = std::make_unique<test::OidcProvider>(options);

        app_ = std::make_unique<test::ChildProcess>(
            std::vector<std::string>{
                "node", (test::source_dir() / "tests/support/node/echo_upstream.mjs").string(),
                std::to_string(app_port)},
            std::map<std::string, std::string>{}, dir_.path() / "app.log");

        test::write_file(dir_.path() / "secret", test::OidcProvider::secret_of("conf-client"));
        test::write_file(dir_.path() / "config.toml",
                         "[deploy]\nallowed_groups = [\"admin\"]\nadmin_users = [\"alice\"]\n");
        serve_ = std::make_unique<test::ChildProcess>(
            std::vector<std::string>{test::cli_path().string(),
                                     "--config",
                                     (dir_.path() / "config.toml").string(),
                                     "--provider",
                                     "oidc",
                                     "--issuer",
                                     op_->issuer(),
                                     "--client-id",
                                     "conf-client",
                                     "--client-secret-file",
                                     (dir_.path() / "secret").string(),
                                     "--scopes",
                                     "openid profile email",
                                     "serve",
                                     "--listen",
                                     "127.0.0.1:" + std::to_string(authflow_port),
                                     "--public-url",
                                     site_,
                                     "--trusted-proxies",
                                     "127.0.0.1"},
            std::map<std::string, std::string>{}, dir_.path() / "serve.log");
        ASSERT_TRUE(test::wait_for_port(authflow_port, 30000)) << serve_log();
        ASSERT_TRUE(test::wait_for_port(app_port, 30000))
            << test::file_or_empty(dir_.path() / "app.log");

        const std::map<std::string, std::string> values = {
            {"listen", "127.0.0.1:" + std::to_string(proxy_port_)},
            {"site", site_},
            {"authflow", "127.0.0.1:" + std::to_string(authflow_port)},
            {"app", "127.0.0.1:" + std::to_string(app_port)}};
        if (GetParam() == "nginx") {
            start_nginx(values);
        } else {
            start_caddy(values);
        }
        ASSERT_TRUE(test::wait_for_port(proxy_port_, 30000)) << proxy_log();
    }

    void start_nginx(const std::map<std::string, std::string>& values) {
        const auto root = dir_.path() / "nginx";
        std::filesystem::create_directories(root / "tmp");
        test::write_file(root / "site.conf", render("nginx.conf", values));
        // What a system nginx.conf has around the site: here a private prefix, no daemon.
        test::write_file(root / "nginx.conf",
                         "daemon off;\nmaster_process off;\nworker_processes 1;\npid " +
                             (root / "nginx.pid").string() + ";\nerror_log " +
                             (root / "error.log").string() +
                             " info;\nevents { worker_connections 256; }\nhttp {\n    access_log " +
                             (root / "access.log").string() + ";\n" + "    client_body_temp_path " +
                             (root / "tmp/body").string() + ";\n    proxy_temp_path " +
                             (root / "tmp/proxy").string() + ";\n    fastcgi_temp_path " +
                             (root / "tmp/fastcgi").string() + ";\n    uwsgi_temp_path " +
                             (root / "tmp/uwsgi").string() + ";\n    scgi_temp_path " +
                             (root / "tmp/scgi").string() + ";\n    include " +
                             (root / "site.conf").string() + ";\n}\n");
        proxy_ = std::make_unique<test::ChildProcess>(
            std::vector<std::string>{"nginx", "-p", root.string(), "-c",
                                     (root / "nginx.conf").string()},
            std::map<std::string, std::string>{}, root / "out.log");
        proxy_log_ = {root / "out.log", root / "error.log"};
    }

    void start_caddy(const std::map<std::string, std::string>& values) {
        const auto root = dir_.path() / "caddy";
        std::filesystem::create_directories(root);
        test::write_file(root / "site", render("Caddyfile", values));
        // Global options a test needs: no admin endpoint (port 2019 may be taken), no TLS.
        test::write_file(root / "Caddyfile",
                         "{\n\tadmin off\n\tauto_https off\n\tdefault_bind 127.0.0.1\n}\nimport " +
                             (root / "site").string() + "\n");
        proxy_ = std::make_unique<test::ChildProcess>(
            std::vector<std::string>{"caddy", "run", "--config", (root / "Caddyfile").string(),
                                     "--adapter", "caddyfile"},
            std::map<std::string, std::string>{{"HOME", root.string()},
                                               {"XDG_DATA_HOME", root.string()},
                                               {"XDG_CONFIG_HOME", root.string()}},
            root / "out.log");
        proxy_log_ = {root / "out.log"};
    }

    /// Opens `path` of the site in Chromium as `user` (see gateway_browser.mjs).
    nlohmann::json browse(const std::string& path, const std::string& user, bool forge) {
        const auto artifacts =
            test::binary_dir() / "test-artifacts" / ("gateway-" + GetParam()) / user;
        std::filesystem::remove_all(artifacts);
        std::vector<std::string> argv{
            "node",
            (test::source_dir() / "tests/support/node/gateway_browser.mjs").string(),
            site_ + path,
            "--user",
            user,
            "--artifacts",
            artifacts.string()};
        if (forge) {
            argv.push_back("--forge");
        }
        const auto result =
            test::run_command(argv, {{"AUTHFLOW_CHROMIUM", test::chromium}}, {}, 120000);
        EXPECT_EQ(result.exit_code, 0) << result.err << serve_log() << proxy_log();
        try {
            return nlohmann::json::parse(result.out);
        } catch (const std::exception&) {
            ADD_FAILURE() << "no report: " << result.out << result.err;
            return nlohmann::json::object();
        }
    }

    std::string serve_log() const { return test::file_or_empty(dir_.path() / "serve.log"); }
    std::string proxy_log() const {
        std::string out;
        for (const auto& file : proxy_log_) {
            out += test::file_or_empty(file);
        }
        return out;
    }

    test::TempDir dir_;
    int proxy_port_ = 0;
    std::string site_;
    std::unique_ptr<test::OidcProvider> op_;
    std::unique_ptr<test::ChildProcess> app_;
    std::unique_ptr<test::ChildProcess> serve_;
    std::unique_ptr<test::ChildProcess> proxy_;
    std::vector<std::filesystem::path> proxy_log_;
};

TEST_P(GatewayBehind, ABrowserSignsInAndTheAppReceivesTheIdentityNotTheForgedOne) {
    const auto report = browse("/reports/q1?year=2026&view=full", "alice", true);
    ASSERT_TRUE(report.value("signed_in_at_provider", false)) << report.dump();
    // Back on the page it asked for, query and all.
    EXPECT_EQ(report.value("final_url", ""), site_ + "/reports/q1?year=2026&view=full");
    EXPECT_EQ(report.value("status", 0), 200) << serve_log() << proxy_log();
    const auto echoed = nlohmann::json::parse(report.value("body", "{}"));
    EXPECT_EQ(echoed.value("url", ""), "/reports/q1?year=2026&view=full");
    const auto& headers = echoed["headers"];
    EXPECT_EQ(headers.value("x-auth-request-user", ""), "alice");
    EXPECT_EQ(headers.value("x-auth-request-email", ""), "alice@example.test");
    EXPECT_EQ(headers.value("x-auth-request-groups", ""), "viewer,admin");
    // pass_access_token is off: no token (the check sends the name empty, so that the web
    // server's copy overwrites anything forged; nginx then drops it, Caddy passes it empty).
    EXPECT_EQ(headers.value("x-auth-request-access-token", ""), "");
    EXPECT_EQ(headers.value("x-auth-request-preferred-username", ""), "");
    // The same page again, with the session: straight to the app.
    EXPECT_EQ(report.value("again_status", 0), 200);
    const auto again = nlohmann::json::parse(report.value("again_body", "{}"));
    EXPECT_EQ(again["headers"].value("x-auth-request-user", ""), "alice");
    EXPECT_EQ(op_->count_events("grant.success", "conf-client"), 1u);
}

TEST_P(GatewayBehind, AUserOutsideAllowedGroupsGets403AndNeverReachesTheApp) {
    const auto report = browse("/private", "bob", true);
    ASSERT_TRUE(report.value("signed_in_at_provider", false)) << report.dump();
    EXPECT_EQ(report.value("status", 0), 403) << report.dump();
    // authflow's page (nginx: error_page 403; Caddy: the check's answer as it is).
    EXPECT_NE(report.value("body", "").find("Access denied"), std::string::npos) << report.dump();
    EXPECT_NE(report.value("body", "").find("bob"), std::string::npos) << report.dump();
    EXPECT_EQ(report.value("body", "").find("forged-admin"), std::string::npos);
    EXPECT_EQ(report.value("body", "").find("x-auth-request"), std::string::npos);
    EXPECT_EQ(report.value("again_status", 0), 403);
}

TEST_P(GatewayBehind, AnApiClientWithoutSessionGets401AndForgedHeadersDoNotHelp) {
    HttpRequest request;
    request.url = site_ + "/api/data";
    request.headers.emplace_back("Accept", "application/json");
    request.headers.emplace_back("X-Auth-Request-User", "alice");
    request.headers.emplace_back("X-Auth-Request-Groups", "admin");
    const HttpResponse response = make_http_client()->send(request);
    EXPECT_EQ(response.status, 401) << response.body;
    EXPECT_EQ(response.body.find("x-auth-request"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(WebServers, GatewayBehind, ::testing::Values("nginx", "caddy"),
                         [](const auto& test_info) { return test_info.param; });

TEST(GatewayDocs, ShowTheConfigsTheTestsRun) {
    const std::string page = test::read_file(test::source_dir() / "docs/gateway.md");
    for (const char* file : {"nginx.conf", "Caddyfile"}) {
        const std::string config = test::read_file(test::source_dir() / "docs/gateway" / file);
        EXPECT_NE(page.find(config), std::string::npos)
            << "docs/gateway.md must show docs/gateway/" << file << " verbatim";
    }
}

} // namespace
} // namespace authflow

// Deploy-mode sign-in (AuthRoutes) through the preset providers' fakes (preset_fakes.hpp): the
// roles a session gets come from the addresses the provider verified.
#include "preset_fakes.hpp"

#include <authflow/deploy/auth_routes.hpp>
#include <authflow/deploy/session_store.hpp>

#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <string>
#include <vector>

namespace authflow {
namespace {

std::string query_param(const std::string& url, const std::string& name) {
    const auto q = url.find('?');
    if (q == std::string::npos) {
        return {};
    }
    for (const auto& [key, value] : parse_query(url.substr(q + 1))) {
        if (key == name) {
            return value;
        }
    }
    return {};
}

Request get(const std::string& path_and_query, const std::string& cookie = "") {
    Request request;
    request.method = "GET";
    const auto q = path_and_query.find('?');
    request.path = path_and_query.substr(0, q);
    if (q != std::string::npos) {
        request.query = parse_query(path_and_query.substr(q + 1));
    }
    request.remote_address = "127.0.0.1";
    if (!cookie.empty()) {
        request.headers.add("Cookie", cookie);
    }
    return request;
}

/// Signs one browser in through `routes` and the fake at `fake_base`; returns the session's
/// roles (empty when the sign-in failed).
std::vector<std::string> sign_in_roles(AuthRoutes& routes, MemorySessionStore& sessions,
                                       const std::string& fake_base) {
    const Response login = routes.handle(get("/auth/login")).value_or(Response{});
    EXPECT_EQ(login.status, 302) << login.body;
    const std::string authorize = login.headers.get("Location").value_or("");
    std::string pre_login;
    for (const auto& set_cookie : login.headers.get_all("Set-Cookie")) {
        if (set_cookie.rfind("authflow_session_login=", 0) == 0) {
            pre_login = set_cookie.substr(0, set_cookie.find(';'));
        }
    }
    // The fake's authorization endpoint plays the user: it redirects back at once.
    EXPECT_EQ(authorize.rfind(fake_base, 0), 0u) << authorize;
    httplib::Client client(fake_base);
    auto answer = client.Get(authorize.substr(fake_base.size()));
    EXPECT_TRUE(answer && answer->status == 302);
    if (!answer) {
        return {};
    }
    const std::string back = answer->get_header_value("Location");
    const Response callback =
        routes
            .handle(get("/auth/callback?code=" + url_encode(query_param(back, "code")) +
                            "&state=" + url_encode(query_param(back, "state")),
                        pre_login))
            .value_or(Response{});
    EXPECT_EQ(callback.status, 302) << callback.body;
    for (const auto& set_cookie : callback.headers.get_all("Set-Cookie")) {
        if (set_cookie.rfind("authflow_session=", 0) == 0) {
            const auto eq = set_cookie.find('=');
            const std::string id = set_cookie.substr(eq + 1, set_cookie.find(';') - eq - 1);
            if (auto session = sessions.get(id)) {
                return session->roles;
            }
        }
    }
    return {};
}

struct GitHubDeploy {
    explicit GitHubDeploy(const std::string& public_email, std::vector<std::string> admins)
        : github(public_email) {
        DeploySettings settings;
        settings.public_url = "http://127.0.0.1:8080";
        settings.admin_users = std::move(admins);
        AuthRouteStores stores;
        stores.sessions = sessions;
        routes = std::make_unique<AuthRoutes>(settings, github.provider(), stores);
    }
    std::vector<std::string> roles() { return sign_in_roles(*routes, *sessions, github.base()); }

    test::GitHubFake github;
    std::shared_ptr<MemorySessionStore> sessions = std::make_shared<MemorySessionStore>(100);
    std::unique_ptr<AuthRoutes> routes;
};

// GitHub's /user email is only the address the user chose to show; the verified primary one
// comes from /user/emails. Admin by e-mail goes by the verified one.
TEST(DeployPresets, GitHubAdminByTheVerifiedPrimaryEmail) {
    {
        GitHubDeploy deploy("", {"octocat@github.com"}); // the documented example
        EXPECT_EQ(deploy.github.primary_email(), "octocat@github.com");
        EXPECT_EQ(deploy.roles(), (std::vector<std::string>{"viewer", "admin"}));
    }
    {
        GitHubDeploy deploy("boss@corp.example", {"octocat@github.com"});
        EXPECT_EQ(deploy.roles(), (std::vector<std::string>{"viewer", "admin"}));
    }
    {
        GitHubDeploy deploy("boss@corp.example", {"boss@corp.example"});
        EXPECT_EQ(deploy.roles(), std::vector<std::string>{"viewer"});
    }
}

} // namespace
} // namespace authflow

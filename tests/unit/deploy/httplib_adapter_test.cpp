// The cpp-httplib adapter: request and response conversion, and protect() for app routes.
#include <authflow/deploy/httplib_adapter.hpp>
#include <authflow/providers/factory.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace authflow {
namespace {

std::shared_ptr<const AuthRoutes> make_routes(std::shared_ptr<SessionStore> sessions) {
    OAuth2Settings oauth;
    oauth.provider = ProviderKind::custom;
    oauth.client_id = "app";
    oauth.authorize_url = "https://op.example/authorize";
    oauth.token_url = "https://op.example/token";
    oauth.scopes = std::vector<std::string>{"api:read"};
    DeploySettings deploy;
    deploy.public_url = "https://app.example";
    AuthRouteStores stores;
    stores.sessions = std::move(sessions);
    return std::make_shared<const AuthRoutes>(deploy, create_provider_from_settings(oauth), stores);
}

TEST(DeployHttplibAdapter, ConvertsRequests) {
    httplib::Request in;
    in.method = "POST";
    in.path = "/auth/logout";
    in.params.emplace("next", "/a b");
    in.headers.emplace("Origin", "https://app.example");
    in.headers.emplace("REMOTE_ADDR", "198.51.100.9");
    in.remote_addr = "203.0.113.5";
    in.body = "x=1";
    const Request out = to_request(in);
    EXPECT_EQ(out.method, "POST");
    EXPECT_EQ(out.path, "/auth/logout");
    EXPECT_EQ(out.remote_address, "203.0.113.5");
    EXPECT_EQ(out.headers.get("origin").value_or(""), "https://app.example");
    EXPECT_FALSE(out.headers.contains("REMOTE_ADDR")); // added by cpp-httplib, not the client
    EXPECT_EQ(out.body, "x=1");
    ASSERT_EQ(out.query.size(), 1u);
    EXPECT_EQ(out.query.begin()->second, "/a b");
}

TEST(DeployHttplibAdapter, CopiesEveryHeaderOfResponses) {
    Response response = Response::json(401, {{"error", "not_authenticated"}});
    response.add_set_cookie("a=1; Path=/");
    response.add_set_cookie("b=2; Path=/auth");
    httplib::Response out;
    apply_response(response, out);
    EXPECT_EQ(out.status, 401);
    EXPECT_EQ(out.get_header_value_count("Set-Cookie"), 2u);
    EXPECT_EQ(out.get_header_value("Content-Type"), "application/json");
    EXPECT_EQ(out.body, R"({"error":"not_authenticated"})");
}

TEST(DeployHttplibAdapter, ProtectRunsHandlerOnlyWithASession) {
    auto sessions = std::make_shared<MemorySessionStore>();
    auto routes = make_routes(sessions);
    UserSession session;
    session.session_id = new_session_id();
    session.user_id = "alice";
    session.created_at = system_clock().now();
    session.expires_at = session.created_at + std::chrono::hours{1};
    sessions->create(session);

    int calls = 0;
    auto handler =
        protect(routes, [&](const httplib::Request&, httplib::Response& res, const UserSession& s) {
            ++calls;
            res.set_content(s.user_id, "text/plain");
        });
    httplib::Request anonymous;
    httplib::Response denied;
    handler(anonymous, denied);
    EXPECT_EQ(denied.status, 401);
    EXPECT_EQ(calls, 0);

    httplib::Request signed_in;
    signed_in.headers.emplace("Cookie", "authflow_session=" + session.session_id);
    httplib::Response ok;
    handler(signed_in, ok);
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(ok.body, "alice");

    auto redirecting = protect(
        routes, [&](const httplib::Request&, httplib::Response&, const UserSession&) { ++calls; },
        "/login");
    httplib::Response redirected;
    redirecting(anonymous, redirected);
    EXPECT_EQ(redirected.status, 302);
    EXPECT_EQ(redirected.get_header_value("Location"), "/login");
    EXPECT_EQ(calls, 1);
}

} // namespace
} // namespace authflow

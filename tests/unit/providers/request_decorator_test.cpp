// The provider sends every request to its token, userinfo, revocation, introspection and device
// authorization endpoints through ProviderConfig::request_decorator: headers are added to each
// request, and a retry the server asks for is made once.
#include "provider_test_util.hpp"

#include <authflow/providers/generic_oidc_provider.hpp>
#include <authflow/providers/github_provider.hpp>
#include <authflow/providers/request_decorator.hpp>

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace authflow {
namespace {

using test::FakeOp;
using test::json;

// Records which endpoints it decorated and was asked about; asks for a retry of any answer with
// an X-Retry header (as a DPoP client would for a DPoP-Nonce).
class RecordingDecorator final : public RequestDecorator {
public:
    void add_headers(EndpointKind endpoint, HttpRequest& request) override {
        std::lock_guard lock(mutex_);
        decorated_.push_back(endpoint);
        request.headers.emplace_back("X-Proof", std::string{to_string(endpoint)});
    }
    bool should_retry(EndpointKind endpoint, const HttpRequest&,
                      const HttpResponse& response) override {
        std::lock_guard lock(mutex_);
        asked_.push_back(endpoint);
        return response.header("X-Retry").has_value();
    }
    std::vector<EndpointKind> decorated() const {
        std::lock_guard lock(mutex_);
        return decorated_;
    }
    std::vector<EndpointKind> asked() const {
        std::lock_guard lock(mutex_);
        return asked_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<EndpointKind> decorated_;
    std::vector<EndpointKind> asked_;
};

class RequestDecoratorTest : public ::testing::Test {
protected:
    FakeOp op;
    std::shared_ptr<RecordingDecorator> decorator = std::make_shared<RecordingDecorator>();

    std::unique_ptr<GenericOIDCProvider> provider() {
        ProviderConfig c;
        c.client_id = "client-1";
        c.client_secret = "secret-1";
        c.scopes = {"api:read"};
        c.authorize_url = FakeOp::authorize_url;
        c.token_url = FakeOp::token_url;
        c.userinfo_url = FakeOp::userinfo_url;
        c.revocation_url = FakeOp::revocation_url;
        c.introspection_url = FakeOp::introspection_url;
        c.device_authorization_url = FakeOp::device_url;
        c.use_pkce = false;
        c.http = op.http;
        c.clock = op.clock;
        c.request_decorator = decorator;
        return std::make_unique<GenericOIDCProvider>(std::move(c),
                                                     GenericOIDCProvider::Discovery::off);
    }

    static json tokens() {
        return {{"access_token", "AT-1"}, {"token_type", "Bearer"}, {"refresh_token", "RT-1"}};
    }
};

TEST_F(RequestDecoratorTest, HeadersAreAddedOnAllFourKindsOfRequest) {
    op.token_answer(200, tokens());
    op.http->on_json(FakeOp::userinfo_url, 200, {{"sub", "alice"}});
    op.http->on_json(FakeOp::revocation_url, 200, json::object());
    op.http->on_json(FakeOp::introspection_url, 200, {{"active", true}});
    auto p = provider();

    p->exchange_code("CODE", "http://127.0.0.1:1/cb");
    p->refresh_tokens("RT-1");
    p->client_credentials();
    p->get_userinfo("AT-1");
    EXPECT_TRUE(p->revoke_token("AT-1", "access_token"));
    EXPECT_TRUE(p->introspect_token("AT-1").active);

    const std::vector<EndpointKind> expected = {
        EndpointKind::token,    EndpointKind::token,      EndpointKind::token,
        EndpointKind::userinfo, EndpointKind::revocation, EndpointKind::introspection};
    EXPECT_EQ(decorator->decorated(), expected);
    EXPECT_EQ(decorator->asked(), expected);
    const auto sent = op.http->requests();
    ASSERT_EQ(sent.size(), expected.size());
    for (std::size_t i = 0; i < sent.size(); ++i) {
        EXPECT_EQ(test::header_of(sent[i], "X-Proof"), to_string(expected[i])) << sent[i].url;
    }
}

TEST_F(RequestDecoratorTest, DeviceFlowRequestsAreDecorated) {
    op.http->on_json(FakeOp::device_url, 200,
                     {{"device_code", "DC-1"},
                      {"user_code", "UC-1"},
                      {"verification_uri", "https://op.example/activate"},
                      {"expires_in", 600},
                      {"interval", 1}});
    auto p = provider();
    const DeviceAuthorization authorization = p->start_device_authorization();
    EXPECT_EQ(decorator->decorated(),
              std::vector<EndpointKind>{EndpointKind::device_authorization});
    EXPECT_EQ(test::header_of(op.http->requests_to(FakeOp::device_url).at(0), "X-Proof"),
              "device_authorization");
    (void)authorization;
}

TEST_F(RequestDecoratorTest, RetryAskedForIsMadeOnceOnEachKind) {
    std::map<std::string, int> calls;
    const auto once_then = [&calls](std::string url, json body) {
        return [&calls, url, body](const HttpRequest&) {
            if (++calls[url] == 1) {
                return test::json_response(401, {{"error", "use_dpop_nonce"}}, {{"X-Retry", "1"}});
            }
            return test::json_response(200, body);
        };
    };
    op.http->on(FakeOp::token_url, once_then(FakeOp::token_url, tokens()));
    op.http->on(FakeOp::userinfo_url, once_then(FakeOp::userinfo_url, {{"sub", "alice"}}));
    op.http->on(FakeOp::revocation_url, once_then(FakeOp::revocation_url, json::object()));
    op.http->on(FakeOp::introspection_url,
                once_then(FakeOp::introspection_url, {{"active", true}}));
    auto p = provider();

    EXPECT_EQ(p->refresh_tokens("RT-1").access_token, "AT-1");
    EXPECT_EQ(p->get_userinfo("AT-1")["sub"], "alice");
    EXPECT_TRUE(p->revoke_token("AT-1"));
    EXPECT_TRUE(p->introspect_token("AT-1").active);

    for (const char* url : {FakeOp::token_url, FakeOp::userinfo_url, FakeOp::revocation_url,
                            FakeOp::introspection_url}) {
        EXPECT_EQ(op.http->count(url), 2u) << url;
    }
    // Asked once per request (the first answer), decorated before each of the two attempts.
    EXPECT_EQ(decorator->asked().size(), 4u);
    EXPECT_EQ(decorator->decorated().size(), 8u);
}

TEST_F(RequestDecoratorTest, ARetryThatFailsAgainIsNotRepeated) {
    op.http->on(FakeOp::token_url, [](const HttpRequest&) {
        return test::json_response(401, {{"error", "use_dpop_nonce"}}, {{"X-Retry", "1"}});
    });
    auto p = provider();
    try {
        p->refresh_tokens("RT-1");
        FAIL() << "no exception";
    } catch (const TokenRefreshError& e) {
        EXPECT_EQ(e.code(), errc::provider_error);
        EXPECT_EQ(e.provider_answer().error, "use_dpop_nonce");
    }
    EXPECT_EQ(op.http->count(FakeOp::token_url), 2u);
}

TEST(RequestDecoratorGitHub, UserApiAndRevocationAreDecorated) {
    auto http = std::make_shared<test::RecordingHttp>();
    http->on_json("https://api.gh.example/user", 200, {{"id", 42}, {"login", "octo"}});
    http->on("https://api.gh.example/applications/client-1/token",
             [](const HttpRequest&) { return test::text_response(204, ""); });
    auto decorator = std::make_shared<RecordingDecorator>();
    ProviderConfig c;
    c.client_id = "client-1";
    c.client_secret = "secret-1";
    c.http = http;
    c.request_decorator = decorator;
    GitHubProvider github(std::move(c), "https://gh.example", "https://api.gh.example");
    github.get_userinfo("AT-1");
    EXPECT_TRUE(github.revoke_token("AT-1", "access_token"));
    EXPECT_EQ(decorator->decorated(),
              (std::vector<EndpointKind>{EndpointKind::userinfo, EndpointKind::revocation}));
}

} // namespace
} // namespace authflow

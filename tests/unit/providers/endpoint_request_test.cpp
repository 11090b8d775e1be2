// The request pipeline: headers added before each attempt, and at most one retry the server
// asks for.
#include "provider_test_util.hpp"
#include "providers/endpoint_request.hpp"

#include <authflow/providers/request_decorator.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace authflow {
namespace {

using detail::send_endpoint_request;

constexpr const char* url = "https://op.example/token";

// Adds a numbered header to each attempt; asks for a retry while `retries_wanted` > 0.
class CountingDecorator final : public RequestDecorator {
public:
    int retries_wanted = 0;
    int decorated = 0;
    int asked = 0;
    std::vector<EndpointKind> kinds;

    void add_headers(EndpointKind endpoint, HttpRequest& request) override {
        kinds.push_back(endpoint);
        request.headers.emplace_back("X-Attempt", std::to_string(++decorated));
    }
    bool should_retry(EndpointKind, const HttpRequest&, const HttpResponse& response) override {
        ++asked;
        return response.status == 401 && retries_wanted-- > 0;
    }
};

int x_attempt_headers(const HttpRequest& request) {
    int n = 0;
    for (const auto& [name, value] : request.headers) {
        n += name == "X-Attempt" ? 1 : 0;
    }
    return n;
}

TEST(EndpointRequest, WithoutDecoratorSendsTheRequestAsItIs) {
    auto http = std::make_shared<test::RecordingHttp>();
    http->on_json(url, 200, {{"ok", true}});
    HttpRequest request;
    request.url = url;
    request.headers = {{"Accept", "application/json"}};
    EXPECT_EQ(send_endpoint_request(*http, nullptr, EndpointKind::token, request).status, 200);
    ASSERT_EQ(http->requests().size(), 1u);
    EXPECT_EQ(http->requests()[0].headers, request.headers);
}

TEST(EndpointRequest, AddsHeadersBeforeSending) {
    auto http = std::make_shared<test::RecordingHttp>();
    http->on_json(url, 200, {{"ok", true}});
    CountingDecorator decorator;
    HttpRequest request;
    request.url = url;
    send_endpoint_request(*http, &decorator, EndpointKind::introspection, request);
    ASSERT_EQ(http->requests().size(), 1u);
    EXPECT_EQ(test::header_of(http->requests()[0], "X-Attempt"), "1");
    EXPECT_EQ(decorator.kinds, std::vector<EndpointKind>{EndpointKind::introspection});
    EXPECT_EQ(decorator.asked, 1);
}

TEST(EndpointRequest, RetryAskedForIsMadeOnceWithFreshHeaders) {
    auto http = std::make_shared<test::RecordingHttp>();
    int calls = 0;
    http->on(url, [&](const HttpRequest&) {
        return test::json_response(++calls == 1 ? 401 : 200, {{"call", calls}});
    });
    CountingDecorator decorator;
    decorator.retries_wanted = 1;
    HttpRequest request;
    request.url = url;
    const HttpResponse response =
        send_endpoint_request(*http, &decorator, EndpointKind::token, request);
    EXPECT_EQ(response.status, 200);
    const auto sent = http->requests();
    ASSERT_EQ(sent.size(), 2u);
    // Each attempt starts from the request as built: one header, the second attempt's own.
    EXPECT_EQ(x_attempt_headers(sent[1]), 1);
    EXPECT_EQ(test::header_of(sent[1], "X-Attempt"), "2");
    EXPECT_EQ(decorator.asked, 1);
}

TEST(EndpointRequest, RetryIsMadeAtMostOnce) {
    auto http = std::make_shared<test::RecordingHttp>();
    http->on_json(url, 401, {{"error", "use_dpop_nonce"}});
    CountingDecorator decorator;
    decorator.retries_wanted = 5;
    HttpRequest request;
    request.url = url;
    const HttpResponse response =
        send_endpoint_request(*http, &decorator, EndpointKind::userinfo, request);
    EXPECT_EQ(response.status, 401); // the second answer, whatever it says
    EXPECT_EQ(http->requests().size(), 2u);
    EXPECT_EQ(decorator.asked, 1);
}

TEST(EndpointRequest, NoRetryUnlessAskedFor) {
    auto http = std::make_shared<test::RecordingHttp>();
    http->on_json(url, 401, {{"error", "invalid_token"}});
    CountingDecorator decorator;
    HttpRequest request;
    request.url = url;
    EXPECT_EQ(send_endpoint_request(*http, &decorator, EndpointKind::revocation, request).status,
              401);
    EXPECT_EQ(http->requests().size(), 1u);
}

} // namespace
} // namespace authflow

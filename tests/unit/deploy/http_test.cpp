// The framework-agnostic Request and Response.
#include <authflow/core/errors.hpp>
#include <authflow/deploy/http.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace authflow {
namespace {

using ::testing::ElementsAre;

template <typename F> errc error_code(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    ADD_FAILURE() << "expected an Error";
    return errc::internal;
}

TEST(DeployHeaders, LookupIgnoresCase) {
    Headers headers{{"Content-Type", "text/plain"}, {"X-Forwarded-For", "1.2.3.4"}};
    EXPECT_EQ(headers.get("content-type"), "text/plain");
    EXPECT_EQ(headers.get("X-FORWARDED-FOR"), "1.2.3.4");
    EXPECT_TRUE(headers.contains("x-forwarded-for"));
    EXPECT_FALSE(headers.get("Content-Length").has_value());
    // The seed's bearer lookup failed because it compared case-sensitively (§13 item 2).
    headers.add("authorization", "Bearer x");
    EXPECT_EQ(headers.get("Authorization"), "Bearer x");
}

TEST(DeployHeaders, RepeatedFieldsAndSet) {
    Headers headers;
    headers.add("Set-Cookie", "a=1");
    headers.add("set-cookie", "b=2");
    EXPECT_EQ(headers.count("SET-COOKIE"), 2u);
    EXPECT_THAT(headers.get_all("Set-Cookie"), ElementsAre("a=1", "b=2"));
    headers.set("Set-Cookie", "c=3");
    EXPECT_THAT(headers.get_all("set-cookie"), ElementsAre("c=3"));
    headers.remove("SET-cookie");
    EXPECT_TRUE(headers.empty());
}

TEST(DeployHeaders, RefusesHeaderInjection) {
    Headers headers;
    EXPECT_EQ(error_code([&] { headers.add("X", "a\r\nSet-Cookie: evil=1"); }),
              errc::invalid_argument);
    EXPECT_EQ(error_code([&] { headers.add("X\n", "a"); }), errc::invalid_argument);
    EXPECT_EQ(error_code([&] { headers.set("", "a"); }), errc::invalid_argument);
    EXPECT_TRUE(headers.empty());
}

TEST(DeployRequest, CookiesParsedFromEveryCookieHeader) {
    Request request;
    request.headers.add("cookie", "a=1; b=\"2\"");
    request.headers.add("Cookie", "c=3");
    EXPECT_EQ(request.cookie("a"), "1");
    EXPECT_EQ(request.cookie("b"), "2");
    EXPECT_EQ(request.cookie("c"), "3");
    EXPECT_EQ(request.cookies().size(), 3u);
}

TEST(DeployRequest, CookieCacheFollowsHeaderChanges) {
    Request request;
    EXPECT_TRUE(request.cookies().empty());
    request.headers.set("Cookie", "sid=first");
    EXPECT_EQ(request.cookie("sid"), "first");
    request.headers.set("Cookie", "sid=second");
    EXPECT_EQ(request.cookie("sid"), "second");
}

TEST(DeployRequest, OversizedCookiesThrow) {
    Request request;
    request.headers.add("Cookie", "a=" + std::string(5000, 'x'));
    request.headers.add("Cookie", "b=" + std::string(5000, 'y'));
    EXPECT_EQ(error_code([&] { (void)request.cookies(); }), errc::too_large);
}

TEST(DeployResponse, JsonRedirectHtml) {
    const auto json = Response::json(401, {{"error", "not_authenticated"}});
    EXPECT_EQ(json.status, 401);
    EXPECT_EQ(json.headers.get("Content-Type"), "application/json");
    EXPECT_EQ(json.headers.get("Cache-Control"), "no-store");
    EXPECT_EQ(json.body, R"({"error":"not_authenticated"})");

    const auto redirect = Response::redirect("/home?x=1");
    EXPECT_EQ(redirect.status, 302);
    EXPECT_EQ(redirect.headers.get("location"), "/home?x=1");
    EXPECT_EQ(error_code([] { (void)Response::redirect("/a\r\nSet-Cookie: x=1"); }),
              errc::invalid_argument);

    const auto html = Response::html(200, "<p>hi</p>");
    EXPECT_EQ(html.headers.get("content-type"), "text/html; charset=utf-8");
}

TEST(DeployResponse, SeveralSetCookies) {
    Response response;
    response.add_set_cookie("a=1; Path=/");
    response.add_set_cookie("b=; Max-Age=0");
    EXPECT_THAT(response.headers.get_all("Set-Cookie"),
                ElementsAre("a=1; Path=/", "b=; Max-Age=0"));
}

TEST(DeployResponse, JsonReplacesInvalidUtf8) {
    const auto response = Response::json(400, {{"error_description", std::string{"bad \xff"}}});
    EXPECT_EQ(response.status, 400);
    EXPECT_NE(response.body.find("bad "), std::string::npos);
}

} // namespace
} // namespace authflow

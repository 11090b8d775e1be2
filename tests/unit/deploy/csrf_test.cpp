// CSRF origin check for the POST routes (seed §10.3 with §13 item 21 fixed).
#include <authflow/core/errors.hpp>
#include <authflow/deploy/csrf.hpp>

#include <gtest/gtest.h>

namespace authflow {
namespace {

DeploySettings settings_for(std::string public_url, std::vector<std::string> trusted = {}) {
    DeploySettings settings;
    settings.public_url = std::move(public_url);
    settings.trusted_origins = std::move(trusted);
    return settings;
}

Request post(std::vector<std::pair<std::string, std::string>> headers) {
    Request request;
    request.method = "POST";
    request.path = "/auth/logout";
    request.remote_address = "10.0.0.2";
    for (auto& [name, value] : headers) {
        request.headers.add(name, value);
    }
    return request;
}

TEST(DeployCsrf, SameOriginPasses) {
    const CsrfOriginCheck check{settings_for("https://app.example.com")};
    EXPECT_TRUE(check.allows(post({{"Origin", "https://app.example.com"}})));
    EXPECT_TRUE(check.allows(post({{"Origin", "https://APP.example.com:443"}})));
}

TEST(DeployCsrf, ForeignOriginRejected) {
    const CsrfOriginCheck check{settings_for("https://app.example.com")};
    EXPECT_FALSE(check.allows(post({{"Origin", "https://evil.example"}})));
    EXPECT_FALSE(check.allows(post({{"Origin", "http://app.example.com"}})));
    EXPECT_FALSE(check.allows(post({{"Origin", "https://app.example.com:8443"}})));
    EXPECT_FALSE(check.allows(post({{"Origin", "https://app.example.com.evil.example"}})));
}

TEST(DeployCsrf, MissingOriginAndRefererRejected) {
    const CsrfOriginCheck check{settings_for("https://app.example.com")};
    EXPECT_FALSE(check.allows(post({})));
}

TEST(DeployCsrf, RefererUsedWhenOriginAbsent) {
    const CsrfOriginCheck check{settings_for("https://app.example.com")};
    EXPECT_TRUE(check.allows(post({{"Referer", "https://app.example.com/settings?tab=1"}})));
    EXPECT_FALSE(check.allows(post({{"Referer", "https://evil.example/app.example.com"}})));
    EXPECT_FALSE(check.allows(post({{"Referer", "/relative/only"}})));
    EXPECT_FALSE(check.allows(post({{"Referer", "not a url"}})));
}

TEST(DeployCsrf, NullOriginRejectedWithoutFallback) {
    const CsrfOriginCheck check{settings_for("https://app.example.com")};
    EXPECT_FALSE(check.allows(post({{"Origin", "null"}})));
    // "null" is the browser saying "opaque origin": a Referer does not override it.
    EXPECT_FALSE(
        check.allows(post({{"Origin", "null"}, {"Referer", "https://app.example.com/x"}})));
}

TEST(DeployCsrf, MalformedOrAmbiguousOriginRejected) {
    const CsrfOriginCheck check{settings_for("https://app.example.com")};
    EXPECT_FALSE(check.allows(post({{"Origin", "https://app.example.com/"}})));
    EXPECT_FALSE(check.allows(post({{"Origin", "https://app.example.com/path"}})));
    EXPECT_FALSE(check.allows(post({{"Origin", "https://user@app.example.com"}})));
    EXPECT_FALSE(check.allows(post({{"Origin", "app.example.com"}})));
    EXPECT_FALSE(check.allows(post({{"Origin", ""}})));
    EXPECT_FALSE(check.allows(
        post({{"Origin", "https://app.example.com"}, {"Origin", "https://evil.example"}})));
}

TEST(DeployCsrf, TrustedOriginsAccepted) {
    const CsrfOriginCheck check{
        settings_for("https://app.example.com", {"https://admin.example.com/"})};
    EXPECT_TRUE(check.allows(post({{"Origin", "https://admin.example.com"}})));
    EXPECT_TRUE(check.allows(post({{"Origin", "https://app.example.com"}})));
    EXPECT_FALSE(check.allows(post({{"Origin", "https://other.example.com"}})));
}

TEST(DeployCsrf, BehindTlsTerminatingProxy) {
    // The app sees plain http from the proxy; the browser's Origin is https. The seed compared
    // with the request's own scheme and Host and refused every POST here.
    const CsrfOriginCheck check{settings_for("https://app.example.com")};
    auto request = post({{"Origin", "https://app.example.com"},
                         {"Host", "backend:8080"},
                         {"X-Forwarded-Proto", "https"},
                         {"X-Forwarded-Host", "app.example.com"}});
    EXPECT_TRUE(check.allows(request));
    request = post({{"Origin", "https://app.example.com"}, {"Host", "backend:8080"}});
    EXPECT_TRUE(check.allows(request));
}

TEST(DeployCsrf, ProxyHeadersCannotForgeAcceptance) {
    const CsrfOriginCheck check{settings_for("https://app.example.com")};
    // An attacker's page on evil.example cannot make its Origin acceptable by any Host or
    // forwarded header: the comparison is only with public_url and trusted_origins.
    const auto request = post({{"Origin", "https://evil.example"},
                               {"Host", "evil.example"},
                               {"X-Forwarded-Host", "evil.example"},
                               {"X-Forwarded-Proto", "https"}});
    EXPECT_FALSE(check.allows(request));
}

TEST(DeployCsrf, LoopbackDevelopmentUrlWithPort) {
    const CsrfOriginCheck check{settings_for("http://127.0.0.1:8080/app")};
    EXPECT_TRUE(check.allows(post({{"Origin", "http://127.0.0.1:8080"}})));
    EXPECT_FALSE(check.allows(post({{"Origin", "http://127.0.0.1:9090"}})));
    EXPECT_FALSE(check.allows(post({{"Origin", "http://localhost:8080"}})));
}

TEST(DeployCsrf, HelpersAndConfiguration) {
    EXPECT_TRUE(verify_csrf_origin(post({{"Origin", "https://app.example.com"}}),
                                   settings_for("https://app.example.com")));
    EXPECT_FALSE(verify_csrf_origin(post({}), settings_for("https://app.example.com")));
    const auto response = csrf_failed_response();
    EXPECT_EQ(response.status, 403);
    EXPECT_EQ(response.body,
              R"({"error":"csrf_failed","error_description":"Origin verification failed"})");
    try {
        CsrfOriginCheck check{settings_for("")};
        ADD_FAILURE() << "empty public_url accepted";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.code(), errc::config_missing);
    }
    try {
        CsrfOriginCheck check{settings_for("https://a.example", {"nonsense"})};
        ADD_FAILURE() << "bad trusted origin accepted";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.code(), errc::bad_url);
    }
}

} // namespace
} // namespace authflow

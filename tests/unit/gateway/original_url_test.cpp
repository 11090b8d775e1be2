// The original URL a forward-auth proxy reports, believed only from trusted proxies.
#include <authflow/gateway/gatekeeper.hpp>

#include <gtest/gtest.h>

namespace authflow {
namespace {

Request forwarded(std::string peer, std::string proto, std::string host, std::string uri) {
    Request request;
    request.path = "/auth/check";
    request.remote_address = std::move(peer);
    request.headers.add("X-Forwarded-Proto", std::move(proto));
    request.headers.add("X-Forwarded-Host", std::move(host));
    request.headers.add("X-Forwarded-Uri", std::move(uri));
    return request;
}

const TrustedProxies proxies{{"10.0.0.0/8", "::1"}};

TEST(OriginalUrl, RebuiltFromATrustedProxy) {
    EXPECT_EQ(original_url(forwarded("10.1.2.3", "https", "app.example.com", "/a/b?c=1"), proxies),
              "https://app.example.com/a/b?c=1");
    EXPECT_EQ(original_url(forwarded("::1", "HTTP", "127.0.0.1:8443", "/"), proxies),
              "http://127.0.0.1:8443/");
    EXPECT_EQ(original_url(forwarded("::1", "https", "[::1]:8443", "/x"), proxies),
              "https://[::1]:8443/x");
}

TEST(OriginalUrl, IgnoredFromAnUntrustedPeer) {
    EXPECT_EQ(original_url(forwarded("203.0.113.9", "https", "app.example.com", "/"), proxies),
              std::nullopt);
    EXPECT_EQ(
        original_url(forwarded("203.0.113.9", "https", "app.example.com", "/"), TrustedProxies{}),
        std::nullopt);
}

TEST(OriginalUrl, RefusesWhatCouldRedirectElsewhere) {
    const auto url = [](std::string proto, std::string host, std::string uri) {
        return original_url(
            forwarded("10.0.0.1", std::move(proto), std::move(host), std::move(uri)), proxies);
    };
    EXPECT_EQ(url("javascript", "app.example.com", "/"), std::nullopt);
    EXPECT_EQ(url("https", "evil.example/x", "/"), std::nullopt);
    EXPECT_EQ(url("https", "user@evil.example", "/"), std::nullopt);
    EXPECT_EQ(url("https", "app.example.com:99999", "/"), std::nullopt);
    EXPECT_EQ(url("https", "app.example.com", "//evil.example/"), std::nullopt);
    EXPECT_EQ(url("https", "app.example.com", "/\\evil.example"), std::nullopt);
    EXPECT_EQ(url("https", "app.example.com", "relative"), std::nullopt);
    EXPECT_EQ(url("https", "app.example.com", "/a\tb"), std::nullopt);
    EXPECT_EQ(url("https", "app.example.com", "/" + std::string(5000, 'a')), std::nullopt);
}

TEST(OriginalUrl, NeedsEveryFieldOnce) {
    Request request = forwarded("10.0.0.1", "https", "app.example.com", "/");
    request.headers.add("X-Forwarded-Host", "evil.example");
    EXPECT_EQ(original_url(request, proxies), std::nullopt);
    Request missing = forwarded("10.0.0.1", "https", "app.example.com", "/");
    missing.headers.remove("X-Forwarded-Uri");
    EXPECT_EQ(original_url(missing, proxies), std::nullopt);
}

} // namespace
} // namespace authflow

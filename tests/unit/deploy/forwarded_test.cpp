// Client identity behind proxies: X-Forwarded-For / -Proto believed only from trusted peers.
#include <authflow/core/errors.hpp>
#include <authflow/deploy/forwarded.hpp>

#include <gtest/gtest.h>

namespace authflow {
namespace {

Request from(std::string peer, std::vector<std::pair<std::string, std::string>> headers = {}) {
    Request request;
    request.remote_address = std::move(peer);
    for (auto& [name, value] : headers) {
        request.headers.add(name, value);
    }
    return request;
}

TEST(DeployIpAddress, ParsesAndCanonicalises) {
    EXPECT_EQ(IpAddress::parse("192.0.2.1")->to_string(), "192.0.2.1");
    EXPECT_EQ(IpAddress::parse("2001:DB8:0:0::1")->to_string(), "2001:db8::1");
    EXPECT_EQ(IpAddress::parse("[::1]")->to_string(), "::1");
    // IPv4-mapped IPv6 is the IPv4 client.
    const auto mapped = IpAddress::parse("::ffff:192.0.2.1");
    ASSERT_TRUE(mapped);
    EXPECT_FALSE(mapped->is_v6);
    EXPECT_EQ(*mapped, *IpAddress::parse("192.0.2.1"));
    for (const char* bad : {"", "host.example", "192.0.2.1:80", "1.2.3", "fe80::1%eth0",
                            "192.0.2.256", "[::1", " 192.0.2.1"}) {
        EXPECT_FALSE(IpAddress::parse(bad).has_value()) << bad;
    }
}

TEST(DeployTrustedProxies, AddressesAndCidrBlocks) {
    const TrustedProxies proxies{{"10.0.0.0/8", "192.168.1.7", "2001:db8::/32", "::1"}};
    EXPECT_TRUE(proxies.contains("10.1.2.3"));
    EXPECT_TRUE(proxies.contains("::ffff:10.9.9.9"));
    EXPECT_FALSE(proxies.contains("11.0.0.1"));
    EXPECT_TRUE(proxies.contains("192.168.1.7"));
    EXPECT_FALSE(proxies.contains("192.168.1.8"));
    EXPECT_TRUE(proxies.contains("2001:db8:ffff::1"));
    EXPECT_FALSE(proxies.contains("2001:db9::1"));
    EXPECT_TRUE(proxies.contains("::1"));
    EXPECT_FALSE(proxies.contains("127.0.0.1"));
    EXPECT_FALSE(proxies.contains("garbage"));
    EXPECT_FALSE(TrustedProxies{}.contains("10.0.0.1"));

    const TrustedProxies odd_prefix{{"172.16.0.0/12", "0.0.0.0/0"}};
    EXPECT_TRUE(odd_prefix.contains("8.8.8.8"));
    EXPECT_FALSE(odd_prefix.contains("2001:db8::1")); // an IPv4 block never holds IPv6
}

TEST(DeployTrustedProxies, RejectsBadEntries) {
    for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x",
                            "proxy.internal", "", "*"}) {
        try {
            TrustedProxies proxies{{bad}};
            ADD_FAILURE() << "accepted " << bad;
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), errc::invalid_argument) << bad;
        }
    }
}

TEST(DeployClientAddress, NoProxiesTrustedIgnoresForwardedFor) {
    const auto request = from("203.0.113.9", {{"X-Forwarded-For", "1.1.1.1"}});
    EXPECT_EQ(client_address(request, TrustedProxies{}), "203.0.113.9");
}

TEST(DeployClientAddress, UntrustedPeersForwardedForIsIgnored) {
    const TrustedProxies proxies{{"10.0.0.0/8"}};
    const auto request = from("203.0.113.9", {{"X-Forwarded-For", "10.0.0.1, 1.1.1.1"}});
    EXPECT_EQ(client_address(request, proxies), "203.0.113.9");
}

TEST(DeployClientAddress, TrustedPeerGivesRightMostUntrustedHop) {
    const TrustedProxies proxies{{"10.0.0.0/8"}};
    // The client wrote "6.6.6.6" itself; the edge proxy appended the real client 198.51.100.4;
    // an inner proxy 10.0.0.2 appended itself on the way.
    const auto request = from("10.0.0.3", {{"X-Forwarded-For", "6.6.6.6, 198.51.100.4, 10.0.0.2"}});
    EXPECT_EQ(client_address(request, proxies), "198.51.100.4");
}

TEST(DeployClientAddress, SeveralHeaderFieldsFormOneList) {
    const TrustedProxies proxies{{"10.0.0.0/8"}};
    const auto request = from(
        "10.0.0.3", {{"X-Forwarded-For", "6.6.6.6"}, {"x-forwarded-for", "198.51.100.4,10.0.0.2"}});
    EXPECT_EQ(client_address(request, proxies), "198.51.100.4");
}

TEST(DeployClientAddress, TrustedPeerWithoutHeaderIsTheClient) {
    const TrustedProxies proxies{{"10.0.0.0/8"}};
    EXPECT_EQ(client_address(from("10.0.0.3"), proxies), "10.0.0.3");
}

TEST(DeployClientAddress, AllHopsTrustedGivesLeftMost) {
    const TrustedProxies proxies{{"10.0.0.0/8"}};
    const auto request = from("10.0.0.3", {{"X-Forwarded-For", "10.0.0.9, 10.0.0.2"}});
    EXPECT_EQ(client_address(request, proxies), "10.0.0.9");
}

TEST(DeployClientAddress, UnparsableHopStopsAtLastTrusted) {
    const TrustedProxies proxies{{"10.0.0.0/8"}};
    auto request = from("10.0.0.3", {{"X-Forwarded-For", "198.51.100.4, unknown, 10.0.0.2"}});
    EXPECT_EQ(client_address(request, proxies), "10.0.0.2");
    request = from("10.0.0.3", {{"X-Forwarded-For", "garbage"}});
    EXPECT_EQ(client_address(request, proxies), "10.0.0.3");
}

TEST(DeployClientAddress, CanonicalFormAndUnknownPeer) {
    const TrustedProxies proxies{{"::1"}};
    EXPECT_EQ(client_address(from("::ffff:198.51.100.4"), TrustedProxies{}), "198.51.100.4");
    EXPECT_EQ(client_address(from("::1", {{"X-Forwarded-For", "2001:DB8::0:1"}}), proxies),
              "2001:db8::1");
    EXPECT_EQ(client_address(from(""), proxies), "unknown");
    EXPECT_EQ(client_address(from("not-an-ip"), proxies), "unknown");
}

TEST(DeployRequestIsHttps, OwnTlsCounts) {
    auto request = from("203.0.113.9");
    EXPECT_FALSE(request_is_https(request, TrustedProxies{}));
    request.is_tls = true;
    EXPECT_TRUE(request_is_https(request, TrustedProxies{}));
}

TEST(DeployRequestIsHttps, ForwardedProtoOnlyFromTrustedPeer) {
    const TrustedProxies proxies{{"10.0.0.0/8"}};
    auto request = from("203.0.113.9", {{"X-Forwarded-Proto", "https"}});
    EXPECT_FALSE(request_is_https(request, proxies));
    request = from("10.0.0.3", {{"X-Forwarded-Proto", "HTTPS"}});
    EXPECT_TRUE(request_is_https(request, proxies));
    request = from("10.0.0.3", {{"X-Forwarded-Proto", "http"}});
    EXPECT_FALSE(request_is_https(request, proxies));
    request = from("10.0.0.3");
    EXPECT_FALSE(request_is_https(request, proxies));
}

TEST(DeployRequestIsHttps, ClientWrittenProtoIsNotBelieved) {
    const TrustedProxies proxies{{"10.0.0.0/8"}};
    // The client sent "X-Forwarded-Proto: https" over plain http; the proxy appended "http".
    auto request = from(
        "10.0.0.3", {{"X-Forwarded-For", "198.51.100.4"}, {"X-Forwarded-Proto", "https, http"}});
    EXPECT_FALSE(request_is_https(request, proxies));
    // One entry per hop: the client's hop decides (edge terminated TLS, inner hop was http).
    request = from("10.0.0.3", {{"X-Forwarded-For", "198.51.100.4, 10.0.0.2"},
                                {"X-Forwarded-Proto", "https, http"}});
    EXPECT_TRUE(request_is_https(request, proxies));
}

} // namespace
} // namespace authflow

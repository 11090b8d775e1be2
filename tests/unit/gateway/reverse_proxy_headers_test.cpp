// Reverse-proxy header rules: RFC 9110 §7.6.1 hop-by-hop fields, identity headers only from
// authflow, X-Forwarded-* believed only from trusted proxies, authflow's cookies kept back.
#include "gateway/reverse_proxy_headers.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace authflow::gateway {
namespace {

std::vector<std::string> names_of(const Headers& headers) {
    std::vector<std::string> names;
    for (const auto& [name, value] : headers) {
        names.push_back(name);
    }
    return names;
}

Request client_request() {
    Request request;
    request.method = "GET";
    request.path = "/reports";
    request.remote_address = "203.0.113.7";
    request.headers.add("Host", "app.example");
    request.headers.add("Accept", "text/html");
    return request;
}

TEST(ReverseProxyHeaders, FixedHopByHopFields) {
    for (const char* name :
         {"Connection", "keep-alive", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
          "Proxy-Authorization", "proxy-connection", "Proxy-Authenticate"}) {
        EXPECT_TRUE(is_hop_by_hop(name)) << name;
    }
    for (const char* name : {"Content-Length", "Cookie", "Authorization", "X-Proxy", "Trailers",
                             "Content-Type", "Upgrade-Insecure-Requests"}) {
        EXPECT_FALSE(is_hop_by_hop(name)) << name;
    }
}

TEST(ReverseProxyHeaders, RemovesTheFieldsConnectionNames) {
    Headers headers{{"Connection", "keep-alive, X-Hop-One"},
                    {"connection", " x-hop-two ,,"},
                    {"X-Hop-One", "1"},
                    {"X-HOP-TWO", "2"},
                    {"Keep-Alive", "timeout=5"},
                    {"X-Kept", "3"},
                    {"Content-Type", "text/plain"}};
    remove_hop_by_hop(headers);
    EXPECT_EQ(names_of(headers), (std::vector<std::string>{"X-Kept", "Content-Type"}));
}

TEST(ReverseProxyHeaders, ClientIdentityHeadersNeverReachTheApp) {
    Request request = client_request();
    request.headers.add("X-Auth-Request-User", "admin");
    request.headers.add("x-auth-request-groups", "admins");
    request.headers.add("X-AUTH-REQUEST-EMAIL", "boss@example.com");
    request.headers.add("X-Auth-Request-Access-Token", "forged");
    const Headers identity{{"X-Auth-Request-User", "alice"}};
    const Headers out = upstream_request_headers(request, identity, {});
    EXPECT_EQ(out.get_all("X-Auth-Request-User"), std::vector<std::string>{"alice"});
    EXPECT_FALSE(out.contains("X-Auth-Request-Groups"));
    EXPECT_FALSE(out.contains("X-Auth-Request-Email"));
    EXPECT_FALSE(out.contains("X-Auth-Request-Access-Token"));
}

TEST(ReverseProxyHeaders, AConnectionOptionCannotSmuggleAnIdentityHeaderPastTheStrip) {
    Request request = client_request();
    request.headers.add("Connection", "X-Auth-Request-User");
    request.headers.add("X-Auth-Request-User", "admin");
    const Headers out = upstream_request_headers(request, {{"X-Auth-Request-User", "alice"}}, {});
    EXPECT_EQ(out.get_all("X-Auth-Request-User"), std::vector<std::string>{"alice"});
    EXPECT_FALSE(out.contains("Connection"));
}

TEST(ReverseProxyHeaders, UpstreamRequestDropsHopByHopHostExpectAndLength) {
    Request request = client_request();
    request.headers.add("Connection", "close, X-Private");
    request.headers.add("X-Private", "1");
    request.headers.add("TE", "trailers");
    request.headers.add("Transfer-Encoding", "chunked");
    request.headers.add("Content-Length", "10");
    request.headers.add("Expect", "100-continue");
    request.headers.add("Proxy-Authorization", "Basic eA==");
    request.headers.add("Authorization", "Bearer app-token");
    const Headers out = upstream_request_headers(request, {}, {});
    for (const char* gone : {"Connection", "X-Private", "TE", "Transfer-Encoding", "Content-Length",
                             "Expect", "Proxy-Authorization", "Host"}) {
        EXPECT_FALSE(out.contains(gone)) << gone;
    }
    EXPECT_EQ(out.get("Authorization").value_or(""), "Bearer app-token"); // the app's own
    EXPECT_EQ(out.get("Accept").value_or(""), "text/html");
}

TEST(ReverseProxyHeaders, ForwardedFieldsFromAnUntrustedPeerAreReplaced) {
    Request request = client_request();
    request.headers.add("X-Forwarded-For", "198.51.100.1");
    request.headers.add("X-Forwarded-Proto", "https");
    request.headers.add("X-Forwarded-Host", "evil.example");
    request.headers.add("Forwarded", "for=198.51.100.1");
    const Headers out = upstream_request_headers(request, {}, {});
    EXPECT_EQ(out.get_all("X-Forwarded-For"), std::vector<std::string>{"203.0.113.7"});
    EXPECT_EQ(out.get_all("X-Forwarded-Proto"), std::vector<std::string>{"http"});
    EXPECT_EQ(out.get_all("X-Forwarded-Host"), std::vector<std::string>{"app.example"});
    EXPECT_FALSE(out.contains("Forwarded"));
}

TEST(ReverseProxyHeaders, ATrustedProxysForwardedFieldsAreExtended) {
    const TrustedProxies trusted{{"203.0.113.0/24"}};
    ForwardingContext context;
    context.trusted_proxies = &trusted;
    Request request = client_request();
    request.headers.add("X-Forwarded-For", "198.51.100.1");
    request.headers.add("X-Forwarded-Proto", "https");
    request.headers.add("X-Forwarded-Host", "public.example");
    request.headers.add("Forwarded", "for=198.51.100.1;proto=https");
    const Headers out = upstream_request_headers(request, {}, context);
    EXPECT_EQ(out.get_all("X-Forwarded-For"),
              std::vector<std::string>{"198.51.100.1, 203.0.113.7"});
    EXPECT_EQ(out.get_all("X-Forwarded-Proto"), std::vector<std::string>{"https"});
    EXPECT_EQ(out.get_all("X-Forwarded-Host"), std::vector<std::string>{"public.example"});
    EXPECT_EQ(out.get("Forwarded").value_or(""), "for=198.51.100.1;proto=https");
}

TEST(ReverseProxyHeaders, TheSessionCookieStaysWithAuthflow) {
    Request request = client_request();
    request.headers.add("Cookie", "theme=dark; authflow_session=secret-id");
    request.headers.add("Cookie", "lang=en");
    ForwardingContext context;
    context.hidden_cookies = {"authflow_session"};
    const Headers out = upstream_request_headers(request, {}, context);
    EXPECT_EQ(out.get_all("Cookie"), std::vector<std::string>{"theme=dark; lang=en"});

    Request only_session = client_request();
    only_session.headers.add("Cookie", "authflow_session=secret-id");
    EXPECT_FALSE(upstream_request_headers(only_session, {}, context).contains("Cookie"));
}

TEST(ReverseProxyHeaders, WithoutCookiesMatchesWholeNames) {
    EXPECT_EQ(without_cookies("a=1; session=2; session_x=3; b=4", {"session"}),
              "a=1; session_x=3; b=4");
    EXPECT_EQ(without_cookies(" a=1 ;; b ", {}), "a=1; b");
    EXPECT_EQ(without_cookies("session=2", {"session"}), "");
}

TEST(ReverseProxyHeaders, ResponseDropsHopByHopAndLength) {
    const Headers upstream{{"Connection", "keep-alive, X-Hop"},
                           {"X-Hop", "1"},
                           {"Keep-Alive", "timeout=5"},
                           {"Transfer-Encoding", "chunked"},
                           {"Content-Length", "12"},
                           {"Set-Cookie", "a=1"},
                           {"Set-Cookie", "b=2"},
                           {"Content-Type", "text/html"},
                           {"Proxy-Authenticate", "Basic"}};
    const Headers out = downstream_response_headers(upstream);
    EXPECT_EQ(names_of(out),
              (std::vector<std::string>{"Set-Cookie", "Set-Cookie", "Content-Type"}));
    EXPECT_EQ(out.get_all("Set-Cookie"), (std::vector<std::string>{"a=1", "b=2"}));
}

TEST(ReverseProxyHeaders, UpgradeRequestsAreRecognised) {
    EXPECT_TRUE(asks_for_upgrade(Headers{{"Upgrade", "websocket"}, {"Connection", "Upgrade"}}));
    EXPECT_TRUE(asks_for_upgrade(Headers{{"Connection", "keep-alive, upgrade"}}));
    EXPECT_TRUE(asks_for_upgrade(Headers{{"upgrade", "h2c"}}));
    EXPECT_FALSE(asks_for_upgrade(Headers{{"Connection", "keep-alive"}}));
    EXPECT_FALSE(asks_for_upgrade(Headers{{"Upgrade-Insecure-Requests", "1"}}));
}

TEST(ReverseProxyHeaders, ApiClientsAreToldApartFromBrowsers) {
    EXPECT_TRUE(wants_json(Headers{{"Accept", "application/json"}}));
    EXPECT_TRUE(wants_json(Headers{{"Accept", "text/plain, Application/JSON;q=0.9"}}));
    EXPECT_TRUE(wants_json(Headers{{"X-Requested-With", "XMLHttpRequest"}}));
    EXPECT_FALSE(wants_json(Headers{{"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}}));
    EXPECT_FALSE(wants_json(Headers{{"Accept", "application/jsonx"}}));
    EXPECT_FALSE(wants_json(Headers{}));
}

} // namespace
} // namespace authflow::gateway

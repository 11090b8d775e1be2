// URL encoding, query strings, URL parsing, loopback hosts and the https rule.
#include <authflow/core/errors.hpp>
#include <authflow/core/url.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace authflow {
namespace {

template <typename F> errc error_code(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    ADD_FAILURE() << "expected an Error, nothing thrown";
    return errc::internal;
}

// ---- url_encode / url_decode ---------------------------------------------------------------

TEST(Url, EncodeKeepsOnlyUnreserved) {
    EXPECT_EQ(url_encode("AZaz09-._~"), "AZaz09-._~");
    EXPECT_EQ(url_encode("a b"), "a%20b");
    EXPECT_EQ(url_encode("a+b"), "a%2Bb");
    EXPECT_EQ(url_encode("&=?/#%:@"), "%26%3D%3F%2F%23%25%3A%40");
    EXPECT_EQ(url_encode("\xc3\xa9"), "%C3%A9"); // é in UTF-8; upper-case hex (RFC 3986 §2.1)
    EXPECT_EQ(url_encode(std::string("\0", 1)), "%00");
    EXPECT_EQ(url_encode(""), "");
}

TEST(Url, DecodePlusAndPercent20) {
    EXPECT_EQ(url_decode("a%20b"), "a b");
    EXPECT_EQ(url_decode("a+b"), "a b");
    EXPECT_EQ(url_decode("a+b", false), "a+b");
    EXPECT_EQ(url_decode("a%2Bb"), "a+b");
    EXPECT_EQ(url_decode("a%2bb", false), "a+b");
    EXPECT_EQ(url_decode("%C3%A9%c3%a9"), "\xc3\xa9\xc3\xa9");
    EXPECT_EQ(url_decode("100%25"), "100%");
    EXPECT_EQ(url_decode(""), "");
}

TEST(Url, DecodeRejectsInvalidEscapes) {
    for (auto bad : {"%", "%4", "%zz", "a%g1", "%%", "abc%", "%2", "%-1", "% 1", "%1z"}) {
        EXPECT_EQ(error_code([&] { url_decode(bad); }), errc::bad_url) << bad;
        EXPECT_EQ(error_code([&] { url_decode(bad, false); }), errc::bad_url) << bad;
    }
}

TEST(Url, EncodeDecodeRoundTrip) {
    std::string every_byte;
    for (int i = 0; i < 256; ++i) {
        every_byte += static_cast<char>(i);
    }
    EXPECT_EQ(url_decode(url_encode(every_byte)), every_byte);
    EXPECT_EQ(url_decode(url_encode(every_byte), false), every_byte);
}

// ---- QueryParams ---------------------------------------------------------------------------

TEST(Url, QueryParamsRepeatedKeys) {
    QueryParams q;
    q.add("scope", "a");
    q.add("x", "1");
    q.add("scope", "b");
    EXPECT_EQ(q.size(), 3u);
    EXPECT_TRUE(q.contains("scope"));
    EXPECT_FALSE(q.contains("Scope"));
    EXPECT_EQ(q.get("scope"), "a");
    EXPECT_EQ(q.get_all("scope"), (std::vector<std::string>{"a", "b"}));
    EXPECT_FALSE(q.get("missing").has_value());
    EXPECT_TRUE(q.get_all("missing").empty());

    q.set("scope", "c");
    EXPECT_EQ(q.get_all("scope"), (std::vector<std::string>{"c"}));
    EXPECT_EQ(q.size(), 2u);
    q.set("new", "n");
    EXPECT_EQ(q.get("new"), "n");

    q.remove("scope");
    EXPECT_FALSE(q.contains("scope"));
    EXPECT_EQ(q.size(), 2u);
    q.remove("absent");
    EXPECT_EQ(q.size(), 2u);
}

TEST(Url, ParseQuery) {
    const auto q = parse_query("a=1&b=2&a=3");
    EXPECT_EQ(q.size(), 3u);
    EXPECT_EQ(q.get_all("a"), (std::vector<std::string>{"1", "3"}));
    EXPECT_EQ(q.get("b"), "2");
    EXPECT_EQ(q.items()[1].first, "b"); // order kept

    EXPECT_EQ(parse_query("?x=1").get("x"), "1");
    EXPECT_EQ(parse_query("a+b=c+d").get("a b"), "c d");
    EXPECT_EQ(parse_query("a%20b=%2B").get("a b"), "+");
    EXPECT_EQ(parse_query("a=1=2").get("a"), "1=2");
    EXPECT_EQ(parse_query("&&a=1&").size(), 1u);
    EXPECT_EQ(parse_query("flag").get("flag"), "");
    EXPECT_EQ(parse_query("a=").get("a"), "");
    EXPECT_TRUE(parse_query("").empty());
    EXPECT_TRUE(parse_query("?").empty());
}

TEST(Url, ParseQueryRejectsBadEscapes) {
    for (auto bad : {"a=%zz", "a%=1", "a=1&b=%4", "code=%", "%gg=1"}) {
        EXPECT_EQ(error_code([&] { parse_query(bad); }), errc::bad_url) << bad;
    }
}

TEST(Url, BuildQuery) {
    EXPECT_EQ(build_query({{"a b", "c&d"}, {"x", "1"}}), "a%20b=c%26d&x=1");
    EXPECT_EQ(build_query({{"scope", "openid email"}, {"scope", "x"}}),
              "scope=openid%20email&scope=x");
    EXPECT_EQ(build_query({{"redirect_uri", "http://127.0.0.1:8765/cb"}}),
              "redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcb");
    EXPECT_EQ(build_query({{"plus", "a+b"}}), "plus=a%2Bb");
    EXPECT_EQ(build_query({{"empty", ""}}), "empty=");
    EXPECT_EQ(build_query({}), "");
}

TEST(Url, BuildParseRoundTrip) {
    const QueryParams q = {{"a", "1"},       {"a", "2"},           {"sp ace", "x y"},
                           {"plus+", "+"},   {"eq=", "a=b"},       {"amp&", "&"},
                           {"pct%", "100%"}, {"utf8", "\xc3\xa9"}, {"empty", ""}};
    const auto back = parse_query(build_query(q));
    EXPECT_EQ(back.items(), q.items());
}

TEST(Url, AppendQuery) {
    const QueryParams q = {{"a", "1"}, {"b", "x y"}};
    EXPECT_EQ(append_query("https://idp.example/authorize", q),
              "https://idp.example/authorize?a=1&b=x%20y");
    EXPECT_EQ(append_query("https://idp.example/authorize?tenant=t", q),
              "https://idp.example/authorize?tenant=t&a=1&b=x%20y");
    EXPECT_EQ(append_query("https://idp.example/authorize#frag", q),
              "https://idp.example/authorize?a=1&b=x%20y#frag");
    EXPECT_EQ(append_query("https://idp.example/authorize?tenant=t#frag", q),
              "https://idp.example/authorize?tenant=t&a=1&b=x%20y#frag");
    EXPECT_EQ(append_query("https://idp.example/authorize?tenant=t", QueryParams{}),
              "https://idp.example/authorize?tenant=t");
}

// ---- parse_url -----------------------------------------------------------------------------

TEST(Url, ParseUrlParts) {
    const auto u = parse_url("https://Example.COM/path/x?q=1&r=2#frag");
    EXPECT_EQ(u.scheme, "https");
    EXPECT_EQ(u.host, "example.com");
    EXPECT_EQ(u.port, 443);
    EXPECT_EQ(u.path, "/path/x");
    EXPECT_EQ(u.query, "q=1&r=2");
    EXPECT_EQ(u.fragment, "frag");
    EXPECT_FALSE(u.has_userinfo);
    EXPECT_EQ(u.origin(), "https://example.com");
}

TEST(Url, ParseUrlDefaultsAndPorts) {
    auto u = parse_url("HTTP://example.com");
    EXPECT_EQ(u.scheme, "http");
    EXPECT_EQ(u.port, 80);
    EXPECT_EQ(u.path, "/");
    EXPECT_EQ(u.query, "");
    EXPECT_EQ(u.origin(), "http://example.com");

    u = parse_url("http://127.0.0.1:8080/cb");
    EXPECT_EQ(u.host, "127.0.0.1");
    EXPECT_EQ(u.port, 8080);
    EXPECT_EQ(u.origin(), "http://127.0.0.1:8080");

    u = parse_url("https://example.com:443/");
    EXPECT_EQ(u.port, 443);
    EXPECT_EQ(u.origin(), "https://example.com");

    u = parse_url("https://example.com:8443?x=1");
    EXPECT_EQ(u.port, 8443);
    EXPECT_EQ(u.path, "/");
    EXPECT_EQ(u.query, "x=1");
}

TEST(Url, ParseUrlIpv6) {
    auto u = parse_url("http://[::1]:3000/callback");
    EXPECT_EQ(u.host, "::1");
    EXPECT_EQ(u.port, 3000);
    EXPECT_EQ(u.path, "/callback");
    EXPECT_EQ(u.origin(), "http://[::1]:3000");

    u = parse_url("https://[2001:DB8::1]/");
    EXPECT_EQ(u.host, "2001:db8::1");
    EXPECT_EQ(u.port, 443);
}

TEST(Url, ParseUrlUserinfo) {
    const auto u = parse_url("https://user:pw@example.com/x");
    EXPECT_TRUE(u.has_userinfo);
    EXPECT_EQ(u.host, "example.com");
    // "@" after the authority is not userinfo.
    const auto v = parse_url("https://example.com/a@b");
    EXPECT_FALSE(v.has_userinfo);
    EXPECT_EQ(v.host, "example.com");
    // The host is what follows the last '@' of the authority.
    const auto w = parse_url("https://127.0.0.1@evil.example/");
    EXPECT_TRUE(w.has_userinfo);
    EXPECT_EQ(w.host, "evil.example");
}

TEST(Url, ParseUrlRejects) {
    for (auto bad :
         {"", "ftp://example.com/", "file:///etc/passwd", "javascript:alert(1)", "example.com/path",
          "//example.com/x", "/relative", "https://", "https:///path", "http://host:99999/",
          "http://host:abc/", "http://host:-1/", "http://[::1/", "http://exa mple.com/",
          "https//example.com", "data:text/plain,hi", "custom.scheme:/callback"}) {
        EXPECT_EQ(error_code([&] { parse_url(bad); }), errc::bad_url) << bad;
    }
}

// ---- loopback and https --------------------------------------------------------------------

TEST(Url, LoopbackHosts) {
    for (auto host : {"127.0.0.1", "127.1.2.3", "127.255.255.255", "127.0.0.0", "::1", "localhost",
                      "LOCALHOST", "LocalHost"}) {
        EXPECT_TRUE(is_loopback_host(host)) << host;
    }
    for (auto host : {
             "127.0.0.1.evil.com",
             "localhost.evil.com",
             "evil-localhost",
             "128.0.0.1",
             "0.0.0.0",
             "10.0.0.1",
             "::2",
             "::",
             "",
             "1127.0.0.1",
             "127.0.0.256",
             "127.0.0.1:80",
             "example.com",
         }) {
        EXPECT_FALSE(is_loopback_host(host)) << host;
    }
}

TEST(Url, RequireSecureUrl) {
    for (auto ok : {"https://idp.example/token", "HTTPS://IDP.example/", "http://127.0.0.1:8080/x",
                    "http://localhost/x", "http://[::1]:9000/x", "http://127.5.6.7/"}) {
        EXPECT_NO_THROW(require_secure_url(ok, "token_url")) << ok;
    }
    for (auto insecure : {"http://idp.example/token", "http://127.0.0.1.evil.com/",
                          "http://10.0.0.1/", "http://localhost.evil.com/"}) {
        try {
            require_secure_url(insecure, "token_url");
            ADD_FAILURE() << "accepted " << insecure;
        } catch (const ConfigError& e) {
            EXPECT_EQ(e.code(), errc::insecure_url) << insecure;
        }
    }
    for (auto unusable : {"ftp://idp.example/", "not a url", ""}) {
        try {
            require_secure_url(unusable, "token_url");
            ADD_FAILURE() << "accepted " << unusable;
        } catch (const Error& e) {
            EXPECT_TRUE(e.code() == errc::insecure_url || e.code() == errc::bad_url)
                << unusable << ": " << to_string(e.code());
        }
    }
}

} // namespace
} // namespace authflow

// The Cookie header parser (RFC 6265 §4.2) and the Set-Cookie builders (§4.1).
#include <authflow/core/errors.hpp>
#include <authflow/deploy/cookie.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace authflow {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

template <typename F> errc error_code(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    ADD_FAILURE() << "expected an Error";
    return errc::internal;
}

TEST(DeployCookieHeader, ParsesPairsInOrder) {
    const auto jar = parse_cookie_header("a=1; b=two; authflow_session=abc-DEF_123");
    ASSERT_EQ(jar.size(), 3u);
    EXPECT_EQ(jar.items()[0].first, "a");
    EXPECT_EQ(jar.get("b"), "two");
    EXPECT_EQ(jar.get("authflow_session"), "abc-DEF_123");
    EXPECT_FALSE(jar.get("c").has_value());
}

TEST(DeployCookieHeader, ToleratesWhitespaceAroundPairs) {
    const auto jar = parse_cookie_header("  a=1 ;b=2;\tc=3  ");
    EXPECT_EQ(jar.get("a"), "1");
    EXPECT_EQ(jar.get("b"), "2");
    EXPECT_EQ(jar.get("c"), "3");
}

TEST(DeployCookieHeader, UnquotesQuotedValues) {
    // Seed §13 item 3: a quoted value must be found without its quotes.
    const auto jar = parse_cookie_header("s=\"user@example.com:1:2\"; e=\"\"");
    EXPECT_EQ(jar.get("s"), "user@example.com:1:2");
    EXPECT_EQ(jar.get("e"), "");
}

TEST(DeployCookieHeader, FirstOfRepeatedNamesWins) {
    const auto jar = parse_cookie_header("sid=specific; sid=general");
    EXPECT_EQ(jar.get("sid"), "specific");
    EXPECT_EQ(jar.size(), 2u);
}

TEST(DeployCookieHeader, EmptyValueAndEmptyHeader) {
    EXPECT_EQ(parse_cookie_header("a=").get("a"), "");
    EXPECT_TRUE(parse_cookie_header("").empty());
    EXPECT_TRUE(parse_cookie_header(";;; ; ").empty());
}

TEST(DeployCookieHeader, SkipsMalformedPairs) {
    const auto jar = parse_cookie_header(
        "novalue; =nameless; bad name=1; a\"b=2; q=\"unterminated; r=un\"balanced\"; "
        "s=has space; t=back\\slash; u=com,ma; v=\"in\"side\"; w=\x01; ok=1");
    EXPECT_EQ(jar.size(), 1u);
    EXPECT_EQ(jar.get("ok"), "1");
    EXPECT_FALSE(jar.contains("novalue"));
    EXPECT_FALSE(jar.contains("q"));
    EXPECT_FALSE(jar.contains("s"));
}

TEST(DeployCookieHeader, ValueMayContainEquals) {
    EXPECT_EQ(parse_cookie_header("a=b=c").get("a"), "b=c");
}

TEST(DeployCookieHeader, RejectsOversizedHeader) {
    const std::string at_limit = "a=" + std::string(max_cookie_header_size - 2, 'x');
    EXPECT_EQ(parse_cookie_header(at_limit).get("a")->size(), max_cookie_header_size - 2);
    const std::string over = at_limit + "x";
    EXPECT_EQ(error_code([&] { (void)parse_cookie_header(over); }), errc::too_large);
}

TEST(DeployCookieHeader, RejectsTooManyCookies) {
    std::string header;
    for (std::size_t i = 0; i < max_cookie_count; ++i) {
        header += "c" + std::to_string(i) + "=v; ";
    }
    EXPECT_EQ(parse_cookie_header(header).size(), max_cookie_count);
    header += "one=more";
    EXPECT_EQ(error_code([&] { (void)parse_cookie_header(header); }), errc::too_large);
    // Junk pieces count too: the cap bounds the work, not only the result.
    std::string junk(max_cookie_count + 1, 'j');
    std::string junk_header;
    for (char c : junk) {
        junk_header += c;
        junk_header += ';';
    }
    EXPECT_EQ(error_code([&] { (void)parse_cookie_header(junk_header); }), errc::too_large);
}

TEST(DeploySetCookie, SessionCookieAttributes) {
    CookieOptions options;
    options.max_age = 86400s;
    const auto line = build_set_cookie("authflow_session", "abc123", options);
    EXPECT_EQ(line, "authflow_session=abc123; Path=/; Max-Age=86400; Secure; HttpOnly; "
                    "SameSite=Lax");
}

TEST(DeploySetCookie, EveryAttribute) {
    CookieOptions options;
    options.path = "/app";
    options.domain = "example.com";
    options.secure = false;
    options.http_only = false;
    options.same_site = SameSite::strict;
    options.max_age = 60s;
    options.expires = Clock::wall_time{std::chrono::seconds{1445412480}};
    EXPECT_EQ(build_set_cookie("n", "v", options),
              "n=v; Path=/app; Domain=example.com; Max-Age=60; "
              "Expires=Wed, 21 Oct 2015 07:28:00 GMT; SameSite=Strict");
}

TEST(DeploySetCookie, ClearUsesTheSameAttributes) {
    // Seed §13 item 23: the clearing cookie must carry Secure and HttpOnly like the original.
    CookieOptions options;
    options.max_age = 3600s;
    options.same_site = SameSite::lax;
    const auto clear = build_clear_cookie("authflow_session", options);
    EXPECT_EQ(clear, "authflow_session=; Path=/; Max-Age=0; "
                     "Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; HttpOnly; SameSite=Lax");

    options.path = "/app";
    options.domain = "example.com";
    options.same_site = SameSite::strict;
    const auto scoped = build_clear_cookie("x", options);
    EXPECT_THAT(scoped, HasSubstr("; Path=/app"));
    EXPECT_THAT(scoped, HasSubstr("; Domain=example.com"));
    EXPECT_THAT(scoped, HasSubstr("; SameSite=Strict"));
    EXPECT_THAT(scoped, HasSubstr("; Secure"));
    EXPECT_THAT(scoped, HasSubstr("; HttpOnly"));

    options.secure = false;
    options.http_only = false;
    options.same_site = SameSite::lax;
    const auto plain = build_clear_cookie("x", options);
    EXPECT_THAT(plain, Not(HasSubstr("Secure")));
    EXPECT_THAT(plain, Not(HasSubstr("HttpOnly")));
}

TEST(DeploySetCookie, RejectsInjection) {
    CookieOptions options;
    EXPECT_EQ(error_code([&] { (void)build_set_cookie("a b", "v", options); }),
              errc::invalid_argument);
    EXPECT_EQ(error_code([&] { (void)build_set_cookie("", "v", options); }),
              errc::invalid_argument);
    EXPECT_EQ(error_code([&] { (void)build_set_cookie("a", "v; Domain=evil", options); }),
              errc::invalid_argument);
    EXPECT_EQ(error_code([&] { (void)build_set_cookie("a", "v\r\nX: y", options); }),
              errc::invalid_argument);
    options.path = "/; Domain=evil";
    EXPECT_EQ(error_code([&] { (void)build_set_cookie("a", "v", options); }),
              errc::invalid_argument);
    options = {};
    options.max_age = -1s;
    EXPECT_EQ(error_code([&] { (void)build_set_cookie("a", "v", options); }),
              errc::invalid_argument);
    options = {};
    options.same_site = SameSite::none;
    options.secure = false;
    EXPECT_EQ(error_code([&] { (void)build_set_cookie("a", "v", options); }),
              errc::invalid_argument);
    options.secure = true;
    EXPECT_THAT(build_set_cookie("a", "v", options), HasSubstr("SameSite=None"));
}

TEST(DeploySetCookie, RoundTripsThroughTheParser) {
    const std::string value = "Zm9vYmFyLV8xMjM0NTY3ODkwYWJjZGVmZ2hpamtsbW5vcHFy";
    const auto line = build_set_cookie("authflow_session", value, {});
    const auto pair = line.substr(0, line.find(';'));
    EXPECT_EQ(parse_cookie_header(pair).get("authflow_session"), value);
}

TEST(DeployHttpDate, FormatsImfFixdate) {
    EXPECT_EQ(format_http_date(Clock::wall_time{}), "Thu, 01 Jan 1970 00:00:00 GMT");
    EXPECT_EQ(format_http_date(Clock::wall_time{std::chrono::seconds{1767225600}}),
              "Thu, 01 Jan 2026 00:00:00 GMT");
    EXPECT_EQ(format_http_date(Clock::wall_time{std::chrono::seconds{951868799}}),
              "Tue, 29 Feb 2000 23:59:59 GMT");
}

} // namespace
} // namespace authflow

// html_escape, the callback result record and options from a redirect URI (no sockets).

#include <authflow/core/errors.hpp>
#include <authflow/native/callback_server.hpp>

#include <gtest/gtest.h>

namespace authflow {
namespace {

TEST(HtmlEscape, EscapesEveryMarkupCharacter) {
    EXPECT_EQ(html_escape("<script>alert(\"x\" + 'y')</script> & more"),
              "&lt;script&gt;alert(&quot;x&quot; + &#39;y&#39;)&lt;/script&gt; &amp; more");
}

TEST(HtmlEscape, LeavesPlainTextAndUtf8Alone) {
    EXPECT_EQ(html_escape(""), "");
    EXPECT_EQ(html_escape("access_denied: Zugriff verweigert – ✓"),
              "access_denied: Zugriff verweigert – ✓");
}

TEST(HtmlEscape, EscapesAlreadyEscapedText) {
    // No double-unescaping tricks: an entity in the input is shown as text.
    EXPECT_EQ(html_escape("&lt;b&gt;"), "&amp;lt;b&amp;gt;");
}

TEST(CallbackResult, TakesTheFirstValueAndTreatsEmptyAsMissing) {
    auto result = make_callback_result(
        parse_query("code=a&code=b&state=s&iss=&error_description=d&error=e&session_state=z"));
    EXPECT_EQ(result.code, "a");
    EXPECT_EQ(result.state, "s");
    EXPECT_EQ(result.iss, "");
    EXPECT_EQ(result.error, "e");
    EXPECT_EQ(result.error_description, "d");
    EXPECT_TRUE(result.is_error());
    EXPECT_TRUE(result.params.contains("iss")); // the caller can still see it was sent
    EXPECT_EQ(result.params.get_all("code").size(), 2u);
    EXPECT_EQ(result.params.get("session_state"), "z");
}

TEST(CallbackResult, NoErrorWithoutAnErrorParameter) {
    auto result = make_callback_result(parse_query("code=a&state=s&error="));
    EXPECT_FALSE(result.is_error());
}

TEST(CallbackServerOptions, FromIpv4RedirectUri) {
    auto options = CallbackServerOptions::from_redirect_uri("http://127.0.0.1:8765/callback");
    EXPECT_EQ(options.host, "127.0.0.1");
    EXPECT_EQ(options.redirect_host, "");
    EXPECT_EQ(options.port, 8765);
    EXPECT_EQ(options.path, "/callback");
    EXPECT_EQ(options.expected_state, "");
}

TEST(CallbackServerOptions, FromIpv6RedirectUri) {
    auto options = CallbackServerOptions::from_redirect_uri("http://[::1]:9000/oauth/cb");
    EXPECT_EQ(options.host, "::1");
    EXPECT_EQ(options.port, 9000);
    EXPECT_EQ(options.path, "/oauth/cb");
}

TEST(CallbackServerOptions, FromLocalhostRedirectUri) {
    auto options = CallbackServerOptions::from_redirect_uri("http://LOCALHOST:7000/");
    EXPECT_EQ(options.host, "127.0.0.1");
    EXPECT_EQ(options.redirect_host, "localhost");
    EXPECT_EQ(options.port, 7000);
    EXPECT_EQ(options.path, "/");
}

TEST(CallbackServerOptions, RefusesUnusableRedirectUris) {
    for (const char* uri : {
             "https://127.0.0.1:8765/callback", // no TLS on the loopback server
             "http://example.com:8765/callback",
             "http://0.0.0.0:8765/callback",
             "http://192.168.0.2:8765/callback",
             "http://127.0.0.1:8765/callback?x=1",
             "http://127.0.0.1:8765/callback#f",
             "http://user@127.0.0.1:8765/callback",
             "http://127.0.0.1:8765/c b",
             "http://127.0.0.1:8765/c%20b",
             "com.example.app:/callback",
             "/callback",
             "",
             "http://127.0.0.1:99999/callback",
         }) {
        try {
            CallbackServerOptions::from_redirect_uri(uri);
            ADD_FAILURE() << "accepted " << uri;
        } catch (const ConfigError& e) {
            EXPECT_EQ(e.code(), errc::config_invalid) << uri;
        }
    }
}

} // namespace
} // namespace authflow

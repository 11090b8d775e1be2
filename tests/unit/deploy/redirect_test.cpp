// safe_next_path: same-origin relative paths only (no open redirect).
#include <authflow/deploy/redirect.hpp>

#include <gtest/gtest.h>

namespace authflow {
namespace {

TEST(DeploySafeNextPath, KeepsLocalPaths) {
    for (const char* good : {"/", "/reports", "/a/b?x=1&y=2#frag", "/search?q=a%20b",
                             "/path/with:colon", "/100%25", "/%E2%9C%93", "/a/./b", "/.."}) {
        EXPECT_EQ(safe_next_path(good), good) << good;
    }
}

TEST(DeploySafeNextPath, RefusesOtherHosts) {
    for (const char* bad :
         {"//evil.example", "//evil.example/path", "https://evil.example", "http://evil.example",
          "javascript:alert(1)", "evil.example", "/\\evil.example", "\\\\evil.example",
          "\\/evil.example", "/a\\b", "data:text/html,x", ""}) {
        EXPECT_EQ(safe_next_path(bad), "/") << bad;
    }
}

TEST(DeploySafeNextPath, RefusesEncodedForms) {
    for (const char* bad :
         {"%2F%2Fevil.example", "/%2F%2Fevil.example", "/%2fevil.example", "/%5Cevil", "/%5cevil",
          "/%252F%252Fevil.example", "/%25252F/evil", "/%0d%0aSet-Cookie:x=1", "/%09/evil.example",
          "/%00", "/%zz", "/%2", "/%"}) {
        EXPECT_EQ(safe_next_path(bad), "/") << bad;
    }
}

TEST(DeploySafeNextPath, RefusesControlsAndWhitespace) {
    for (const char* bad : {"/\t/evil.example", "/\n/evil.example", "/\r\nX: y", "/a b", "/\x7f",
                            "/caf\xc3\xa9", "\t//evil.example", " /"}) {
        EXPECT_EQ(safe_next_path(bad), "/") << bad;
    }
}

TEST(DeploySafeNextPath, RefusesOverlongAndDeepEncoding) {
    EXPECT_EQ(safe_next_path("/" + std::string(2047, 'a')).size(), 2048u);
    EXPECT_EQ(safe_next_path("/" + std::string(2048, 'a')), "/");
    // Encoded five times over: nobody does that on purpose.
    EXPECT_EQ(safe_next_path("/%2525252541"), "/");
    EXPECT_EQ(safe_next_path("/%252541"), "/%252541");
}

} // namespace
} // namespace authflow

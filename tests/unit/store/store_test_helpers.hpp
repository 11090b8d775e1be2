#pragma once
// Helpers shared by the token-store tests: sample token sets, comparisons, error codes.

#include <authflow/core/errors.hpp>
#include <authflow/core/token_set.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace authflow::test {

using namespace std::chrono_literals;

/// A token set with every field set; `tag` makes it distinct.
inline OAuthTokenSet full_token_set(const std::string& tag) {
    OAuthTokenSet tokens;
    tokens.access_token = "at-" + tag;
    tokens.token_type = "Bearer";
    tokens.refresh_token = "rt-" + tag;
    tokens.expires_in = 3599;
    tokens.id_token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig-" + tag;
    tokens.scope = "openid email offline_access";
    tokens.raw = {{"access_token", tokens.access_token},
                  {"token_type", "Bearer"},
                  {"expires_in", 3599},
                  {"nested", {{"list", {1, 2.5, "three", nullptr, true}}, {"tag", tag}}}};
    tokens.issued_at = 1767225600.125;
    return tokens;
}

/// A token set bound to a DPoP key (the key's text stands in for a PEM private key: stores keep
/// it as given).
inline OAuthTokenSet dpop_token_set(const std::string& tag) {
    OAuthTokenSet tokens = full_token_set(tag);
    tokens.token_type = "DPoP";
    tokens.raw["token_type"] = "DPoP";
    tokens.dpop_key =
        "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg" + tag +
        "\n-----END PRIVATE KEY-----\n";
    return tokens;
}

inline void expect_same_tokens(const OAuthTokenSet& expected, const OAuthTokenSet& actual) {
    EXPECT_EQ(expected.access_token, actual.access_token);
    EXPECT_EQ(expected.token_type, actual.token_type);
    EXPECT_EQ(expected.refresh_token, actual.refresh_token);
    EXPECT_EQ(expected.expires_in, actual.expires_in);
    EXPECT_EQ(expected.id_token, actual.id_token);
    EXPECT_EQ(expected.scope, actual.scope);
    EXPECT_EQ(expected.raw, actual.raw);
    EXPECT_DOUBLE_EQ(expected.issued_at, actual.issued_at);
    // (EXPECT_TRUE, not EXPECT_EQ: a failure must not print a private key.)
    EXPECT_TRUE(expected.dpop_key == actual.dpop_key);
}

/// Runs `body` and returns the errc of the StoreError it throws (internal if it throws nothing).
template <class Body> errc store_error_of(Body&& body) {
    try {
        body();
    } catch (const StoreError& error) {
        return error.code();
    }
    return errc::internal;
}

} // namespace authflow::test

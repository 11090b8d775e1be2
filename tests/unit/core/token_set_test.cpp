// OAuthTokenSet: storage form, token responses, expiry, and no tokens in descriptions.
#include <authflow/core/clock.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/token_set.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace authflow {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr double start_unix = 1767225600.0; // ManualClock's default start

/// Runs `f`, which must throw TokenError; returns its code.
template <typename F> errc token_error_code(F&& f) {
    try {
        f();
    } catch (const TokenError& e) {
        return e.code();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "expected TokenError, got: " << e.what();
        return errc::internal;
    }
    ADD_FAILURE() << "expected TokenError, nothing thrown";
    return errc::internal;
}

OAuthTokenSet full_set() {
    OAuthTokenSet t;
    t.access_token = "AT-5f2b8c1e-access";
    t.token_type = "Bearer";
    t.refresh_token = "RT-9d3e7a40-refresh";
    t.expires_in = 3600;
    t.id_token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJJRC10b2tlbi1zdWIifQ.c2lnbmF0dXJl";
    t.scope = "openid email";
    t.raw = json{{"access_token", t.access_token}, {"extra", {1, 2, 3}}};
    t.issued_at = 1767225600.5;
    return t;
}

TEST(TokenSet, DefaultsMatchTheSeed) {
    const OAuthTokenSet t;
    EXPECT_EQ(t.token_type, "Bearer");
    EXPECT_FALSE(t.refresh_token);
    EXPECT_FALSE(t.expires_in);
    EXPECT_FALSE(t.id_token);
    EXPECT_EQ(t.scope, "");
    EXPECT_TRUE(t.raw.is_object());
    EXPECT_TRUE(t.raw.empty());
}

TEST(TokenSet, ToJsonStringKeepsTheSeedsKeyOrder) {
    const std::string text = full_set().to_json_string();
    const std::vector<std::string> keys = {"access_token", "token_type", "refresh_token",
                                           "expires_in",   "id_token",   "scope",
                                           "raw",          "issued_at"};
    std::size_t previous = 0;
    for (const auto& key : keys) {
        // raw's own "access_token" comes after "raw", so a forward search finds top-level keys.
        const auto at = text.find("\"" + key + "\"", previous);
        ASSERT_NE(at, std::string::npos) << key << " in " << text;
        EXPECT_GE(at, previous) << key;
        previous = at;
    }
    // access_token is the first key.
    EXPECT_EQ(text.find('"'), text.find("\"access_token\"")) << text;
}

TEST(TokenSet, ToJsonHasExactlyTheStorageKeys) {
    const json j = full_set().to_json();
    EXPECT_EQ(j.size(), 8u);
    for (auto key : {"access_token", "token_type", "refresh_token", "expires_in", "id_token",
                     "scope", "raw", "issued_at"}) {
        EXPECT_TRUE(j.contains(key)) << key;
    }
    EXPECT_EQ(j["expires_in"], 3600);
    EXPECT_EQ(j["raw"]["extra"], json({1, 2, 3}));
}

TEST(TokenSet, AbsentValuesAreNull) {
    OAuthTokenSet t;
    t.access_token = std::string{"a"}; // not = "a": GCC 12 warns falsely (-Wrestrict) at -O2
    const json j = json::parse(t.to_json_string());
    EXPECT_TRUE(j["refresh_token"].is_null());
    EXPECT_TRUE(j["expires_in"].is_null());
    EXPECT_TRUE(j["id_token"].is_null());
    EXPECT_EQ(j["token_type"], "Bearer");
    EXPECT_EQ(j["scope"], "");
    EXPECT_EQ(j["raw"], json::object());
}

TEST(TokenSet, TheDpopKeyIsStoredOnlyWhenThereIsOne) {
    auto t = full_set();
    EXPECT_FALSE(t.to_json().contains("dpop_key"));
    EXPECT_EQ(t.to_json_string().find("dpop_key"), std::string::npos);
    t.token_type = "DPoP";
    t.dpop_key = "-----BEGIN PRIVATE KEY-----\nSECRET-KEY-MATERIAL\n-----END PRIVATE KEY-----\n";
    ManualClock clock;
    const auto back = OAuthTokenSet::from_json_string(t.to_json_string(), clock);
    EXPECT_TRUE(back.dpop_key == t.dpop_key);
    EXPECT_EQ(back.token_type, "DPoP");
    EXPECT_TRUE(OAuthTokenSet::from_json(t.to_json(), clock).dpop_key == t.dpop_key);
    // A key of the wrong type is a malformed record.
    auto bad = t.to_json();
    bad["dpop_key"] = 5;
    EXPECT_EQ(token_error_code([&] { OAuthTokenSet::from_json(bad, clock); }), errc::token_invalid);
    // Never in a description; a provider's answer cannot bring one.
    EXPECT_EQ(t.to_string().find("SECRET-KEY-MATERIAL"), std::string::npos);
    EXPECT_NE(t.to_string().find("dpop_key=<redacted>"), std::string::npos);
    auto answer = t.to_json();
    answer["token_type"] = "DPoP";
    EXPECT_FALSE(OAuthTokenSet::from_token_response(answer, clock).dpop_key.has_value());
}

TEST(TokenSet, RoundTrip) {
    const auto t = full_set();
    ManualClock clock;
    const auto back = OAuthTokenSet::from_json_string(t.to_json_string(), clock);
    EXPECT_EQ(back.access_token, t.access_token);
    EXPECT_EQ(back.token_type, t.token_type);
    EXPECT_EQ(back.refresh_token, t.refresh_token);
    EXPECT_EQ(back.expires_in, t.expires_in);
    EXPECT_EQ(back.id_token, t.id_token);
    EXPECT_EQ(back.scope, t.scope);
    EXPECT_EQ(back.raw, t.raw);
    EXPECT_DOUBLE_EQ(back.issued_at, t.issued_at);
    EXPECT_EQ(back.to_json_string(), t.to_json_string());

    const auto from_object = OAuthTokenSet::from_json(t.to_json(), clock);
    EXPECT_EQ(from_object.to_json_string(), t.to_json_string());

    OAuthTokenSet minimal;
    minimal.access_token = "only";
    minimal.issued_at = 5;
    const auto again = OAuthTokenSet::from_json_string(minimal.to_json_string(), clock);
    EXPECT_FALSE(again.refresh_token);
    EXPECT_FALSE(again.expires_in);
    EXPECT_FALSE(again.id_token);
    EXPECT_DOUBLE_EQ(again.issued_at, 5);
}

TEST(TokenSet, MissingKeysTakeDefaults) {
    ManualClock clock;
    const auto t = OAuthTokenSet::from_json(json{{"access_token", "a"}}, clock);
    EXPECT_EQ(t.access_token, "a");
    EXPECT_EQ(t.token_type, "Bearer");
    EXPECT_FALSE(t.refresh_token);
    EXPECT_FALSE(t.expires_in);
    EXPECT_FALSE(t.id_token);
    EXPECT_EQ(t.scope, "");
    EXPECT_EQ(t.raw, json::object());
    EXPECT_DOUBLE_EQ(t.issued_at, start_unix);
}

TEST(TokenSet, ExpiresInAsNumericStringIsAccepted) {
    ManualClock clock;
    EXPECT_EQ(OAuthTokenSet::from_json(json{{"access_token", "a"}, {"expires_in", "3600"}}, clock)
                  .expires_in,
              3600);
    const auto r = OAuthTokenSet::from_token_response(
        json{{"access_token", "a"}, {"token_type", "bearer"}, {"expires_in", "120"}}, clock);
    EXPECT_EQ(r.expires_in, 120);
    EXPECT_EQ(parse_expires_in(json("0")), 0);
    EXPECT_EQ(parse_expires_in(json(0)), 0);
    EXPECT_EQ(parse_expires_in(json(86400)), 86400);
}

TEST(TokenSet, BadExpiresInIsRejected) {
    const std::vector<json> bad = {json(-1),
                                   json("-1"),
                                   json("abc"),
                                   json(""),
                                   json("12a"),
                                   json("0x10"),
                                   json("+5"),
                                   json(" 5"),
                                   json("5 "),
                                   json("1e3"),
                                   json(3.5),
                                   json(3600.0),
                                   json("3.5"),
                                   json("99999999999999999999"),
                                   json("9223372036854775808"),
                                   json(18446744073709551615ULL),
                                   json(true),
                                   json::array({1}),
                                   json::object()};
    for (const auto& value : bad) {
        EXPECT_EQ(token_error_code([&] { parse_expires_in(value); }), errc::token_invalid)
            << value.dump();
        EXPECT_EQ(token_error_code([&] {
                      OAuthTokenSet::from_json(json{{"access_token", "a"}, {"expires_in", value}});
                  }),
                  errc::token_invalid)
            << value.dump();
        EXPECT_THROW(
            OAuthTokenSet::from_token_response(json{{"access_token", "a"}, {"expires_in", value}}),
            TokenError)
            << value.dump();
    }
}

TEST(TokenSet, MissingOrEmptyAccessTokenIsRejected) {
    EXPECT_EQ(token_error_code([] {
                  OAuthTokenSet::from_json(json{{"token_type", "Bearer"}});
              }),
              errc::token_invalid);
    EXPECT_EQ(token_error_code([] {
                  OAuthTokenSet::from_json(json{{"access_token", ""}});
              }),
              errc::token_invalid);
    EXPECT_EQ(token_error_code([] {
                  OAuthTokenSet::from_json(json{{"access_token", nullptr}});
              }),
              errc::token_invalid);
    EXPECT_THROW(OAuthTokenSet::from_token_response(json{{"token_type", "Bearer"}}), TokenError);
    EXPECT_THROW(OAuthTokenSet::from_token_response(json{{"access_token", ""}}), TokenError);
}

TEST(TokenSet, MalformedJsonIsRejected) {
    for (auto text : {"", "{", "{not json", "[]", "null", "\"access_token\"", "42",
                      "{\"access_token\":\"a\",}", "{\"access_token\":\"a\"} trailing"}) {
        EXPECT_EQ(token_error_code([&] { OAuthTokenSet::from_json_string(text); }),
                  errc::token_invalid)
            << text;
    }
    EXPECT_EQ(token_error_code([] { OAuthTokenSet::from_json(json::array()); }),
              errc::token_invalid);
    EXPECT_THROW(OAuthTokenSet::from_token_response(json("text")), TokenError);
    EXPECT_THROW(OAuthTokenSet::from_token_response(json::array()), TokenError);
}

TEST(TokenSet, WrongFieldTypesAreRejected) {
    const std::vector<std::pair<std::string, json>> bad = {{"access_token", 5},
                                                           {"access_token", json::array()},
                                                           {"token_type", 5},
                                                           {"refresh_token", 5},
                                                           {"refresh_token", json::object()},
                                                           {"id_token", json::array()},
                                                           {"id_token", true},
                                                           {"scope", 7},
                                                           {"raw", "text"},
                                                           {"raw", json::array()},
                                                           {"issued_at", "yesterday"},
                                                           {"issued_at", true},
                                                           {"expires_in", json::object()}};
    for (const auto& [key, value] : bad) {
        json j = full_set().to_json();
        j[key] = value;
        EXPECT_EQ(token_error_code([&] { OAuthTokenSet::from_json(j); }), errc::token_invalid)
            << key << " = " << value.dump();
    }
}

TEST(TokenSet, FromTokenResponse) {
    ManualClock clock;
    const json response = {{"access_token", "AT"},  {"token_type", "Bearer"},
                           {"expires_in", 3600},    {"refresh_token", "RT"},
                           {"id_token", "a.b.c"},   {"scope", "openid email"},
                           {"vendor_extra", "kept"}};
    const auto t = OAuthTokenSet::from_token_response(response, clock);
    EXPECT_EQ(t.access_token, "AT");
    EXPECT_EQ(t.refresh_token, "RT");
    EXPECT_EQ(t.id_token, "a.b.c");
    EXPECT_EQ(t.scope, "openid email");
    EXPECT_EQ(t.expires_in, 3600);
    EXPECT_EQ(t.raw, response);
    EXPECT_DOUBLE_EQ(t.issued_at, start_unix);
    EXPECT_DOUBLE_EQ(*t.expires_at(), start_unix + 3600);
}

TEST(TokenSet, ExpiresAt) {
    OAuthTokenSet t;
    t.access_token = std::string{"a"}; // not = "a": GCC 12 warns falsely (-Wrestrict) at -O2
    t.issued_at = 1000;
    EXPECT_FALSE(t.expires_at());
    t.expires_in = 3600;
    ASSERT_TRUE(t.expires_at());
    EXPECT_DOUBLE_EQ(*t.expires_at(), 4600);
}

TEST(TokenSet, IsExpiredFollowsTheClock) {
    ManualClock clock;
    OAuthTokenSet t;
    t.access_token = std::string{"a"}; // not = "a": GCC 12 warns falsely (-Wrestrict) at -O2
    t.issued_at = clock.unix_seconds();
    t.expires_in = 100;

    EXPECT_FALSE(t.is_expired(0s, clock));
    EXPECT_DOUBLE_EQ(*t.seconds_left(clock), 100);
    clock.advance(99s);
    EXPECT_FALSE(t.is_expired(0s, clock));
    EXPECT_DOUBLE_EQ(*t.seconds_left(clock), 1);
    clock.advance(2s);
    EXPECT_TRUE(t.is_expired(0s, clock));
    EXPECT_DOUBLE_EQ(*t.seconds_left(clock), -1);
}

TEST(TokenSet, IsExpiredHonoursLeeway) {
    ManualClock clock;
    OAuthTokenSet t;
    t.access_token = std::string{"a"}; // not = "a": GCC 12 warns falsely (-Wrestrict) at -O2
    t.issued_at = clock.unix_seconds();
    t.expires_in = 100;
    EXPECT_FALSE(t.is_expired(99s, clock));
    EXPECT_TRUE(t.is_expired(101s, clock));
    clock.advance(50s);
    EXPECT_FALSE(t.is_expired(49s, clock));
    EXPECT_TRUE(t.is_expired(51s, clock));
}

TEST(TokenSet, UnknownLifetimeNeverExpires) {
    ManualClock clock;
    OAuthTokenSet t;
    t.access_token = std::string{"a"}; // not = "a": GCC 12 warns falsely (-Wrestrict) at -O2
    t.issued_at = clock.unix_seconds();
    clock.advance(std::chrono::hours{24 * 365});
    EXPECT_FALSE(t.is_expired(3600s, clock));
    EXPECT_FALSE(t.seconds_left(clock));
}

TEST(TokenSet, ToStringNeverContainsTokens) {
    const auto t = full_set();
    const std::string text = t.to_string();
    EXPECT_FALSE(text.empty());
    EXPECT_EQ(text.find(t.access_token), std::string::npos) << text;
    EXPECT_EQ(text.find(*t.refresh_token), std::string::npos) << text;
    EXPECT_EQ(text.find(*t.id_token), std::string::npos) << text;
    // Nor any recognisable piece of them.
    EXPECT_EQ(text.find("5f2b8c1e"), std::string::npos) << text;
    EXPECT_EQ(text.find("9d3e7a40"), std::string::npos) << text;
    EXPECT_EQ(text.find("eyJ"), std::string::npos) << text;
}

// Found by token_response_fuzz (corpus/token_response/regress-issued-at-1e300): a stored
// issued_at beyond the range of int64_t made to_string convert it with undefined behaviour.
TEST(TokenSet, ToStringPrintsAFarIssuedAt) {
    const auto tokens =
        OAuthTokenSet::from_json_string(R"({"access_token": "AT", "issued_at": 1e300})");
    const std::string text = tokens.to_string();
    EXPECT_NE(text.find("issued_at=1000000000000000052504760255204420248704468581108159154915854"),
              std::string::npos)
        << text;
    OAuthTokenSet usual;
    usual.access_token = "AT";
    usual.issued_at = 1767225600.75;
    EXPECT_NE(usual.to_string().find("issued_at=1767225600}"), std::string::npos)
        << usual.to_string();
}

TEST(TokenSet, ErrorTextsNeverContainTokens) {
    json j = full_set().to_json();
    j["expires_in"] = "RT-9d3e7a40-refresh"; // a token where a number belongs
    try {
        OAuthTokenSet::from_json(j);
        FAIL() << "expected TokenError";
    } catch (const TokenError& e) {
        const std::string what = e.what();
        EXPECT_EQ(what.find("9d3e7a40"), std::string::npos) << what;
        EXPECT_EQ(what.find("5f2b8c1e"), std::string::npos) << what;
    }
    try {
        OAuthTokenSet::from_json_string(R"({"access_token": "AT-5f2b8c1e-access", broken)");
        FAIL() << "expected TokenError";
    } catch (const TokenError& e) {
        EXPECT_EQ(std::string{e.what()}.find("5f2b8c1e"), std::string::npos) << e.what();
    }
}

} // namespace
} // namespace authflow

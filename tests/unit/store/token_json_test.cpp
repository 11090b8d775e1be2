// The stores' fast token-set JSON must mean exactly what core's to_json_string and
// from_json_string mean: same values written, same texts accepted, same results.
#include "store/token_json.hpp"
#include "unit/store/store_test_helpers.hpp"

#include <authflow/core/random.hpp>

#include <nlohmann/json.hpp>

#include <random>

namespace authflow::test {
namespace {

using nlohmann::json;
using store_detail::decode_token_json;
using store_detail::encode_token_json;

// Equal values of equal JSON types (nlohmann's == treats 2 and 2.0 as equal; dump does not).
void expect_same_json(const json& expected, const json& actual) {
    EXPECT_EQ(expected.dump(), actual.dump());
}

void expect_identical(const OAuthTokenSet& expected, const OAuthTokenSet& actual) {
    expect_same_tokens(expected, actual);
    expect_same_json(expected.raw, actual.raw);
}

std::vector<OAuthTokenSet> samples() {
    std::vector<OAuthTokenSet> sets;
    sets.push_back(full_token_set("plain"));
    OAuthTokenSet minimal;
    minimal.access_token = "a";
    minimal.issued_at = 0;
    sets.push_back(minimal);
    auto tricky = full_token_set("tricky");
    tricky.access_token = std::string("quote\" backslash\\ slash/ nl\n cr\r tab\t bs\b ff\f ") +
                          std::string("\x01\x1f\x7f nul") + std::string(1, '\0') + " end";
    tricky.scope = "ünïcødé 日本語 🔑 \xe2\x80\xa8";
    tricky.refresh_token = std::string(20000, 'r');
    tricky.raw = json::parse(R"({
        "int": -42, "unsigned": 18446744073709551615, "zero": 0, "float": 2.0, "small": 1e-7,
        "big": 1.5e300, "pi": 3.141592653589793, "neg": -0.5, "t": true, "f": false, "n": null,
        "empty_object": {}, "empty_array": [], "nested": {"a": [1, [2, [3, {"b": "c"}]]]},
        "ünï": "ç", "esc\"ape": "\u0001"})");
    tricky.issued_at = 1767225600.123456789;
    tricky.expires_in = 0;
    sets.push_back(tricky);
    auto large = full_token_set("large");
    large.access_token = "eyJ" + random_token(3000);
    large.id_token = "eyJ" + random_token(3000);
    large.raw["id_token"] = *large.id_token;
    large.issued_at = 1e9;
    sets.push_back(large);
    sets.push_back(dpop_token_set("bound"));
    return sets;
}

TEST(TokenJson, WritesWhatCoreWrites) {
    for (const auto& tokens : samples()) {
        std::string ours = encode_token_json(tokens);
        std::string core = tokens.to_json_string();
        // Same keys in the same order and the same values (numbers may be spelled differently).
        expect_same_json(json::parse(core), json::parse(ours));
        EXPECT_EQ(nlohmann::ordered_json::parse(ours).dump(),
                  nlohmann::ordered_json::parse(core).dump());
        expect_identical(tokens, OAuthTokenSet::from_json_string(ours));
    }
    // The usual token set: byte for byte.
    auto usual = full_token_set("usual");
    EXPECT_EQ(encode_token_json(usual), usual.to_json_string());
    auto bound = dpop_token_set("bound");
    EXPECT_EQ(encode_token_json(bound), bound.to_json_string());
    EXPECT_NE(encode_token_json(bound).find("\"dpop_key\":"), std::string::npos);
    // Bearer records stay as they were: no dpop_key member at all.
    EXPECT_EQ(encode_token_json(usual).find("dpop_key"), std::string::npos);
}

TEST(TokenJson, ReadsWhatCoreReads) {
    ManualClock clock;
    for (const auto& tokens : samples()) {
        std::string text = tokens.to_json_string();
        expect_identical(OAuthTokenSet::from_json_string(text, clock),
                         decode_token_json(text, clock));
        expect_identical(tokens, decode_token_json(encode_token_json(tokens), clock));
    }
}

TEST(TokenJson, InvalidUtf8IsRefusedAsByCore) {
    auto tokens = full_token_set("bad");
    tokens.access_token = "bad \xc3\x28 utf8";
    EXPECT_ANY_THROW(tokens.to_json_string());
    EXPECT_ANY_THROW(encode_token_json(tokens));
    tokens = full_token_set("bad");
    tokens.raw["nested"] = "\xed\xa0\x80"; // a UTF-16 surrogate
    EXPECT_ANY_THROW(tokens.to_json_string());
    EXPECT_ANY_THROW(encode_token_json(tokens));
}

TEST(TokenJson, AcceptsAndRefusesExactlyWhatCoreDoes) {
    ManualClock clock;
    std::vector<std::string> texts = {
        "",
        "{",
        "null",
        "[]",
        "{}",
        R"({"access_token":""})",
        R"({"access_token":"x"})",
        R"({"access_token":5})",
        R"({"access_token":"x","expires_in":-1})",
        R"({"access_token":"x","expires_in":"3600"})",
        R"({"access_token":"x","expires_in":"36x"})",
        R"({"access_token":"x","expires_in":1.5})",
        R"({"access_token":"x","expires_in":99999999999999999999999})",
        R"({"access_token":"x","raw":[]})",
        R"({"access_token":"x","raw":null})",
        R"({"access_token":"x","raw":{"n":123456789012345678901234567890}})",
        R"({"access_token":"x","issued_at":-1})",
        R"({"access_token":"x","issued_at":"now"})",
        R"({"access_token":"x","issued_at":1e400})",
        R"({"access_token":"x","token_type":null,"scope":null})",
        R"({"access_token":"x","refresh_token":7})",
        R"({"access_token":"a","access_token":"b"})",
        R"({"access_token":"x"} trailing)",
        R"({"access_token":"x\ud800"})",
        "{\"access_token\":\"x\xff\"}",
        R"(  {"access_token" : "spaced" , "issued_at" : 5 }  )",
    };
    for (const auto& text : texts) {
        std::optional<OAuthTokenSet> core;
        bool core_failed = false;
        try {
            core = OAuthTokenSet::from_json_string(text, clock);
        } catch (const TokenError&) {
            core_failed = true;
        }
        try {
            auto ours = decode_token_json(text, clock);
            EXPECT_FALSE(core_failed) << "core refuses, the store accepts: " << text;
            if (core) {
                expect_identical(*core, ours);
            }
        } catch (const TokenError& error) {
            EXPECT_TRUE(core_failed) << "core accepts, the store refuses: " << text;
            EXPECT_EQ(error.code(), errc::token_invalid);
        }
    }
}

// Found by token_response_fuzz (corpus/token_response/regress-empty-view): an empty
// string_view without data reached simdjson, which passed its null pointer to memcpy
// (undefined behaviour, reported by UBSan in the asan preset).
TEST(TokenJson, EmptyViewWithoutDataIsRefusedAsByCore) {
    ManualClock clock;
    try {
        decode_token_json(std::string_view{}, clock);
        FAIL() << "expected TokenError";
    } catch (const TokenError& error) {
        EXPECT_EQ(error.code(), errc::token_invalid);
    }
}

TEST(TokenJson, RandomStringsRoundTripLikeCore) {
    std::mt19937 random{12345};
    std::uniform_int_distribution<int> byte{0, 255};
    ManualClock clock;
    int agreed = 0;
    for (int round = 0; round < 2000; ++round) {
        std::string text(static_cast<std::size_t>(byte(random) % 40 + 1), ' ');
        // Mostly ASCII (control characters included), some bytes above 0x7f.
        for (auto& c : text) {
            int value = byte(random);
            c = static_cast<char>(value < 230 ? value % 128 : value);
        }
        auto tokens = full_token_set("r");
        tokens.scope = text;
        tokens.raw["field"] = text;
        bool core_throws = false;
        std::string core_text;
        try {
            core_text = tokens.to_json_string();
        } catch (const std::exception&) {
            core_throws = true;
        }
        if (core_throws) {
            EXPECT_ANY_THROW(encode_token_json(tokens));
            continue;
        }
        std::string ours = encode_token_json(tokens);
        EXPECT_EQ(ours, core_text);
        expect_identical(tokens, decode_token_json(ours, clock));
        ++agreed;
    }
    EXPECT_GT(agreed, 100); // some random strings are valid UTF-8
}

} // namespace
} // namespace authflow::test

// The "did you mean" suggestion for mistyped commands, flags and setting names.
#include <authflow/core/closest_match.hpp>

#include <gtest/gtest.h>

#include <array>
#include <string_view>

namespace authflow {
namespace {

constexpr std::array<std::string_view, 6> commands = {"login",  "logout",   "token",
                                                      "status", "userinfo", "refresh"};

TEST(EditDistance, CountsInsertionsDeletionsSubstitutionsAndTranspositions) {
    EXPECT_EQ(edit_distance("", ""), 0u);
    EXPECT_EQ(edit_distance("abc", ""), 3u);
    EXPECT_EQ(edit_distance("", "abc"), 3u);
    EXPECT_EQ(edit_distance("login", "login"), 0u);
    EXPECT_EQ(edit_distance("logni", "login"), 1u); // transposition
    EXPECT_EQ(edit_distance("--devcie", "--device"), 1u);
    EXPECT_EQ(edit_distance("provder", "provider"), 1u); // insertion
    EXPECT_EQ(edit_distance("tokens", "token"), 1u);     // deletion
    EXPECT_EQ(edit_distance("stadus", "status"), 1u);    // substitution
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
    EXPECT_EQ(edit_distance("ca", "abc"), 3u); // optimal string alignment, not full Damerau
    EXPECT_EQ(edit_distance("LOGIN", "login"), 0u);
}

TEST(ClosestMatch, SuggestsTheNearestCandidate) {
    EXPECT_EQ(closest_match("logni", commands), "login");
    EXPECT_EQ(closest_match("logot", commands), "logout");
    EXPECT_EQ(closest_match("usrinfo", commands), "userinfo");
    EXPECT_EQ(closest_match("refrsh", commands), "refresh");
}

TEST(ClosestMatch, NothingWhenFarOrExact) {
    EXPECT_FALSE(closest_match("login", commands));
    EXPECT_FALSE(closest_match("serve", commands));
    EXPECT_FALSE(closest_match("xyz", commands));
    EXPECT_FALSE(closest_match("", commands));
    // Short words allow fewer edits: "lg" is two edits from nothing useful.
    constexpr std::array<std::string_view, 2> short_names = {"id", "ok"};
    EXPECT_FALSE(closest_match("xy", short_names));
    EXPECT_EQ(closest_match("od", short_names), "id");
}

TEST(ClosestMatch, TiesGoToTheEarlierCandidate) {
    constexpr std::array<std::string_view, 2> names = {"abcd", "abce"};
    EXPECT_EQ(closest_match("abcx", names), "abcd");
}

} // namespace
} // namespace authflow

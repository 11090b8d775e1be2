// A narrowed token must be for what was asked (RFC 8707 lets a provider ignore resource
// indicators): the check on the audiences the token names.
#include "session/narrowed_tokens.hpp"

#include <authflow/core/errors.hpp>

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace authflow {
namespace {

using session_detail::check_narrowed_audience;

/// The error's code, or nothing when the token passes.
std::optional<errc> code_of(const std::vector<std::string>& audiences,
                            const TokenNarrowing& narrowing) {
    try {
        check_narrowed_audience(audiences, narrowing);
    } catch (const TokenRefreshError& e) {
        return e.code();
    }
    return std::nullopt;
}

TEST(NarrowedAudience, EveryResourceAndTheAudienceMustBeNamed) {
    const TokenNarrowing both{{}, {"https://a.example/", "urn:b"}, "api-c"};
    EXPECT_EQ(code_of({"urn:b", "https://a.example/", "api-c", "other"}, both), std::nullopt);
    EXPECT_EQ(code_of({"https://a.example/", "api-c"}, both), errc::provider_error);
    EXPECT_EQ(code_of({"https://a.example"}, {{}, {"https://a.example/"}, {}}),
              errc::provider_error); // no trailing slash: another identifier
}

TEST(NarrowedAudience, ATokenNamingNoAudienceCannotBeTrusted) {
    EXPECT_EQ(code_of({}, {{}, {"https://a.example/"}, {}}), errc::provider_error);
    EXPECT_EQ(code_of({}, {{}, {}, "api"}), errc::provider_error);
}

TEST(NarrowedAudience, ScopesAloneNeedNoAudience) {
    EXPECT_EQ(code_of({}, {{"openid"}, {}, {}}), std::nullopt);
    EXPECT_EQ(code_of({"anything"}, {}), std::nullopt);
}

} // namespace
} // namespace authflow

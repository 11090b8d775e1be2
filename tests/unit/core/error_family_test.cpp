// Every errc belongs to one family, and the families are what docs/errors.md says they are.
#include "support/test_env.hpp"

#include <authflow/core/error_family.hpp>
#include <authflow/core/errors.hpp>

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace authflow {
namespace {

TEST(ErrorFamily, TheListOfCodesIsTheOneNamesComeFrom) {
    const auto codes = all_error_codes();
    ASSERT_FALSE(codes.empty());
    // The category's message() and to_string read the same list: a value just past it has no
    // name, every value in it has one (no gap), in declaration order.
    int expected = static_cast<int>(errc::internal);
    for (const errc code : codes) {
        EXPECT_EQ(static_cast<int>(code), expected);
        EXPECT_NE(to_string(code), "unknown") << expected;
        EXPECT_EQ(make_error_code(code).message(), to_string(code));
        ++expected;
    }
    EXPECT_EQ(to_string(static_cast<errc>(expected)), "unknown");
    EXPECT_EQ(codes.back(), errc::forbidden);
}

TEST(ErrorFamily, EveryCodeHasAFamily) {
    std::set<std::string_view> used;
    for (const errc code : all_error_codes()) {
        const std::string_view name = to_string(family(code));
        EXPECT_NE(name, "unknown") << to_string(code) << " has no family";
        used.insert(name);
    }
    // Each family holds at least one code (a family nobody uses is a name nobody can test).
    for (int value = 0; to_string(static_cast<error_family>(value)) != "unknown"; ++value) {
        const std::string_view name = to_string(static_cast<error_family>(value));
        EXPECT_TRUE(used.contains(name)) << name << " holds no code";
    }
}

TEST(ErrorFamily, FamiliesTheDecisionsDependOn) {
    // Deploy's callback: 400 invalid_token for these two families.
    for (const errc code : {errc::bad_signature, errc::expired, errc::bad_nonce,
                            errc::bad_iss_param, errc::userinfo_mismatch, errc::token_invalid}) {
        EXPECT_EQ(family(code), error_family::verification) << to_string(code);
    }
    for (const errc code :
         {errc::bad_issuer, errc::bad_subject, errc::bad_audience, errc::bad_azp}) {
        EXPECT_EQ(family(code), error_family::other_party) << to_string(code);
    }
    // The refresh policy retries these (a TransportError) ...
    for (const errc code : {errc::timeout, errc::connect, errc::resolve, errc::transport}) {
        EXPECT_EQ(family(code), error_family::unreachable) << to_string(code);
    }
    // ... but not these.
    for (const errc code : {errc::tls, errc::too_large, errc::proxy}) {
        EXPECT_EQ(family(code), error_family::transport) << to_string(code);
    }
    EXPECT_EQ(family(errc::discovery_failed), error_family::provider_metadata);
    EXPECT_EQ(family(errc::jwks_failed), error_family::provider_metadata);
    // The CLI: exit 3 and exit 2.
    EXPECT_EQ(family(errc::token_missing), error_family::not_signed_in);
    EXPECT_EQ(family(errc::reauth_required), error_family::not_signed_in);
    EXPECT_EQ(family(errc::config_invalid), error_family::configuration);
    EXPECT_EQ(family(errc::config_missing), error_family::configuration);
    EXPECT_EQ(family(errc::insecure_url), error_family::configuration);
    EXPECT_EQ(family(static_cast<errc>(0)), error_family::internal);
}

TEST(ErrorFamily, DocsListEveryFamilyWithItsCodes) {
    const auto path = test::source_dir() / "docs" / "errors.md";
    std::string text;
    ASSERT_NO_THROW(text = test::read_file(path)) << path;
    std::map<std::string, std::string> rows; // family -> its row in the section "## Families"
    std::istringstream lines(text);
    bool in_section = false;
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("## ", 0) == 0) {
            in_section = line == "## Families";
        } else if (in_section && line.rfind("| `", 0) == 0) {
            const auto end = line.find('`', 3);
            rows[line.substr(3, end - 3)] = line;
        }
    }
    for (const errc code : all_error_codes()) {
        const std::string name{to_string(family(code))};
        ASSERT_TRUE(rows.contains(name)) << "docs/errors.md has no row for the family " << name;
        const std::string cell = "`" + std::string{to_string(code)} + "`";
        EXPECT_NE(rows[name].find(cell), std::string::npos)
            << "docs/errors.md: the row of " << name << " lacks " << cell;
    }
}

} // namespace
} // namespace authflow

// Which AUTHFLOW_* variables the program warns about, and what it suggests.
#include "authflow/environment_check.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace authflow::cli {
namespace {

std::vector<std::string> warnings_for(std::vector<std::string> names) {
    return unknown_environment_warnings(names);
}

TEST(EnvironmentCheck, SettingsAndKnownVariablesPass) {
    EXPECT_TRUE(warnings_for({"AUTHFLOW_OAUTH2__CLIENT_ID", "AUTHFLOW_OAUTH2__CLIENT_SECRET",
                              "AUTHFLOW_DEPLOY__PUBLIC_URL", "AUTHFLOW_STORE_KEY",
                              "AUTHFLOW_CONFIG_FILE", "AUTHFLOW_CLI", "AUTHFLOW_OP_OPTIONS",
                              "AUTHFLOW_TEST_STORE", "AUTHFLOW_BENCH_CLI", "PATH", "HOME"})
                    .empty());
}

TEST(EnvironmentCheck, MistypedSettingSuggestsTheVariable) {
    EXPECT_EQ(warnings_for({"AUTHFLOW_OAUTH2__CLIENTID"}),
              std::vector<std::string>{"unknown setting AUTHFLOW_OAUTH2__CLIENTID (did you mean "
                                       "AUTHFLOW_OAUTH2__CLIENT_ID?)"});
    EXPECT_EQ(warnings_for({"AUTHFLOW_OAUTH2_CLIENT_ID"}),
              std::vector<std::string>{"unknown setting AUTHFLOW_OAUTH2_CLIENT_ID (did you mean "
                                       "AUTHFLOW_OAUTH2__CLIENT_ID?)"});
    EXPECT_EQ(warnings_for({"AUTHFLOW_STORE_KYE"}),
              std::vector<std::string>{
                  "unknown setting AUTHFLOW_STORE_KYE (did you mean AUTHFLOW_STORE_KEY?)"});
}

TEST(EnvironmentCheck, FarNamesAreWarnedAboutWithoutSuggestion) {
    const auto warnings = warnings_for({"AUTHFLOW_SOMETHING_ELSE_ENTIRELY"});
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0].find("did you mean"), std::string::npos) << warnings[0];
}

} // namespace
} // namespace authflow::cli

// AuthFlowState wire values and AuthFlowResult defaults (seed §2.2, §2.3).
#include <authflow/core/auth_flow.hpp>
#include <authflow/core/errors.hpp>

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace authflow {
namespace {

const std::vector<std::pair<AuthFlowState, std::string_view>> wire_values = {
    {AuthFlowState::pending, "pending"},     {AuthFlowState::in_progress, "in_progress"},
    {AuthFlowState::completed, "completed"}, {AuthFlowState::cancelled, "cancelled"},
    {AuthFlowState::failed, "failed"},       {AuthFlowState::timed_out, "timed_out"}};

TEST(AuthFlow, StateWireValues) {
    for (const auto& [state, text] : wire_values) {
        EXPECT_EQ(to_string(state), text);
    }
}

TEST(AuthFlow, StateFromWireValue) {
    for (const auto& [state, text] : wire_values) {
        EXPECT_EQ(auth_flow_state_from_string(text), state) << text;
    }
}

TEST(AuthFlow, UnknownStateTextIsRejected) {
    for (auto text : {"", "done", "timeout", "in-progress", "pending ", "completedx"}) {
        try {
            auth_flow_state_from_string(text);
            ADD_FAILURE() << "accepted '" << text << "'";
        } catch (const ConfigError& e) {
            EXPECT_EQ(e.code(), errc::invalid_argument) << text;
        }
    }
}

TEST(AuthFlow, ResultDefaults) {
    const AuthFlowResult result;
    EXPECT_FALSE(result.success);
    EXPECT_FALSE(result.tokens.has_value());
    EXPECT_FALSE(result.error.has_value());
    EXPECT_FALSE(result.user_info.has_value());
}

} // namespace
} // namespace authflow

#include <authflow/core/auth_flow.hpp>
#include <authflow/core/errors.hpp>

namespace authflow {

std::string_view to_string(AuthFlowState state) noexcept {
    switch (state) {
    case AuthFlowState::pending:
        return "pending";
    case AuthFlowState::in_progress:
        return "in_progress";
    case AuthFlowState::completed:
        return "completed";
    case AuthFlowState::cancelled:
        return "cancelled";
    case AuthFlowState::failed:
        return "failed";
    case AuthFlowState::timed_out:
        return "timed_out";
    }
    return "unknown";
}

AuthFlowState auth_flow_state_from_string(std::string_view text) {
    for (auto state : {AuthFlowState::pending, AuthFlowState::in_progress, AuthFlowState::completed,
                       AuthFlowState::cancelled, AuthFlowState::failed, AuthFlowState::timed_out}) {
        if (to_string(state) == text) {
            return state;
        }
    }
    throw ConfigError(errc::invalid_argument,
                      "unknown flow state; expected pending, in_progress, completed, cancelled, "
                      "failed or timed_out");
}

} // namespace authflow

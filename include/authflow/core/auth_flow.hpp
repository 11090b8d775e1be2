#pragma once
// The outcome and the state of a sign-in flow.

#include <authflow/core/token_set.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace authflow {

/// Where a sign-in flow is; to_string gives the wire value.
enum class AuthFlowState { pending, in_progress, completed, cancelled, failed, timed_out };

/// "pending", "in_progress", "completed", "cancelled", "failed" or "timed_out".
std::string_view to_string(AuthFlowState state) noexcept;
/// The inverse of to_string. Throws ConfigError (invalid_argument) for any other text.
AuthFlowState auth_flow_state_from_string(std::string_view text);

/// The result of a sign-in. A plain value; not synchronised.
struct AuthFlowResult {
    bool success = false;
    std::optional<OAuthTokenSet> tokens;
    std::optional<std::string> error;
    std::optional<nlohmann::json> user_info;
};

} // namespace authflow

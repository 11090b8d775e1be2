#pragma once
// What a validated back-channel logout token says (OpenID Connect Back-Channel Logout 1.0 §2.4).
// IdTokenValidator::validate_logout_token makes it.

#include <chrono>
#include <optional>
#include <string>

namespace authflow {

/// The claims of a validated logout token: end the sessions of this `sid`, or of this `sub`, at
/// the issuer. A plain value.
struct LogoutTokenClaims {
    std::string iss;
    std::optional<std::string> sub; ///< at least one of sub and sid is present
    std::optional<std::string> sid;
    /// Unique per token: a receiver accepts each jti once (§2.6 step 7), remembered until `exp`.
    std::string jti;
    std::chrono::sys_seconds iat;
    std::chrono::sys_seconds exp;
};

/// The `events` member a logout token must carry (§2.4).
inline constexpr const char* backchannel_logout_event =
    "http://schemas.openid.net/event/backchannel-logout";

} // namespace authflow

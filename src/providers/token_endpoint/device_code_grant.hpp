#pragma once
// Private to the providers layer: one poll of the device authorization grant at the token
// endpoint (RFC 8628 §3.4, §3.5), without I/O.

#include "token_response.hpp"

#include <authflow/core/url.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace authflow::detail {

/// What one poll's answer says.
struct DevicePoll {
    enum class Status { approved, authorization_pending, slow_down };
    Status status = Status::authorization_pending;
    OAuthTokenSet tokens; ///< when approved
    /// slow_down: the interval the provider asked for, in seconds, when it said one (GitHub).
    std::optional<std::int64_t> interval;
};

/// Polling for the tokens of a device authorization. A plain value; it holds the device code,
/// never log it.
struct DeviceCodeGrant {
    static constexpr std::string_view grant_type = "urn:ietf:params:oauth:grant-type:device_code";

    std::string device_code;
    bool is_dpop = false; ///< sent with a DPoP proof: the answer must be a DPoP token

    /// The token request's form fields (client authentication is added by the sender).
    QueryParams form() const;
    /// What the answer says: tokens, keep waiting, or wait longer. Throws TokenExpiredError
    /// (token_expired) on expired_token, and as fail on every other refusal or bad answer.
    DevicePoll read(const HttpResponse& response, const Clock& clock) const;
    /// Every other failure of this grant is a TokenError with the error's code and answer.
    [[noreturn]] static void fail(TokenEndpointError error);
    /// RFC 8628 §3.5: the interval after a slow_down (5 s more, or the provider's larger
    /// interval, at most an hour).
    static std::chrono::seconds slowed_down(std::chrono::seconds interval, const DevicePoll& poll);
};

} // namespace authflow::detail

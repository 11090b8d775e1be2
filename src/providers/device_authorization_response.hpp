#pragma once
// Private to the providers layer: reading a device authorization endpoint's answer
// (RFC 8628 §3.2), without I/O.

#include <authflow/core/clock.hpp>
#include <authflow/http/http_client.hpp>
#include <authflow/providers/oauth_provider.hpp>

namespace authflow::detail {

/// The device authorization of an answer; expires_at counts from `clock`'s steady now. Throws
/// AuthenticationError: provider_error for an OAuth error, invalid_response for another status,
/// a body that is not a JSON object, a missing device_code, user_code, verification_uri or
/// expires_in, or codes that expired already.
DeviceAuthorization read_device_authorization(const HttpResponse& response, const Clock& clock);

} // namespace authflow::detail

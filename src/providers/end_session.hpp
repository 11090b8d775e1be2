#pragma once
// Private to the providers layer: the RP-initiated logout URL (OpenID Connect RP-Initiated
// Logout 1.0 §2), without I/O.

#include <authflow/providers/oauth_provider.hpp>

#include <string>
#include <string_view>

namespace authflow::detail {

/// `endpoint` with the request's non-empty parameters and `client_id` in its query.
std::string end_session_url(std::string_view endpoint, const EndSessionRequest& request,
                            const std::string& client_id);

} // namespace authflow::detail

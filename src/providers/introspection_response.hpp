#pragma once
// Private to the providers layer: reading an introspection endpoint's answer (RFC 7662 §2.2,
// §2.3), without I/O.

#include <authflow/http/http_client.hpp>
#include <authflow/providers/oauth_provider.hpp>

namespace authflow::detail {

/// The introspection result of an answer. Throws AuthenticationError: provider_error for an
/// OAuth error or a status other than 200, invalid_response for a body that is not a JSON
/// object or has no boolean `active`.
IntrospectionResult read_introspection(const HttpResponse& response);

} // namespace authflow::detail

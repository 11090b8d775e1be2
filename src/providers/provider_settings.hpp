#pragma once
// Private to the providers layer: checking a provider's settings before it is used.

#include <authflow/providers/oauth_provider.hpp>

namespace authflow::detail {

/// Throws ConfigError: insecure_url for an endpoint that is not https (http only to loopback
/// hosts), config_invalid for a leeway outside 0–600 s, config_missing for a client
/// authentication method that needs a secret without one. (The client id is checked first, by
/// the provider.)
void check_provider_settings(const ProviderConfig& config);

} // namespace authflow::detail

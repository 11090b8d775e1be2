#pragma once
// Private to the providers layer: whether a provider's token requests use DPoP (RFC 9449), from
// the `dpop` setting and what the provider advertises.

#include <authflow/providers/oauth_provider.hpp>

#include <string>
#include <vector>

namespace authflow::detail {

/// Whether DPoP is used with a provider whose discovery document advertises `advertised`
/// (dpop_signing_alg_values_supported, RFC 9449 §5.1); null: a provider without discovery.
/// off: never; auto: when the list holds config.dpop_alg; required: always, and a provider with
/// discovery that does not advertise config.dpop_alg is a ConfigError (config_invalid) naming
/// the setting `dpop`.
bool uses_dpop(const ProviderConfig& config, const std::vector<std::string>* advertised);

/// Throws ConfigError (config_invalid) naming `dpop_alg` for an algorithm DPoP does not allow
/// (RFC 9449 §4.2: asymmetric only).
void check_dpop_alg(const ProviderConfig& config);

/// The JWS algorithm of a `dpop_alg` setting.
JwsAlg to_jws_alg(DpopAlg alg) noexcept;

} // namespace authflow::detail

// When a provider's tokens are bound to a key with DPoP (RFC 9449).
#include "dpop_policy.hpp"

#include <authflow/core/errors.hpp>

#include <algorithm>

namespace authflow::detail {

bool uses_dpop(const ProviderConfig& config, const std::vector<std::string>* advertised) {
    if (config.dpop == DpopMode::off) {
        return false;
    }
    if (advertised == nullptr) {
        // No discovery, nothing advertised: only an explicit `required` turns DPoP on.
        return config.dpop == DpopMode::required;
    }
    const bool offered = std::find(advertised->begin(), advertised->end(),
                                   to_string(config.dpop_alg)) != advertised->end();
    if (!offered && config.dpop == DpopMode::required) {
        throw ConfigError(errc::config_invalid,
                          std::string{"dpop is required but the provider does not advertise DPoP "
                                      "with "} +
                              std::string{to_string(config.dpop_alg)} +
                              " (dpop_signing_alg_values_supported): set dpop to auto or off, or "
                              "choose another dpop_alg");
    }
    return offered;
}

void check_dpop_alg(const ProviderConfig& config) {
    const auto asymmetric = asymmetric_jws_algs();
    if (std::find(asymmetric.begin(), asymmetric.end(), config.dpop_alg) == asymmetric.end()) {
        throw ConfigError(errc::config_invalid,
                          "invalid dpop_alg: DPoP proofs need an asymmetric algorithm (ES256, "
                          "EdDSA, PS256, ...)");
    }
}

JwsAlg to_jws_alg(DpopAlg alg) noexcept {
    switch (alg) {
    case DpopAlg::ES256:
        return JwsAlg::ES256;
    case DpopAlg::EdDSA:
        return JwsAlg::EdDSA;
    case DpopAlg::PS256:
        return JwsAlg::PS256;
    }
    return JwsAlg::ES256;
}

} // namespace authflow::detail

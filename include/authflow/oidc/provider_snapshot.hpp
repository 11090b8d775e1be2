#pragma once
// What a provider fetched from the network that a later process may reuse instead of fetching it
// again: the discovery document and the key set, each as received, with when it was fetched.
// Kept e.g. with a CLI profile, so that a short-lived program needs no discovery round trip and
// still works while the provider cannot be reached.

#include <nlohmann/json.hpp>

#include <string>

namespace authflow {

/// A provider's discovery document and key set as fetched. A plain value; nothing in it is
/// secret. Empty text: not known.
struct ProviderSnapshot {
    std::string issuer;              ///< the issuer the document was fetched for
    std::string discovery;           ///< the discovery document's JSON text
    double discovery_fetched_at = 0; ///< Unix seconds
    std::string jwks_uri;            ///< where the key set came from
    std::string jwks;                ///< the key set's JSON text
    double jwks_fetched_at = 0;      ///< Unix seconds
    double jwks_max_age_seconds = 0; ///< how long the provider said the keys stay fresh

    /// {"issuer", "discovery", "discovery_fetched_at", "jwks_uri", "jwks", "jwks_fetched_at",
    /// "jwks_max_age_seconds"}; the documents as JSON values.
    nlohmann::json to_json() const;
    /// The inverse of to_json. Members that are missing or of another type are left empty (a
    /// snapshot is a cache: what cannot be read is fetched again).
    static ProviderSnapshot from_json(const nlohmann::json& json);
};

} // namespace authflow

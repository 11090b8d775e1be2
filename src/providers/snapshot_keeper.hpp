#pragma once
// Private to the providers layer: a provider's ProviderSnapshot kept current — what it was given
// (preloaded into its discovery and key-set caches) and what it fetches since (handed to the
// ProviderConfig's on_snapshot callback).

#include <authflow/core/clock.hpp>
#include <authflow/oidc/jwks_cache.hpp>
#include <authflow/oidc/provider_metadata.hpp>
#include <authflow/oidc/provider_snapshot.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace authflow::detail {

/// Safe to use from several threads; the caches it wires call it from their fetching threads.
class SnapshotKeeper : public std::enable_shared_from_this<SnapshotKeeper> {
public:
    SnapshotKeeper(std::optional<ProviderSnapshot> given,
                   std::function<void(const ProviderSnapshot&)> on_change,
                   std::shared_ptr<Clock> clock);

    /// Options for the discovery cache that report each fetch here.
    DiscoveryCacheOptions discovery_options();
    /// Preloads the given discovery document of `issuer`, when it is for that issuer and still
    /// passes ProviderMetadata::parse (a document that does not is fetched again).
    void preload(DiscoveryCache& cache, const std::string& issuer) const;

    /// Options for the key-set cache of `jwks_uri` that report each fetch here.
    JwksCacheOptions jwks_options(const std::string& jwks_uri);
    /// Preloads the given key set when it came from `jwks_uri`.
    void preload(JwksCache& cache, const std::string& jwks_uri) const;

private:
    void changed(const std::function<void(ProviderSnapshot&)>& update);
    std::chrono::seconds age_of(double fetched_at) const;

    std::function<void(const ProviderSnapshot&)> on_change_;
    std::shared_ptr<Clock> clock_;
    mutable std::mutex mutex_;
    ProviderSnapshot snapshot_;
};

} // namespace authflow::detail

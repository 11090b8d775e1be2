#include "snapshot_keeper.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>

#include <cmath>
#include <utility>

namespace authflow::detail {

SnapshotKeeper::SnapshotKeeper(std::optional<ProviderSnapshot> given,
                               std::function<void(const ProviderSnapshot&)> on_change,
                               std::shared_ptr<Clock> clock)
    : on_change_(std::move(on_change)), clock_(clock_or_system(std::move(clock))),
      snapshot_(given.value_or(ProviderSnapshot{})) {}

std::chrono::seconds SnapshotKeeper::age_of(double fetched_at) const {
    const double age = clock_->unix_seconds() - fetched_at;
    // A time in the future (a clock set back) counts as just now.
    return std::chrono::seconds{age > 0 ? std::llround(age) : 0};
}

void SnapshotKeeper::changed(const std::function<void(ProviderSnapshot&)>& update) {
    ProviderSnapshot copy;
    {
        std::lock_guard lock(mutex_);
        update(snapshot_);
        copy = snapshot_;
    }
    if (on_change_) {
        try {
            on_change_(copy);
        } catch (const std::exception& e) {
            log(LogLevel::warning,
                std::string{"keeping the provider's discovery document and keys failed: "} +
                    e.what());
        }
    }
}

DiscoveryCacheOptions SnapshotKeeper::discovery_options() {
    DiscoveryCacheOptions options;
    std::weak_ptr<SnapshotKeeper> self = weak_from_this();
    options.on_fetched = [self](const std::string& issuer, const ProviderMetadata& metadata) {
        if (auto keeper = self.lock()) {
            const double now = keeper->clock_->unix_seconds();
            keeper->changed([&](ProviderSnapshot& s) {
                s.issuer = issuer;
                s.discovery = metadata.raw.dump();
                s.discovery_fetched_at = now;
            });
        }
    };
    return options;
}

void SnapshotKeeper::preload(DiscoveryCache& cache, const std::string& issuer) const {
    std::lock_guard lock(mutex_);
    if (snapshot_.discovery.empty() || snapshot_.issuer != issuer) {
        return;
    }
    try {
        cache.preload(issuer,
                      std::make_shared<const ProviderMetadata>(
                          ProviderMetadata::parse(snapshot_.discovery, issuer)),
                      age_of(snapshot_.discovery_fetched_at));
    } catch (const Error&) {
        // Not a document that passes today's checks: fetched again when needed.
    }
}

JwksCacheOptions SnapshotKeeper::jwks_options(const std::string& jwks_uri) {
    JwksCacheOptions options;
    std::weak_ptr<SnapshotKeeper> self = weak_from_this();
    options.on_fetched = [self, jwks_uri](const std::string& body, std::chrono::seconds lifetime) {
        if (auto keeper = self.lock()) {
            const double now = keeper->clock_->unix_seconds();
            keeper->changed([&](ProviderSnapshot& s) {
                s.jwks_uri = jwks_uri;
                s.jwks = body;
                s.jwks_fetched_at = now;
                s.jwks_max_age_seconds = static_cast<double>(lifetime.count());
            });
        }
    };
    return options;
}

void SnapshotKeeper::preload(JwksCache& cache, const std::string& jwks_uri) const {
    std::lock_guard lock(mutex_);
    if (snapshot_.jwks.empty() || snapshot_.jwks_uri != jwks_uri) {
        return;
    }
    cache.preload(snapshot_.jwks,
                  std::chrono::seconds{std::llround(snapshot_.jwks_max_age_seconds)},
                  age_of(snapshot_.jwks_fetched_at));
}

} // namespace authflow::detail

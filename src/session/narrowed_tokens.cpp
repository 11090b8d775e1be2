#include "narrowed_tokens.hpp"

#include <authflow/core/errors.hpp>

namespace authflow::session_detail {

NarrowedTokens refresh_narrowed(const NarrowingServices& services,
                                const TokenNarrowing& narrowing) {
    RefreshLease lease(services.store, services.lease_name, services.lease_ttl, true);
    const auto deadline =
        services.clock.steady_now() + services.lease_ttl + services.lease_poll_interval;
    if (!lease.take_by(deadline, services.clock,
                       [&] { services.wait_for(services.lease_poll_interval); })) {
        throw TokenRefreshError(errc::refresh_failed,
                                "another process has held the refresh lease of session '" +
                                    services.key + "' for too long");
    }
    std::optional<OAuthTokenSet> stored = services.store.load(services.key);
    if (!stored) {
        throw TokenError(errc::token_missing, "session '" + services.key + "' has no tokens");
    }
    NarrowedTokens result{
        lease.while_held([&] { return services.provider.refresh_tokens(*stored, narrowing); }),
        std::nullopt};
    if (result.narrowed.refresh_token && result.narrowed.refresh_token != stored->refresh_token) {
        stored->refresh_token = result.narrowed.refresh_token;
        lease.save(services.key, *stored);
        result.stored = std::move(stored);
    }
    return result;
}

} // namespace authflow::session_detail

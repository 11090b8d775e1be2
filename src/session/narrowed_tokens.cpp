#include "narrowed_tokens.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>

namespace authflow::session_detail {

NarrowedTokens refresh_narrowed(const NarrowingServices& services,
                                const TokenNarrowing& narrowing) {
    RefreshLease lease(services.store, services.lease_name, services.lease_ttl, true,
                       services.clock);
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
        if (!lease.save(services.key, *stored)) {
            // The lease ran out despite its renewal and another process took it: what it stores
            // wins; this rotated refresh token is not kept.
            log(LogLevel::warning, "session '" + services.key +
                                       "': the refresh lease was lost; the rotated refresh token "
                                       "of a narrowed refresh was not saved");
            return result;
        }
        result.stored = std::move(stored);
    }
    return result;
}

} // namespace authflow::session_detail

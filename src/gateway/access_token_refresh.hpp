#pragma once
// Private to the gateway: a session's access token, refreshed when due once across every worker
// that shares the token store.

#include <authflow/core/clock.hpp>
#include <authflow/deploy/session_store.hpp>
#include <authflow/providers/oauth_provider.hpp>
#include <authflow/store/token_store.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace authflow::gateway_detail {

struct RefreshPolicy {
    std::chrono::seconds buffer{60};
    std::chrono::milliseconds wait{5000};
    std::chrono::milliseconds lease_ttl{30000};
    std::chrono::milliseconds poll{50};
};

/// The session's access token with more than the buffer left (refresh_due_at): the stored one,
/// else one refreshed under the lease "refresh:<session key>" (the lease POST {prefix}/refresh
/// takes), saved for the rest of the session. A worker that finds the lease taken uses the
/// stored token while it is still valid, else waits up to policy.wait for the holder's result.
/// Nothing when no token is stored, none can be had (no refresh token, the provider refused) or
/// the wait ends. Throws StoreError when the store fails.
std::optional<std::string> fresh_access_token(TokenStore& store, OAuthProvider& provider,
                                              Clock& clock, const UserSession& session,
                                              const RefreshPolicy& policy);

} // namespace authflow::gateway_detail

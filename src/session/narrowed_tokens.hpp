#pragma once
// A narrower access token for a session (fewer scopes, named APIs) by a refresh under the
// cross-process lease (not installed).

#include "refresh_lease.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/core/token_set.hpp>
#include <authflow/providers/oauth_provider.hpp>
#include <authflow/store/token_store.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace authflow::session_detail {

/// What a narrowed refresh gave.
struct NarrowedTokens {
    /// The provider's answer: the narrowed access token. Not stored.
    OAuthTokenSet narrowed;
    /// The session's stored tokens with the refresh token the provider rotated, now saved; nothing
    /// when the refresh token did not change.
    std::optional<OAuthTokenSet> stored;
};

/// Where and how to refresh. Plain references; the caller keeps them alive.
struct NarrowingServices {
    TokenStore& store;
    OAuthProvider& provider;
    Clock& clock;
    const std::string& key;
    const std::string& lease_name;
    std::chrono::milliseconds lease_ttl;
    std::chrono::milliseconds lease_poll_interval;
    std::function<void(std::chrono::milliseconds)> wait_for;
};

/// Takes the session's refresh lease (waiting up to a TTL for another process's refresh), reads
/// the stored tokens, refreshes them with `narrowing`, and — when the provider rotated the
/// refresh token, which keeps the grant's full scope (RFC 6749 §6) — saves the stored tokens with
/// the new refresh token so the grant is not lost; the stored access token stays the session's.
/// Throws TokenError (token_missing), TokenRefreshError (refresh_failed when the lease could not
/// be had; the provider's refusal), ConfigError, StoreError.
NarrowedTokens refresh_narrowed(const NarrowingServices& services, const TokenNarrowing& narrowing);

/// The audiences `access_token` names: a JWT's `aud` (read, not verified: it only tells whether
/// the provider honoured a request), else the provider's introspection answer's `aud`; empty
/// when neither tells.
std::vector<std::string> token_audiences(OAuthProvider& provider, const std::string& access_token);

/// Checks that a narrowed token is for the resources and the audience asked for: RFC 8707 lets a
/// provider that does not support resource indicators ignore them, and hand out a token for
/// something else. Throws TokenRefreshError (provider_error) when the token names other
/// audiences, or none that can be read.
void check_narrowed_audience(const std::vector<std::string>& audiences,
                             const TokenNarrowing& narrowing);

} // namespace authflow::session_detail

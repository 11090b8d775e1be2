#pragma once
// Signing a session out at the provider and in the store (not installed).

#include <authflow/core/token_set.hpp>
#include <authflow/providers/oauth_provider.hpp>
#include <authflow/session/session_manager.hpp>
#include <authflow/store/token_store.hpp>

#include <optional>
#include <string>

namespace authflow::session_detail {

/// Revokes the stored tokens of `key` (read again, so also after a restart with nothing cached)
/// and the `cached` ones when they differ (RFC 7009; best effort, failures logged), then removes
/// the stored ones. Throws StoreError when they cannot be removed.
LogoutResult revoke_and_remove(TokenStore& store, OAuthProvider& provider, const std::string& key,
                               const std::optional<OAuthTokenSet>& cached);

} // namespace authflow::session_detail

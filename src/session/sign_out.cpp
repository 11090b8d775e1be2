#include "sign_out.hpp"

#include "session_snapshot.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>

#include <exception>
#include <vector>

namespace authflow::session_detail {

LogoutResult revoke_and_remove(TokenStore& store, OAuthProvider& provider, const std::string& key,
                               const std::optional<OAuthTokenSet>& cached) {
    std::vector<OAuthTokenSet> to_revoke;
    std::optional<OAuthTokenSet> stored;
    try {
        stored = store.load(key);
    } catch (const StoreError& e) {
        log(LogLevel::warning,
            "session '" + key + "': the stored tokens cannot be read; removing them: " + e.what());
    }
    if (stored) {
        to_revoke.push_back(*stored);
    }
    if (cached && (!stored || !same_tokens(*cached, *stored))) {
        to_revoke.push_back(*cached);
    }
    LogoutResult result;
    for (const auto& tokens : to_revoke) {
        try {
            // RFC 7009 §2.1: the refresh token first, which may end the whole grant.
            const RevocationResult revoked = provider.revoke_tokens(tokens);
            result.revoked.refresh_token_revoked |= revoked.refresh_token_revoked;
            result.revoked.access_token_revoked |= revoked.access_token_revoked;
        } catch (const std::exception& e) {
            log(LogLevel::warning,
                "session '" + key + "': revocation failed (continuing): " + e.what());
        }
    }
    const bool removed = store.remove(key);
    result.had_tokens = removed || !to_revoke.empty();
    return result;
}

} // namespace authflow::session_detail

#include "access_token_refresh.hpp"

#include <authflow/core/crypto.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/session/session_manager.hpp>

#include <condition_variable>
#include <mutex>

namespace authflow::gateway_detail {
namespace {

bool is_due(const OAuthTokenSet& tokens, const Clock& clock, std::chrono::seconds buffer) {
    const auto due = refresh_due_at(tokens, buffer);
    return due && clock.unix_seconds() >= *due;
}

/// Waits `span` on `clock` (a ManualClock wakes it when advanced).
void pause(Clock& clock, std::chrono::milliseconds span) {
    std::mutex mutex;
    std::condition_variable cv;
    std::unique_lock lock{mutex};
    clock.wait_until(lock, cv, clock.steady_now() + span, [] { return false; });
}

} // namespace

std::optional<std::string> fresh_access_token(TokenStore& store, OAuthProvider& provider,
                                              Clock& clock, const UserSession& session,
                                              const RefreshPolicy& policy) {
    const std::string key = session_key(session.session_id);
    auto tokens = store.load(key);
    if (!tokens) {
        return std::nullopt;
    }
    if (!is_due(*tokens, clock, policy.buffer)) {
        return tokens->access_token;
    }
    const auto lease = store.try_acquire("refresh:" + key, policy.lease_ttl);
    if (lease) {
        // Another worker may have refreshed between the load and the lease.
        tokens = store.load(key);
        if (!tokens) {
            return std::nullopt;
        }
        if (!is_due(*tokens, clock, policy.buffer)) {
            return tokens->access_token;
        }
        if (!tokens->refresh_token || tokens->refresh_token->empty()) {
            return tokens->is_expired(std::chrono::seconds{0}, clock)
                       ? std::nullopt
                       : std::optional<std::string>{tokens->access_token};
        }
        OAuthTokenSet fresh;
        try {
            fresh = provider.refresh_tokens(*tokens);
        } catch (const Error& e) {
            log(LogLevel::warning, std::string{"check: access token refresh failed: "} +
                                       std::string{to_string(e.code())});
            return tokens->is_expired(std::chrono::seconds{0}, clock)
                       ? std::nullopt
                       : std::optional<std::string>{tokens->access_token};
        }
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(session.expires_at - clock.now());
        if (left.count() <= 0) {
            return std::nullopt;
        }
        store.save(key, fresh, left);
        return fresh.access_token;
    }
    // Another worker refreshes: a token that is still valid is good enough meanwhile.
    if (!tokens->is_expired(std::chrono::seconds{0}, clock)) {
        return tokens->access_token;
    }
    const auto deadline = clock.steady_now() + policy.wait;
    while (clock.steady_now() < deadline) {
        pause(clock, policy.poll);
        auto stored = store.load(key);
        if (!stored) {
            return std::nullopt;
        }
        if (!constant_time_equal(stored->access_token, tokens->access_token) &&
            !stored->is_expired(std::chrono::seconds{0}, clock)) {
            return stored->access_token;
        }
    }
    log(LogLevel::warning, "check: gave up waiting for another worker's token refresh");
    return std::nullopt;
}

} // namespace authflow::gateway_detail

#pragma once
// SessionManager: the tokens of one sign-in, kept fresh:
// refreshed before they expire, once per expiry across the threads of a process and across the
// processes that share a token store, in the background by the shared RefreshScheduler.

#include <authflow/core/clock.hpp>
#include <authflow/core/token_set.hpp>
#include <authflow/providers/oauth_provider.hpp>
#include <authflow/session/refresh_scheduler.hpp>
#include <authflow/store/token_store.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace authflow {

/// How transient refresh failures (timeouts, connection errors, HTTP 5xx, 429) are retried. The
/// n-th retry waits min(max_delay, initial_delay * multiplier^(n-1)), scaled by a random factor
/// in [1 - jitter, 1 + jitter], and at least as long as the provider's Retry-After. A plain
/// value.
struct RetryPolicy {
    /// Tries of one refresh that a caller waits for (1 = no retry).
    int max_attempts = 4;
    std::chrono::milliseconds initial_delay{500};
    double multiplier = 2.0;
    std::chrono::milliseconds max_delay{8000};
    /// 0 to 1; 0 makes the delays exact (tests).
    double jitter = 0.2;
    /// A Retry-After longer than this ends the retries at once (the refresh fails; the next
    /// attempt waits for the Retry-After).
    std::chrono::milliseconds max_retry_after{60000};
};

/// Options of a SessionManager. A plain value.
struct SessionManagerOptions {
    /// The key the tokens are stored under (pywry.auth's default).
    std::string session_key = "default";
    /// Refresh when less than this is left (pywry.auth's default 60). For tokens that live less
    /// than twice as long, half their lifetime is used instead, so that a provider issuing short
    /// tokens never causes a refresh loop.
    int refresh_buffer_seconds = 60;
    /// Called once per episode when a new sign-in is needed: nothing is stored, there is no
    /// refresh token, or the provider refused the refresh token (invalid_grant). The episode
    /// ends when new tokens arrive (save_tokens, or a refresh by another process). Runs on the
    /// calling thread or a scheduler worker, without any lock held.
    std::function<void()> on_reauth_required;
    /// Called after new tokens were saved or adopted (save_tokens, a refresh here, or tokens
    /// another process refreshed), with them. Runs without any lock held.
    std::function<void(const OAuthTokenSet&)> on_tokens_changed;
    /// Refresh in the background, before the tokens are due, on the scheduler.
    bool background_refresh = true;
    RetryPolicy retry;
    /// The cross-process refresh lease (TokenStore::try_acquire): held while this process
    /// refreshes, renewed every third of it while the token request runs (so a slow request
    /// keeps it), and the refreshed tokens are saved only while it is still held. A holder that
    /// dies blocks the others at most this long.
    std::chrono::milliseconds lease_ttl{60000};
    /// How often a process that waits for another's refresh looks at the store again.
    std::chrono::milliseconds lease_poll_interval{25};
    /// Time for expiry, retries and lease waits; empty: the system clock. A clock other than the
    /// system clock needs a `scheduler` on the same clock (or background_refresh off).
    std::shared_ptr<Clock> clock;
    /// null: RefreshScheduler::shared().
    std::shared_ptr<RefreshScheduler> scheduler;
    /// Test-only: turns off single-flight (in the process and across processes), so that a
    /// test can show what it prevents. Never set it in a program.
    bool testing_disable_single_flight = false;
    /// Test-only: the refresh lease is not renewed during the token request, so that a test can
    /// show what the renewal prevents. Never set it in a program.
    bool testing_disable_lease_renewal = false;
};

/// What logout() did. A plain value.
struct LogoutResult {
    /// Tokens were stored or cached (and are now removed).
    bool had_tokens = false;
    RevocationResult revoked;
};

/// Counters of what a SessionManager did, for tests and monitoring. A plain value.
struct SessionStats {
    std::uint64_t refreshes = 0;        ///< successful token-endpoint refreshes by this manager
    std::uint64_t adopted = 0;          ///< newer tokens taken from the store (another process's)
    std::uint64_t refresh_failures = 0; ///< failed refresh attempts (each retry counts)
    std::uint64_t reauth_notifications = 0; ///< on_reauth_required calls
};

/// Keeps the tokens of one sign-in (one key of a TokenStore) fresh.
///
/// get_access_token() answers from an immutable in-memory snapshot without any lock, store or
/// network call while the token has more than the buffer left. When it has not, one caller in
/// the process refreshes while the others wait for its result; across processes the store's
/// lease lets one refresh while the others wait and then use what it saved. Failures never
/// remove or overwrite stored tokens.
///
/// Safe to use from several threads. Do not destroy a manager from inside its own callbacks.
class SessionManager {
public:
    /// Throws ConfigError (invalid_argument) for a null provider or store, an invalid session
    /// key, a refresh_buffer_seconds below 0, a non-positive lease_ttl, or a custom clock with a
    /// scheduler on another clock.
    SessionManager(std::shared_ptr<OAuthProvider> provider, std::shared_ptr<TokenStore> store,
                   SessionManagerOptions options = {});
    /// Cancels the background refresh (waiting for one that is running); no callback runs
    /// afterwards. The stored tokens stay.
    ~SessionManager();
    SessionManager(const SessionManager&) = delete;
    SessionManager& operator=(const SessionManager&) = delete;

    /// Loads the stored tokens: nothing stored → nothing; fresh → cached, scheduled
    /// and returned; due or expired with a refresh token → refreshed (single-flight) and
    /// returned. A refresh that fails gives nothing (logged; the stored tokens stay, and
    /// on_reauth_required fires for a permanent failure). Throws StoreError when the store
    /// fails.
    std::optional<OAuthTokenSet> initialize();

    /// Stores `tokens` under the session key, caches them, schedules their refresh, ends a
    /// re-authentication episode and calls on_tokens_changed. Throws StoreError.
    void save_tokens(const OAuthTokenSet& tokens);

    /// A valid access token: the cached one while more than the buffer is left (no lock, no
    /// store or network call), else a refreshed one (single-flight). While the token is still
    /// valid, a caller never waits for another process's refresh (the current token is
    /// returned), and a transient refresh failure returns it too (the next attempt waits for
    /// the backoff); an expired token makes the caller wait for the refresh. Throws
    /// TokenError (token_missing) when nothing is stored, TokenRefreshError (reauth_required with
    /// the provider's answer, e.g. invalid_grant; refresh_failed after the retries) when no valid
    /// token can be had, and StoreError when the store fails and nothing valid is cached.
    std::string get_access_token();
    /// As get_access_token(), and the token has at least `min_ttl` left: a refresh is made when
    /// it has less. Throws additionally TokenExpiredError (token_expired) when even a freshly
    /// refreshed token lives less than `min_ttl`.
    std::string get_access_token(std::chrono::seconds min_ttl);

    /// The whole token set behind get_access_token(min_ttl) (the access token and, for
    /// DPoP-bound tokens, their key). Throws as get_access_token.
    OAuthTokenSet get_tokens(std::chrono::seconds min_ttl = std::chrono::seconds{0});

    /// The headers of one request to a resource server (an API) with a fresh access token:
    /// `Authorization: DPoP <token>` and `DPoP: <proof>` (with `ath`, for `method` and `url`)
    /// for DPoP-bound tokens (RFC 9449 §7.1), `Authorization: Bearer <token>` for others.
    /// `dpop_nonce`: the resource server's last DPoP-Nonce, when it asked for one (§9). The
    /// headers carry the token: never log them. Throws as get_access_token, and as
    /// resource_authorization_headers.
    HttpHeaders authorization_headers(std::string_view method, std::string_view url,
                                      std::string_view dpop_nonce = {});

    /// The provider's userinfo answer (OIDC Core §5.3) for a fresh access token, with a DPoP
    /// proof for DPoP-bound tokens. Throws as get_access_token and OAuthProvider::get_userinfo.
    nlohmann::json get_userinfo();

    /// Refreshes now (RFC 6749 §6) through the provider's refresh_tokens(current), which checks
    /// a new ID token against the old one (OIDC Core §12.2), unless another process already
    /// stored newer tokens, which are then used. Single-flight like get_access_token; transient
    /// failures are retried. Returns the new tokens. Throws TokenError (token_missing),
    /// TokenRefreshError (reauth_required, refresh_failed), StoreError.
    OAuthTokenSet refresh();

    /// A narrower access token than the session's: for fewer scopes (RFC 6749 §6) or for named
    /// APIs (RFC 8707 resource indicators, or `audience`), by a refresh under the cross-process
    /// lease. Not cached and not stored: each call asks the provider. The session's own tokens
    /// stay, except that a refresh token the provider rotated replaces the stored one (it keeps
    /// the grant's full scope; losing it would lose the grant). Throws TokenError
    /// (token_missing), TokenRefreshError (the provider's refusal, e.g. invalid_scope or
    /// invalid_target; refresh_failed when another process holds the lease too long), ConfigError
    /// (invalid_argument for a malformed scope or resource), StoreError.
    OAuthTokenSet narrowed_tokens(const TokenNarrowing& narrowing);

    /// Signs out: cancels the background refresh, revokes the refresh token and then the access
    /// token (RFC 7009; best effort, failures logged), and removes the stored tokens — the
    /// stored ones (read again, also after a restart with nothing cached) and the cached ones.
    /// Waits (up to the lease TTL) for a refresh in progress in any process, so that a refresh
    /// cannot bring the tokens back. Throws StoreError when the tokens cannot be removed.
    LogoutResult logout();

    /// A copy of the cached tokens, if any (no store call).
    std::optional<OAuthTokenSet> current_tokens() const;
    const std::string& session_key() const noexcept;
    /// The name of the cross-process refresh lease in the store.
    const std::string& lease_name() const noexcept;
    /// What this manager did so far.
    SessionStats stats() const;

private:
    class State;
    std::shared_ptr<RefreshScheduler> scheduler_;
    std::shared_ptr<State> state_;
};

/// When tokens should be refreshed, as Unix seconds: `buffer` before they expire, or half their
/// lifetime before when that is shorter; nothing when their lifetime is unknown.
std::optional<double> refresh_due_at(const OAuthTokenSet& tokens, std::chrono::seconds buffer);

} // namespace authflow

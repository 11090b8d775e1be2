#pragma once
// A provider's signing keys, fetched from its jwks_uri and kept fresh across key rotation.

#include <authflow/core/clock.hpp>
#include <authflow/http/http_client.hpp>
#include <authflow/jose/jws.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace authflow {

/// Settings of JwksCache; the defaults suit every public provider. A plain value.
struct JwksCacheOptions {
    /// Lifetime of a key set whose response has no usable `Cache-Control: max-age`.
    std::chrono::seconds default_max_age{600};
    /// A provider's max-age is clamped to [min_max_age, max_max_age].
    std::chrono::seconds min_max_age{60};
    std::chrono::seconds max_max_age{86400};
    /// Least time between two fetches that are not first fetches: a flood of tokens with forged
    /// `kid`s causes at most one fetch per cooldown.
    std::chrono::seconds refetch_cooldown{30};
    /// While the cache holds no keys at all, a failed fetch may be tried again after this
    /// delay, doubling with each failure up to refetch_cooldown: without keys nothing can be
    /// verified, so a provider that is back is noticed within seconds.
    std::chrono::seconds first_fetch_retry{1};
    /// While refetches fail, the last good keys stay in use this long past their lifetime.
    std::chrono::seconds max_stale{3600};
    /// A fetch answered HTTP 429 or 503 with `Retry-After: <delay-seconds>` (RFC 6585 §4,
    /// RFC 9110 §10.2.3) is not tried again before that delay has passed, when it is longer than
    /// the cooldown; a longer delay counts as this one. An HTTP-date value is ignored (the
    /// cooldown applies).
    std::chrono::seconds max_retry_after{3600};
    /// Longest wait for a fetch another thread is making (the HttpClient's own timeouts
    /// normally end it sooner).
    std::chrono::seconds fetch_wait{60};
    /// Test-only: every caller that misses fetches on its own. It exists so that the test of
    /// the single-flight guarantee can show it fails without the guard; never set it otherwise.
    bool disable_single_flight_for_testing = false;
    /// Called after each successful fetch with the key set's JSON text and its lifetime (e.g. to
    /// keep it for a later process: JwksCache::preload). From the fetching thread, without a lock
    /// held; must not throw. Empty: nothing is called.
    std::function<void(const std::string& body, std::chrono::seconds lifetime)> on_fetched;
};

/// The keys at a jwks_uri. A token whose `kid` is unknown triggers one refetch (rotation); a
/// refetch that fails keeps the last good keys for a bounded time, and the next attempt waits
/// for the cooldown, or for the provider's Retry-After when it asked for longer. Readers never wait
/// for a fetch unless they need a key that only the fetch can bring; at most one fetch runs at a
/// time, and no lock is held during it. Safe to use from several threads.
class JwksCache final : public KeyResolver {
public:
    /// Throws ConfigError (insecure_url, bad_url) unless `jwks_uri` is https (http only to a
    /// loopback host).
    JwksCache(std::string jwks_uri, std::shared_ptr<HttpClient> http,
              std::shared_ptr<Clock> clock = nullptr, JwksCacheOptions options = {});

    /// The key for a token's header (Jwks::select), refetching once when the `kid` is unknown
    /// and the cooldown allows. Throws TokenError (unknown_key, ambiguous_key, weak_key, ...),
    /// TransportError (jwks_failed) when the key set cannot be fetched, AuthenticationError
    /// (jwks_failed) when the answer is not a usable key set.
    Jwk resolve(const JwsHeader& header) override;
    /// As resolve, but an unknown `kid` refetches without waiting for the cooldown (still one
    /// fetch shared by every concurrent caller, and never against a provider's Retry-After): a
    /// provider that rotated its keys moments after the last fetch signs in at once.
    Jwk resolve_from_provider(const JwsHeader& header) override;

    /// The current key set, fetched first when there is none or it expired. Throws as resolve.
    std::shared_ptr<const Jwks> keys();

    /// Uses the key set `body` (JSON text, as fetched) as if it had been fetched `age` ago with
    /// `lifetime`: fresh until then, usable up to max_stale after while refetches fail. Ignored
    /// when the cache already holds keys, or when `body` is not a usable key set (it is fetched
    /// then). Returns whether it was taken.
    bool preload(std::string_view body, std::chrono::seconds lifetime, std::chrono::seconds age);

    /// The URL the keys come from.
    const std::string& jwks_uri() const noexcept { return jwks_uri_; }
    /// Fetch attempts so far (successful or not).
    std::uint64_t fetch_count() const;

private:
    struct Snapshot {
        std::shared_ptr<const Jwks> keys;
        bool fresh = false;
        bool usable = false;
        std::uint64_t generation = 0;
    };
    Snapshot snapshot();
    /// The keys to use now: fresh ones as they are; expired ones after a refresh attempt that
    /// waits for no one (or as they are, when it fails); none: fetched, waiting if need be.
    std::shared_ptr<const Jwks> current_keys(const Snapshot& current);
    /// Fetches unless someone fetched since `seen_generation`, a fetch is running (then waits
    /// only if `wait`), or the cooldown forbids it. Returns the keys after that, or null when no
    /// newer keys are available.
    std::shared_ptr<const Jwks> refetch(std::uint64_t seen_generation, bool wait,
                                        bool ignore_cooldown = false);
    Jwk resolve_with(const JwsHeader& header, bool ignore_cooldown);
    void fetch_now(std::unique_lock<std::mutex>& lock);
    /// Least time between two attempts now (shorter while no key was ever had). Needs mutex_.
    std::chrono::seconds cooldown() const;

    std::string jwks_uri_;
    std::shared_ptr<HttpClient> http_;
    std::shared_ptr<Clock> clock_;
    JwksCacheOptions options_;

    mutable std::mutex mutex_;
    std::condition_variable fetched_;
    std::shared_ptr<const Jwks> keys_;
    Clock::steady_time fresh_until_{};
    Clock::steady_time usable_until_{};
    std::optional<Clock::steady_time> last_attempt_;
    std::optional<Clock::steady_time> retry_not_before_; ///< from a 429/503 Retry-After
    unsigned failures_without_keys_ = 0; ///< failed fetches in a row while keys_ is null
    bool fetching_ = false;
    std::uint64_t generation_ = 0;
    std::uint64_t fetches_ = 0;
    std::exception_ptr last_error_;
};

/// The lifetime a `Cache-Control` header value grants: its max-age, 0 for no-store or no-cache,
/// nothing when it says neither (or says it unparsably). RFC 9111 §5.2.2.
std::optional<std::chrono::seconds> cache_control_max_age(std::string_view header);

} // namespace authflow

#pragma once
// Login rate limiting per client, with bounded memory.

#include <authflow/core/clock.hpp>
#include <authflow/deploy/settings.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace authflow {

/// The answer of a rate limiter for one attempt.
struct RateLimitDecision {
    bool allowed = true;
    /// When refused: how long until the client's window ends (for a Retry-After header).
    std::chrono::seconds retry_after{0};
};

/// Counts login attempts per client key in fixed windows: the first attempt of a key opens a
/// window of `window` length; at most `max_requests` attempts are allowed in it. The scheme maps
/// one to one onto a shared counter (Redis: INCR key; PEXPIRE key window when the result is 1;
/// allowed iff result <= max_requests; retry_after = PTTL), so a backend with the same
/// behaviour can be added behind this interface. Implementations are safe to use from several
/// threads.
class LoginRateLimiter {
public:
    virtual ~LoginRateLimiter() = default;
    /// Records one attempt by `client_key` (see rate_limit_key) and says whether it is allowed.
    /// A refused attempt is counted too, so hammering does not shorten the wait. Throws
    /// StoreError when a shared backend is unreachable.
    virtual RateLimitDecision check(std::string_view client_key) = 0;
    /// Forgets every count.
    virtual void reset() = 0;
};

/// The defaults are pywry.auth's: 10 attempts per 60 s.
struct RateLimitOptions {
    int max_requests = 10;
    std::chrono::seconds window{60};
    /// Hard cap on the clients tracked individually (each costs about 200 bytes).
    std::size_t max_tracked_keys = 100000;
    /// Attempts allowed per window to all untracked clients together while the table is full.
    int overflow_max_requests = 100;
};

/// `base` with the limit and window of `settings` (login_rate_limit per login_rate_window).
RateLimitOptions login_rate_limit_options(const DeploySettings& settings,
                                          RateLimitOptions base = {});

/// The key a client is counted under: the address itself for IPv4, its /64 network for IPv6
/// (one subscriber commonly holds a whole /64, so per-address counting would be free to evade).
std::string rate_limit_key(std::string_view client_address);

/// In-process LoginRateLimiter. Memory is bounded by max_tracked_keys: an entry is removed only
/// when its window has ended (expired entries are pruned oldest first on every call, in
/// amortised constant time). When the table is full of live entries, a new client is not
/// tracked individually but counted in one shared overflow bucket (overflow_max_requests per
/// window). No tracked client's count is ever dropped early, so flooding the table with fresh
/// keys cannot reset anyone's count; the price is that during such a flood, new clients share
/// the overflow bucket. Safe to use from several threads.
class MemoryLoginRateLimiter final : public LoginRateLimiter {
public:
    /// Throws Error (invalid_argument) on non-positive limits, window or capacity. An empty
    /// `clock`: the system clock.
    explicit MemoryLoginRateLimiter(RateLimitOptions options = {},
                                    std::shared_ptr<Clock> clock = nullptr);

    RateLimitDecision check(std::string_view client_key) override;
    void reset() override;

    /// Clients tracked individually right now (expired entries may linger until the next call).
    std::size_t tracked_keys() const;

private:
    struct Window {
        Clock::steady_time start;
        int count = 0;
    };
    RateLimitDecision count_in(Window& window, int limit, Clock::steady_time now);
    void prune(Clock::steady_time now);

    RateLimitOptions options_;
    std::shared_ptr<Clock> clock_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Window> windows_;
    /// Window starts in time order, for pruning: (start, key). An item whose key has started a
    /// newer window since is stale and skipped.
    std::deque<std::pair<Clock::steady_time, std::string>> order_;
    Window overflow_{};
};

} // namespace authflow

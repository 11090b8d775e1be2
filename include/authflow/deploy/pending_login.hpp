#pragma once
// Logins in progress (between GET {prefix}/login and GET {prefix}/callback), kept server-side
// and bound to the browser that started them.

#include <authflow/core/clock.hpp>

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace authflow {

/// One login in progress (with `next` and the browser binding).
struct PendingLogin {
    /// The OAuth `state`. Not stored: a store keys the record by its hash and take() fills this
    /// in from its argument.
    std::string state;
    std::string nonce;
    std::string pkce_verifier; ///< empty when PKCE is not used
    /// The sign-in's DPoP key as PEM (RFC 9449 §10: the code is bound to it); empty without
    /// DPoP. A secret: kept sealed like the verifier.
    std::string dpop_key;
    std::string redirect_uri;
    std::string next = "/"; ///< where to go after sign-in (already checked by safe_next_path)
    /// browser_binding_hash() of the short-lived pre-login cookie's value: the callback must
    /// reach the browser that started the login (no login CSRF).
    std::string browser_binding;
    Clock::wall_time created_at{};

    /// True when `pre_login_cookie` is the cookie this login was bound to (constant-time).
    bool is_bound_to(std::string_view pre_login_cookie) const;
};

/// The hash kept in PendingLogin::browser_binding for a pre-login cookie value (hex SHA-256).
std::string browser_binding_hash(std::string_view pre_login_cookie);

/// The key a store files a pending login under: hex SHA-256 of the state, so a dump of the
/// store does not hand out usable states.
std::string pending_login_key(std::string_view state);

/// How long a login may take (600 s, as in pywry.auth).
inline constexpr std::chrono::seconds pending_login_ttl{600};

/// Where pending logins wait for their callback. Shared by every worker in a scaled-out
/// deployment (a Redis backend: SET key value PX ttl NX; take = GETDEL). Implementations are safe
/// to use from several threads.
class PendingLoginStore {
public:
    virtual ~PendingLoginStore() = default;
    /// Stores `record` under `state` for `ttl`. Throws Error (rate_limited) when the store is
    /// full (new logins are refused rather than evicting pending ones), Error (invalid_argument)
    /// for an empty state, a non-positive or over-long ttl, or a state already pending;
    /// StoreError when a shared backend fails.
    virtual void put(std::string_view state, const PendingLogin& record,
                     std::chrono::seconds ttl = pending_login_ttl) = 0;
    /// Removes and returns the record of `state` in one atomic step (single use: a second take
    /// of the same state finds nothing). Nothing when unknown, already taken or expired.
    /// Throws StoreError when a shared backend fails.
    virtual std::optional<PendingLogin> take(std::string_view state) = 0;
};

/// In-process PendingLoginStore, bounded by `capacity` live records. Expired records are pruned
/// on every put. When full of live records, put() refuses with rate_limited instead of evicting:
/// evicting the oldest (pywry.auth's way) would let a flood of login starts cancel real users'
/// logins in progress; refusing limits the flood's harm to new logins for at most one ttl, and
/// the per-client rate limiter in front keeps one client from filling it. Safe to use from
/// several threads.
class MemoryPendingLoginStore final : public PendingLoginStore {
public:
    /// Throws Error (invalid_argument) for a zero capacity. An empty `clock`: the system clock.
    explicit MemoryPendingLoginStore(std::size_t capacity = 50000,
                                     std::shared_ptr<Clock> clock = nullptr);

    void put(std::string_view state, const PendingLogin& record,
             std::chrono::seconds ttl = pending_login_ttl) override;
    std::optional<PendingLogin> take(std::string_view state) override;

    /// Records held (expired ones may linger until the next put).
    std::size_t size() const;
    /// The keys as stored (pending_login_key of each state), for inspection.
    std::vector<std::string> stored_keys() const;

private:
    struct Entry {
        PendingLogin record;
        Clock::steady_time deadline;
        std::multimap<Clock::steady_time, std::string>::iterator expiry;
    };
    void prune(Clock::steady_time now);

    std::size_t capacity_;
    std::shared_ptr<Clock> clock_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
    std::multimap<Clock::steady_time, std::string> expiries_;
};

} // namespace authflow

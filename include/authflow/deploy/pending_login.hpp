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
    /// rate_limit_key() of the client that started the login (empty: not known). A store caps
    /// the logins in progress per client by it, so one client cannot crowd out the others.
    std::string client;
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

/// How many logins in progress a store keeps. A new login is never refused: when a bound is
/// reached the login closest to its expiry goes (the client's own oldest for `per_client`, the
/// oldest of all for `capacity`), so traffic from many addresses cannot stop a new client from
/// signing in; it can only shorten how long an abandoned login stays valid.
struct PendingLoginLimits {
    /// Live records in the whole store.
    std::size_t capacity = 50000;
    /// Live records per PendingLogin::client (records without a client are not counted);
    /// 0: no per-client cap.
    std::size_t per_client = 64;
};

/// Where pending logins wait for their callback. Shared by every worker in a scaled-out
/// deployment (a Redis backend: SET key value PX ttl NX; take = GETDEL). Implementations are safe
/// to use from several threads.
class PendingLoginStore {
public:
    virtual ~PendingLoginStore() = default;
    /// Stores `record` under `state` for `ttl`, evicting the oldest records beyond the store's
    /// PendingLoginLimits (never refusing a new login for lack of room). Throws Error
    /// (invalid_argument) for an empty state, a non-positive or over-long ttl, or a state
    /// already pending; StoreError when a shared backend fails.
    virtual void put(std::string_view state, const PendingLogin& record,
                     std::chrono::seconds ttl = pending_login_ttl) = 0;
    /// Removes and returns the record of `state` in one atomic step (single use: a second take
    /// of the same state finds nothing). Nothing when unknown, already taken or expired.
    /// Throws StoreError when a shared backend fails.
    virtual std::optional<PendingLogin> take(std::string_view state) = 0;
};

/// In-process PendingLoginStore, bounded by PendingLoginLimits. Expired records are pruned on
/// every put; a client at its cap loses its own oldest login, and a full store loses its oldest.
/// Refusing new logins instead (the earlier way) let anyone with a few hundred addresses lock
/// every user out for a whole ttl; evicting only costs an attacker's flood the time it takes to
/// push a real user's login out, which needs `capacity` new logins from other clients during
/// that user's sign-in. Safe to use from several threads.
class MemoryPendingLoginStore final : public PendingLoginStore {
public:
    /// Throws Error (invalid_argument) for a zero capacity. An empty `clock`: the system clock.
    explicit MemoryPendingLoginStore(PendingLoginLimits limits,
                                     std::shared_ptr<Clock> clock = nullptr);
    /// The default per-client cap with `capacity`.
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
    using Expiries = std::multimap<Clock::steady_time, std::string>;
    struct Entry {
        PendingLogin record;
        Clock::steady_time deadline;
        Expiries::iterator expiry;
        Expiries::iterator client_expiry; ///< in clients_[record.client] when it has a client
    };
    void prune(Clock::steady_time now);
    /// Removes the record filed under `key` (which must exist) from every index.
    Entry erase(const std::string& key);

    PendingLoginLimits limits_;
    std::shared_ptr<Clock> clock_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
    Expiries expiries_;
    /// Per client: its records' deadlines and keys, oldest first.
    std::unordered_map<std::string, Expiries> clients_;
};

} // namespace authflow

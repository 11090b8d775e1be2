#pragma once
// Single-use identifiers: a back-channel logout token's `jti` is accepted once across every
// worker (OpenID Connect Back-Channel Logout 1.0 §2.6 step 7).

#include <authflow/core/clock.hpp>

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace authflow {

/// The longest a single-use identifier is remembered (ReplayStore::first_use's ttl).
inline constexpr std::chrono::seconds max_replay_ttl{std::chrono::hours{24}};

/// The key a store files an identifier under: hex SHA-256 of it (no identifier in clear).
std::string replay_key(std::string_view id);

/// Throws Error (invalid_argument) for an empty id or a ttl outside 1 s..max_replay_ttl. Every
/// backend calls it, so all refuse alike.
void check_replay_ttl(std::string_view id, std::chrono::seconds ttl);

/// Remembers identifiers that may be used once. Shared by every worker in a scaled-out
/// deployment (Redis: SET NX EX). Implementations are safe to use from several threads.
class ReplayStore {
public:
    virtual ~ReplayStore() = default;
    /// Records `id` for `ttl` in one atomic step. True when it was not recorded yet (its first
    /// use), false when it was (a replay). Throws Error (invalid_argument) as check_replay_ttl,
    /// Error (rate_limited) when the store is full, StoreError when a shared backend fails.
    virtual bool first_use(std::string_view id, std::chrono::seconds ttl) = 0;
};

/// In-process ReplayStore, bounded by `capacity` live identifiers (expired ones are pruned first;
/// when full of live ones, first_use refuses with rate_limited rather than forget one, which
/// would let it be replayed). Safe to use from several threads.
class MemoryReplayStore final : public ReplayStore {
public:
    /// Throws Error (invalid_argument) for a zero capacity. An empty `clock`: the system clock.
    explicit MemoryReplayStore(std::size_t capacity = 100000,
                               std::shared_ptr<Clock> clock = nullptr);

    bool first_use(std::string_view id, std::chrono::seconds ttl) override;

    /// Identifiers held (expired ones may linger until the next first_use).
    std::size_t size() const;

private:
    std::size_t capacity_;
    std::shared_ptr<Clock> clock_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Clock::steady_time> entries_;
    std::multimap<Clock::steady_time, std::string> expiries_;
};

} // namespace authflow

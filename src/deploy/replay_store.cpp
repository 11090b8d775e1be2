// Single-use identifiers kept in process memory.
#include <authflow/core/crypto.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/deploy/replay_store.hpp>

namespace authflow {

std::string replay_key(std::string_view id) {
    return to_hex(sha256(id));
}

void check_replay_ttl(std::string_view id, std::chrono::seconds ttl) {
    if (id.empty()) {
        throw Error(errc::invalid_argument, "a single-use identifier must not be empty");
    }
    if (ttl.count() <= 0 || ttl > max_replay_ttl) {
        throw Error(errc::invalid_argument, "a single-use identifier's ttl must be 1 s to 24 h");
    }
}

MemoryReplayStore::MemoryReplayStore(std::size_t capacity, std::shared_ptr<Clock> clock)
    : capacity_(capacity), clock_(clock_or_system(std::move(clock))) {
    if (capacity_ == 0) {
        throw Error(errc::invalid_argument, "replay store capacity must be positive");
    }
}

bool MemoryReplayStore::first_use(std::string_view id, std::chrono::seconds ttl) {
    check_replay_ttl(id, ttl);
    std::string key = replay_key(id);
    const auto now = clock_->steady_now();
    std::lock_guard lock{mutex_};
    while (!expiries_.empty() && expiries_.begin()->first <= now) {
        auto it = entries_.find(expiries_.begin()->second);
        if (it != entries_.end() && it->second == expiries_.begin()->first) {
            entries_.erase(it);
        }
        expiries_.erase(expiries_.begin());
    }
    if (entries_.contains(key)) {
        return false;
    }
    if (entries_.size() >= capacity_) {
        throw Error(errc::rate_limited, "the replay store is full");
    }
    const auto deadline = now + ttl;
    const auto expiry = expiries_.emplace(deadline, key);
    try {
        entries_.emplace(std::move(key), deadline);
    } catch (...) {
        expiries_.erase(expiry);
        throw;
    }
    return true;
}

std::size_t MemoryReplayStore::size() const {
    std::lock_guard lock{mutex_};
    return entries_.size();
}

} // namespace authflow

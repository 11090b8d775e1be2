#pragma once
// Private to the gateway: the identities of sessions already seen, so that a check needs only
// the session's liveness from the store, not its metadata (parsed JSON) every time.

#include <authflow/gateway/identity.hpp>

#include <cstddef>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace authflow::gateway_detail {

/// A session's identity and the identity headers made from it.
struct CachedIdentity {
    Identity identity;
    Headers headers; ///< identity_headers(identity)
};

/// Identities by session key. A session's identity never changes while it lives (the sign-in
/// writes it once), and a check always asks the store whether the session is still live first,
/// so an entry is never used for a session that ended. Bounded: emptied when full.
/// Safe to use from several threads.
class IdentityCache {
public:
    explicit IdentityCache(std::size_t capacity) : capacity_(capacity) {}

    std::optional<CachedIdentity> find(const std::string& session_key) const {
        std::shared_lock lock{mutex_};
        const auto it = entries_.find(session_key);
        if (it == entries_.end()) {
            return std::nullopt;
        }
        return it->second;
    }

    void put(const std::string& session_key, const CachedIdentity& who) {
        std::unique_lock lock{mutex_};
        if (entries_.size() >= capacity_) {
            entries_.clear();
        }
        entries_.insert_or_assign(session_key, who);
    }

private:
    std::size_t capacity_;
    mutable std::shared_mutex mutex_;
    std::unordered_map<std::string, CachedIdentity> entries_;
};

} // namespace authflow::gateway_detail

#include <authflow/core/crypto.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/random.hpp>
#include <authflow/deploy/session_store.hpp>

namespace authflow {

std::string new_session_id() {
    return random_token(32);
}

std::string session_key(std::string_view session_id) {
    return to_hex(sha256(session_id));
}

MemorySessionStore::MemorySessionStore(std::size_t capacity, Clock& clock)
    : capacity_(capacity), clock_(clock) {
    if (capacity_ == 0) {
        throw Error(errc::invalid_argument, "session store capacity must be positive");
    }
}

void MemorySessionStore::erase(Entries::iterator it) {
    auto user = by_user_.find(it->second.session.user_id);
    if (user != by_user_.end()) {
        user->second.erase(it->first);
        if (user->second.empty()) {
            by_user_.erase(user);
        }
    }
    expiries_.erase(it->second.expiry);
    entries_.erase(it);
}

void MemorySessionStore::prune(Clock::wall_time now) {
    while (!expiries_.empty() && expiries_.begin()->first <= now) {
        auto it = entries_.find(expiries_.begin()->second);
        if (it == entries_.end()) {
            expiries_.erase(expiries_.begin()); // cannot happen; keeps the loop finite
            continue;
        }
        erase(it);
    }
}

MemorySessionStore::Entries::iterator MemorySessionStore::find_live(const std::string& key,
                                                                    Clock::wall_time now) {
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.session.expires_at <= now) {
        erase(it);
        return entries_.end();
    }
    return it;
}

void MemorySessionStore::create(const UserSession& session) {
    if (session.session_id.empty() || session.user_id.empty()) {
        throw Error(errc::invalid_argument, "a session needs a session id and a user id");
    }
    const auto now = clock_.now();
    if (session.expires_at <= now) {
        throw Error(errc::invalid_argument, "a session must expire in the future");
    }
    std::string key = session_key(session.session_id);
    UserSession stored = session;
    stored.session_id.clear(); // never kept: only its hash is
    stored.session_key = key;

    std::lock_guard lock{mutex_};
    prune(now);
    if (entries_.contains(key)) {
        throw Error(errc::invalid_argument, "session id already in use");
    }
    if (entries_.size() >= capacity_) {
        throw Error(errc::rate_limited, "the session store is full");
    }
    auto& user_keys = by_user_[stored.user_id];
    const auto expiry = expiries_.emplace(stored.expires_at, key);
    try {
        user_keys.insert(key);
        entries_.emplace(std::move(key), Entry{std::move(stored), expiry});
    } catch (...) {
        user_keys.erase(expiry->second);
        if (user_keys.empty()) {
            by_user_.erase(session.user_id);
        }
        expiries_.erase(expiry);
        throw;
    }
}

std::optional<UserSession> MemorySessionStore::get(std::string_view session_id) {
    if (session_id.empty()) {
        return std::nullopt;
    }
    const std::string key = session_key(session_id);
    const auto now = clock_.now();
    std::lock_guard lock{mutex_};
    auto it = find_live(key, now);
    if (it == entries_.end()) {
        return std::nullopt;
    }
    UserSession session = it->second.session;
    session.session_id = std::string{session_id};
    return session;
}

bool MemorySessionStore::touch(std::string_view session_id, std::chrono::seconds ttl) {
    if (session_id.empty() || ttl.count() <= 0) {
        return false;
    }
    const std::string key = session_key(session_id);
    const auto now = clock_.now();
    std::lock_guard lock{mutex_};
    auto it = find_live(key, now);
    if (it == entries_.end()) {
        return false;
    }
    const auto expires_at = now + ttl;
    if (expires_at > it->second.session.expires_at) {
        expiries_.erase(it->second.expiry);
        it->second.expiry = expiries_.emplace(expires_at, key);
        it->second.session.expires_at = expires_at;
    }
    return true;
}

bool MemorySessionStore::remove(std::string_view session_id) {
    if (session_id.empty()) {
        return false;
    }
    return remove_by_key(session_key(session_id));
}

bool MemorySessionStore::remove_by_key(std::string_view key) {
    std::lock_guard lock{mutex_};
    auto it = entries_.find(std::string{key});
    if (it == entries_.end()) {
        return false;
    }
    const bool was_live = it->second.session.expires_at > clock_.now();
    erase(it);
    return was_live;
}

std::vector<UserSession> MemorySessionStore::list_user_sessions(std::string_view user_id) {
    const auto now = clock_.now();
    std::lock_guard lock{mutex_};
    std::vector<UserSession> sessions;
    auto user = by_user_.find(std::string{user_id});
    if (user == by_user_.end()) {
        return sessions;
    }
    for (const auto& key : user->second) {
        auto it = entries_.find(key);
        if (it != entries_.end() && it->second.session.expires_at > now) {
            sessions.push_back(it->second.session);
        }
    }
    return sessions;
}

std::size_t MemorySessionStore::remove_user_sessions(std::string_view user_id) {
    const auto now = clock_.now();
    std::lock_guard lock{mutex_};
    auto user = by_user_.find(std::string{user_id});
    if (user == by_user_.end()) {
        return 0;
    }
    const std::set<std::string> keys = user->second; // erase() edits the set
    std::size_t removed = 0;
    for (const auto& key : keys) {
        auto it = entries_.find(key);
        if (it != entries_.end()) {
            removed += it->second.session.expires_at > now ? 1 : 0;
            erase(it);
        }
    }
    return removed;
}

std::size_t MemorySessionStore::size() const {
    std::lock_guard lock{mutex_};
    return entries_.size();
}

std::vector<std::string> MemorySessionStore::stored_keys() const {
    std::lock_guard lock{mutex_};
    std::vector<std::string> keys;
    keys.reserve(entries_.size());
    for (const auto& [key, entry] : entries_) {
        keys.push_back(key);
    }
    return keys;
}

} // namespace authflow

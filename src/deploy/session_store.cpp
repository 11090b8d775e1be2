#include "shared_store_codec.hpp"

#include <authflow/core/crypto.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/random.hpp>
#include <authflow/deploy/session_store.hpp>

#include <algorithm>
#include <cstring>

namespace authflow {

std::string new_session_id() {
    return random_token(32);
}

std::string session_key(std::string_view session_id) {
    return to_hex(sha256(session_id));
}

std::vector<UserSession> SessionStore::list_sid_sessions(std::string_view) {
    throw Error(errc::invalid_argument,
                "this session store keeps no index of provider session ids (sid)");
}

std::size_t MemorySessionStore::KeyHash::operator()(const Key& key) const noexcept {
    // The key is a SHA-256 digest: any 8 of its bytes are already uniformly distributed.
    std::size_t hash = 0;
    std::memcpy(&hash, key.data(), sizeof hash);
    return hash;
}

MemorySessionStore::Key MemorySessionStore::key_of(std::string_view session_id) {
    const std::string digest = sha256(session_id);
    Key key{};
    std::memcpy(key.data(), digest.data(), key.size());
    return key;
}

std::string MemorySessionStore::key_hex(const Key& key) {
    return to_hex(std::string_view{reinterpret_cast<const char*>(key.data()), key.size()});
}

UserSession MemorySessionStore::to_session(const Key& key, const Entry& entry) {
    UserSession session;
    session.session_key = key_hex(key);
    session.user_id = entry.user_id;
    session.sid = entry.sid;
    session.roles = entry.roles;
    session.created_at = entry.created_at;
    session.expires_at = entry.expires_at;
    session.metadata = nlohmann::json::parse(entry.metadata);
    return session;
}

MemorySessionStore::MemorySessionStore(std::size_t capacity, std::shared_ptr<Clock> clock)
    : capacity_(capacity), clock_(clock_or_system(std::move(clock))) {
    if (capacity_ == 0) {
        throw Error(errc::invalid_argument, "session store capacity must be positive");
    }
}

void MemorySessionStore::erase(Entries::iterator it) {
    auto user = by_user_.find(it->second.user_id);
    if (user != by_user_.end()) {
        user->second.erase(it->first);
        if (user->second.empty()) {
            by_user_.erase(user);
        }
    }
    if (!it->second.sid.empty()) {
        auto sid = by_sid_.find(it->second.sid);
        if (sid != by_sid_.end()) {
            sid->second.erase(it->first);
            if (sid->second.empty()) {
                by_sid_.erase(sid);
            }
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

MemorySessionStore::Entries::iterator MemorySessionStore::find_live(const Key& key,
                                                                    Clock::wall_time now) {
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.expires_at <= now) {
        erase(it);
        return entries_.end();
    }
    return it;
}

void MemorySessionStore::create(const UserSession& session) {
    const auto now = clock_->now();
    deploy_detail::check_new_session(session, now);
    const Key key = key_of(session.session_id); // the id itself is never kept
    Entry entry{session.user_id,
                session.sid,
                session.roles,
                session.created_at,
                session.expires_at,
                session.metadata.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                {}};

    std::lock_guard lock{mutex_};
    prune(now);
    if (entries_.contains(key)) {
        throw Error(errc::invalid_argument, "session id already in use");
    }
    if (entries_.size() >= capacity_) {
        throw Error(errc::rate_limited, "the session store is full");
    }
    auto& user_keys = by_user_[entry.user_id];
    entry.expiry = expiries_.emplace(entry.expires_at, key);
    try {
        user_keys.insert(key);
        if (!session.sid.empty()) {
            by_sid_[session.sid].insert(key);
        }
        entries_.emplace(key, std::move(entry));
    } catch (...) {
        user_keys.erase(key);
        if (user_keys.empty()) {
            by_user_.erase(session.user_id);
        }
        if (auto sid = by_sid_.find(session.sid); sid != by_sid_.end()) {
            sid->second.erase(key);
            if (sid->second.empty()) {
                by_sid_.erase(sid);
            }
        }
        expiries_.erase(entry.expiry);
        throw;
    }
}

std::optional<UserSession> MemorySessionStore::get(std::string_view session_id) {
    return lookup(session_id, SessionFields::all);
}

std::optional<UserSession> MemorySessionStore::lookup(std::string_view session_id,
                                                      SessionFields fields) {
    if (session_id.empty()) {
        return std::nullopt;
    }
    const Key key = key_of(session_id);
    const auto now = clock_->now();
    UserSession session;
    std::string metadata;
    {
        std::lock_guard lock{mutex_};
        auto it = find_live(key, now);
        if (it == entries_.end()) {
            return std::nullopt;
        }
        // Copy out only what is asked for; the metadata is parsed outside the lock.
        const Entry& entry = it->second;
        session.user_id = entry.user_id;
        session.sid = entry.sid;
        session.roles = entry.roles;
        session.created_at = entry.created_at;
        session.expires_at = entry.expires_at;
        if (fields == SessionFields::all) {
            metadata = entry.metadata;
        }
    }
    session.session_id = std::string{session_id};
    session.session_key = key_hex(key);
    if (fields == SessionFields::all) {
        session.metadata = nlohmann::json::parse(metadata);
    }
    return session;
}

bool MemorySessionStore::touch(std::string_view session_id, std::chrono::seconds ttl) {
    if (session_id.empty() || ttl.count() <= 0) {
        return false;
    }
    const Key key = key_of(session_id);
    const auto now = clock_->now();
    std::lock_guard lock{mutex_};
    auto it = find_live(key, now);
    if (it == entries_.end()) {
        return false;
    }
    const auto expires_at = now + ttl;
    if (expires_at > it->second.expires_at) {
        expiries_.erase(it->second.expiry);
        it->second.expiry = expiries_.emplace(expires_at, key);
        it->second.expires_at = expires_at;
    }
    return true;
}

bool MemorySessionStore::remove(std::string_view session_id) {
    if (session_id.empty()) {
        return false;
    }
    return remove_by_key(session_key(session_id));
}

bool MemorySessionStore::remove_by_key(std::string_view hex_key) {
    if (hex_key.size() != 64) {
        return false;
    }
    Key key{};
    for (std::size_t i = 0; i < key.size(); ++i) {
        const auto nibble = [](char c) -> int {
            if (c >= '0' && c <= '9') {
                return c - '0';
            }
            if (c >= 'a' && c <= 'f') {
                return c - 'a' + 10;
            }
            return -1;
        };
        const int high = nibble(hex_key[2 * i]);
        const int low = nibble(hex_key[2 * i + 1]);
        if (high < 0 || low < 0) {
            return false;
        }
        key[i] = static_cast<unsigned char>(high << 4 | low);
    }
    std::lock_guard lock{mutex_};
    auto it = entries_.find(key);
    if (it == entries_.end()) {
        return false;
    }
    const bool was_live = it->second.expires_at > clock_->now();
    erase(it);
    return was_live;
}

std::vector<UserSession> MemorySessionStore::live_sessions_in(const KeyIndex& index,
                                                              std::string_view name) {
    const auto now = clock_->now();
    std::vector<std::pair<Key, Entry>> found;
    {
        std::lock_guard lock{mutex_};
        auto keys = index.find(std::string{name});
        if (keys == index.end()) {
            return {};
        }
        for (const auto& key : keys->second) {
            auto it = entries_.find(key);
            if (it != entries_.end() && it->second.expires_at > now) {
                found.emplace_back(key, it->second);
            }
        }
    }
    std::vector<UserSession> sessions;
    sessions.reserve(found.size());
    for (const auto& [key, entry] : found) {
        sessions.push_back(to_session(key, entry));
    }
    return sessions;
}

std::vector<UserSession> MemorySessionStore::list_user_sessions(std::string_view user_id) {
    return live_sessions_in(by_user_, user_id);
}

std::vector<UserSession> MemorySessionStore::list_sid_sessions(std::string_view sid) {
    if (sid.empty()) {
        return {};
    }
    return live_sessions_in(by_sid_, sid);
}

std::size_t MemorySessionStore::remove_user_sessions(std::string_view user_id) {
    const auto now = clock_->now();
    std::lock_guard lock{mutex_};
    auto user = by_user_.find(std::string{user_id});
    if (user == by_user_.end()) {
        return 0;
    }
    const std::set<Key> keys = user->second; // erase() edits the set
    std::size_t removed = 0;
    for (const auto& key : keys) {
        auto it = entries_.find(key);
        if (it != entries_.end()) {
            removed += it->second.expires_at > now ? 1 : 0;
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
        keys.push_back(key_hex(key));
    }
    return keys;
}

} // namespace authflow

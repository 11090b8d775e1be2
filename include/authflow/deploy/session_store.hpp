#pragma once
// Server-side sessions of deploy mode: the browser holds only an opaque, random session id.

#include <authflow/core/clock.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace authflow {

/// One signed-in browser. A plain value.
struct UserSession {
    /// The opaque id the browser holds (new_session_id()). Stores never keep it: they file the
    /// session under session_key(session_id), and fill this in only when the caller gave it
    /// (get); sessions listed by user come back with it empty.
    std::string session_id;
    /// session_key(session_id): filled in by the store; usable with remove_by_key.
    std::string session_key;
    std::string user_id; ///< the validated ID token's `sub`
    /// The validated ID token's `sid` (the provider's session), empty when it had none: a
    /// back-channel logout token naming this sid ends the session (list_sid_sessions).
    std::string sid;
    std::vector<std::string> roles;
    Clock::wall_time created_at{};
    Clock::wall_time expires_at{};
    nlohmann::json metadata = nlohmann::json::object();
};

/// What a session lookup fills in (SessionStore::lookup).
enum class SessionFields {
    all,              ///< every member of UserSession
    without_metadata, ///< every member but metadata, left an empty object
};

/// A new session id: 256 random bits, base64url (43 characters). It carries no user data.
std::string new_session_id();

/// The key a store files a session (and, in the token store, its tokens) under: hex SHA-256 of
/// the id. A dump of the store holds no usable session id.
std::string session_key(std::string_view session_id);

/// Where sessions live. Shared by every worker in a scaled-out deployment. Expiry is by the
/// injected Clock's wall time (shared backends: the server's key expiry as well).
/// Implementations are safe to use from several threads.
class SessionStore {
public:
    virtual ~SessionStore() = default;
    /// Stores a new session (its session_id, user_id and a future expires_at are required).
    /// Throws Error (invalid_argument) when one is missing or the id is already in use,
    /// Error (rate_limited) when the store is full, StoreError when a shared backend fails.
    virtual void create(const UserSession& session) = 0;
    /// The live session with this id, or nothing (unknown, removed or expired).
    virtual std::optional<UserSession> get(std::string_view session_id) = 0;
    /// As get(); with SessionFields::without_metadata the store may leave metadata an empty
    /// object and skip reading or decoding it (a request that checks only who is signed in).
    /// Throws as get(). The default calls get().
    virtual std::optional<UserSession> lookup(std::string_view session_id, SessionFields fields) {
        static_cast<void>(fields);
        return get(session_id);
    }
    /// Moves the expiry of a live session to now + ttl (never earlier than it was). Returns
    /// false when there is no live session with this id.
    virtual bool touch(std::string_view session_id, std::chrono::seconds ttl) = 0;
    /// Deletes one session. Returns whether there was one.
    virtual bool remove(std::string_view session_id) = 0;
    /// Deletes the session filed under `key` (UserSession::session_key).
    virtual bool remove_by_key(std::string_view key) = 0;
    /// The live sessions of one user, with session_id left empty.
    virtual std::vector<UserSession> list_user_sessions(std::string_view user_id) = 0;
    /// Deletes every session of one user ("sign out everywhere"). Returns how many.
    virtual std::size_t remove_user_sessions(std::string_view user_id) = 0;
    /// The live sessions created with this provider session id (UserSession::sid), with
    /// session_id left empty: what a back-channel logout token's `sid` ends (OpenID Connect
    /// Back-Channel Logout 1.0 §2.6 step 9). The built-in stores keep a sid index that expires
    /// with the sessions. Throws StoreError when a shared backend fails; the default throws Error
    /// (invalid_argument): a store of your own without the index cannot serve back-channel
    /// logout by sid.
    virtual std::vector<UserSession> list_sid_sessions(std::string_view sid);
};

/// In-process SessionStore, bounded by `capacity` live sessions (expired ones are pruned first,
/// earliest expiry first, on every create). Safe to use from several threads.
class MemorySessionStore final : public SessionStore {
public:
    /// Throws Error (invalid_argument) for a zero capacity. An empty `clock`: the system clock.
    explicit MemorySessionStore(std::size_t capacity = 1000000,
                                std::shared_ptr<Clock> clock = nullptr);

    void create(const UserSession& session) override;
    std::optional<UserSession> get(std::string_view session_id) override;
    /// As get(); without_metadata skips parsing the stored metadata.
    std::optional<UserSession> lookup(std::string_view session_id, SessionFields fields) override;
    bool touch(std::string_view session_id, std::chrono::seconds ttl) override;
    bool remove(std::string_view session_id) override;
    bool remove_by_key(std::string_view key) override;
    std::vector<UserSession> list_user_sessions(std::string_view user_id) override;
    std::size_t remove_user_sessions(std::string_view user_id) override;
    std::vector<UserSession> list_sid_sessions(std::string_view sid) override;

    /// Sessions held (expired ones may linger until the next create).
    std::size_t size() const;
    /// The keys as stored (session_key of each id, in hex), for inspection.
    std::vector<std::string> stored_keys() const;

private:
    /// The raw SHA-256 of a session id (session_key is its hex form): no heap allocation.
    using Key = std::array<unsigned char, 32>;
    struct KeyHash {
        std::size_t operator()(const Key& key) const noexcept;
    };
    using ExpiryIndex = std::multimap<Clock::wall_time, Key>;
    /// A session as kept: metadata serialised (a parsed JSON tree costs several times more
    /// memory than its text).
    struct Entry {
        std::string user_id;
        std::string sid;
        std::vector<std::string> roles;
        Clock::wall_time created_at;
        Clock::wall_time expires_at;
        std::string metadata;
        ExpiryIndex::iterator expiry;
    };
    using Entries = std::unordered_map<Key, Entry, KeyHash>;
    /// Keys of sessions by user id or by sid.
    using KeyIndex = std::unordered_map<std::string, std::set<Key>>;

    static Key key_of(std::string_view session_id);
    static std::string key_hex(const Key& key);
    static UserSession to_session(const Key& key, const Entry& entry);
    void prune(Clock::wall_time now);
    void erase(Entries::iterator it);
    /// The live entry under `key`, or end(); an expired one is erased on the way.
    Entries::iterator find_live(const Key& key, Clock::wall_time now);
    /// Copies of the live sessions `index` holds under `name`, made outside the lock.
    std::vector<UserSession> live_sessions_in(const KeyIndex& index, std::string_view name);

    std::size_t capacity_;
    std::shared_ptr<Clock> clock_;
    mutable std::mutex mutex_;
    Entries entries_;
    ExpiryIndex expiries_;
    KeyIndex by_user_;
    KeyIndex by_sid_;
};

} // namespace authflow

#pragma once
// Records of the shared deploy stores (SQLite, Redis): sessions and pending logins as JSON,
// encrypted with the store key when there is one (not installed).

#include <authflow/core/clock.hpp>
#include <authflow/deploy/pending_login.hpp>
#include <authflow/deploy/session_store.hpp>
#include <authflow/store/encryption.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace authflow::deploy_detail {

/// Unix milliseconds of a wall time, and back.
std::int64_t to_ms(Clock::wall_time time);
Clock::wall_time from_ms(std::int64_t ms);

/// Checks a session given to SessionStore::create: a session id, a user id and an expiry after
/// `now`. Throws Error (invalid_argument). Every backend calls it, so all refuse alike.
void check_new_session(const UserSession& session, Clock::wall_time now);

/// Hex SHA-256 of a user id: the name of a user's session set (no user id in clear).
std::string user_hash(std::string_view user_id);

/// Hex SHA-256 of a provider session id (domain-separated from user_hash): the name of the sid
/// index entry (no sid in clear).
std::string sid_hash(std::string_view sid);

/// Hex SHA-256 of a PendingLogin::client (domain-separated): what the stores group pending
/// logins by (no client address in clear).
std::string client_hash(std::string_view client);

/// Turns records into stored text and back, encrypting with the store key when there is one.
/// Errors are StoreError naming `backend`. Safe to use from several threads.
class SharedRecordCodec {
public:
    SharedRecordCodec(std::string backend, std::optional<StoreKey> key, RecordEncoding encoding);

    bool is_encrypting() const noexcept { return cipher_.has_value(); }

    /// The session without its id (session_key and session_id are not stored).
    std::string encode_session(std::string_view name, const UserSession& session) const;
    /// Throws StoreError: store_corrupt (not a session record), decrypt_failed (wrong key,
    /// altered, moved from another name, or encrypted without a configured key).
    UserSession decode_session(std::string_view name, std::string_view text) const;

    /// The record without its state; `deadline` is when it stops being usable (wall time).
    std::string encode_pending(std::string_view name, const PendingLogin& record,
                               Clock::wall_time deadline) const;
    /// Throws as decode_session. Fills in `deadline`.
    PendingLogin decode_pending(std::string_view name, std::string_view text,
                                Clock::wall_time& deadline) const;

    const std::string& backend() const noexcept { return backend_; }

private:
    std::string seal(std::string_view name, const std::string& json) const;
    std::string open(std::string_view name, std::string_view text) const;

    std::string backend_;
    std::optional<RecordCipher> cipher_;
    RecordEncoding encoding_;
};

} // namespace authflow::deploy_detail

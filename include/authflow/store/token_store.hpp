#pragma once
// TokenStore: where the tokens of a sign-in are kept, and the documents remembered beside them.
// Token sets and documents are typed layers above the byte layer (RecordStore) that each backend
// implements; the cross-process lease that serialises refreshes comes from the byte layer.

#include <authflow/core/clock.hpp>
#include <authflow/core/token_set.hpp>
#include <authflow/store/encryption.hpp>
#include <authflow/store/record_store.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authflow {

/// How the typed layers of a TokenStore turn values into stored bytes and back.
struct RecordSealing {
    /// When set, every record is encrypted with it (AES-256-GCM, bound to its record_name());
    /// unset: records are stored as JSON.
    std::optional<StoreKey> key;
    /// Text for places that hold text only (the keyring, SQLite), binary for Redis.
    RecordEncoding encoding = RecordEncoding::text;
    /// The clock token sets are read with; null: the system clock.
    std::shared_ptr<Clock> clock;
};

/// Where tokens are kept, by key (a user id, a profile name, or a hash of a session id). Two
/// typed layers over the byte layer: token sets (RecordKind::token_set) and JSON documents
/// (RecordKind::document), both encrypted with the store key when there is one. Every backend is
/// safe to use from several threads; SQLite, Redis and keyring stores are also safe to share
/// between processes. Any failure is a StoreError naming the backend and the cause. A record that
/// is corrupted or cannot be decrypted is an error for that key alone.
///
/// Keys and lease names: 1 to 512 bytes of UTF-8 without control characters; anything else
/// throws StoreError (invalid_argument).
class TokenStore : public RecordStore {
public:
    ~TokenStore() override;

    /// Stores `tokens` under `key`, replacing what was there. The record lives until removed, or
    /// for the store's default record TTL when it has one. Throws StoreError.
    void save(std::string_view key, const OAuthTokenSet& tokens);
    /// As save(key, tokens), but the record disappears `ttl` from now (e.g. a deploy session's
    /// lifetime) — never tied to the access token's own lifetime, which ends long before the
    /// refresh token is of no more use. A non-positive ttl throws StoreError (invalid_argument).
    void save(std::string_view key, const OAuthTokenSet& tokens, std::chrono::milliseconds ttl);
    /// As save(key, tokens), fenced by `lease` (RecordStore::put_if_held): the tokens are stored
    /// only while `lease` is still held, checked atomically with the write. Returns false, with
    /// nothing written, when the lease expired, was released or another holder took it since.
    /// Throws StoreError as save does, and invalid_argument for a lease of another store.
    bool save_if_held(const Lease& lease, std::string_view key, const OAuthTokenSet& tokens);
    /// The tokens stored under `key`, or nothing when absent or expired. Throws StoreError
    /// (store_corrupt, decrypt_failed) when the record exists but cannot be read.
    std::optional<OAuthTokenSet> load(std::string_view key);
    /// Removes the token set and the document under `key`. Returns false when there was none.
    bool remove(std::string_view key);
    /// True if a live token set or document exists under `key` (the record is not decoded).
    bool exists(std::string_view key);
    /// Every key with a live token set or document, sorted, each once.
    std::vector<std::string> list_keys();

    /// Stores a small JSON document under `key` (e.g. the settings a CLI profile remembers),
    /// encrypted like token sets, listed by list_keys, removed by remove. Throws StoreError as
    /// save does.
    void save_document(std::string_view key, const nlohmann::json& document);
    /// The document that save_document stored under `key`, or nothing when absent. Throws
    /// StoreError as load does, and store_corrupt when `key` holds a token set instead. A
    /// document that an earlier version kept inside a token set is returned and moved to the
    /// document records.
    std::optional<nlohmann::json> load_document(std::string_view key);

    /// True when this store encrypts its records with a store key (RecordCipher). The keyring
    /// is protected by the desktop's keyring without one.
    bool encrypts() const noexcept;

protected:
    /// `backend` names the store in error texts (as backend() does).
    explicit TokenStore(std::string_view backend, RecordSealing sealing = {});

private:
    /// The sealed record of `tokens` under `key` (validated), as every save writes it.
    std::string token_record(std::string_view key, const OAuthTokenSet& tokens) const;

    struct Layers;
    std::unique_ptr<Layers> layers_;
};

} // namespace authflow

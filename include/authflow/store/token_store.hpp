#pragma once
// TokenStore: where the tokens of a sign-in are kept, and the cross-process lease that
// serialises refreshes.

#include <authflow/core/token_set.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authflow {

namespace detail {

/// What a backend does for leases; implemented by each store, used by Lease. A lease is a record
/// `name → (holder token, expiry)`; every operation compares the holder token.
class LeaseBackend {
public:
    virtual ~LeaseBackend() = default;
    /// Takes `name` for `holder` when nobody holds it or the last holder's lease has expired.
    virtual bool acquire(const std::string& name, const std::string& holder,
                         std::chrono::milliseconds ttl) = 0;
    /// Extends the lease if `holder` still holds it; false otherwise.
    virtual bool renew(const std::string& name, const std::string& holder,
                       std::chrono::milliseconds ttl) = 0;
    /// Ends the lease if `holder` still holds it; false otherwise.
    virtual bool release(const std::string& name, const std::string& holder) = 0;
    /// Backend name for error texts.
    virtual std::string_view backend_name() const noexcept = 0;
};

} // namespace detail

/// A lease held on a name in a TokenStore: while it is held, no other holder anywhere that shares
/// the store can acquire the same name. It ends when released, when this object is destroyed, or
/// by itself when its time-to-live passes without renewal (so a holder that dies blocks others
/// at most one TTL). Safe to use from several threads.
class Lease {
public:
    /// Made by TokenStore::try_acquire.
    Lease(std::shared_ptr<detail::LeaseBackend> backend, std::string name, std::string holder);
    /// Releases the lease if still held; errors are logged, never thrown.
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    /// The leased name.
    const std::string& name() const noexcept { return name_; }

    /// Sets the remaining time to `ttl` from now. Throws StoreError (lease_lost) when the lease
    /// already expired or was released, (invalid_argument) for a non-positive ttl, or another
    /// StoreError when the backend fails.
    void renew(std::chrono::milliseconds ttl);

    /// Ends the lease; only this holder's lease is removed (another holder that took the name
    /// after this lease expired keeps it). Returns true if the lease was still held. Calling it
    /// again does nothing and returns false. Throws StoreError when the backend fails.
    bool release();

    /// False once release() was called (the lease may also have expired without notice).
    bool is_released() const;

private:
    std::shared_ptr<detail::LeaseBackend> backend_;
    std::string name_;
    std::string holder_; ///< random, compared by the backend on renew and release
    mutable std::mutex mutex_;
    bool released_ = false;
};

/// Where tokens are kept, by key (a user id, a profile name, or a hash of a session id). Every
/// backend is safe to use from several threads; SQLite, Redis and keyring stores are also safe to
/// share between processes. Any failure is a StoreError naming the backend and the cause. A
/// record that is corrupted or cannot be decrypted is an error for that key alone.
///
/// Keys and lease names: 1 to 512 bytes of UTF-8 without control characters; anything else
/// throws StoreError (invalid_argument).
class TokenStore {
public:
    virtual ~TokenStore() = default;
    TokenStore(const TokenStore&) = delete;
    TokenStore& operator=(const TokenStore&) = delete;

    /// "memory", "sqlite", "redis" or "keyring".
    virtual std::string_view backend() const noexcept = 0;

    /// Stores `tokens` under `key`, replacing what was there. The record lives until removed, or
    /// for the store's default record TTL when it has one. Throws StoreError.
    void save(std::string_view key, const OAuthTokenSet& tokens);
    /// As save(key, tokens), but the record disappears `ttl` from now (e.g. a deploy session's
    /// lifetime) — never tied to the access token's own lifetime (the refresh token would be
    /// lost with an access token of five minutes). A
    /// non-positive ttl throws StoreError (invalid_argument).
    void save(std::string_view key, const OAuthTokenSet& tokens, std::chrono::milliseconds ttl);
    /// The tokens stored under `key`, or nothing when absent or expired. Throws StoreError
    /// (store_corrupt, decrypt_failed) when the record exists but cannot be read.
    std::optional<OAuthTokenSet> load(std::string_view key);
    /// Removes the record (pywry.auth's `delete`). Returns false when there was none.
    bool remove(std::string_view key);
    /// True if a live record exists under `key` (the record is not decoded).
    bool exists(std::string_view key);
    /// Every key with a live record, sorted.
    std::vector<std::string> list_keys();

    /// Stores a small JSON document under `key` (e.g. the settings a CLI profile remembers), in
    /// the same records as token sets: encrypted like them, listed by list_keys, removed by
    /// remove. Throws StoreError as save does.
    void save_document(std::string_view key, const nlohmann::json& document);
    /// The document that save_document stored under `key`, or nothing when absent. Throws
    /// StoreError as load does, and store_corrupt when the record holds token sets instead.
    std::optional<nlohmann::json> load_document(std::string_view key);

    /// Takes the lease `name` for `ttl` if nobody else holds it; returns nullptr when it is held.
    /// Lease names are separate from token keys. Throws StoreError (invalid_argument) for a bad
    /// name or non-positive ttl, or when the backend fails.
    std::unique_ptr<Lease> try_acquire(std::string_view name, std::chrono::milliseconds ttl);

protected:
    TokenStore() = default;

    virtual void do_save(const std::string& key, const OAuthTokenSet& tokens,
                         std::optional<std::chrono::milliseconds> ttl) = 0;
    virtual std::optional<OAuthTokenSet> do_load(const std::string& key) = 0;
    virtual bool do_remove(const std::string& key) = 0;
    virtual bool do_exists(const std::string& key) = 0;
    virtual std::vector<std::string> do_list_keys() = 0;
    /// The object that carries this store's leases; it may outlive the store.
    virtual std::shared_ptr<detail::LeaseBackend> lease_backend() = 0;
};

/// Throws StoreError (invalid_argument) unless `key` is a valid record key or lease name
/// (`what` names it in the message, e.g. "key" or "lease name").
void validate_store_key(std::string_view key, std::string_view what = "key");

} // namespace authflow

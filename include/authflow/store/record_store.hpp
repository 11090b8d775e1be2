#pragma once
// RecordStore: the byte layer every token-store backend implements. Records are byte strings
// with an optional time-to-live, under keys grouped by kind, plus the cross-process lease. The
// typed layers (token sets, documents) sit above it in TokenStore.

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authflow {

/// What a record holds. Each kind is its own key space: the same key under two kinds names two
/// records. A backend files each kind apart (a Redis key segment, an SQLite column, a keyring
/// schema), so a new kind needs no change to the records of the others.
enum class RecordKind {
    token_set, ///< an OAuthTokenSet (TokenStore::save / load)
    document,  ///< a JSON document (TokenStore::save_document / load_document)
};

/// Every kind, in the enum's order (values are 0, 1, …: backends index by them). A new kind
/// (e.g. DPoP keys) is added here, named in record_kind_name, and given a keyring schema.
inline constexpr RecordKind record_kinds[] = {RecordKind::token_set, RecordKind::document};

/// "tokens" or "documents": the kind's name in backend layouts (e.g. the Redis key segment).
std::string_view record_kind_name(RecordKind kind) noexcept;

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
    /// Stores `value` under (kind, key) as RecordStore::put does (the same TTL rules), but only
    /// if `holder` still holds the live lease `name`: the check and the write are one atomic step
    /// of the store shared by all holders, so no other holder can take the lease in between.
    /// Returns false, with nothing written, when the lease expired, was released or is another
    /// holder's. Called with a validated key and ttl.
    virtual bool put_if_held(const std::string& name, const std::string& holder, RecordKind kind,
                             const std::string& key, std::string_view value,
                             std::optional<std::chrono::milliseconds> ttl) = 0;
    /// Backend name for error texts.
    virtual std::string_view backend_name() const noexcept = 0;
};

} // namespace detail

/// A lease held on a name in a RecordStore: while it is held, no other holder anywhere that
/// shares the store can acquire the same name. It ends when released, when this object is
/// destroyed, or by itself when its time-to-live passes without renewal (so a holder that dies
/// blocks others at most one TTL). Safe to use from several threads.
class Lease {
    friend class RecordStore; // put_if_held compares the holder token, which stays private
public:
    /// Made by RecordStore::try_acquire.
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
    /// RecordStore::put_if_held for the store whose lease backend is `expected`.
    bool put_if_held(const detail::LeaseBackend& expected, RecordKind kind, const std::string& key,
                     std::string_view value, std::optional<std::chrono::milliseconds> ttl) const;

    std::shared_ptr<detail::LeaseBackend> backend_;
    std::string name_;
    std::string holder_; ///< random, compared by the backend on renew and release
    mutable std::mutex mutex_;
    bool released_ = false;
};

/// Records of bytes by (kind, key), each living until removed or until its TTL passes, and
/// leases by name: one small cache contract that memory, SQLite, Redis and the keyring each
/// implement. Values are stored as given (no encryption here: the typed layers above seal them);
/// any byte string is a valid value. Every backend is safe to use from several threads; SQLite,
/// Redis and keyring stores are also safe to share between processes. Any failure is a
/// StoreError naming the backend and the cause.
///
/// Keys and lease names: 1 to 512 bytes of UTF-8 without control characters; anything else
/// throws StoreError (invalid_argument).
class RecordStore {
public:
    virtual ~RecordStore() = default;
    RecordStore(const RecordStore&) = delete;
    RecordStore& operator=(const RecordStore&) = delete;

    /// "memory", "sqlite", "redis" or "keyring".
    virtual std::string_view backend() const noexcept = 0;

    /// Stores `value` under (kind, key), replacing what was there (and its TTL). With `ttl` the
    /// record disappears that long from now; without, it lives until removed, or for the store's
    /// default record TTL when it has one. A non-positive ttl throws StoreError
    /// (invalid_argument).
    void put(RecordKind kind, std::string_view key, std::string_view value,
             std::optional<std::chrono::milliseconds> ttl = std::nullopt);
    /// The bytes under (kind, key), or nothing when absent or expired.
    std::optional<std::string> get(RecordKind kind, std::string_view key);
    /// Removes the record; false when there was none.
    bool erase(RecordKind kind, std::string_view key);
    /// True if a live record exists under (kind, key).
    bool contains(RecordKind kind, std::string_view key);
    /// Every key of `kind` with a live record, sorted.
    std::vector<std::string> keys(RecordKind kind);

    /// The name a sealed (encrypted) record of (kind, key) binds as associated data, so that a
    /// record copied to another key or kind fails to decrypt. Token sets keep the name earlier
    /// versions bound (the key, or the full Redis key), so their records stay readable.
    virtual std::string record_name(RecordKind kind, std::string_view key) const;

    /// Takes the lease `name` for `ttl` if nobody else holds it; returns nullptr when it is held.
    /// Lease names are separate from record keys. Throws StoreError (invalid_argument) for a bad
    /// name or non-positive ttl, or when the backend fails.
    std::unique_ptr<Lease> try_acquire(std::string_view name, std::chrono::milliseconds ttl);

    /// put(kind, key, value, ttl), fenced by `lease`: the record is written only while `lease`
    /// is still held, checked atomically with the write (a fencing token), so a holder whose
    /// lease ran out (a long pause, a slow request) cannot overwrite what the next holder
    /// stored. Returns false, with nothing written, when the lease expired, was released, or
    /// another holder has taken it since. Throws StoreError (invalid_argument) for a bad key or
    /// ttl, or a lease of another store; another StoreError when the backend fails.
    bool put_if_held(const Lease& lease, RecordKind kind, std::string_view key,
                     std::string_view value,
                     std::optional<std::chrono::milliseconds> ttl = std::nullopt);

protected:
    RecordStore() = default;

    /// Called with a validated key and ttl.
    virtual void do_put(RecordKind kind, const std::string& key, std::string_view value,
                        std::optional<std::chrono::milliseconds> ttl) = 0;
    virtual std::optional<std::string> do_get(RecordKind kind, const std::string& key) = 0;
    virtual bool do_erase(RecordKind kind, const std::string& key) = 0;
    virtual bool do_contains(RecordKind kind, const std::string& key) = 0;
    virtual std::vector<std::string> do_keys(RecordKind kind) = 0;
    /// The object that carries this store's leases; it may outlive the store.
    virtual std::shared_ptr<detail::LeaseBackend> lease_backend() = 0;
};

/// Throws StoreError (invalid_argument) unless `key` is a valid record key or lease name
/// (`what` names it in the message, e.g. "key" or "lease name").
void validate_store_key(std::string_view key, std::string_view what = "key");

} // namespace authflow

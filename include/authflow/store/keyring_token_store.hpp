#pragma once
// KeyringTokenStore: tokens in the desktop keyring (Secret Service API, e.g. gnome-keyring or
// KeePassXC).

#include <authflow/config.hpp>
#include <authflow/core/clock.hpp>
#include <authflow/store/encryption.hpp>
#include <authflow/store/token_store.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace authflow {

/// Options of KeyringTokenStore.
struct KeyringTokenStoreOptions {
    /// The `service` attribute of every secret (pywry.auth: service_name).
    std::string service = "authflow";
    /// Optional extra encryption of the secrets (the keyring already encrypts them on disk).
    std::optional<StoreKey> key;
    /// Lifetime of records saved without a TTL; unset: they live until removed.
    std::optional<std::chrono::milliseconds> record_ttl;
    /// Where lease lock files go; empty: $XDG_RUNTIME_DIR/authflow, else /tmp/authflow-<uid>.
    std::filesystem::path lock_dir;
    /// Wall time for record TTLs and lease expiry; null: the system clock.
    std::shared_ptr<Clock> clock;
};

/// True when this build has keyring support and a Secret Service with a default collection
/// answers on the session bus.
bool secret_service_available();

#if AUTHFLOW_WITH_KEYRING

/// Records in the Secret Service: one secret per kind and key, with the searchable attributes
/// {service, key} and one schema per kind ("org.authflow.Token" for token sets,
/// "org.authflow.Document" for documents), so the keys of a kind can be listed. The Secret Service
/// has no atomic create, so a lease is a record in a lock file under $XDG_RUNTIME_DIR/authflow/,
/// read and written under flock(2): processes of one user on one machine serialise. Safe to use
/// from several threads.
class KeyringTokenStore final : public TokenStore {
public:
    /// Connects to the Secret Service. Throws StoreError (store_unavailable) when none answers
    /// (the message says so and suggests the SQLite store), ConfigError (config_invalid) for an
    /// empty service name.
    explicit KeyringTokenStore(KeyringTokenStoreOptions options = {});
    ~KeyringTokenStore() override;

    std::string_view backend() const noexcept override { return "keyring"; }

protected:
    void do_put(RecordKind kind, const std::string& key, std::string_view value,
                std::optional<std::chrono::milliseconds> ttl) override;
    std::optional<std::string> do_get(RecordKind kind, const std::string& key) override;
    bool do_erase(RecordKind kind, const std::string& key) override;
    bool do_contains(RecordKind kind, const std::string& key) override;
    std::vector<std::string> do_keys(RecordKind kind) override;
    std::shared_ptr<detail::LeaseBackend> lease_backend() override;

private:
    class Impl;
    std::shared_ptr<Impl> impl_;
};

#endif

} // namespace authflow

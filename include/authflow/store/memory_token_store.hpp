#pragma once
// MemoryTokenStore: tokens in this process only.

#include <authflow/core/clock.hpp>
#include <authflow/store/token_store.hpp>

#include <chrono>
#include <memory>
#include <optional>

namespace authflow {

/// Options of MemoryTokenStore.
struct MemoryTokenStoreOptions {
    /// Time for record TTLs and leases; null: the system clock.
    std::shared_ptr<Clock> clock;
    /// Lifetime of records saved without a TTL; unset: they live until removed.
    std::optional<std::chrono::milliseconds> record_ttl;
};

/// Keeps the records' bytes in a map, by kind and key; records are not encrypted. Leases are held
/// within this process. Safe to use from several threads.
class MemoryTokenStore final : public TokenStore {
public:
    explicit MemoryTokenStore(MemoryTokenStoreOptions options = {});
    ~MemoryTokenStore() override;

    std::string_view backend() const noexcept override { return "memory"; }

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

} // namespace authflow

#pragma once
// MemoryTokenStore: tokens in this process only.

#include <authflow/core/clock.hpp>
#include <authflow/store/token_store.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>

namespace authflow {

/// Options of MemoryTokenStore.
struct MemoryTokenStoreOptions {
    /// Time for record TTLs and leases; null: the system clock.
    std::shared_ptr<Clock> clock;
    /// Lifetime of records saved without a TTL; unset: they live until removed.
    std::optional<std::chrono::milliseconds> record_ttl;
    /// When set, a save into a store holding this many records first drops the record that
    /// expires soonest (records without a TTL are never dropped for room). Unset: no cap.
    std::optional<std::size_t> max_records;
};

/// Keeps the records' bytes in a map, by kind and key; records are not encrypted. Leases are held
/// within this process. Every save first drops the records that have expired (in amortised
/// constant time), so records that nobody reads again do not pile up: with a TTL on every record
/// (`record_ttl`, as deploy mode sets it) the store holds at most what was saved within one TTL,
/// and `max_records` caps even that. Safe to use from several threads.
class MemoryTokenStore final : public TokenStore {
public:
    explicit MemoryTokenStore(MemoryTokenStoreOptions options = {});
    ~MemoryTokenStore() override;

    std::string_view backend() const noexcept override { return "memory"; }

    /// Records held, of every kind (expired ones not yet dropped included).
    std::size_t record_count() const;

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

#include "internal/store_internal.hpp"

#include <authflow/core/crypto.hpp>
#include <authflow/store/memory_token_store.hpp>

#include <map>
#include <mutex>
#include <utility>

namespace authflow {

class MemoryTokenStore::Impl final : public detail::LeaseBackend {
public:
    explicit Impl(MemoryTokenStoreOptions options)
        : clock_(store_detail::clock_or_system(std::move(options.clock))),
          record_ttl_(options.record_ttl), max_records_(options.max_records) {
        if (record_ttl_) {
            store_detail::positive_ms(*record_ttl_, "memory", "record_ttl");
        }
        if (max_records_ && *max_records_ == 0) {
            store_detail::fail(errc::invalid_argument, "memory", "max_records must be positive");
        }
    }

    using RecordId = std::pair<RecordKind, std::string>;
    /// Records with a TTL by expiry, soonest first: what a save sweeps and the cap drops.
    using Expiries = std::multimap<Clock::steady_time, RecordId>;

    struct Record {
        std::string value;
        std::optional<Clock::steady_time> expires;
        Expiries::iterator expiry{}; ///< in expiries_ when `expires` is set
    };
    struct LeaseRecord {
        std::string holder;
        Clock::steady_time expires;
    };

    bool live(const Record& record, Clock::steady_time now) const {
        return !record.expires || now < *record.expires;
    }

    using Records = std::map<RecordId, Record>;

    // Removes a record and its index entry. Called with mutex_ held.
    Records::iterator erase(Records::iterator it) {
        if (it->second.expires) {
            expiries_.erase(it->second.expiry);
        }
        return records_.erase(it);
    }

    // Finds a live record, dropping an expired one. Called with mutex_ held.
    Record* find_live(RecordKind kind, const std::string& key) {
        auto it = records_.find(RecordId{kind, key});
        if (it == records_.end()) {
            return nullptr;
        }
        if (!live(it->second, clock_->steady_now())) {
            erase(it);
            return nullptr;
        }
        return &it->second;
    }

    // Stores `record` under `id`: drops expired records first, then, at the cap, the record
    // that expires soonest. Called with mutex_ held.
    void store(RecordId id, Record record) {
        const auto now = clock_->steady_now();
        if (auto old = records_.find(id); old != records_.end()) {
            erase(old);
        }
        while (!expiries_.empty() && !(now < expiries_.begin()->first)) {
            erase(records_.find(expiries_.begin()->second));
        }
        while (max_records_ && records_.size() >= *max_records_ && !expiries_.empty()) {
            erase(records_.find(expiries_.begin()->second));
        }
        auto [it, inserted] = records_.emplace(std::move(id), std::move(record));
        if (it->second.expires) {
            try {
                it->second.expiry = expiries_.emplace(*it->second.expires, it->first);
            } catch (...) {
                records_.erase(it);
                throw;
            }
        }
    }

    using Leases = std::map<std::string, LeaseRecord, std::less<>>;

    // The lease `holder` holds on `name` at `now`, or leases_.end(). Called with mutex_ held.
    Leases::iterator held_lease(const std::string& name, const std::string& holder,
                                Clock::steady_time now) {
        auto it = leases_.find(name);
        if (it == leases_.end() || !(now < it->second.expires) ||
            !constant_time_equal(it->second.holder, holder)) {
            return leases_.end();
        }
        return it;
    }

    bool acquire(const std::string& name, const std::string& holder,
                 std::chrono::milliseconds ttl) override {
        auto now = clock_->steady_now();
        std::lock_guard lock(mutex_);
        auto it = leases_.find(name);
        if (it != leases_.end() && now < it->second.expires) {
            return false;
        }
        leases_[name] = LeaseRecord{holder, now + ttl};
        return true;
    }

    bool renew(const std::string& name, const std::string& holder,
               std::chrono::milliseconds ttl) override {
        auto now = clock_->steady_now();
        std::lock_guard lock(mutex_);
        auto it = held_lease(name, holder, now);
        if (it == leases_.end()) {
            return false;
        }
        it->second.expires = now + ttl;
        return true;
    }

    bool release(const std::string& name, const std::string& holder) override {
        auto now = clock_->steady_now();
        std::lock_guard lock(mutex_);
        auto it = leases_.find(name);
        if (it == leases_.end() || !constant_time_equal(it->second.holder, holder)) {
            return false;
        }
        bool was_live = now < it->second.expires;
        leases_.erase(it);
        return was_live;
    }

    bool put_if_held(const std::string& name, const std::string& holder, RecordKind kind,
                     const std::string& key, std::string_view value,
                     std::optional<std::chrono::milliseconds> ttl) override {
        Record record = make_record(value, ttl);
        auto now = clock_->steady_now();
        std::lock_guard lock(mutex_);
        // One lock covers the check and the write: no acquire can come between them.
        auto it = held_lease(name, holder, now);
        if (it == leases_.end()) {
            return false;
        }
        store(RecordId{kind, key}, std::move(record));
        return true;
    }

    // A record of `value` expiring after `ttl`, or the store's record TTL without one.
    Record make_record(std::string_view value, std::optional<std::chrono::milliseconds> ttl) const {
        if (!ttl) {
            ttl = record_ttl_;
        }
        Record record{std::string{value}, std::nullopt};
        if (ttl) {
            record.expires = clock_->steady_now() + *ttl;
        }
        return record;
    }

    std::string_view backend_name() const noexcept override { return "memory"; }

    std::shared_ptr<const Clock> clock_;
    std::optional<std::chrono::milliseconds> record_ttl_;
    std::optional<std::size_t> max_records_;
    std::mutex mutex_;
    Records records_;
    Expiries expiries_;
    Leases leases_;
};

MemoryTokenStore::MemoryTokenStore(MemoryTokenStoreOptions options)
    : TokenStore("memory", RecordSealing{std::nullopt, RecordEncoding::text, options.clock}),
      impl_(std::make_shared<Impl>(std::move(options))) {}

MemoryTokenStore::~MemoryTokenStore() = default;

void MemoryTokenStore::do_put(RecordKind kind, const std::string& key, std::string_view value,
                              std::optional<std::chrono::milliseconds> ttl) {
    Impl::Record record = impl_->make_record(value, ttl);
    std::lock_guard lock(impl_->mutex_);
    impl_->store(Impl::RecordId{kind, key}, std::move(record));
}

std::optional<std::string> MemoryTokenStore::do_get(RecordKind kind, const std::string& key) {
    std::lock_guard lock(impl_->mutex_);
    if (auto* record = impl_->find_live(kind, key)) {
        return record->value;
    }
    return std::nullopt;
}

bool MemoryTokenStore::do_erase(RecordKind kind, const std::string& key) {
    std::lock_guard lock(impl_->mutex_);
    bool had = impl_->find_live(kind, key) != nullptr;
    if (auto it = impl_->records_.find(Impl::RecordId{kind, key}); it != impl_->records_.end()) {
        impl_->erase(it);
    }
    return had;
}

bool MemoryTokenStore::do_contains(RecordKind kind, const std::string& key) {
    std::lock_guard lock(impl_->mutex_);
    return impl_->find_live(kind, key) != nullptr;
}

std::vector<std::string> MemoryTokenStore::do_keys(RecordKind kind) {
    std::vector<std::string> keys;
    auto now = impl_->clock_->steady_now();
    std::lock_guard lock(impl_->mutex_);
    for (auto it = impl_->records_.begin(); it != impl_->records_.end();) {
        if (!impl_->live(it->second, now)) {
            it = impl_->erase(it);
            continue;
        }
        if (it->first.first == kind) {
            keys.push_back(it->first.second);
        }
        ++it;
    }
    return keys;
}

std::size_t MemoryTokenStore::record_count() const {
    std::lock_guard lock(impl_->mutex_);
    return impl_->records_.size();
}

std::shared_ptr<detail::LeaseBackend> MemoryTokenStore::lease_backend() {
    return impl_;
}

} // namespace authflow

#include "store_internal.hpp"

#include <authflow/core/crypto.hpp>
#include <authflow/store/memory_token_store.hpp>

#include <map>
#include <mutex>

namespace authflow {

class MemoryTokenStore::Impl final : public detail::LeaseBackend {
public:
    explicit Impl(MemoryTokenStoreOptions options)
        : clock_(store_detail::clock_or_system(std::move(options.clock))),
          record_ttl_(options.record_ttl) {
        if (record_ttl_) {
            store_detail::positive_ms(*record_ttl_, "memory", "record_ttl");
        }
    }

    struct Record {
        OAuthTokenSet tokens;
        std::optional<Clock::steady_time> expires;
    };
    struct LeaseRecord {
        std::string holder;
        Clock::steady_time expires;
    };

    bool live(const Record& record, Clock::steady_time now) const {
        return !record.expires || now < *record.expires;
    }

    // Finds a live record, dropping an expired one. Called with mutex_ held.
    Record* find_live(const std::string& key) {
        auto it = records_.find(key);
        if (it == records_.end()) {
            return nullptr;
        }
        if (!live(it->second, clock_->steady_now())) {
            records_.erase(it);
            return nullptr;
        }
        return &it->second;
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
        auto it = leases_.find(name);
        if (it == leases_.end() || !(now < it->second.expires) ||
            !constant_time_equal(it->second.holder, holder)) {
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

    std::string_view backend_name() const noexcept override { return "memory"; }

    std::shared_ptr<const Clock> clock_;
    std::optional<std::chrono::milliseconds> record_ttl_;
    std::mutex mutex_;
    std::map<std::string, Record, std::less<>> records_;
    std::map<std::string, LeaseRecord, std::less<>> leases_;
};

MemoryTokenStore::MemoryTokenStore(MemoryTokenStoreOptions options)
    : impl_(std::make_shared<Impl>(std::move(options))) {}

MemoryTokenStore::~MemoryTokenStore() = default;

void MemoryTokenStore::do_save(const std::string& key, const OAuthTokenSet& tokens,
                               std::optional<std::chrono::milliseconds> ttl) {
    if (!ttl) {
        ttl = impl_->record_ttl_;
    }
    Impl::Record record{tokens, std::nullopt};
    if (ttl) {
        record.expires = impl_->clock_->steady_now() + *ttl;
    }
    std::lock_guard lock(impl_->mutex_);
    impl_->records_.insert_or_assign(key, std::move(record));
}

std::optional<OAuthTokenSet> MemoryTokenStore::do_load(const std::string& key) {
    std::lock_guard lock(impl_->mutex_);
    if (auto* record = impl_->find_live(key)) {
        return record->tokens;
    }
    return std::nullopt;
}

bool MemoryTokenStore::do_remove(const std::string& key) {
    std::lock_guard lock(impl_->mutex_);
    bool had = impl_->find_live(key) != nullptr;
    impl_->records_.erase(key);
    return had;
}

bool MemoryTokenStore::do_exists(const std::string& key) {
    std::lock_guard lock(impl_->mutex_);
    return impl_->find_live(key) != nullptr;
}

std::vector<std::string> MemoryTokenStore::do_list_keys() {
    std::vector<std::string> keys;
    auto now = impl_->clock_->steady_now();
    std::lock_guard lock(impl_->mutex_);
    for (auto it = impl_->records_.begin(); it != impl_->records_.end();) {
        if (impl_->live(it->second, now)) {
            keys.push_back(it->first);
            ++it;
        } else {
            it = impl_->records_.erase(it);
        }
    }
    return keys;
}

std::shared_ptr<detail::LeaseBackend> MemoryTokenStore::lease_backend() {
    return impl_;
}

} // namespace authflow

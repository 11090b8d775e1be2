#pragma once
// Helpers of the session unit tests: a token store that counts its calls and can fail, and
// waiting helpers for threads driven by a ManualClock.

#include <authflow/core/clock.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/store/token_store.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace authflow::test {

/// Records in a map, leases in a map with expiry on the given clock; counts calls (on token
/// sets); can be made to fail. Safe to use from several threads.
class CountingStore final : public TokenStore {
public:
    explicit CountingStore(std::shared_ptr<Clock> clock)
        : TokenStore("memory"), leases_(std::make_shared<Leases>(std::move(clock), *this)) {}

    std::string_view backend() const noexcept override { return "memory"; }

    std::atomic<int> loads{0};
    std::atomic<int> saves{0};         ///< token sets written, fenced or not
    std::atomic<int> refused_saves{0}; ///< fenced saves refused: the lease was no longer held
    std::atomic<int> removes{0};
    std::atomic<bool> failing{false}; ///< every call throws StoreError (store_unavailable)

    /// Lease acquisitions tried (successful or not).
    int acquisitions() const { return leases_->tries.load(); }
    /// Lease renewals tried, and those that succeeded.
    int renewal_tries() const { return leases_->renewal_tries.load(); }
    int renewals() const { return leases_->renewals.load(); }

protected:
    void do_put(RecordKind kind, const std::string& key, std::string_view value,
                std::optional<std::chrono::milliseconds>) override {
        check();
        write(kind, key, value);
    }
    std::optional<std::string> do_get(RecordKind kind, const std::string& key) override {
        check();
        loads += kind == RecordKind::token_set ? 1 : 0;
        std::lock_guard lock(mutex_);
        auto it = records_.find({kind, key});
        if (it == records_.end()) {
            return std::nullopt;
        }
        return it->second;
    }
    bool do_erase(RecordKind kind, const std::string& key) override {
        check();
        removes += kind == RecordKind::token_set ? 1 : 0;
        std::lock_guard lock(mutex_);
        return records_.erase({kind, key}) != 0;
    }
    bool do_contains(RecordKind kind, const std::string& key) override {
        check();
        std::lock_guard lock(mutex_);
        return records_.count({kind, key}) != 0;
    }
    std::vector<std::string> do_keys(RecordKind kind) override {
        check();
        std::lock_guard lock(mutex_);
        std::vector<std::string> keys;
        for (const auto& [id, value] : records_) {
            if (id.first == kind) {
                keys.push_back(id.second);
            }
        }
        return keys;
    }
    std::shared_ptr<detail::LeaseBackend> lease_backend() override {
        check();
        return leases_;
    }

private:
    void write(RecordKind kind, const std::string& key, std::string_view value) {
        saves += kind == RecordKind::token_set ? 1 : 0;
        std::lock_guard lock(mutex_);
        records_[{kind, key}] = std::string{value};
    }

    struct Leases final : detail::LeaseBackend {
        Leases(std::shared_ptr<Clock> c, CountingStore& s) : clock(std::move(c)), store(s) {}
        bool acquire(const std::string& name, const std::string& holder,
                     std::chrono::milliseconds ttl) override {
            ++tries;
            std::lock_guard lock(mutex);
            auto it = held.find(name);
            const auto now = clock->steady_now();
            if (it != held.end() && it->second.second > now) {
                return false;
            }
            held[name] = {holder, now + ttl};
            return true;
        }
        bool renew(const std::string& name, const std::string& holder,
                   std::chrono::milliseconds ttl) override {
            ++renewal_tries;
            std::lock_guard lock(mutex);
            auto it = held.find(name);
            if (it == held.end() || it->second.first != holder ||
                it->second.second <= clock->steady_now()) {
                return false;
            }
            it->second.second = clock->steady_now() + ttl;
            ++renewals;
            return true;
        }
        bool release(const std::string& name, const std::string& holder) override {
            std::lock_guard lock(mutex);
            auto it = held.find(name);
            if (it == held.end() || it->second.first != holder) {
                return false;
            }
            held.erase(it);
            return true;
        }
        bool put_if_held(const std::string& name, const std::string& holder, RecordKind kind,
                         const std::string& key, std::string_view value,
                         std::optional<std::chrono::milliseconds>) override {
            store.check();
            std::lock_guard lock(mutex); // held across the write: the check and it are one step
            auto it = held.find(name);
            if (it == held.end() || it->second.first != holder ||
                it->second.second <= clock->steady_now()) {
                ++store.refused_saves;
                return false;
            }
            store.write(kind, key, value);
            return true;
        }
        std::string_view backend_name() const noexcept override { return "memory"; }

        std::shared_ptr<Clock> clock;
        CountingStore& store; ///< the leases live no longer than the store in these tests
        std::atomic<int> tries{0};
        std::atomic<int> renewal_tries{0};
        std::atomic<int> renewals{0};
        std::mutex mutex;
        std::map<std::string, std::pair<std::string, Clock::steady_time>> held;
    };

    void check() {
        if (failing) {
            throw StoreError(errc::store_unavailable, "counting store: failing on purpose");
        }
    }

    std::shared_ptr<Leases> leases_;
    std::mutex mutex_;
    std::map<std::pair<RecordKind, std::string>, std::string> records_;
};

/// Spins (yielding, bounded by 30 s of real time) until `condition` holds. For conditions that
/// another thread makes true without a condition variable to wait on (ManualClock waiters).
inline bool eventually(const std::function<bool()>& condition) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::yield();
    }
    return true;
}

/// Waits until at least `n` threads wait on `clock`.
inline bool wait_for_waiters(const std::shared_ptr<ManualClock>& clock, std::size_t n) {
    return eventually([&] { return clock->waiters() >= n; });
}

/// The errc of the authflow Error that `body` throws (internal when it throws none).
template <class Body> errc error_code_of(Body&& body) {
    try {
        body();
    } catch (const Error& error) {
        return error.code();
    }
    return errc::internal;
}

} // namespace authflow::test

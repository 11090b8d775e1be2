#pragma once
// SnapshotCell: an immutable value that many threads read without any lock, replaced rarely
// (not installed).

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>

namespace authflow::session_detail {

/// Holds a shared_ptr<const T> that readers see without taking a lock: each thread keeps its
/// own copy of the pointer together with the generation it was taken at, and takes a new copy
/// (under a short mutex that nobody holds for longer than a pointer copy) only when the
/// generation changed. A read is then one atomic load and a thread-local lookup, with nothing
/// written to memory that other threads share, so it scales with the number of cores.
///
/// A thread's copy keeps the value alive until that thread reads the cell again, reads other
/// cells (a small fixed number per thread are kept), or exits. Safe to use from several
/// threads.
template <typename T> class SnapshotCell {
public:
    SnapshotCell() : id_(next_id()) {}
    SnapshotCell(const SnapshotCell&) = delete;
    SnapshotCell& operator=(const SnapshotCell&) = delete;

    /// The current value, or null. The pointer stays valid until this thread's next read of
    /// any SnapshotCell<T>.
    const T* read() const {
        const std::uint64_t generation = generation_.load(std::memory_order_acquire);
        ThreadCache& cache = thread_cache();
        for (auto& entry : cache.entries) {
            if (entry.cell_id == id_) {
                if (entry.generation != generation) {
                    refill(entry);
                }
                return entry.value.get();
            }
        }
        Entry& entry = cache.entries[cache.next];
        cache.next = (cache.next + 1) % cache.entries.size();
        entry.cell_id = id_;
        refill(entry);
        return entry.value.get();
    }

    /// The current value, or null (takes the short mutex).
    std::shared_ptr<const T> load() const {
        std::lock_guard lock(mutex_);
        return current_;
    }

    /// Replaces the value. The previous one is released outside the mutex.
    void store(std::shared_ptr<const T> value) {
        {
            std::lock_guard lock(mutex_);
            current_.swap(value);
            generation_.fetch_add(1, std::memory_order_release);
        }
    }

private:
    struct Entry {
        std::uint64_t cell_id = 0;
        std::uint64_t generation = 0;
        std::shared_ptr<const T> value;
    };
    struct ThreadCache {
        std::array<Entry, 8> entries;
        std::size_t next = 0;
    };

    static ThreadCache& thread_cache() {
        static thread_local ThreadCache cache;
        return cache;
    }
    static std::uint64_t next_id() {
        static std::atomic<std::uint64_t> counter{0};
        return counter.fetch_add(1, std::memory_order_relaxed) + 1;
    }

    void refill(Entry& entry) const {
        std::shared_ptr<const T> old;
        {
            std::lock_guard lock(mutex_);
            old = std::exchange(entry.value, current_);
            entry.generation = generation_.load(std::memory_order_relaxed);
        }
    }

    const std::uint64_t id_; ///< never reused, so a stale thread-local entry cannot match
    std::atomic<std::uint64_t> generation_{1};
    mutable std::mutex mutex_;
    std::shared_ptr<const T> current_;
};

} // namespace authflow::session_detail

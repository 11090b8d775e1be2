#pragma once
// LeaseRenewer: keeps a held lease alive from a thread of its own while the holder waits on
// something slow (not installed).

#include <authflow/core/clock.hpp>
#include <authflow/store/record_store.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace authflow::session_detail {

/// Renews `lease` to `ttl` every ttl/3 on its own thread, from construction until destruction, so
/// that a token request that outlasts the TTL does not let another holder take the lease. The
/// destructor wakes the thread (a condition variable, never a sleep) and joins it, so it returns
/// as soon as the thread sees it. A failed renewal (lease_lost, or the store failed) is logged
/// and remembered; after lease_lost the thread stops renewing, after a store failure it tries
/// again at the next interval. The work of the holder is never interrupted.
///
/// The destructor must run on the thread that constructed it; has_failed may be read from any
/// thread.
class LeaseRenewer {
public:
    /// `lease`, `clock` and `failed` must outlive the renewer; `what` names the lease in log
    /// lines. The destructor sets `failed` to true when a renewal failed (it never clears it).
    LeaseRenewer(Lease& lease, std::chrono::milliseconds ttl, Clock& clock, std::string what,
                 bool& failed);
    ~LeaseRenewer();
    LeaseRenewer(const LeaseRenewer&) = delete;
    LeaseRenewer& operator=(const LeaseRenewer&) = delete;

    /// True once a renewal failed: the lease may have run out (a fenced save tells for sure).
    bool has_failed() const;

    /// The interval between renewals for `ttl`: a third of it, at least 1 ms.
    static std::chrono::milliseconds interval_for(std::chrono::milliseconds ttl);

private:
    void run();

    Lease& lease_;
    const std::chrono::milliseconds ttl_;
    Clock& clock_;
    const std::string what_;
    bool& failed_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool is_stopping_ = false;
    bool has_failed_ = false;
    std::thread thread_; ///< last: started once the members above are ready
};

} // namespace authflow::session_detail

#pragma once
// BackgroundRefresh: when a session's tokens are refreshed in the background, on the shared
// RefreshScheduler (not installed).

#include "session_snapshot.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/session/refresh_scheduler.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace authflow::session_detail {

/// The background refresh of one session: at most one task pending on the scheduler, replaced
/// by each new snapshot; when it is due, `tick` runs on a scheduler worker. A failed tick asks
/// for a retry with the one backoff (backoff_delay).
///
/// Safe to use from several threads. Made with std::make_shared (tasks hold it weakly).
class BackgroundRefresh : public std::enable_shared_from_this<BackgroundRefresh> {
public:
    /// Which schedule a tick belongs to: a newer schedule or a cancel makes it stale.
    using Ticket = std::uint64_t;

    /// `tick` is never called after close() returned.
    BackgroundRefresh(RefreshScheduler& scheduler, std::shared_ptr<Clock> clock,
                      std::function<void(Ticket)> tick);

    /// Runs the tick at the snapshot's refresh_at, at least min_delay and at most
    /// max_scheduled_delay from now; with no refresh_at, cancels. Replaces the pending task.
    void schedule(const Snapshot& snapshot);
    /// schedule(snapshot), unless the tick `ticket` is stale.
    void schedule_if_current(Ticket ticket, const Snapshot& snapshot);
    /// After a failed tick: the tick again after the backoff of `failures` consecutive
    /// failures, unless a task is pending already (new tokens were published meanwhile).
    void retry(int failures);
    /// Cancels the pending task.
    void cancel();
    /// No task is scheduled and no tick starts afterwards (ticks that run go on).
    void stop();
    /// Waits until no tick runs.
    void wait_idle();

    /// Whether a background refresh of session `key` that failed with `error` is tried again
    /// (after the backoff): not when a sign-in is needed (on_reauth_required was called) or the
    /// session is closing. Logs the failures that are.
    static bool is_worth_retrying(const std::exception_ptr& error, const std::string& key);

    /// A background refresh is never scheduled sooner than this after the previous decision, so
    /// a provider that issues tokens of a second or less cannot make the scheduler spin (with
    /// expires_in <= buffer every token would be due at once, and refreshed every second).
    static constexpr std::chrono::seconds min_delay{5};
    /// Background retries after a failed refresh grow from min_delay up to this.
    static constexpr std::chrono::minutes max_retry_delay{5};
    /// The longest wait scheduled at once. A stored record may put the refresh centuries away,
    /// past the range of the scheduler's nanoseconds; a tick that finds nothing due schedules
    /// again.
    static constexpr std::chrono::hours max_scheduled_delay{24};

private:
    void run(Ticket ticket);
    void schedule_locked(const Snapshot& snapshot);
    void schedule_in_locked(std::chrono::microseconds delay);
    void cancel_locked();

    RefreshScheduler& scheduler_;
    std::shared_ptr<Clock> clock_;
    const std::function<void(Ticket)> tick_;

    std::mutex mutex_;
    std::condition_variable idle_cv_;
    Ticket ticket_ = 0;
    RefreshScheduler::TaskId task_id_ = 0;
    int running_ = 0;
    bool is_stopped_ = false;
};

} // namespace authflow::session_detail

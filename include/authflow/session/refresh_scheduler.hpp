#pragma once
// RefreshScheduler: one thread that keeps time for every SessionManager and hands due refreshes
// to a small bounded pool of workers.

#include <authflow/core/clock.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

namespace authflow {

/// Options of a RefreshScheduler. A plain value.
struct RefreshSchedulerOptions {
    /// Time for due dates and waiting; empty: the system clock.
    std::shared_ptr<Clock> clock;
    /// Most tasks that run at once. A task that blocks (a slow provider) occupies one worker;
    /// other due tasks run on the others. Workers start when needed, up to this number.
    std::size_t max_workers = 4;
};

/// Runs tasks at steady-clock times: one timekeeper thread waits (on the Clock, so a ManualClock
/// drives it in tests) for the earliest due task and hands it to a worker; workers run tasks and
/// never keep time. No thread exists until the first task is scheduled. Safe to use from several
/// threads, including from inside a running task.
class RefreshScheduler {
public:
    using TaskId = std::uint64_t;

    explicit RefreshScheduler(RefreshSchedulerOptions options = {});
    /// stop().
    ~RefreshScheduler();
    RefreshScheduler(const RefreshScheduler&) = delete;
    RefreshScheduler& operator=(const RefreshScheduler&) = delete;

    /// The process-wide scheduler on the system clock, shared by every SessionManager that is
    /// given none (made on first use; it lives while any manager uses it).
    static std::shared_ptr<RefreshScheduler> shared();

    /// The clock that due dates are read on.
    Clock& clock() const noexcept { return *clock_; }

    /// Runs `task` on a worker once the clock's steady time reaches `due` (at once when it
    /// already has). Returns an id for cancel(). Throws Error (invalid_argument) for an empty
    /// task or after stop().
    TaskId schedule_at(Clock::steady_time due, std::function<void()> task);
    /// schedule_at(clock().steady_now() + delay, task); a negative delay counts as zero.
    TaskId schedule_after(std::chrono::nanoseconds delay, std::function<void()> task);

    /// Cancels a pending task: it will not run. Never waits: a task that already started keeps
    /// running. Returns true if the task was pending.
    bool cancel(TaskId id);
    /// As cancel(), and when the task is running on another thread, waits until it finished
    /// (called from inside the task itself, it does not wait). Do not call it while holding a
    /// lock that the task takes.
    bool cancel_and_wait(TaskId id);

    /// Drops every pending task, waits for running ones and joins the threads. Later calls to
    /// schedule_at throw. Safe to call more than once.
    void stop();

    /// Tasks waiting for their due time or for a worker.
    std::size_t pending() const;
    /// Tasks running right now.
    std::size_t running() const;
    /// Worker threads started so far (at most max_workers).
    std::size_t workers() const;
    /// The due time of the earliest pending task, if any.
    std::optional<Clock::steady_time> next_due() const;

private:
    struct Task {
        Clock::steady_time due;
        std::function<void()> run;
    };
    void timekeeper_loop();
    void worker_loop();
    void start_worker_locked();
    bool cancel_locked(TaskId id, std::unique_lock<std::mutex>& lock,
                       std::function<void()>& dropped);

    std::shared_ptr<Clock> clock_;
    std::size_t max_workers_;

    mutable std::mutex mutex_;
    std::condition_variable timer_cv_; ///< the timekeeper waits here (through the clock)
    std::condition_variable work_cv_;  ///< idle workers wait here
    std::condition_variable done_cv_;  ///< cancel() waits here for a running task
    std::map<TaskId, Task> tasks_;     ///< waiting for their due time
    std::set<std::pair<Clock::steady_time, TaskId>> by_due_;
    std::deque<std::pair<TaskId, std::function<void()>>> ready_; ///< due, waiting for a worker
    std::map<TaskId, std::thread::id> running_;
    TaskId next_id_ = 1;
    std::size_t idle_workers_ = 0;
    bool stopping_ = false;
    bool timer_changed_ = false;
    std::thread timekeeper_;
    std::vector<std::thread> workers_;
};

} // namespace authflow

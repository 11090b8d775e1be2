#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/session/refresh_scheduler.hpp>

#include <algorithm>
#include <exception>

namespace authflow {

namespace {

// With nothing to wait for, the timekeeper still wakes now and then; it costs nothing and keeps
// deadline arithmetic far from the clock's limits.
constexpr std::chrono::hours idle_wait{1};

} // namespace

RefreshScheduler::RefreshScheduler(RefreshSchedulerOptions options)
    : clock_(clock_or_system(std::move(options.clock))),
      max_workers_(std::max<std::size_t>(1, options.max_workers)) {}

RefreshScheduler::~RefreshScheduler() {
    stop();
}

std::shared_ptr<RefreshScheduler> RefreshScheduler::shared() {
    static std::mutex mutex;
    static std::weak_ptr<RefreshScheduler> instance;
    std::lock_guard lock(mutex);
    auto scheduler = instance.lock();
    if (!scheduler) {
        scheduler = std::make_shared<RefreshScheduler>();
        instance = scheduler;
    }
    return scheduler;
}

RefreshScheduler::TaskId RefreshScheduler::schedule_at(Clock::steady_time due,
                                                       std::function<void()> task) {
    if (!task) {
        throw Error(errc::invalid_argument, "refresh scheduler: empty task");
    }
    std::lock_guard lock(mutex_);
    if (stopping_) {
        throw Error(errc::invalid_argument, "refresh scheduler: already stopped");
    }
    const TaskId id = next_id_++;
    tasks_.emplace(id, Task{due, std::move(task)});
    by_due_.emplace(due, id);
    if (!timekeeper_.joinable()) {
        timekeeper_ = std::thread([this] { timekeeper_loop(); });
    }
    timer_changed_ = true;
    timer_cv_.notify_all();
    return id;
}

RefreshScheduler::TaskId RefreshScheduler::schedule_after(std::chrono::nanoseconds delay,
                                                          std::function<void()> task) {
    const auto now = clock_->steady_now();
    const auto due = delay.count() > 0
                         ? now + std::chrono::duration_cast<Clock::steady_time::duration>(delay)
                         : now;
    return schedule_at(due, std::move(task));
}

bool RefreshScheduler::cancel(TaskId id) {
    std::function<void()> dropped; // destroyed after the lock is released
    std::unique_lock lock(mutex_);
    return cancel_locked(id, lock, dropped);
}

bool RefreshScheduler::cancel_and_wait(TaskId id) {
    std::function<void()> dropped;
    std::unique_lock lock(mutex_);
    if (cancel_locked(id, lock, dropped)) {
        return true;
    }
    if (auto it = running_.find(id);
        it != running_.end() && it->second != std::this_thread::get_id()) {
        done_cv_.wait(lock, [&] { return running_.find(id) == running_.end(); });
    }
    return false;
}

bool RefreshScheduler::cancel_locked(TaskId id, std::unique_lock<std::mutex>& /*lock: held*/,
                                     std::function<void()>& dropped) {
    if (auto it = tasks_.find(id); it != tasks_.end()) {
        by_due_.erase({it->second.due, id});
        dropped = std::move(it->second.run);
        tasks_.erase(it);
        return true;
    }
    if (auto it = std::find_if(ready_.begin(), ready_.end(),
                               [id](const auto& entry) { return entry.first == id; });
        it != ready_.end()) {
        dropped = std::move(it->second);
        ready_.erase(it);
        return true;
    }
    return false;
}

void RefreshScheduler::stop() {
    std::map<TaskId, Task> dropped_tasks;
    std::deque<std::pair<TaskId, std::function<void()>>> dropped_ready;
    std::thread timekeeper;
    std::vector<std::thread> workers;
    {
        std::unique_lock lock(mutex_);
        stopping_ = true;
        dropped_tasks.swap(tasks_);
        dropped_ready.swap(ready_);
        by_due_.clear();
        timer_cv_.notify_all();
        work_cv_.notify_all();
        timekeeper = std::move(timekeeper_);
        workers = std::move(workers_);
        workers_.clear();
    }
    const auto self = std::this_thread::get_id();
    auto finish = [&](std::thread& thread) {
        if (!thread.joinable()) {
            return;
        }
        if (thread.get_id() == self) {
            thread.detach(); // stop() called from inside a task: that worker ends on its own
        } else {
            thread.join();
        }
    };
    finish(timekeeper);
    for (auto& worker : workers) {
        finish(worker);
    }
}

std::size_t RefreshScheduler::pending() const {
    std::lock_guard lock(mutex_);
    return tasks_.size() + ready_.size();
}

std::size_t RefreshScheduler::running() const {
    std::lock_guard lock(mutex_);
    return running_.size();
}

std::size_t RefreshScheduler::workers() const {
    std::lock_guard lock(mutex_);
    return workers_.size();
}

std::optional<Clock::steady_time> RefreshScheduler::next_due() const {
    std::lock_guard lock(mutex_);
    if (by_due_.empty()) {
        return std::nullopt;
    }
    return by_due_.begin()->first;
}

void RefreshScheduler::start_worker_locked() {
    workers_.emplace_back([this] { worker_loop(); });
}

void RefreshScheduler::timekeeper_loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        const auto now = clock_->steady_now();
        bool handed_over = false;
        while (!by_due_.empty() && by_due_.begin()->first <= now) {
            const TaskId id = by_due_.begin()->second;
            by_due_.erase(by_due_.begin());
            auto it = tasks_.find(id);
            ready_.emplace_back(id, std::move(it->second.run));
            tasks_.erase(it);
            handed_over = true;
        }
        if (handed_over) {
            // Start workers for what idle ones cannot take, within the bound.
            while (ready_.size() > idle_workers_ && workers_.size() < max_workers_) {
                start_worker_locked();
                ++idle_workers_; // counted as idle until it takes a task
            }
            work_cv_.notify_all();
        }
        const auto deadline = by_due_.empty() ? now + idle_wait : by_due_.begin()->first;
        timer_changed_ = false;
        clock_->wait_until(lock, timer_cv_, deadline,
                           [this] { return stopping_ || timer_changed_; });
    }
}

void RefreshScheduler::worker_loop() {
    std::unique_lock lock(mutex_);
    // start_worker_locked counted this worker as idle already.
    while (true) {
        work_cv_.wait(lock, [this] { return stopping_ || !ready_.empty(); });
        if (stopping_) {
            --idle_workers_;
            return;
        }
        --idle_workers_;
        auto [id, task] = std::move(ready_.front());
        ready_.pop_front();
        running_.emplace(id, std::this_thread::get_id());
        lock.unlock();
        try {
            task();
        } catch (const std::exception& error) {
            log(LogLevel::error, std::string{"refresh scheduler: a task failed: "} + error.what());
        } catch (...) {
            log(LogLevel::error, "refresh scheduler: a task failed");
        }
        task = nullptr; // its captures go before the task counts as finished
        lock.lock();
        running_.erase(id);
        ++idle_workers_;
        done_cv_.notify_all();
    }
}

} // namespace authflow

#include "background_refresh.hpp"

#include "refresh_policy.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>

#include <algorithm>
#include <utility>

namespace authflow::session_detail {

namespace {

/// The backoff of background retries: doubling from min_delay up to max_retry_delay, ±20 %.
RetryPolicy retry_policy() {
    RetryPolicy policy;
    policy.initial_delay = BackgroundRefresh::min_delay;
    policy.multiplier = 2.0;
    policy.max_delay = BackgroundRefresh::max_retry_delay;
    policy.jitter = 0.2;
    return policy;
}

} // namespace

BackgroundRefresh::BackgroundRefresh(RefreshScheduler& scheduler, std::shared_ptr<Clock> clock,
                                     std::function<void(Ticket)> tick)
    : scheduler_(scheduler), clock_(std::move(clock)), tick_(std::move(tick)) {}

void BackgroundRefresh::schedule(const Snapshot& snapshot) {
    std::lock_guard lock(mutex_);
    schedule_locked(snapshot);
}

void BackgroundRefresh::schedule_if_current(Ticket ticket, const Snapshot& snapshot) {
    std::lock_guard lock(mutex_);
    if (ticket == ticket_) {
        schedule_locked(snapshot);
    }
}

void BackgroundRefresh::retry(int failures) {
    static const RetryPolicy policy = retry_policy();
    const std::chrono::milliseconds delay = std::max<std::chrono::milliseconds>(
        backoff_delay(policy, failures, random_unit()), min_delay);
    std::lock_guard lock(mutex_);
    if (!is_stopped_ && task_id_ == 0) {
        schedule_in_locked(delay);
    }
}

void BackgroundRefresh::cancel() {
    RefreshScheduler::TaskId pending = 0;
    {
        std::lock_guard lock(mutex_);
        ++ticket_;
        pending = std::exchange(task_id_, 0);
    }
    if (pending != 0) {
        scheduler_.cancel(pending);
    }
}

void BackgroundRefresh::stop() {
    {
        std::lock_guard lock(mutex_);
        is_stopped_ = true;
    }
    cancel();
}

void BackgroundRefresh::wait_idle() {
    std::unique_lock lock(mutex_);
    idle_cv_.wait(lock, [this] { return running_ == 0; });
}

bool BackgroundRefresh::is_worth_retrying(const std::exception_ptr& error, const std::string& key) {
    try {
        std::rethrow_exception(error);
    } catch (const TokenExpiredError&) {
        return false; // expired beyond renewal: a sign-in is needed
    } catch (const TokenRefreshError& e) {
        if (e.code() == errc::reauth_required || e.code() == errc::token_missing) {
            return false; // on_reauth_required was called; nothing to retry
        }
        log(LogLevel::warning, "session '" + key + "': background refresh failed: " + e.what());
    } catch (const Error& e) {
        if (e.code() == errc::token_missing) {
            return false; // nothing stored: a sign-in is needed (on_reauth_required was called)
        }
        if (e.code() == errc::cancelled) {
            return false;
        }
        log(LogLevel::warning, "session '" + key + "': background refresh failed: " + e.what());
    } catch (const std::exception& e) {
        log(LogLevel::warning, "session '" + key + "': background refresh failed: " + e.what());
    }
    return true;
}

void BackgroundRefresh::run(Ticket ticket) {
    {
        std::lock_guard lock(mutex_);
        if (is_stopped_ || ticket != ticket_) {
            return; // replaced by a newer schedule, or closing
        }
        ++running_;
        task_id_ = 0;
    }
    struct Done {
        BackgroundRefresh* self;
        ~Done() {
            std::lock_guard lock(self->mutex_);
            --self->running_;
            self->idle_cv_.notify_all();
        }
    } done{this};
    tick_(ticket);
}

void BackgroundRefresh::schedule_locked(const Snapshot& snapshot) {
    if (is_stopped_) {
        return;
    }
    if (!snapshot.refresh_at) {
        cancel_locked();
        return;
    }
    const std::chrono::microseconds delay = *snapshot.refresh_at - wall_now(*clock_);
    schedule_in_locked(std::max<std::chrono::microseconds>(delay, min_delay));
}

void BackgroundRefresh::schedule_in_locked(std::chrono::microseconds delay) {
    delay = std::min<std::chrono::microseconds>(delay, max_scheduled_delay);
    cancel_locked();
    const Ticket ticket = ticket_;
    std::weak_ptr<BackgroundRefresh> weak = weak_from_this();
    task_id_ = scheduler_.schedule_after(
        std::chrono::duration_cast<std::chrono::nanoseconds>(delay), [weak, ticket] {
            if (auto self = weak.lock()) {
                self->run(ticket);
            }
        });
}

void BackgroundRefresh::cancel_locked() {
    ++ticket_;
    if (task_id_ != 0) {
        scheduler_.cancel(task_id_); // never waits: the task was not running
        task_id_ = 0;
    }
}

} // namespace authflow::session_detail

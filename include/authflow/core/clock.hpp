#pragma once
// Time, injected: library code never reads the system clock directly.
//
// How a clock is passed (the same rule for every injected service, like HttpClient):
// - An object that keeps a clock beyond the call (a cache, a store, a manager, a server) takes
//   and holds a `std::shared_ptr<Clock>`, through its constructor or its options struct. An
//   empty pointer means the process's system clock (system_clock_ptr()). Holding a share keeps
//   the clock alive for as long as the object needs it, also when a binding outlives the caller.
// - A function that only reads the time during the call takes a `const Clock&` (for example
//   OAuthTokenSet::is_expired); a default argument there is system_clock().

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace authflow {

/// A source of wall time and monotonic time, and a way to wait for either.
/// Implementations are safe to use from several threads.
class Clock {
public:
    using wall_time = std::chrono::system_clock::time_point;
    using steady_time = std::chrono::steady_clock::time_point;

    virtual ~Clock() = default;
    /// Wall-clock time (token lifetimes, `exp`, `iat`).
    virtual wall_time now() const = 0;
    /// Monotonic time (timeouts, schedules, cache ages).
    virtual steady_time steady_now() const = 0;
    /// Waits on `cv` (with `lock` held) until `ready()` is true or steady time reaches `deadline`.
    /// Returns `ready()`. A ManualClock wakes such waits when it is advanced.
    virtual bool wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                            steady_time deadline, const std::function<bool()>& ready) = 0;

    /// Seconds since the Unix epoch, with fractions.
    double unix_seconds() const;
};

/// The real clocks. Safe to use from several threads.
class SystemClock final : public Clock {
public:
    wall_time now() const override;
    steady_time steady_now() const override;
    bool wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                    steady_time deadline, const std::function<bool()>& ready) override;
};

/// The process-wide SystemClock, shared: what an empty clock pointer stands for. Always the same
/// object, never null.
std::shared_ptr<Clock> system_clock_ptr();

/// The process-wide SystemClock (the object system_clock_ptr() points to), for functions that only
/// read the time during the call.
Clock& system_clock();

/// `clock` itself, or system_clock_ptr() when it is empty.
std::shared_ptr<Clock> clock_or_system(std::shared_ptr<Clock> clock);

/// A clock that moves only when told to: for tests. Advancing it wakes every wait_until in
/// progress so that deadlines are re-checked. Safe to use from several threads.
class ManualClock final : public Clock {
public:
    /// Starts at `start` wall time (default: 2026-01-01T00:00:00Z) and an arbitrary steady time.
    explicit ManualClock(wall_time start = wall_time{std::chrono::seconds{1767225600}});

    wall_time now() const override;
    steady_time steady_now() const override;
    bool wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                    steady_time deadline, const std::function<bool()>& ready) override;

    /// Moves both clocks forward and wakes every waiter.
    void advance(std::chrono::nanoseconds by);
    /// Sets the wall clock (steady time is unaffected: it never goes back).
    void set_wall(wall_time to);
    /// Number of wait_until calls blocked right now (lets a test wait for a waiter to arrive).
    std::size_t waiters() const;

private:
    struct Waiter {
        std::mutex* mutex;
        std::condition_variable* cv;
    };
    std::atomic<std::int64_t> wall_ns_;
    std::atomic<std::int64_t> steady_ns_;
    mutable std::mutex waiters_mutex_;
    std::vector<Waiter> waiters_;
};

} // namespace authflow

#pragma once
// How the `authflow` commands react to Ctrl-C and to being told to stop.

#include <atomic>
#include <csignal>
#include <functional>
#include <thread>

namespace authflow::cli {

/// While alive, the first SIGINT runs `on_interrupt` on a watcher thread instead of ending the
/// program (a sign-in cancels its flow, which closes the loopback socket at once); a second
/// Ctrl-C ends the program the usual way. Not safe to share between threads; one at a time per
/// process. Throws Error (internal) when its pipes cannot be created.
class InterruptGuard {
public:
    explicit InterruptGuard(std::function<void()> on_interrupt);
    ~InterruptGuard();
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

    bool interrupted() const { return interrupted_; }

private:
    void watch();

    std::function<void()> callback_;
    int signal_pipe_[2] = {-1, -1};
    int stop_pipe_[2] = {-1, -1};
    struct sigaction previous_ {};
    std::atomic<bool> interrupted_{false};
    std::thread watcher_;
};

/// SIGINT and SIGTERM blocked in the calling thread and every thread it starts afterwards, and
/// taken by one waiter thread, which then runs `on_stop` (a server stops listening). Create it
/// before starting the threads that must not take the signals. Not safe to share between
/// threads.
class StopSignals {
public:
    explicit StopSignals(std::function<void()> on_stop);
    ~StopSignals();
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

    /// Ends the wait (when no signal came) and returns the signal taken: SIGINT, SIGTERM, or
    /// another value when none of them came.
    int finish();

private:
    std::function<void()> on_stop_;
    sigset_t signals_{};
    std::atomic<int> received_{0};
    std::thread waiter_;
};

} // namespace authflow::cli

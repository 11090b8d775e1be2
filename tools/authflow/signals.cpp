#include "signals.hpp"

#include <authflow/core/errors.hpp>

#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>
#include <utility>

namespace authflow::cli {
namespace {

// Ctrl-C while waiting: the handler only writes a byte to a pipe (async-signal-safe); a watcher
// thread reads it and runs the callback. The handler is reset after the first signal, so a
// second Ctrl-C ends the program the usual way.
int interrupt_pipe_write = -1;

extern "C" void on_interrupt_signal(int) {
    if (interrupt_pipe_write >= 0) {
        const int saved = errno;
        const char byte = 1;
        [[maybe_unused]] auto written = ::write(interrupt_pipe_write, &byte, 1);
        errno = saved;
    }
}

} // namespace

InterruptGuard::InterruptGuard(std::function<void()> on_interrupt)
    : callback_(std::move(on_interrupt)) {
    if (::pipe2(signal_pipe_, O_CLOEXEC | O_NONBLOCK) != 0 || ::pipe2(stop_pipe_, O_CLOEXEC) != 0) {
        throw Error(errc::internal, "cannot create a pipe for Ctrl-C handling");
    }
    interrupt_pipe_write = signal_pipe_[1];
    struct sigaction action {};
    action.sa_handler = on_interrupt_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND | SA_RESTART;
    ::sigaction(SIGINT, &action, &previous_);
    watcher_ = std::thread([this] { watch(); });
}

InterruptGuard::~InterruptGuard() {
    const char byte = 1;
    [[maybe_unused]] auto written = ::write(stop_pipe_[1], &byte, 1);
    watcher_.join();
    ::sigaction(SIGINT, &previous_, nullptr);
    interrupt_pipe_write = -1;
    for (int fd : {signal_pipe_[0], signal_pipe_[1], stop_pipe_[0], stop_pipe_[1]}) {
        ::close(fd);
    }
}

void InterruptGuard::watch() {
    pollfd fds[2] = {{signal_pipe_[0], POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    for (;;) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            return;
        }
        if (fds[1].revents != 0) {
            return;
        }
        if (fds[0].revents != 0) {
            char byte = 0;
            while (::read(signal_pipe_[0], &byte, 1) > 0) {
            }
            if (!interrupted_.exchange(true)) {
                callback_();
            }
        }
    }
}

StopSignals::StopSignals(std::function<void()> on_stop) : on_stop_(std::move(on_stop)) {
    // SIGUSR1 is how finish() wakes the waiter when no stop signal came.
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    sigaddset(&signals_, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
    waiter_ = std::thread([this] {
        int sig = 0;
        sigwait(&signals_, &sig);
        received_ = sig;
        on_stop_();
    });
}

StopSignals::~StopSignals() {
    finish();
}

int StopSignals::finish() {
    if (waiter_.joinable()) {
        if (received_ == 0) {
            pthread_kill(waiter_.native_handle(), SIGUSR1);
        }
        waiter_.join();
    }
    return received_;
}

} // namespace authflow::cli

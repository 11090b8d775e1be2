#pragma once
// A bounded byte pipe between two threads: the proxy streams a body through it with at most
// `capacity` bytes held, the faster side waiting for the slower one.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>

namespace authflow::gateway {

/// One producer, one consumer. Safe to use from several threads.
class BytePipe {
public:
    explicit BytePipe(std::size_t capacity) : capacity_(capacity) {}

    /// Appends `size` bytes, waiting while the pipe is full. False when the consumer cancelled
    /// (or `timeout` passed without room).
    bool push(const char* data, std::size_t size, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        if (!changed_.wait_for(lock, timeout,
                               [&] { return cancelled_ || buffer_.size() < capacity_; })) {
            return false;
        }
        if (cancelled_) {
            return false;
        }
        buffer_.append(data, size);
        changed_.notify_all();
        return true;
    }

    /// No more data: `complete` false when the body ended early (an upstream or client error).
    void close(bool complete) {
        std::lock_guard lock(mutex_);
        closed_ = true;
        complete_ = complete;
        changed_.notify_all();
    }

    /// The consumer is gone: pushes fail from now on.
    void cancel() {
        std::lock_guard lock(mutex_);
        cancelled_ = true;
        changed_.notify_all();
    }

    enum class Read { data, end, failed };
    /// Takes every byte held (into `out`, replacing its content), waiting for some. `end` once
    /// closed complete and drained; `failed` when closed incomplete, cancelled or timed out.
    Read pop(std::string& out, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        if (!changed_.wait_for(lock, timeout,
                               [&] { return cancelled_ || closed_ || !buffer_.empty(); })) {
            return Read::failed;
        }
        if (!buffer_.empty()) {
            out.clear();
            out.swap(buffer_);
            changed_.notify_all();
            return Read::data;
        }
        return closed_ && complete_ && !cancelled_ ? Read::end : Read::failed;
    }

private:
    const std::size_t capacity_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::string buffer_;
    bool closed_ = false;
    bool complete_ = false;
    bool cancelled_ = false;
};

} // namespace authflow::gateway

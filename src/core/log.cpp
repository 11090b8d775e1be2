#include <authflow/core/log.hpp>

#include <atomic>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>

namespace authflow {
namespace {

std::atomic<LogLevel> current_level{LogLevel::warning};

struct Sink {
    std::mutex mutex;
    std::shared_ptr<const LogCallback> callback;
};

Sink& sink() {
    static Sink instance;
    return instance;
}

void default_callback(LogLevel level, std::string_view message) {
    std::string line = "authflow: ";
    line += to_string(level);
    line += ": ";
    line += message;
    line += '\n';
    std::cerr << line << std::flush;
}

} // namespace

std::string_view to_string(LogLevel level) noexcept {
    switch (level) {
    case LogLevel::debug:
        return "debug";
    case LogLevel::info:
        return "info";
    case LogLevel::warning:
        return "warning";
    case LogLevel::error:
        return "error";
    }
    return "unknown";
}

void set_log_callback(LogCallback callback) {
    auto shared = callback ? std::make_shared<const LogCallback>(std::move(callback)) : nullptr;
    std::lock_guard guard(sink().mutex);
    sink().callback = std::move(shared);
}

void set_log_level(LogLevel level) {
    current_level = level;
}

LogLevel log_level() noexcept {
    return current_level;
}

void log(LogLevel level, std::string_view message) {
    if (level < current_level.load()) {
        return;
    }
    std::shared_ptr<const LogCallback> callback;
    {
        std::lock_guard guard(sink().mutex);
        callback = sink().callback;
    }
    // Called without the lock held, so a slow sink never blocks set_log_callback.
    if (callback) {
        (*callback)(level, message);
    } else {
        default_callback(level, message);
    }
}

} // namespace authflow

#pragma once
// Logging through one settable callback. Never log a token, secret, code or verifier.

#include <functional>
#include <string_view>

namespace authflow {

enum class LogLevel { debug, info, warning, error };

std::string_view to_string(LogLevel level) noexcept;

using LogCallback = std::function<void(LogLevel level, std::string_view message)>;

/// Replaces the log sink for the whole process; an empty callback restores the default
/// (warnings and errors to stderr). Safe to call from any thread; the callback may be called from
/// any thread and must not call set_log_callback itself.
void set_log_callback(LogCallback callback);
/// Messages below `level` are dropped before reaching the callback (default: warning).
void set_log_level(LogLevel level);
LogLevel log_level() noexcept;

/// Sends one line to the current sink if `level` is enabled.
void log(LogLevel level, std::string_view message);

} // namespace authflow

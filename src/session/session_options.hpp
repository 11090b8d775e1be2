#pragma once
// The options of a SessionManager, checked (not installed).

#include <authflow/session/refresh_scheduler.hpp>
#include <authflow/session/session_manager.hpp>

#include <memory>

namespace authflow::session_detail {

/// Checks `options` and returns the scheduler of the background refresh: options.scheduler,
/// RefreshScheduler::shared() when there is none, or null when background_refresh is off.
/// Throws ConfigError (invalid_argument) for an invalid session key, a refresh_buffer_seconds
/// below 0, a non-positive lease_ttl or lease_poll_interval, or a custom clock with a scheduler
/// on another clock (or none).
std::shared_ptr<RefreshScheduler> checked_scheduler(const SessionManagerOptions& options);

} // namespace authflow::session_detail

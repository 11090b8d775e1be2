#include "session_options.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/store/token_store.hpp>

#include <string>

namespace authflow::session_detail {

std::shared_ptr<RefreshScheduler> checked_scheduler(const SessionManagerOptions& options) {
    try {
        validate_store_key(options.session_key, "session key");
    } catch (const StoreError& e) {
        throw ConfigError(errc::invalid_argument, std::string{"session manager: "} + e.what());
    }
    if (options.refresh_buffer_seconds < 0) {
        throw ConfigError(errc::invalid_argument,
                          "session manager: refresh_buffer_seconds must not be negative");
    }
    if (options.lease_ttl.count() <= 0 || options.lease_poll_interval.count() <= 0) {
        throw ConfigError(errc::invalid_argument,
                          "session manager: lease_ttl and lease_poll_interval must be positive");
    }
    if (!options.background_refresh) {
        return nullptr;
    }
    const Clock* clock = options.clock ? options.clock.get() : &system_clock();
    if (!options.scheduler) {
        if (clock != &system_clock()) {
            throw ConfigError(errc::invalid_argument,
                              "session manager: a custom clock needs a scheduler on the same "
                              "clock (or background_refresh off)");
        }
        return RefreshScheduler::shared();
    }
    if (&options.scheduler->clock() != clock) {
        throw ConfigError(errc::invalid_argument,
                          "session manager: the scheduler runs on another clock");
    }
    return options.scheduler;
}

} // namespace authflow::session_detail

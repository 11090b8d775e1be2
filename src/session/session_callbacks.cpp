#include "session_callbacks.hpp"

#include <authflow/core/log.hpp>

#include <exception>
#include <string>

namespace authflow::session_detail {

void deliver(const SessionManagerOptions& options, const Notes& notes) {
    if (notes.reauth && options.on_reauth_required) {
        try {
            options.on_reauth_required();
        } catch (const std::exception& e) {
            log(LogLevel::error, std::string{"on_reauth_required threw: "} + e.what());
        }
    }
    if (notes.changed) {
        notify_changed(options, *notes.changed);
    }
}

void notify_changed(const SessionManagerOptions& options, const OAuthTokenSet& tokens) {
    if (!options.on_tokens_changed) {
        return;
    }
    try {
        options.on_tokens_changed(tokens);
    } catch (const std::exception& e) {
        log(LogLevel::error, std::string{"on_tokens_changed threw: "} + e.what());
    }
}

} // namespace authflow::session_detail

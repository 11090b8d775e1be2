#pragma once
// The program's session callbacks, called without any lock held (not installed).

#include <authflow/core/token_set.hpp>
#include <authflow/session/session_manager.hpp>

#include <optional>

namespace authflow::session_detail {

/// What a flight has to tell the program once it is over. A plain value.
struct Notes {
    std::optional<OAuthTokenSet> changed; ///< for on_tokens_changed
    bool reauth = false;                  ///< for on_reauth_required
};

/// Calls on_reauth_required when `notes` ask for it, then on_tokens_changed when they carry
/// tokens. A callback that throws is logged, never rethrown.
void deliver(const SessionManagerOptions& options, const Notes& notes);

/// Calls on_tokens_changed, if set, with `tokens`; an exception from it is logged.
void notify_changed(const SessionManagerOptions& options, const OAuthTokenSet& tokens);

} // namespace authflow::session_detail

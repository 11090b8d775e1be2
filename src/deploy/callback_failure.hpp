#pragma once
// What the deploy callback answers when a sign-in fails (not installed; unit-tested directly).

#include <authflow/core/error_family.hpp>
#include <authflow/core/errors.hpp>

#include <string_view>

namespace authflow::deploy_detail {

/// The HTTP status and the `error` of the callback's JSON answer for a failed sign-in.
struct CallbackFailure {
    int status;
    std::string_view error;
};

/// A state the callback cannot accept is the browser's fault (400 invalid_state); a token or an
/// authorization response that fails a check is 400 invalid_token; anything else (the exchange,
/// the provider, the network, a store) is the server's trouble: 500 token_exchange_failed.
inline CallbackFailure callback_failure(errc code) noexcept {
    if (code == errc::invalid_state) {
        return {400, "invalid_state"};
    }
    switch (family(code)) {
    case error_family::verification:
    case error_family::other_party:
        return {400, "invalid_token"};
    default:
        return {500, "token_exchange_failed"};
    }
}

} // namespace authflow::deploy_detail

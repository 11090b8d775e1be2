#pragma once
// What kind of failure a code is: the one place that sorts authflow's codes, so that the HTTP
// status of a deploy route, the CLI's exit code and the refresh policy's retry decision are read
// from the family instead of from lists of codes kept beside each user.

#include <authflow/core/errors.hpp>

#include <span>
#include <string_view>

namespace authflow {

/// The families of errc. Every code belongs to exactly one (docs/errors.md lists them).
enum class error_family {
    internal,          ///< a bug, an impossible state, a failing system service: `internal`
    usage,             ///< a function called outside its contract: `invalid_argument`
    configuration,     ///< settings missing or invalid: `config_invalid`, `config_missing`, ...
    malformed,         ///< local input that does not parse: `bad_base64`, `bad_url`, ...
    not_signed_in,     ///< no usable sign-in; only a new one helps: `token_missing`, ...
    token_state,       ///< tokens that cannot be used as they are: `token_expired`, ...
    provider,          ///< the provider refused or answered something unusable
    provider_metadata, ///< the provider's discovery document or key set could not be had
    verification,      ///< a token or an authorization response failed a local check
    other_party,       ///< a valid token issued by or for someone else (iss, sub, aud, azp)
    unreachable,       ///< the peer could not be reached in time; it may answer later
    transport,         ///< the connection or the answer is not acceptable (TLS, size, proxy)
    callback,          ///< the authorization response is not this sign-in's: `invalid_state`, ...
    cancelled,         ///< the user or the program cancelled: `cancelled`
    local_flow,        ///< the local sign-in machinery: `auth_timeout`, `port_in_use`, `browser`
    store,             ///< a token or session store failed: `store_failed`, ...
    request_refused,   ///< deploy mode refused a request: `csrf`, `rate_limited`, ...
};

/// The family of `code`. Unknown values (not an errc) are `internal`.
error_family family(errc code) noexcept;

/// The stable snake_case name of a family, e.g. "verification".
std::string_view to_string(error_family value) noexcept;

/// Every errc, in declaration order: the list that to_string(errc), the category's message()
/// and family() are all read from.
std::span<const errc> all_error_codes() noexcept;

} // namespace authflow

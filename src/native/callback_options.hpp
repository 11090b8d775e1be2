#pragma once
// Internal: checks of CallbackServerOptions shared by the server and from_redirect_uri.

#include <authflow/native/callback_server.hpp>

#include <string>

namespace authflow::detail {

/// True when `host` is a loopback IP literal (127.0.0.0/8 or ::1, no brackets).
bool is_loopback_ip_literal(const std::string& host) noexcept;
/// True when `host` is an IPv6 literal (no brackets).
bool is_ipv6_literal(const std::string& host) noexcept;
/// Throws ConfigError (config_invalid) when an option is unusable (see CallbackServer).
void validate_callback_options(const CallbackServerOptions& options);

} // namespace authflow::detail

#pragma once
// Where to send a browser after sign-in: only somewhere on this site, or on a host the settings
// allow (no open redirect).

#include <authflow/deploy/settings.hpp>

#include <string>
#include <string_view>

namespace authflow {

/// `next` when it is a same-origin relative path, else "/". Accepted: starts with exactly one
/// '/' (not "//" and not "/\"), no backslash, no control character, space or non-ASCII byte,
/// at most 2048 bytes, valid percent-escapes; and every percent-decoded form of it (decoded
/// repeatedly until stable) passes the same checks, so "/%2F%2Fevil.example" and "/%5Cevil" are
/// refused too. Browsers treat '\' as '/' and drop tabs and newlines, which is why those are
/// refused outright. Throws only std::bad_alloc.
std::string safe_next_path(std::string_view next);

/// Where to send the browser after sign-in or sign-out: `next` when it is a local path that
/// safe_next_path keeps, or an absolute URL that is safe: http or https (http only when
/// public_url is http), no user name, no backslash, control character, space or non-ASCII byte,
/// at most 2048 bytes, a path that safe_next_path keeps, and a host that is public_url's host
/// (same scheme and port) or matches allowed_redirect_hosts (redirect_host_allowed). Else "/".
/// Throws only std::bad_alloc.
std::string safe_next(std::string_view next, const DeploySettings& settings);

/// True when `host` (lower-case, as parse_url gives it) on `port` matches one of `patterns`:
/// "app.example.com" (that host on the scheme's default port `default_port`),
/// "app.example.com:8443" (that host on that port), ".example.com" (example.com and every
/// subdomain, on the default port), ".example.com:8443". Compared ignoring ASCII case.
bool redirect_host_allowed(std::string_view host, int port, int default_port,
                           const std::vector<std::string>& patterns) noexcept;

/// True when `pattern` is a valid allowed_redirect_hosts entry: an optional leading '.', a DNS
/// name or an IPv4 address, an optional ":port" (1-65535).
bool is_redirect_host_pattern(std::string_view pattern) noexcept;

/// True when `text` is a DNS name: dot-separated labels of ASCII letters, digits and '-' (not
/// at a label's ends), 1-63 bytes each, at most 253 bytes in all.
bool is_dns_name(std::string_view text) noexcept;

/// True when `host` is `domain` or one of its subdomains (a leading '.' on `domain` is
/// ignored; ASCII case-insensitive): whether a cookie with Domain=`domain` is sent to `host`.
bool host_within_domain(std::string_view host, std::string_view domain) noexcept;

} // namespace authflow

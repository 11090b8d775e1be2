#pragma once
// Cross-site request forgery defence for the POST routes: the request's Origin (or Referer) must
// be the application's own public origin or a trusted one.

#include <authflow/deploy/http.hpp>
#include <authflow/deploy/settings.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace authflow {

/// The origins allowed to POST: public_url's origin plus trusted_origins, normalised (RFC 6454
/// serialisation: lower-case scheme and host, default port omitted). Immutable after
/// construction: safe to use from several threads.
class CsrfOriginCheck {
public:
    /// Throws ConfigError (config_missing, bad_url or config_invalid) when public_url or an entry
    /// of trusted_origins is not an absolute http(s) URL.
    explicit CsrfOriginCheck(const DeploySettings& settings);
    CsrfOriginCheck(std::string_view public_url, const std::vector<std::string>& trusted_origins);

    /// True when the request's source origin is allowed:
    /// the Origin header when present (exactly one; the opaque origin "null" is refused and does
    /// not fall back to Referer), else the origin of the Referer header; neither → false. It is
    /// compared with the configured origins, never with the request's Host or scheme, so it is
    /// right behind a TLS-terminating proxy. Never throws.
    bool allows(const Request& request) const noexcept;

    const std::vector<std::string>& allowed_origins() const noexcept { return origins_; }

private:
    std::vector<std::string> origins_;
};

/// CsrfOriginCheck(settings).allows(request). Throws ConfigError as the constructor.
bool verify_csrf_origin(const Request& request, const DeploySettings& settings);

/// pywry.auth's refusal: 403 {"error":"csrf_failed","error_description":"Origin verification
/// failed"}.
Response csrf_failed_response();

} // namespace authflow

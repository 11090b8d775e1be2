#include <authflow/core/errors.hpp>
#include <authflow/core/url.hpp>
#include <authflow/deploy/csrf.hpp>

#include <algorithm>

namespace authflow {
namespace {

std::string normalised_origin(std::string_view url, std::string_view what) {
    try {
        return parse_url(url).origin();
    } catch (const Error&) {
        throw ConfigError(errc::bad_url, std::string{what} + " is not an absolute http(s) URL");
    }
}

/// The request's source origin, or nothing.
std::optional<std::string> source_origin(const Request& request) {
    const auto origins = request.headers.get_all("Origin");
    if (origins.size() > 1) {
        return std::nullopt; // ambiguous: refuse rather than pick one
    }
    if (origins.size() == 1) {
        const std::string& origin = origins.front();
        // RFC 6454 §7.1: an origin is "scheme://host[:port]" or "null". "null" is an opaque
        // origin (sandboxed frame, data: URL, some cross-origin redirects): never ours.
        if (origin == "null") {
            return std::nullopt;
        }
        const ParsedUrl parsed = parse_url(origin);
        if (parsed.has_userinfo || parsed.path != "/" || origin.ends_with("/") ||
            origin.find_first_of("?#") != std::string::npos) {
            return std::nullopt;
        }
        return parsed.origin();
    }
    const auto referers = request.headers.get_all("Referer");
    if (referers.size() != 1) {
        return std::nullopt;
    }
    return parse_url(referers.front()).origin();
}

} // namespace

CsrfOriginCheck::CsrfOriginCheck(const DeploySettings& settings)
    : CsrfOriginCheck(settings.public_url, settings.trusted_origins) {}

CsrfOriginCheck::CsrfOriginCheck(std::string_view public_url,
                                 const std::vector<std::string>& trusted_origins) {
    if (public_url.empty()) {
        throw ConfigError(errc::config_missing, "deploy setting public_url is required");
    }
    origins_.push_back(normalised_origin(public_url, "public_url"));
    for (const auto& origin : trusted_origins) {
        origins_.push_back(normalised_origin(origin, "an entry of trusted_origins"));
    }
}

bool CsrfOriginCheck::allows(const Request& request) const noexcept {
    try {
        const auto origin = source_origin(request);
        return origin && std::find(origins_.begin(), origins_.end(), *origin) != origins_.end();
    } catch (...) {
        return false; // unparsable Origin or Referer: fail closed
    }
}

bool verify_csrf_origin(const Request& request, const DeploySettings& settings) {
    return CsrfOriginCheck{settings}.allows(request);
}

Response csrf_failed_response() {
    return Response::json(
        403, {{"error", "csrf_failed"}, {"error_description", "Origin verification failed"}});
}

} // namespace authflow

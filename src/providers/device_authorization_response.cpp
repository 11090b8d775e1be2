// The device authorization endpoint's answer (RFC 8628 §3.2).
#include "device_authorization_response.hpp"

#include "provider_internal.hpp"

#include <algorithm>

namespace authflow::detail {
namespace {

using json = nlohmann::json;

std::chrono::seconds seconds_member(const json& object, const char* name,
                                    std::chrono::seconds fallback, std::int64_t max) {
    auto it = object.find(name);
    if (it == object.end() || it->is_null()) {
        return fallback;
    }
    std::int64_t value = 0;
    try {
        value = parse_expires_in(*it); // a non-negative integer or digit string
    } catch (const TokenError&) {
        throw AuthenticationError(errc::invalid_response,
                                  std::string{"the device authorization's '"} + name +
                                      "' is not a number of seconds");
    }
    return std::chrono::seconds{std::clamp<std::int64_t>(value, 0, max)};
}

} // namespace

DeviceAuthorization read_device_authorization(const HttpResponse& response, const Clock& clock) {
    auto body = parse_json_object(response.body);
    if (body) {
        if (auto answer = oauth_error_of(*body, response.status)) {
            throw AuthenticationError(errc::provider_error,
                                      "the device authorization endpoint refused: " + answer->error,
                                      *answer);
        }
    }
    if (response.status != 200 || !body) {
        throw AuthenticationError(errc::invalid_response,
                                  "the device authorization endpoint answered HTTP " +
                                      std::to_string(response.status) + " without a JSON object",
                                  ProviderAnswer{"", "", response.status});
    }
    DeviceAuthorization authorization;
    auto required = [&](const char* name, const char* alternative = nullptr) {
        auto value = string_member(*body, name);
        if ((!value || value->empty()) && alternative) {
            value = string_member(*body, alternative);
        }
        if (!value || value->empty()) {
            throw AuthenticationError(errc::invalid_response,
                                      std::string{"the device authorization has no "} + name);
        }
        return *value;
    };
    authorization.device_code = required("device_code");
    authorization.user_code = required("user_code");
    // Google names it verification_url (its documentation's example).
    authorization.verification_uri = required("verification_uri", "verification_url");
    authorization.verification_uri_complete =
        string_member(*body, "verification_uri_complete").value_or("");
    if (body->find("expires_in") == body->end()) {
        throw AuthenticationError(errc::invalid_response, "the device authorization has no "
                                                          "expires_in");
    }
    authorization.expires_in = seconds_member(*body, "expires_in", {}, 86400);
    if (authorization.expires_in <= std::chrono::seconds{0}) {
        throw AuthenticationError(errc::invalid_response, "the device authorization expired "
                                                          "already");
    }
    // RFC 8628 §3.2: interval defaults to 5 seconds.
    authorization.interval = std::max(
        seconds_member(*body, "interval", std::chrono::seconds{5}, 3600), std::chrono::seconds{1});
    authorization.expires_at = clock.steady_now() + authorization.expires_in;
    authorization.raw = std::move(*body);
    return authorization;
}

} // namespace authflow::detail

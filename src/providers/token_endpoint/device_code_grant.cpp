// One poll of the device authorization grant: what is sent, what the answer means, and which
// exception its failures are.
#include "device_code_grant.hpp"

#include "../provider_internal.hpp"

#include <algorithm>

namespace authflow::detail {

QueryParams DeviceCodeGrant::form() const {
    return QueryParams{{"grant_type", std::string{grant_type}}, {"device_code", device_code}};
}

DevicePoll DeviceCodeGrant::read(const HttpResponse& response, const Clock& clock) const {
    if (auto body = parse_json_object(response.body)) {
        if (auto answer = oauth_error_of(*body, response.status)) {
            if (answer->error == "authorization_pending") {
                return DevicePoll{DevicePoll::Status::authorization_pending, {}, std::nullopt};
            }
            if (answer->error == "slow_down") {
                std::optional<std::int64_t> interval;
                if (auto told = body->find("interval");
                    told != body->end() && told->is_number_integer()) {
                    interval = told->get<std::int64_t>();
                }
                return DevicePoll{DevicePoll::Status::slow_down, {}, interval};
            }
            if (answer->error == "expired_token") {
                throw TokenExpiredError(errc::token_expired,
                                        "the device code expired before the user approved",
                                        *answer);
            }
            // RFC 8628 §3.5: access_denied is the user's (or the provider's) refusal.
            fail(TokenEndpointError{errc::provider_error,
                                    answer->error == "access_denied"
                                        ? std::string{"the sign-in was refused at the provider"}
                                        : "the device authorization ended: " + answer->error,
                                    *answer, std::nullopt});
        }
    }
    TokenAnswer answer = read_token_response(response, clock, is_dpop);
    if (auto* error = std::get_if<TokenEndpointError>(&answer)) {
        fail(std::move(*error));
    }
    return DevicePoll{DevicePoll::Status::approved, std::get<OAuthTokenSet>(std::move(answer)),
                      std::nullopt};
}

void DeviceCodeGrant::fail(TokenEndpointError error) {
    throw TokenError(error.code, error.message, std::move(error.answer));
}

std::chrono::seconds DeviceCodeGrant::slowed_down(std::chrono::seconds interval,
                                                  const DevicePoll& poll) {
    interval += std::chrono::seconds{5};
    if (poll.interval && *poll.interval > 0) {
        interval =
            std::max(interval, std::chrono::seconds{std::min<std::int64_t>(*poll.interval, 3600)});
    }
    return interval;
}

} // namespace authflow::detail

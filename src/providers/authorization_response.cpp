// The authorization response (the redirect's query): state, issuer, error and code, checked in
// that order.
#include "authorization_response.hpp"

#include "provider_internal.hpp"

#include <authflow/core/crypto.hpp>
#include <authflow/core/errors.hpp>

namespace authflow::detail {

void check_callback_state(const QueryParams& params, std::string_view expected_state) {
    if (expected_state.empty()) {
        throw ConfigError(errc::invalid_argument, "check_callback needs the expected state");
    }
    // RFC 6749 §10.12: the state binds the response to the browser that started the sign-in.
    const auto states = params.get_all("state");
    if (states.empty()) {
        throw AuthenticationError(errc::invalid_state, "the callback has no state");
    }
    if (states.size() > 1) {
        throw AuthenticationError(errc::invalid_state, "the callback repeats the state");
    }
    if (!constant_time_equal(states.front(), expected_state)) {
        throw AuthenticationError(errc::invalid_state,
                                  "the callback's state does not match (possible CSRF)");
    }
}

std::string callback_code(const QueryParams& params, const ProviderEndpoints& endpoints,
                          const std::function<bool(std::string_view)>& issuer_matches) {
    // RFC 9207 §2.4: compare iss with the issuer before anything else in the response is used,
    // error responses included (mix-up defence).
    const auto isses = params.get_all("iss");
    if (isses.size() > 1) {
        throw AuthenticationError(errc::bad_iss_param, "the callback repeats iss");
    }
    if (isses.size() == 1) {
        if (!endpoints.issuer.empty() && !issuer_matches(isses.front())) {
            throw AuthenticationError(errc::bad_iss_param,
                                      "the callback's iss '" + safe_text(isses.front(), 256) +
                                          "' is not the issuer '" +
                                          safe_text(endpoints.issuer, 256) + "' (possible mix-up)");
        }
    } else if (endpoints.iss_parameter_supported) {
        throw AuthenticationError(errc::bad_iss_param,
                                  "the provider advertises iss in authorization responses but the "
                                  "callback has none (possible mix-up)");
    }
    if (auto error = params.get("error")) {
        ProviderAnswer answer;
        answer.error = safe_text(*error, 64);
        answer.error_description = safe_text(params.get("error_description").value_or(""), 512);
        throw AuthenticationError(errc::provider_error,
                                  "the provider refused the sign-in: " + answer.error, answer);
    }
    const auto codes = params.get_all("code");
    if (codes.empty() || codes.front().empty()) {
        throw AuthenticationError(errc::missing_code, "the callback carries no authorization code");
    }
    if (codes.size() > 1) {
        throw AuthenticationError(errc::invalid_response, "the callback repeats the code");
    }
    return codes.front();
}

} // namespace authflow::detail

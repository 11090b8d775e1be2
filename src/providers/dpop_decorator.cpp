// DPoP proofs on a provider's requests (RFC 9449 §4, §7, §8), through the request decorator.
#include "dpop_decorator.hpp"

#include "provider_internal.hpp"

#include <algorithm>

namespace authflow::detail {

DpopDecorator::DpopDecorator(const DpopProofMaker& proofs, DpopNonceCache& nonces,
                             const Clock& clock, std::string_view access_token,
                             RequestDecorator* next)
    : proofs_(proofs), nonces_(nonces), clock_(clock), access_token_(access_token), next_(next) {}

void DpopDecorator::add_headers(EndpointKind endpoint, HttpRequest& request) {
    if (next_ != nullptr) {
        next_->add_headers(endpoint, request);
    }
    // RFC 9449 §4.1: exactly one DPoP header; ours replaces any other.
    std::erase_if(request.headers,
                  [](const auto& header) { return iequals(header.first, "DPoP"); });
    const std::string nonce = nonces_.nonce_for(request.url);
    request.headers.emplace_back("DPoP", proofs_.make({.method = request.method,
                                                       .url = request.url,
                                                       .nonce = nonce,
                                                       .access_token = access_token_},
                                                      clock_));
}

bool DpopDecorator::should_retry(EndpointKind endpoint, const HttpRequest& request,
                                 const HttpResponse& response) {
    // The configured decorator sees the answer whatever DPoP decides.
    const bool next_retries = next_ != nullptr && next_->should_retry(endpoint, request, response);
    const bool has_new_nonce = nonces_.remember(request.url, response);
    // §8: retry only with a nonce to send; without one the retry would fail the same way.
    return next_retries || (has_new_nonce && is_use_dpop_nonce(response));
}

void DpopDecorator::remember_nonce(const HttpRequest& request, const HttpResponse& response) {
    nonces_.remember(request.url, response);
}

bool is_use_dpop_nonce(const HttpResponse& response) {
    constexpr std::string_view code = "use_dpop_nonce";
    if (response.status == 400) {
        if (auto body = parse_json_object(response.body)) {
            if (string_member(*body, "error") == std::optional<std::string>{code}) {
                return true;
            }
        }
    }
    if (response.status == 401) {
        for (const auto& [name, value] : response.headers) {
            if (iequals(name, "WWW-Authenticate") && challenge_param(value, "error") == code) {
                return true;
            }
        }
    }
    return false;
}

} // namespace authflow::detail

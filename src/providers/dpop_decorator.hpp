#pragma once
// Private to the providers layer: DPoP on a provider's requests (RFC 9449) through the request
// decorator: a proof on each attempt, one retry when the server asks for a nonce.

#include "dpop_nonces.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/jose/dpop.hpp>
#include <authflow/providers/request_decorator.hpp>

#include <string>
#include <string_view>

namespace authflow::detail {

/// Adds a `DPoP` header with a fresh proof (jti, iat, htm, htu, the server's latest nonce, and
/// `ath` when `access_token` is given) to each attempt of one request, after the configured
/// decorator's headers; asks for the one retry when the answer is a use_dpop_nonce error
/// (RFC 9449 §8: HTTP 400 with the OAuth error at the token endpoint; §9: HTTP 401 with a DPoP
/// WWW-Authenticate challenge at a resource) that brings a new nonce. Lives for one request; the
/// nonce cache outlives it. Not shared between threads (one per request).
class DpopDecorator final : public RequestDecorator {
public:
    /// Every reference must outlive the decorator; `next` may be null.
    DpopDecorator(const DpopProofMaker& proofs, DpopNonceCache& nonces, const Clock& clock,
                  std::string_view access_token, RequestDecorator* next);

    void add_headers(EndpointKind endpoint, HttpRequest& request) override;
    bool should_retry(EndpointKind endpoint, const HttpRequest& request,
                      const HttpResponse& response) override;

    /// Keeps the answer's DPoP-Nonce for later requests (every answer may carry one, §8.2).
    void remember_nonce(const HttpRequest& request, const HttpResponse& response);

private:
    const DpopProofMaker& proofs_;
    DpopNonceCache& nonces_;
    const Clock& clock_;
    std::string_view access_token_;
    RequestDecorator* next_;
};

/// True when `response` is a server's request for a DPoP nonce: the OAuth error use_dpop_nonce
/// in a JSON body (RFC 9449 §8) or in a WWW-Authenticate challenge (§9).
bool is_use_dpop_nonce(const HttpResponse& response);

} // namespace authflow::detail

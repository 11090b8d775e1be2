#pragma once
// RequestDecorator: the seam through which every request to a provider's token, userinfo,
// revocation, introspection, device authorization and pushed authorization request endpoints
// passes (per-request headers such
// as DPoP proofs, RFC 9449 §4; a retry the server asks for, such as a DPoP nonce, RFC 9449 §8).

#include <authflow/http/http_client.hpp>

#include <string_view>

namespace authflow {

/// Which of the provider's endpoints a request goes to.
enum class EndpointKind {
    token,                        ///< RFC 6749 §3.2: every grant, device-flow polls included
    userinfo,                     ///< OIDC Core §5.3 (GitHub: its user API)
    revocation,                   ///< RFC 7009
    introspection,                ///< RFC 7662
    device_authorization,         ///< RFC 8628 §3.1
    pushed_authorization_request, ///< RFC 9126 §2
};

/// "token", "userinfo", "revocation", "introspection", "device_authorization" or
/// "pushed_authorization_request".
std::string_view to_string(EndpointKind kind) noexcept;

/// Adds to the provider's requests what the core does not know about. Each request is sent at
/// most twice: add_headers before every attempt, then should_retry with the first answer. The
/// default does nothing. Called from every thread that uses the provider: implementations must
/// be safe to use from several threads, and never log the request (it carries credentials).
class RequestDecorator {
public:
    virtual ~RequestDecorator() = default;
    /// Adds headers to `request` just before it is sent (each attempt starts from the request
    /// as the provider built it, so a proof made for the first attempt is not resent).
    virtual void add_headers(EndpointKind endpoint, HttpRequest& request);
    /// Whether the server asked for the request to be sent once more (read the answer's
    /// headers here, e.g. a DPoP-Nonce). Called for the first answer only; the second answer
    /// is returned whatever it says.
    virtual bool should_retry(EndpointKind endpoint, const HttpRequest& request,
                              const HttpResponse& response);
};

} // namespace authflow

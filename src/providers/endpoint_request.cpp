// Every request to a provider's token, userinfo, revocation, introspection, device
// authorization and pushed authorization request endpoints goes through here, so that per-request
// headers and server-requested retries have one place.
#include "endpoint_request.hpp"

namespace authflow {

std::string_view to_string(EndpointKind kind) noexcept {
    switch (kind) {
    case EndpointKind::token:
        return "token";
    case EndpointKind::userinfo:
        return "userinfo";
    case EndpointKind::revocation:
        return "revocation";
    case EndpointKind::introspection:
        return "introspection";
    case EndpointKind::device_authorization:
        return "device_authorization";
    case EndpointKind::pushed_authorization_request:
        return "pushed_authorization_request";
    }
    return "token";
}

void RequestDecorator::add_headers(EndpointKind, HttpRequest&) {}

bool RequestDecorator::should_retry(EndpointKind, const HttpRequest&, const HttpResponse&) {
    return false;
}

namespace detail {

HttpResponse send_endpoint_request(HttpClient& http, RequestDecorator* decorator,
                                   EndpointKind endpoint, const HttpRequest& request) {
    if (decorator == nullptr) {
        return http.send(request);
    }
    HttpRequest first = request;
    decorator->add_headers(endpoint, first);
    HttpResponse response = http.send(first);
    if (!decorator->should_retry(endpoint, first, response)) {
        return response;
    }
    // Once only: a server that keeps asking (a nonce that never settles) gets its second answer
    // back as the result instead of a loop.
    HttpRequest second = request;
    decorator->add_headers(endpoint, second);
    return http.send(second);
}

} // namespace detail
} // namespace authflow

#pragma once
// Private to the providers layer: sending one request to a provider's endpoint through the
// request decorator (per-request headers, one retry the server asks for).

#include <authflow/http/http_client.hpp>
#include <authflow/providers/request_decorator.hpp>

namespace authflow::detail {

/// Sends `request` to the `endpoint` through `decorator` (null: sent as it is): headers added
/// before each attempt, a second attempt when the decorator says the first answer asks for one.
/// Throws as HttpClient::send.
HttpResponse send_endpoint_request(HttpClient& http, RequestDecorator* decorator,
                                   EndpointKind endpoint, const HttpRequest& request);

} // namespace authflow::detail

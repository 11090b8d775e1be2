#pragma once
// Private to the providers layer: the revocation request and answer (RFC 7009), without I/O.

#include <authflow/core/url.hpp>
#include <authflow/http/http_client.hpp>

#include <string>
#include <string_view>

namespace authflow::detail {

/// `token` and, when given, `token_type_hint` (RFC 7009 §2.1; introspection, RFC 7662 §2.1,
/// sends the same two).
QueryParams token_form(std::string_view token, std::string_view token_type_hint);

/// Why a revocation answer other than HTTP 200 refused, for the log: the status and the OAuth
/// error (RFC 7009 §2.2.1). Never the token.
std::string revocation_refusal(const HttpResponse& response);

} // namespace authflow::detail

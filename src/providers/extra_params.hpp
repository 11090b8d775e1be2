#pragma once
// Private to the providers layer: checking the extra parameters a caller adds to a request.

#include <authflow/core/url.hpp>

#include <initializer_list>
#include <string_view>

namespace authflow::detail {

/// Throws ConfigError (invalid_argument) when an extra parameter has an empty name, is
/// repeated (RFC 6749 §3.1), is one of `reserved`, or, for an authorization request
/// (`is_authorize`), would replace a parameter that defines it (RFC 6749 §4.1.1, RFC 7636 §4.3).
void check_extra_params(const QueryParams& extra, std::initializer_list<std::string_view> reserved,
                        bool is_authorize);

} // namespace authflow::detail

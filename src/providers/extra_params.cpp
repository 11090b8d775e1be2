// The extra parameters a caller may add to authorization, device and client credentials
// requests, and the ones it may not.
#include "extra_params.hpp"

#include "provider_internal.hpp"

#include <authflow/core/errors.hpp>

#include <algorithm>
#include <array>

namespace authflow::detail {
namespace {

// RFC 6749 §4.1.1 and RFC 7636 §4.3: the parameters that define the request. An extra parameter
// that replaced one of them would change what the user consents to.
bool is_protected_authorize_param(std::string_view name) {
    static constexpr std::array<std::string_view, 5> names = {"response_type", "client_id",
                                                              "redirect_uri", "state", "scope"};
    return std::find(names.begin(), names.end(), name) != names.end() ||
           name.starts_with("code_challenge");
}

} // namespace

void check_extra_params(const QueryParams& extra, std::initializer_list<std::string_view> reserved,
                        bool is_authorize) {
    for (std::size_t i = 0; i < extra.size(); ++i) {
        const auto& name = extra.items()[i].first;
        if (name.empty()) {
            throw ConfigError(errc::invalid_argument, "an extra parameter has an empty name");
        }
        if ((is_authorize && is_protected_authorize_param(name)) ||
            std::find(reserved.begin(), reserved.end(), name) != reserved.end()) {
            throw ConfigError(errc::invalid_argument,
                              "extra parameter '" + safe_text(name) +
                                  "' would override a parameter authflow sets itself");
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (extra.items()[j].first == name) {
                // RFC 6749 §3.1: parameters MUST NOT be included more than once.
                throw ConfigError(errc::invalid_argument,
                                  "extra parameter '" + safe_text(name) + "' is repeated");
            }
        }
    }
}

} // namespace authflow::detail

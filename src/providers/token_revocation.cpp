// The revocation request's form and what a refusal says.
#include "token_revocation.hpp"

#include "provider_internal.hpp"

namespace authflow::detail {

QueryParams token_form(std::string_view token, std::string_view token_type_hint) {
    QueryParams form{{"token", std::string{token}}};
    if (!token_type_hint.empty()) {
        form.add("token_type_hint", std::string{token_type_hint});
    }
    return form;
}

std::string revocation_refusal(const HttpResponse& response) {
    std::string what = "revocation refused (HTTP " + std::to_string(response.status) + ")";
    if (auto body = parse_json_object(response.body)) {
        if (auto answer = oauth_error_of(*body, response.status)) {
            what += ": " + answer->error;
        }
    }
    return what;
}

} // namespace authflow::detail

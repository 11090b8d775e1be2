// Page or JSON: decided by Accept and X-Requested-With (RFC 9110 §12.5.1), defaulting to JSON so
// that scripts written before the pages existed keep their answers.
#include <authflow/core/ascii.hpp>
#include <authflow/deploy/pages.hpp>

#include <algorithm>
#include <array>

namespace authflow {
namespace {

bool contains_ci(std::string_view text, std::string_view needle) {
    if (needle.size() > text.size()) {
        return false;
    }
    for (std::size_t i = 0; i + needle.size() <= text.size(); ++i) {
        if (iequals(text.substr(i, needle.size()), needle)) {
            return true;
        }
    }
    return false;
}

} // namespace

bool wants_json(const Request& request) {
    if (request.headers.contains("X-Requested-With")) {
        return true;
    }
    for (const auto& accept : request.headers.get_all("Accept")) {
        if (contains_ci(accept, "application/json") || contains_ci(accept, "+json")) {
            return true;
        }
    }
    return false;
}

bool wants_html(const Request& request) {
    if (wants_json(request)) {
        return false;
    }
    const auto values = request.headers.get_all("Accept");
    return std::any_of(values.begin(), values.end(),
                       [](const std::string& accept) { return contains_ci(accept, "text/html"); });
}

std::string provider_display_name(std::string_view provider_name) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> known{{
        {"google", "Google"},
        {"github", "GitHub"},
        {"microsoft", "Microsoft"},
        {"oidc", "OpenID Connect"},
        {"custom", "OpenID Connect"},
        {"okta", "Okta"},
    }};
    for (const auto& [name, label] : known) {
        if (iequals(name, provider_name)) {
            return std::string{label};
        }
    }
    std::string label{provider_name};
    if (!label.empty() && label.front() >= 'a' && label.front() <= 'z') {
        label.front() = static_cast<char>(label.front() - 'a' + 'A');
    }
    return label;
}

bool is_known_authorization_error(std::string_view code) noexcept {
    static constexpr std::array<std::string_view, 16> codes{
        // RFC 6749 §4.1.2.1
        "invalid_request", "unauthorized_client", "access_denied", "unsupported_response_type",
        "invalid_scope", "server_error", "temporarily_unavailable",
        // OpenID Connect Core 1.0 §3.1.2.6
        "interaction_required", "login_required", "account_selection_required", "consent_required",
        "invalid_request_uri", "invalid_request_object", "request_not_supported",
        "request_uri_not_supported", "registration_not_supported"};
    return std::find(codes.begin(), codes.end(), code) != codes.end();
}

} // namespace authflow

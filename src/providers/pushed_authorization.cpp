// Pushed authorization requests (RFC 9126): the request to the PAR endpoint and its answer.
#include "pushed_authorization.hpp"

#include "provider_internal.hpp"

#include <authflow/core/errors.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>

namespace authflow::detail {
namespace {

using json = nlohmann::json;

// The answer is two short members; anything much larger is not a PAR answer.
constexpr std::size_t max_answer_size = 16 * 1024;
constexpr std::size_t max_request_uri_size = 4096;
constexpr std::int64_t max_expires_in = 86400;

[[noreturn]] void invalid_answer(const std::string& message, int status) {
    throw AuthenticationError(errc::invalid_response,
                              "the pushed authorization request endpoint " + message,
                              ProviderAnswer{"", "", status});
}

} // namespace

bool should_push_authorization(ParMode mode, const ProviderEndpoints& endpoints) {
    const bool has_endpoint = !endpoints.pushed_authorization_request_endpoint.empty();
    switch (mode) {
    case ParMode::never:
        return false;
    case ParMode::always:
        if (!has_endpoint) {
            throw ConfigError(errc::config_missing,
                              "par is always but the provider has no pushed authorization request "
                              "endpoint (set par_url, or par = auto or never)");
        }
        return true;
    case ParMode::automatic:
        if (endpoints.require_pushed_authorization_requests && !has_endpoint) {
            throw ConfigError(errc::config_invalid,
                              "the provider requires pushed authorization requests but names no "
                              "pushed_authorization_request_endpoint (set par_url)");
        }
        return endpoints.require_pushed_authorization_requests;
    }
    return false;
}

HttpRequest pushed_authorization_request(std::string endpoint,
                                         const QueryParams& authorization_params,
                                         const ClientAuth& auth, std::string_view audience) {
    // RFC 9126 §2.1: the parameters of the authorization request, as they are, in the body —
    // except request_uri, which MUST NOT be pushed.
    if (authorization_params.contains("request_uri")) {
        throw ConfigError(errc::invalid_argument,
                          "a pushed authorization request cannot carry a request_uri parameter");
    }
    QueryParams form;
    std::string client_id;
    for (const auto& [name, value] : authorization_params) {
        if (name == "client_id") {
            client_id = value;
        } else {
            form.add(name, value);
        }
    }
    HttpRequest request;
    request.method = "POST";
    request.url = std::move(endpoint);
    request.headers = {{"Accept", "application/json"},
                       {"Content-Type", "application/x-www-form-urlencoded"}};
    // §2.1: the client authenticates as at the token endpoint; client_secret_post and public
    // clients put client_id in the form themselves, and a repeated parameter is refused.
    auth.apply(audience, form, request.headers);
    if (!form.contains("client_id")) {
        form.add("client_id", client_id);
    }
    request.body = build_query(form);
    return request;
}

PushedAuthorization read_pushed_authorization(const HttpResponse& response, const Clock& clock) {
    if (response.body.size() > max_answer_size) {
        invalid_answer("answered more than 16 KiB", response.status);
    }
    auto body = parse_json_object(response.body);
    if (body) {
        // RFC 9126 §2.3: an error answer as at the token endpoint (RFC 6749 §5.2).
        if (auto answer = oauth_error_of(*body, response.status)) {
            std::string message =
                "the provider refused the pushed authorization request: " + answer->error;
            if (!answer->error_description.empty()) {
                message += " (" + answer->error_description + ")";
            }
            throw AuthenticationError(errc::provider_error, message, *answer);
        }
    }
    // §2.2: 201 Created; 200 is taken too, as long as the body is the answer.
    if ((response.status != 201 && response.status != 200) || !body) {
        invalid_answer("answered HTTP " + std::to_string(response.status) +
                           " without a JSON object",
                       response.status);
    }
    PushedAuthorization pushed;
    // §2.2: request_uri and expires_in are both REQUIRED.
    auto uri = body->find("request_uri");
    if (uri == body->end() || !uri->is_string() || uri->get_ref<const std::string&>().empty()) {
        invalid_answer("answered without a request_uri string", response.status);
    }
    pushed.request_uri = uri->get<std::string>();
    if (pushed.request_uri.size() > max_request_uri_size) {
        invalid_answer("answered a request_uri longer than 4096 characters", response.status);
    }
    auto expires = body->find("expires_in");
    if (expires == body->end() || !expires->is_number_integer()) {
        invalid_answer("answered without an integer expires_in", response.status);
    }
    std::int64_t seconds = 0;
    if (expires->is_number_unsigned()) {
        seconds = static_cast<std::int64_t>(
            std::min<std::uint64_t>(expires->get<std::uint64_t>(), max_expires_in));
    } else {
        seconds = expires->get<std::int64_t>();
    }
    if (seconds <= 0) {
        invalid_answer("answered an expires_in that is not positive", response.status);
    }
    pushed.expires_in = std::chrono::seconds{std::min(seconds, max_expires_in)};
    pushed.expires_at = clock.steady_now() + pushed.expires_in;
    return pushed;
}

std::string pushed_authorization_url(const std::string& authorization_endpoint,
                                     const std::string& client_id, const std::string& request_uri) {
    // §4: client_id and request_uri only; the provider takes every other parameter from the
    // pushed request, so none can be changed or read on the way through the browser.
    return append_query(authorization_endpoint,
                        QueryParams{{"client_id", client_id}, {"request_uri", request_uri}});
}

} // namespace authflow::detail

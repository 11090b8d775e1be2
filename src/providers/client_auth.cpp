// Choosing a client authentication strategy, and the form POST every authenticated endpoint
// shares.
#include "client_auth.hpp"

#include "provider_internal.hpp"

#include <authflow/core/errors.hpp>

#include <algorithm>

namespace authflow {

namespace detail {

ClientAuthMethod choose_client_auth_method(const ProviderConfig& config,
                                           const std::vector<std::string>& advertised,
                                           ClientAuthMethod provider_default) {
    if (config.client_auth_method != ClientAuthMethod::automatic) {
        return config.client_auth_method;
    }
    if (config.client_secret.empty()) {
        return ClientAuthMethod::none;
    }
    if (advertised.empty()) {
        // RFC 8414 §2: an absent token_endpoint_auth_methods_supported means client_secret_basic;
        // presets use what their provider documents.
        return provider_default;
    }
    auto is_advertised = [&](std::string_view name) {
        return std::find(advertised.begin(), advertised.end(), name) != advertised.end();
    };
    if (is_advertised("client_secret_basic")) {
        return ClientAuthMethod::client_secret_basic;
    }
    if (is_advertised("client_secret_post")) {
        return ClientAuthMethod::client_secret_post;
    }
    throw ConfigError(errc::config_invalid,
                      "the provider supports neither client_secret_basic nor client_secret_post at "
                      "its token endpoint; set client_auth_method");
}

std::shared_ptr<const ClientAuth> make_client_auth(ClientAuthMethod method,
                                                   const ProviderConfig& config) {
    switch (method) {
    case ClientAuthMethod::client_secret_basic:
        return make_client_secret_basic(config.client_id, config.client_secret);
    case ClientAuthMethod::client_secret_post:
        return make_client_secret_post(config.client_id, config.client_secret);
    case ClientAuthMethod::none:
        return make_client_auth_none(config.client_id);
    case ClientAuthMethod::automatic:
        break;
    }
    throw Error(errc::internal, "client authentication method not resolved");
}

HttpRequest authenticated_form_post(std::string url, QueryParams form, const ClientAuth& auth) {
    HttpRequest request;
    request.method = "POST";
    request.url = std::move(url);
    request.headers = {{"Accept", "application/json"},
                       {"Content-Type", "application/x-www-form-urlencoded"}};
    auth.apply(request.url, form, request.headers);
    request.body = build_query(form);
    return request;
}

} // namespace detail
} // namespace authflow

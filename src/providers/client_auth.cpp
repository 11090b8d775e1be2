// Choosing a client authentication strategy, and the form POST every authenticated endpoint
// shares.
#include "client_auth.hpp"

#include "client_private_key.hpp"
#include "provider_internal.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>

#include <algorithm>
#include <atomic>

namespace authflow {

namespace detail {

namespace {

bool contains(const std::vector<std::string>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

// The advertised names authflow knows, for an error message (the provider's document is not
// quoted beyond these).
std::string known_names(const std::vector<std::string>& advertised) {
    std::string out;
    for (std::string_view name :
         {"client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt",
          "none", "tls_client_auth", "self_signed_tls_client_auth"}) {
        if (contains(advertised, name)) {
            out += out.empty() ? "" : ", ";
            out += name;
        }
    }
    return out.empty() ? "no method authflow knows" : out;
}

} // namespace

ClientAuthMethod choose_client_auth_method(const ProviderConfig& config,
                                           const std::vector<std::string>& advertised,
                                           ClientAuthMethod provider_default) {
    if (config.client_auth_method != ClientAuthMethod::automatic) {
        const ClientAuthMethod method = config.client_auth_method;
        // RFC 8414 §2: the provider lists the methods its token endpoint accepts; sending another
        // only earns invalid_client at the first sign-in. `none` is not checked: providers list
        // the methods of confidential clients and still accept public ones.
        if (method != ClientAuthMethod::none && !advertised.empty() &&
            !contains(advertised, to_string(method))) {
            throw ConfigError(errc::config_invalid,
                              "token_endpoint_auth_method " + std::string{to_string(method)} +
                                  " is not supported by the provider (its discovery document "
                                  "lists " +
                                  known_names(advertised) + ")");
        }
        return method;
    }
    if (!config.private_key_file.empty()) {
        if (advertised.empty() || contains(advertised, "private_key_jwt")) {
            return ClientAuthMethod::private_key_jwt;
        }
        // Said once: the method is resolved again for every request.
        static std::atomic<bool> said{false};
        if (!said.exchange(true)) {
            log(LogLevel::warning, "private_key_file is set but the provider does not advertise "
                                   "private_key_jwt; using another client authentication method");
        }
    }
    if (config.client_secret.empty()) {
        return ClientAuthMethod::none;
    }
    if (advertised.empty()) {
        // RFC 8414 §2: an absent token_endpoint_auth_methods_supported means client_secret_basic;
        // presets use what their provider documents.
        return provider_default;
    }
    if (contains(advertised, "client_secret_basic")) {
        return ClientAuthMethod::client_secret_basic;
    }
    if (contains(advertised, "client_secret_post")) {
        return ClientAuthMethod::client_secret_post;
    }
    throw ConfigError(errc::config_invalid,
                      "the provider supports neither client_secret_basic nor client_secret_post at "
                      "its token endpoint (it lists " +
                          known_names(advertised) + "); set token_endpoint_auth_method");
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
    case ClientAuthMethod::client_secret_jwt:
        return make_client_secret_jwt(config.client_id, config.client_secret, config.clock);
    case ClientAuthMethod::private_key_jwt:
        return make_private_key_jwt(config.client_id,
                                    load_client_private_key(config.private_key_file), config.clock);
    case ClientAuthMethod::automatic:
        break;
    }
    throw Error(errc::internal, "client authentication method not resolved");
}

HttpRequest authenticated_form_post(std::string url, QueryParams form, const ClientAuth& auth,
                                    std::string_view audience) {
    HttpRequest request;
    request.method = "POST";
    request.url = std::move(url);
    request.headers = {{"Accept", "application/json"},
                       {"Content-Type", "application/x-www-form-urlencoded"}};
    // The caller passes the issuer identifier (draft-ietf-oauth-rfc7523bis §3); a plain OAuth
    // provider without one gets the endpoint's URL (RFC 7523 §3 item 3).
    auth.apply(audience.empty() ? std::string_view{request.url} : audience, form, request.headers);
    request.body = build_query(form);
    return request;
}

} // namespace detail
} // namespace authflow

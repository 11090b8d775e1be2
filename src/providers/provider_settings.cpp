// What a provider's settings must satisfy: secure endpoints, a sane leeway, a secret for the
// methods that send one.
#include "provider_settings.hpp"

#include "dpop_policy.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/url.hpp>

namespace authflow::detail {
namespace {

void check_url(const std::string& url, std::string_view what) {
    if (!url.empty()) {
        require_secure_url(url, what);
    }
}

} // namespace

void check_provider_settings(const ProviderConfig& config) {
    check_url(config.authorize_url, "authorize_url");
    check_url(config.token_url, "token_url");
    check_url(config.userinfo_url, "userinfo_url");
    check_url(config.revocation_url, "revocation_url");
    check_url(config.introspection_url, "introspection_url");
    check_url(config.device_authorization_url, "device_authorization_url");
    check_url(config.end_session_url, "end_session_url");
    check_url(config.par_url, "par_url");
    check_url(config.issuer_url, "issuer_url");
    check_url(config.jwks_uri, "jwks_uri");
    if (config.leeway < std::chrono::seconds{0} || config.leeway > std::chrono::seconds{600}) {
        throw ConfigError(errc::config_invalid, "leeway must be 0 to 600 seconds");
    }
    if ((config.client_auth_method == ClientAuthMethod::client_secret_basic ||
         config.client_auth_method == ClientAuthMethod::client_secret_post ||
         config.client_auth_method == ClientAuthMethod::client_secret_jwt) &&
        config.client_secret.empty()) {
        throw ConfigError(errc::config_missing,
                          std::string{"token_endpoint_auth_method "} +
                              std::string{to_string(config.client_auth_method)} +
                              " needs a client_secret");
    }
    if (config.client_auth_method == ClientAuthMethod::private_key_jwt &&
        config.private_key_file.empty()) {
        throw ConfigError(errc::config_missing,
                          "token_endpoint_auth_method private_key_jwt needs a private_key_file "
                          "(AUTHFLOW_OAUTH2__PRIVATE_KEY_FILE)");
    }
    check_dpop_alg(config);
}

} // namespace authflow::detail

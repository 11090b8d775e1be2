// What a provider's settings must satisfy: secure endpoints, a sane leeway, a secret for the
// methods that send one.
#include "provider_settings.hpp"

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
         config.client_auth_method == ClientAuthMethod::client_secret_post) &&
        config.client_secret.empty()) {
        throw ConfigError(errc::config_missing,
                          std::string{"client_auth_method "} +
                              std::string{to_string(config.client_auth_method)} +
                              " needs a client_secret");
    }
}

} // namespace authflow::detail

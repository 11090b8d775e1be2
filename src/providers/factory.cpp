// create_provider_from_settings.
#include "dpop_policy.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/providers/factory.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>
#include <authflow/providers/github_provider.hpp>
#include <authflow/providers/google_provider.hpp>
#include <authflow/providers/microsoft_provider.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace authflow {

std::vector<std::string> default_scopes(std::string_view provider) {
    if (provider == "google" || provider == "oidc" || provider == "custom") {
        return {"openid", "email", "profile"};
    }
    if (provider == "microsoft") {
        return {"openid", "email", "profile", "offline_access"};
    }
    if (provider == "github") {
        return {"read:user", "user:email"};
    }
    throw ConfigError(errc::config_invalid,
                      "provider must be google, github, microsoft, oidc or custom");
}

std::shared_ptr<OAuthProvider> create_provider_from_settings(const OAuth2Settings& settings,
                                                             ProviderFactoryOptions options) {
    settings.validate();
    const ProviderKind type = settings.provider;
    if (settings.client_id.empty()) {
        throw ConfigError(
            errc::config_missing,
            "client_id is not set (AUTHFLOW_OAUTH2__CLIENT_ID or [oauth2] client_id)");
    }
    ProviderConfig config;
    config.client_id = settings.client_id;
    config.client_secret = settings.client_secret;
    // Only scopes that were really set replace the provider's own defaults: an empty list
    // would drop offline_access (no refresh token) or openid (no ID token).
    if (settings.scopes && !settings.scopes->empty()) {
        config.scopes = *settings.scopes;
    }
    config.authorize_url = settings.authorize_url;
    config.token_url = settings.token_url;
    config.userinfo_url = settings.userinfo_url;
    config.revocation_url = settings.revocation_url;
    config.issuer_url = settings.issuer_url;
    config.jwks_uri = settings.jwks_uri;
    config.device_authorization_url = settings.device_authorization_url;
    config.client_auth_method = settings.client_auth_method;
    config.private_key_file = settings.private_key_file;
    config.par = settings.par;
    config.par_url = settings.par_url;
    config.use_pkce = settings.use_pkce;
    config.dpop = settings.dpop;
    config.dpop_alg = detail::to_jws_alg(settings.dpop_alg);
    config.leeway = std::chrono::seconds{settings.leeway_seconds};
    config.clock = options.clock;
    config.snapshot = std::move(options.snapshot);
    config.on_snapshot = std::move(options.on_snapshot);
    if (options.http) {
        config.http = std::move(options.http);
    } else {
        HttpClientOptions http_options;
        http_options.total_timeout = std::chrono::milliseconds{
            static_cast<std::int64_t>(std::llround(settings.http_timeout_seconds * 1000.0))};
        http_options.connect_timeout =
            std::min(http_options.connect_timeout, http_options.total_timeout);
        http_options.ca_file = settings.ca_file;
        config.http = make_http_client(http_options);
    }

    if (type == ProviderKind::google) {
        return std::make_shared<GoogleProvider>(std::move(config));
    }
    if (type == ProviderKind::github) {
        return std::make_shared<GitHubProvider>(std::move(config));
    }
    if (type == ProviderKind::microsoft) {
        return std::make_shared<MicrosoftProvider>(std::move(config), settings.tenant_id);
    }
    if (type == ProviderKind::oidc) {
        if (config.issuer_url.empty()) {
            throw ConfigError(errc::config_missing,
                              "provider oidc needs issuer_url (its endpoints are discovered)");
        }
        return std::make_shared<GenericOIDCProvider>(std::move(config),
                                                     GenericOIDCProvider::Discovery::from_issuer);
    }
    // custom: explicit endpoints, no discovery.
    if (config.authorize_url.empty() || config.token_url.empty()) {
        std::string missing = config.authorize_url.empty() ? "authorize_url" : "";
        if (config.token_url.empty()) {
            missing += missing.empty() ? "token_url" : " and token_url";
        }
        throw ConfigError(errc::config_missing, "provider custom needs " + missing +
                                                    " (or use provider oidc with issuer_url)");
    }
    const bool wants_id_token =
        std::find(config.scopes.begin(), config.scopes.end(), "openid") != config.scopes.end() ||
        config.scopes.empty();
    if (wants_id_token && (config.issuer_url.empty() || config.jwks_uri.empty())) {
        log(LogLevel::warning, "provider custom requests openid but lacks issuer_url or jwks_uri: "
                               "an ID token cannot be checked and the sign-in will fail");
    }
    return std::make_shared<GenericOIDCProvider>(std::move(config),
                                                 GenericOIDCProvider::Discovery::off);
}

} // namespace authflow

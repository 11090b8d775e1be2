#pragma once
// create_provider_from_settings.

#include <authflow/core/clock.hpp>
#include <authflow/core/settings.hpp>
#include <authflow/http/http_client.hpp>
#include <authflow/providers/oauth_provider.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace authflow {

/// What the factory cannot read from settings. A plain value.
struct ProviderFactoryOptions {
    /// The HTTP client; null: a new libcurl client with the settings' ca_file and
    /// http_timeout_seconds.
    std::shared_ptr<HttpClient> http;
    /// empty: the system clock.
    std::shared_ptr<Clock> clock;
    /// ProviderConfig::snapshot and on_snapshot: the discovery document and key set an earlier
    /// process fetched, and where to hand what this one fetches.
    std::optional<ProviderSnapshot> snapshot = std::nullopt;
    std::function<void(const ProviderSnapshot&)> on_snapshot = nullptr;
};

/// The default scopes of a provider type ("google", "github", "microsoft", "oidc", "custom").
/// Throws ConfigError (config_invalid) for an unknown type.
std::vector<std::string> default_scopes(std::string_view provider);

/// Builds the provider that `settings` describe: `google`, `github`, `microsoft` (with
/// tenant_id), `oidc` (discovery from issuer_url) or `custom` (explicit endpoints; ID tokens
/// need issuer_url and jwks_uri). Each keeps its own default scopes unless settings.scopes is set
/// (an empty list would drop offline_access or openid). Explicit endpoint settings override a
/// preset's (national clouds,
/// GitHub Enterprise Server). The client authentication, PKCE, leeway and revocation/JWKS URLs
/// come from the settings too. Throws ConfigError: config_invalid (unknown provider, any
/// settings.validate() failure), config_missing naming the missing setting (client_id;
/// issuer_url for oidc; authorize_url and token_url for custom), insecure_url.
std::shared_ptr<OAuthProvider> create_provider_from_settings(const OAuth2Settings& settings,
                                                             ProviderFactoryOptions options = {});

} // namespace authflow

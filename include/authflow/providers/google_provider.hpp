#pragma once
// GoogleProvider: Google's OpenID Connect endpoints, preset.

#include <authflow/providers/generic_oidc_provider.hpp>

#include <string>

namespace authflow {

/// Google sign-in. Endpoints, keys and issuer are preset (no discovery round trip); the
/// authorization request asks for `access_type=offline` and `prompt=consent` so that a refresh
/// token is returned, unless the caller's extra parameters say otherwise. ID tokens whose `iss`
/// is `accounts.google.com` (without scheme), as Google documents, are accepted. Default scopes:
/// openid email profile. Client authentication: client_secret_post. Safe to use from several
/// threads.
class GoogleProvider : public GenericOIDCProvider {
public:
    static constexpr const char* default_endpoint_base = "https://accounts.google.com";

    /// `endpoint_base` replaces every Google host (accounts.google.com, oauth2.googleapis.com,
    /// openidconnect.googleapis.com, www.googleapis.com) and becomes the issuer, keeping Google's
    /// paths: for a proxy, a private gateway, or a test double. Explicit URLs in `config` win.
    /// Throws ConfigError as GenericOIDCProvider.
    explicit GoogleProvider(ProviderConfig config, std::string endpoint_base = {});

protected:
    ClientAuthMethod default_client_auth() const noexcept override {
        return ClientAuthMethod::client_secret_post;
    }
    QueryParams default_authorize_params() const override;
};

} // namespace authflow

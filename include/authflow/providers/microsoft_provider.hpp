#pragma once
// MicrosoftProvider: the Microsoft identity platform (v2.0 endpoints), preset.

#include <authflow/providers/generic_oidc_provider.hpp>

#include <string>

namespace authflow {

/// Microsoft Entra ID and personal Microsoft accounts. Endpoints and keys are preset for the
/// tenant. The ID token's issuer is checked against the tenant: exactly
/// `<base>/<tenant>/v2.0` for a tenant GUID; for `common`, `organizations` and domain-name
/// tenants, Microsoft's `{tenantid}` template filled with the token's `tid`; `organizations`
/// refuses the personal-account tenant and `consumers` accepts only it (a fixed issuer would
/// refuse every multi-tenant token).
/// Default scopes: openid email profile offline_access. Client authentication:
/// client_secret_post. No revocation endpoint exists. Safe to use from several threads.
class MicrosoftProvider : public GenericOIDCProvider {
public:
    static constexpr const char* default_endpoint_base = "https://login.microsoftonline.com";
    static constexpr const char* default_graph_base = "https://graph.microsoft.com";
    /// The tenant of personal Microsoft accounts.
    static constexpr const char* consumers_tenant_id = "9188040d-6c67-4c5b-b112-36a304b66dad";

    /// `tenant_id`: a tenant GUID, a domain name, `common`, `organizations` or `consumers`.
    /// `endpoint_base` replaces https://login.microsoftonline.com (national clouds, e.g.
    /// https://login.microsoftonline.us) and `graph_base` https://graph.microsoft.com (userinfo);
    /// when only `endpoint_base` is given, userinfo goes there too. Explicit URLs in `config`
    /// win. Throws ConfigError (config_invalid) for a malformed tenant, and as
    /// GenericOIDCProvider.
    explicit MicrosoftProvider(ProviderConfig config, std::string tenant_id = "common",
                               std::string endpoint_base = {}, std::string graph_base = {});

    const std::string& tenant_id() const noexcept { return tenant_id_; }

protected:
    ClientAuthMethod default_client_auth() const noexcept override {
        return ClientAuthMethod::client_secret_post;
    }
    /// Microsoft Entra ID wants the token endpoint's URL as a client assertion's audience (its
    /// "certificate credentials" documentation), not the issuer.
    std::string client_assertion_audience(const ProviderEndpoints& endpoints,
                                          const std::string& endpoint_url) const override {
        return endpoints.token_endpoint.empty() ? endpoint_url : endpoints.token_endpoint;
    }

private:
    std::string tenant_id_;
};

} // namespace authflow

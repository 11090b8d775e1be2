#pragma once
// GenericOIDCProvider: any OpenID Provider, by discovery or by explicit endpoints.

#include <authflow/oidc/id_token.hpp>
#include <authflow/oidc/provider_metadata.hpp>
#include <authflow/providers/oauth_provider.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace authflow {
namespace detail {
class SnapshotKeeper;
} // namespace detail

class JwksCache;

/// An OpenID Connect provider. With `issuer_url` set, the discovery document (fetched on first
/// use, kept for an hour) supplies every endpoint the configuration leaves empty. ID tokens are
/// always validated (OIDC Core §3.1.3.7) unless insecure_skip_id_token_validation is on. Default
/// scopes: openid email profile. Safe to use from several threads.
class GenericOIDCProvider : public OAuthProvider {
public:
    /// How the provider finds its endpoints.
    enum class Discovery {
        /// From `issuer_url`'s discovery document (the `oidc` provider type).
        from_issuer,
        /// Only what is configured: `custom` providers and the presets.
        off,
    };

    /// Throws ConfigError: config_missing without a client id, or without issuer_url when
    /// discovery is on; insecure_url for an endpoint or issuer that is not https (http only to
    /// loopback hosts).
    explicit GenericOIDCProvider(ProviderConfig config,
                                 Discovery discovery = Discovery::from_issuer);
    ~GenericOIDCProvider() override;

    std::string_view name() const noexcept override;
    bool is_openid_connect() const noexcept override { return true; }
    ProviderEndpoints endpoints() override;

    /// pywry.auth's validate_id_token: verifies the signature with the provider's keys and the
    /// claims (iss, aud, azp, exp, iat, nbf, nonce when given) and returns the verified claims.
    /// Throws TokenError with the failing check's code, ConfigError (config_missing) when the
    /// provider has no issuer or no key set to check against (the message names the setting to
    /// add), and as discovery does. OIDC Core §3.1.3.7.
    IdTokenClaims validate_id_token(std::string_view id_token,
                                    const std::optional<std::string>& nonce = std::nullopt);
    /// As above with every per-request check (nonce, max_age, at_hash, c_hash).
    IdTokenClaims validate_id_token(std::string_view id_token, const IdTokenChecks& checks);

    /// Checks a back-channel logout token with this provider's ID-token validator (always, even
    /// with insecure_skip_id_token_validation). Throws as IdTokenValidator::validate_logout_token
    /// and as discovery does.
    LogoutTokenClaims validate_logout_token(std::string_view logout_token) override;

    /// The discovery document, fetched when needed; null when discovery is off. Throws as
    /// fetch_provider_metadata.
    std::shared_ptr<const ProviderMetadata> metadata();

    void close() override;

protected:
    /// For presets: what the issuer of a given token must be (e.g. Microsoft's tenant
    /// template); empty function: the configured issuer.
    void set_issuer_resolver(IssuerResolver resolver) { issuer_resolver_ = std::move(resolver); }
    /// For presets: whether the provider sends `iss` in every authorization response.
    void set_iss_parameter_supported(bool supported) { iss_parameter_supported_ = supported; }
    /// For presets: the name returned by name().
    void set_name(std::string name) { name_ = std::move(name); }

    std::optional<IdTokenClaims> validate_response_id_token(const OAuthTokenSet& tokens,
                                                            const IdTokenChecks& checks) override;
    void prepare_id_token_validation() override;
    bool issuer_matches(std::string_view iss, const ProviderEndpoints& endpoints) const override;

private:
    struct ValidatorState;
    std::shared_ptr<const IdTokenValidator> validator();

    Discovery discovery_mode_;
    std::string name_;
    IssuerResolver issuer_resolver_;
    bool iss_parameter_supported_ = false;
    std::shared_ptr<DiscoveryCache> discovery_;

    std::mutex mutex_;
    std::shared_ptr<const ProviderMetadata> validator_metadata_;
    std::shared_ptr<const IdTokenValidator> validator_;
    std::shared_ptr<JwksCache> jwks_;
    /// The snapshot given in the config, kept current by the caches' fetches; null when the
    /// config has neither a snapshot nor on_snapshot.
    std::shared_ptr<detail::SnapshotKeeper> snapshots_;
};

} // namespace authflow

// GenericOIDCProvider: discovery, keys and ID-token validation on top of OAuthProvider.
#include "dpop_policy.hpp"
#include "provider_internal.hpp"
#include "snapshot_keeper.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/oidc/jwks_cache.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>

namespace authflow {
namespace {

ProviderConfig with_default_scopes(ProviderConfig config) {
    if (config.scopes.empty()) {
        config.scopes = {"openid", "email", "profile"};
    }
    return config;
}

bool is_tenant_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
}

} // namespace

GenericOIDCProvider::GenericOIDCProvider(ProviderConfig config, Discovery discovery)
    : OAuthProvider(with_default_scopes(std::move(config))), discovery_mode_(discovery) {
    if (discovery_mode_ == Discovery::from_issuer) {
        if (this->config().issuer_url.empty()) {
            throw ConfigError(errc::config_missing,
                              "issuer_url is required to discover the provider's endpoints");
        }
    }
    if (this->config().snapshot || this->config().on_snapshot) {
        snapshots_ = std::make_shared<detail::SnapshotKeeper>(
            this->config().snapshot, this->config().on_snapshot, clock_ptr());
    }
    if (discovery_mode_ == Discovery::from_issuer) {
        discovery_ = std::make_shared<DiscoveryCache>(http_client(), clock_ptr(),
                                                      snapshots_ ? snapshots_->discovery_options()
                                                                 : DiscoveryCacheOptions{});
        if (snapshots_) {
            snapshots_->preload(*discovery_, this->config().issuer_url);
        }
    }
    if (this->config().insecure_skip_id_token_validation) {
        log(LogLevel::warning,
            "insecure_skip_id_token_validation is on: ID tokens are accepted without checking "
            "their signature, issuer, audience, expiry or nonce");
    }
}

GenericOIDCProvider::~GenericOIDCProvider() = default;

std::string_view GenericOIDCProvider::name() const noexcept {
    if (!name_.empty()) {
        return name_;
    }
    return discovery_mode_ == Discovery::from_issuer ? "oidc" : "custom";
}

std::shared_ptr<const ProviderMetadata> GenericOIDCProvider::metadata() {
    if (!discovery_) {
        return nullptr;
    }
    return discovery_->get(config().issuer_url);
}

ProviderEndpoints GenericOIDCProvider::endpoints() {
    ProviderEndpoints resolved = configured_endpoints();
    resolved.iss_parameter_supported = iss_parameter_supported_;
    const auto md = metadata();
    if (!md) {
        return resolved;
    }
    // Explicit settings win over the discovered values.
    auto fill = [](std::string& target, const std::string& discovered) {
        if (target.empty()) {
            target = discovered;
        }
    };
    fill(resolved.issuer, md->issuer);
    fill(resolved.authorization_endpoint, md->authorization_endpoint);
    fill(resolved.token_endpoint, md->token_endpoint);
    fill(resolved.userinfo_endpoint, md->userinfo_endpoint);
    fill(resolved.revocation_endpoint, md->revocation_endpoint);
    fill(resolved.introspection_endpoint, md->introspection_endpoint);
    fill(resolved.device_authorization_endpoint, md->device_authorization_endpoint);
    fill(resolved.end_session_endpoint, md->end_session_endpoint);
    fill(resolved.jwks_uri, md->jwks_uri);
    fill(resolved.pushed_authorization_request_endpoint, md->pushed_authorization_request_endpoint);
    resolved.require_pushed_authorization_requests = md->require_pushed_authorization_requests;
    resolved.client_auth_method = resolve_client_auth(md->token_endpoint_auth_methods_supported);
    resolved.iss_parameter_supported = md->authorization_response_iss_parameter_supported;
    resolved.dpop = detail::uses_dpop(config(), &md->dpop_signing_alg_values_supported);
    return resolved;
}

std::shared_ptr<const IdTokenValidator> GenericOIDCProvider::validator() {
    // Discovery may fetch: never while holding the lock.
    const auto md = metadata();
    std::lock_guard lock(mutex_);
    if (validator_ && validator_metadata_ == md) {
        return validator_;
    }
    IdTokenValidatorOptions options;
    options.client_id = config().client_id;
    options.issuer = config().issuer_url;
    options.issuer_resolver = issuer_resolver_;
    if (options.issuer.empty() && md) {
        options.issuer = md->issuer;
    }
    // Without an issuer no ID token can be checked; say which setting is missing instead of
    // failing later at the first sign-in with an obscure error.
    if (options.issuer.empty() && !options.issuer_resolver) {
        throw ConfigError(errc::config_missing,
                          "an ID token arrived but no issuer is configured to check it against: "
                          "set issuer_url to the provider's issuer identifier");
    }
    std::string jwks_uri = config().jwks_uri;
    if (jwks_uri.empty() && md) {
        jwks_uri = md->jwks_uri;
    }
    if (jwks_uri.empty()) {
        throw ConfigError(errc::config_missing,
                          md ? "an ID token arrived but the provider publishes no jwks_uri: set "
                               "jwks_uri"
                             : "an ID token arrived but there is no key set to check it: set "
                               "jwks_uri (or use the oidc provider type, which discovers it)");
    }
    options.allowed_algs = config().id_token_algs;
    if (options.allowed_algs.empty()) {
        if (md) {
            options.allowed_algs = md->id_token_algs();
        } else {
            options.allowed_algs.assign(asymmetric_jws_algs().begin(), asymmetric_jws_algs().end());
        }
    }
    options.client_secret = config().client_secret;
    options.leeway = config().leeway;
    if (!jwks_ || jwks_->jwks_uri() != jwks_uri) {
        jwks_ = std::make_shared<JwksCache>(jwks_uri, http_client(), clock_ptr(),
                                            snapshots_ ? snapshots_->jwks_options(jwks_uri)
                                                       : JwksCacheOptions{});
        if (snapshots_) {
            snapshots_->preload(*jwks_, jwks_uri);
        }
    }
    validator_ = std::make_shared<const IdTokenValidator>(std::move(options), jwks_, clock_ptr());
    validator_metadata_ = md;
    return validator_;
}

IdTokenClaims GenericOIDCProvider::validate_id_token(std::string_view id_token,
                                                     const std::optional<std::string>& nonce) {
    IdTokenChecks checks;
    checks.nonce = nonce;
    return validate_id_token(id_token, checks);
}

IdTokenClaims GenericOIDCProvider::validate_id_token(std::string_view id_token,
                                                     const IdTokenChecks& checks) {
    return validator()->validate(id_token, checks);
}

LogoutTokenClaims GenericOIDCProvider::validate_logout_token(std::string_view logout_token) {
    return validator()->validate_logout_token(logout_token);
}

std::optional<IdTokenClaims>
GenericOIDCProvider::validate_response_id_token(const OAuthTokenSet& tokens,
                                                const IdTokenChecks& checks) {
    if (!tokens.id_token || config().insecure_skip_id_token_validation) {
        return std::nullopt;
    }
    return validate_id_token(*tokens.id_token, checks);
}

void GenericOIDCProvider::prepare_id_token_validation() {
    if (config().insecure_skip_id_token_validation || !wants_openid_scope()) {
        return;
    }
    validator();
    std::shared_ptr<JwksCache> jwks;
    {
        std::lock_guard lock(mutex_);
        jwks = jwks_;
    }
    if (jwks) {
        jwks->keys(); // throws while the key set cannot be had
    }
}

bool GenericOIDCProvider::issuer_matches(std::string_view iss,
                                         const ProviderEndpoints& resolved) const {
    const std::string_view issuer = resolved.issuer;
    const auto placeholder = issuer.find("{tenantid}");
    if (placeholder == std::string_view::npos) {
        return iss == issuer;
    }
    // Microsoft's multi-tenant issuer: the template with a tenant id in place of {tenantid}.
    const auto prefix = issuer.substr(0, placeholder);
    const auto suffix = issuer.substr(placeholder + std::string_view{"{tenantid}"}.size());
    if (iss.size() <= prefix.size() + suffix.size() || !iss.starts_with(prefix) ||
        !iss.ends_with(suffix)) {
        return false;
    }
    const auto tenant = iss.substr(prefix.size(), iss.size() - prefix.size() - suffix.size());
    return std::all_of(tenant.begin(), tenant.end(), is_tenant_char);
}

void GenericOIDCProvider::close() {
    if (discovery_) {
        discovery_->invalidate(config().issuer_url);
    }
    std::lock_guard lock(mutex_);
    validator_.reset();
    validator_metadata_.reset();
    jwks_.reset();
}

} // namespace authflow

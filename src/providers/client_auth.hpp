#pragma once
// Private to the providers layer: client authentication (RFC 6749 §2.3, OIDC Core §9) as a
// strategy value, chosen once from the settings and applied alike to the token, revocation,
// introspection and device authorization endpoints (as openid-client's ClientAuth). Each method
// is one file with its make_* function, named in make_client_auth.

#include <authflow/core/clock.hpp>
#include <authflow/core/url.hpp>
#include <authflow/http/http_client.hpp>
#include <authflow/jose/signing_key.hpp>
#include <authflow/providers/oauth_provider.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace authflow::detail {

/// How the client proves who it is to one of the provider's endpoints. Immutable once made:
/// safe to use from several threads. Holds the client's secret: never log it.
class ClientAuth {
public:
    virtual ~ClientAuth() = default;
    virtual ClientAuthMethod method() const noexcept = 0;
    /// Adds the client's credentials to a form POST. `audience` is the `aud` of an assertion,
    /// for the methods that sign one: the provider's issuer identifier, or the endpoint's URL
    /// when there is no issuer (authenticated_form_post chooses).
    virtual void apply(std::string_view audience, QueryParams& form,
                       HttpHeaders& headers) const = 0;
};

/// The method the settings choose. A configured method: itself, unless the provider advertises
/// methods (RFC 8414 §2 token_endpoint_auth_methods_supported) without it (`none` excepted:
/// providers list what confidential clients may use). `automatic`: private_key_jwt when a
/// private_key_file is set and the provider advertises it or nothing; else `none` without a
/// secret, else the first of client_secret_basic and client_secret_post that the provider
/// advertises, else (nothing advertised) `provider_default`. Throws ConfigError
/// (config_invalid) naming the setting when the provider does not support the method.
ClientAuthMethod choose_client_auth_method(const ProviderConfig& config,
                                           const std::vector<std::string>& advertised,
                                           ClientAuthMethod provider_default);

/// The strategy for `method` with the configured client id and secret, or the private key read
/// from private_key_file (load_client_private_key: ConfigError for a bad file). Throws Error
/// (internal) for `automatic` (resolve it first).
std::shared_ptr<const ClientAuth> make_client_auth(ClientAuthMethod method,
                                                   const ProviderConfig& config);

/// The strategies, one file each.
std::shared_ptr<const ClientAuth> make_client_secret_basic(std::string client_id,
                                                           std::string client_secret);
std::shared_ptr<const ClientAuth> make_client_secret_post(std::string client_id,
                                                          std::string client_secret);
std::shared_ptr<const ClientAuth> make_client_auth_none(std::string client_id);
/// private_key_jwt (RFC 7523 §2.2): assertions signed with `key`, `kid` the key's or its
/// RFC 7638 thumbprint; time from `clock` (empty: the system clock).
std::shared_ptr<const ClientAuth> make_private_key_jwt(std::string client_id, SigningKey key,
                                                       std::shared_ptr<Clock> clock);
/// client_secret_jwt (RFC 7523 §2.2, OIDC Core §9): HS256 assertions under the client secret.
std::shared_ptr<const ClientAuth> make_client_secret_jwt(std::string client_id,
                                                         std::string client_secret,
                                                         std::shared_ptr<Clock> clock);

/// A client-authenticated form POST to `url` asking for JSON (RFC 6749 §2.3.1, §3.2). An
/// assertion's audience is `audience` (the issuer identifier, OAuthProvider's
/// client_assertion_audience), or `url` when `audience` is empty.
HttpRequest authenticated_form_post(std::string url, QueryParams form, const ClientAuth& auth,
                                    std::string_view audience = {});

} // namespace authflow::detail

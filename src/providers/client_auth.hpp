#pragma once
// Private to the providers layer: client authentication (RFC 6749 §2.3, OIDC Core §9) as a
// strategy value, chosen once from the settings and applied alike to the token, revocation,
// introspection and device authorization endpoints (as openid-client's ClientAuth). A new method
// (private_key_jwt, client_secret_jwt) is one more file with its make_* function, named in
// make_client_auth.

#include <authflow/core/url.hpp>
#include <authflow/http/http_client.hpp>
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
    /// Adds the client's credentials to a form POST to `endpoint_url` (the audience of an
    /// assertion, for the methods that sign one).
    virtual void apply(std::string_view endpoint_url, QueryParams& form,
                       HttpHeaders& headers) const = 0;
};

/// The method the settings choose: the configured one; `automatic` is `none` without a secret,
/// else the first of client_secret_basic and client_secret_post that the provider advertises,
/// else (nothing advertised, RFC 8414 §2) `provider_default`. Throws ConfigError
/// (config_invalid) when the provider advertises neither secret method.
ClientAuthMethod choose_client_auth_method(const ProviderConfig& config,
                                           const std::vector<std::string>& advertised,
                                           ClientAuthMethod provider_default);

/// The strategy for `method` with the configured client id and secret. Throws Error (internal)
/// for `automatic` (resolve it first).
std::shared_ptr<const ClientAuth> make_client_auth(ClientAuthMethod method,
                                                   const ProviderConfig& config);

/// The strategies, one file each.
std::shared_ptr<const ClientAuth> make_client_secret_basic(std::string client_id,
                                                           std::string client_secret);
std::shared_ptr<const ClientAuth> make_client_secret_post(std::string client_id,
                                                          std::string client_secret);
std::shared_ptr<const ClientAuth> make_client_auth_none(std::string client_id);

/// A client-authenticated form POST to `url` asking for JSON (RFC 6749 §2.3.1, §3.2).
HttpRequest authenticated_form_post(std::string url, QueryParams form, const ClientAuth& auth);

} // namespace authflow::detail

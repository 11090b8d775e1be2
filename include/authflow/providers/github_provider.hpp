#pragma once
// GitHubProvider: GitHub's OAuth 2.0 (not OpenID Connect).

#include <authflow/providers/oauth_provider.hpp>

#include <string>
#include <string_view>

namespace authflow {

/// GitHub OAuth apps and GitHub Apps. Plain OAuth 2.0: no ID token, no nonce. The PKCE verifier
/// is sent (an intercepted code is useless without it); errors that GitHub reports with HTTP 200
/// and an `error` member are TokenErrors; a refresh keeps the refresh token when the answer has
/// none (RFC 6749 §6: the old one stays valid).
/// The identity is the numeric `id` of GET /user; the email is the primary, verified one of
/// GET /user/emails. Revocation is DELETE /applications/{client_id}/token with HTTP Basic.
/// Default scopes: read:user user:email. Client authentication: client_secret_post. Safe to use
/// from several threads.
class GitHubProvider : public OAuthProvider {
public:
    static constexpr const char* default_endpoint_base = "https://github.com";
    static constexpr const char* default_api_base = "https://api.github.com";

    /// `endpoint_base` replaces https://github.com (sign-in and token endpoints) and `api_base`
    /// https://api.github.com (users, emails, revocation). For GitHub Enterprise Server give
    /// `endpoint_base` = https://HOST; `api_base` then defaults to https://HOST/api/v3.
    /// Explicit URLs in `config` win. Throws ConfigError as OAuthProvider.
    explicit GitHubProvider(ProviderConfig config, std::string endpoint_base = {},
                            std::string api_base = {});

    std::string_view name() const noexcept override { return "github"; }
    const std::string& api_base() const noexcept { return api_base_; }

    /// GET /user (pywry.auth's userinfo). Throws as OAuthProvider::get_userinfo.
    nlohmann::json get_userinfo(std::string_view access_token) override;
    using OAuthProvider::get_userinfo;
    /// DELETE /applications/{client_id}/token for an access token (GitHub cannot revoke a
    /// refresh token on its own: false). False without a client secret (logged).
    bool revoke_token(std::string_view token, std::string_view token_type_hint = {}) override;

protected:
    ClientAuthMethod default_client_auth() const noexcept override {
        return ClientAuthMethod::client_secret_post;
    }
    UserIdentity identify_with(const OAuthTokenSet& tokens,
                               std::optional<IdTokenClaims> claims) override;

private:
    HttpResponse api_get(std::string_view path, std::string_view access_token);
    std::string api_base_;
};

} // namespace authflow

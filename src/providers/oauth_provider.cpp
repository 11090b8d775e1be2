// OAuthProvider: the OAuth 2.0 client (RFC 6749, 7009, 7636, 7662, 8628, 9207) shared by every
// provider class. It orchestrates: grants are built and read in token_endpoint/, client
// authentication is a strategy (client_auth.hpp), and every request to the provider's endpoints
// passes through one pipeline (endpoint_request.hpp).
#include "authorization_response.hpp"
#include "client_auth.hpp"
#include "dpop_decorator.hpp"
#include "dpop_nonces.hpp"
#include "dpop_policy.hpp"
#include "end_session.hpp"
#include "endpoint_request.hpp"
#include "extra_params.hpp"
#include "introspection_response.hpp"
#include "provider_internal.hpp"
#include "provider_settings.hpp"
#include "token_endpoint/authorization_code_grant.hpp"
#include "token_endpoint/client_credentials_grant.hpp"
#include "token_endpoint/refresh_grant.hpp"
#include "token_revocation.hpp"
#include "userinfo.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/providers/oauth_provider.hpp>
#include <authflow/providers/resource_request.hpp>

#include <algorithm>

namespace authflow {

using json = nlohmann::json;

OAuthProvider::OAuthProvider(ProviderConfig config) : config_(std::move(config)) {
    if (config_.client_id.empty()) {
        throw ConfigError(errc::config_missing, "client_id is required");
    }
    http_ = config_.http ? config_.http : default_http_client();
    dpop_nonces_ = std::make_shared<detail::DpopNonceCache>();
    clock_ = clock_or_system(config_.clock);
    detail::check_provider_settings(config_);
    if (!config_.private_key_file.empty() &&
        (config_.client_auth_method == ClientAuthMethod::private_key_jwt ||
         config_.client_auth_method == ClientAuthMethod::automatic)) {
        // Read the key now, once: a bad file is a ConfigError before any sign-in starts, not
        // after the user has signed in at the provider.
        client_auth_ = detail::make_client_auth(ClientAuthMethod::private_key_jwt, config_);
    }
    if (!config_.use_pkce) {
        log(LogLevel::warning, "PKCE is off (use_pkce = false): authorization codes are not "
                               "bound to this client; keep it off only for providers that "
                               "reject PKCE");
    }
}

OAuthProvider::~OAuthProvider() = default;

bool OAuthProvider::wants_openid_scope() const {
    return std::find(config_.scopes.begin(), config_.scopes.end(), "openid") !=
           config_.scopes.end();
}

ClientAuthMethod
OAuthProvider::resolve_client_auth(const std::vector<std::string>& advertised) const {
    return detail::choose_client_auth_method(config_, advertised, default_client_auth());
}

std::string OAuthProvider::client_assertion_audience(const ProviderEndpoints& resolved,
                                                     const std::string& endpoint_url) const {
    // A template issuer ("{tenantid}") is no one's identifier: use the endpoint then.
    if (resolved.issuer.empty() || resolved.issuer.find('{') != std::string::npos) {
        return endpoint_url;
    }
    return resolved.issuer;
}

ProviderEndpoints OAuthProvider::configured_endpoints() const {
    ProviderEndpoints endpoints;
    endpoints.issuer = config_.issuer_url;
    endpoints.authorization_endpoint = config_.authorize_url;
    endpoints.token_endpoint = config_.token_url;
    endpoints.userinfo_endpoint = config_.userinfo_url;
    endpoints.revocation_endpoint = config_.revocation_url;
    endpoints.introspection_endpoint = config_.introspection_url;
    endpoints.device_authorization_endpoint = config_.device_authorization_url;
    endpoints.end_session_endpoint = config_.end_session_url;
    endpoints.jwks_uri = config_.jwks_uri;
    endpoints.pushed_authorization_request_endpoint = config_.par_url;
    endpoints.client_auth_method = resolve_client_auth({});
    endpoints.dpop = detail::uses_dpop(config_, nullptr);
    return endpoints;
}

ProviderEndpoints OAuthProvider::endpoints() {
    return configured_endpoints();
}

bool OAuthProvider::issuer_matches(std::string_view iss, const ProviderEndpoints& endpoints) const {
    return iss == endpoints.issuer;
}

std::string OAuthProvider::check_callback(const QueryParams& params,
                                          std::string_view expected_state) {
    detail::check_callback_state(params, expected_state);
    const ProviderEndpoints resolved = endpoints();
    return detail::callback_code(
        params, resolved, [&](std::string_view iss) { return issuer_matches(iss, resolved); });
}

std::shared_ptr<const detail::ClientAuth> OAuthProvider::client_auth(ClientAuthMethod method) {
    std::lock_guard lock(client_auth_mutex_);
    if (!client_auth_ || client_auth_->method() != method) {
        client_auth_ = detail::make_client_auth(method, config_);
    }
    return client_auth_;
}

HttpResponse OAuthProvider::send(EndpointKind endpoint, const HttpRequest& request) {
    return detail::send_endpoint_request(*http_, config_.request_decorator.get(), endpoint,
                                         request);
}

HttpResponse OAuthProvider::send(EndpointKind endpoint, const HttpRequest& request,
                                 const DpopProofMaker* proofs, std::string_view access_token) {
    if (proofs == nullptr) {
        return send(endpoint, request);
    }
    detail::DpopDecorator dpop(*proofs, *dpop_nonces_, *clock_, access_token,
                               config_.request_decorator.get());
    HttpResponse response = detail::send_endpoint_request(*http_, &dpop, endpoint, request);
    // RFC 9449 §8.2: any answer may bring the nonce for the next request (the retry's too).
    dpop.remember_nonce(request, response);
    return response;
}

HttpResponse OAuthProvider::post_authenticated(EndpointKind endpoint, const std::string& url,
                                               QueryParams form, const ProviderEndpoints& resolved,
                                               const DpopProofMaker* proofs) {
    const auto auth = client_auth(resolved.client_auth_method);
    return send(endpoint,
                detail::authenticated_form_post(url, std::move(form), *auth,
                                                client_assertion_audience(resolved, url)),
                proofs);
}

HttpResponse OAuthProvider::send_token_request(QueryParams form, const ProviderEndpoints& resolved,
                                               const DpopProofMaker* proofs) {
    if (resolved.token_endpoint.empty()) {
        throw ConfigError(errc::config_missing, std::string{"no token endpoint: set token_url"} +
                                                    (is_openid_connect() ? " or issuer_url" : ""));
    }
    return post_authenticated(EndpointKind::token, resolved.token_endpoint, std::move(form),
                              resolved, proofs);
}

std::optional<IdTokenClaims> OAuthProvider::validate_response_id_token(const OAuthTokenSet&,
                                                                       const IdTokenChecks&) {
    return std::nullopt;
}

OAuthProvider::TokenResult OAuthProvider::exchange(std::string_view code,
                                                   std::string_view redirect_uri,
                                                   const std::optional<std::string>& pkce_verifier,
                                                   const std::optional<std::string>& nonce,
                                                   const std::optional<SigningKey>& dpop_key) {
    const bool expect_id_token =
        is_openid_connect() && wants_openid_scope() && !config_.insecure_skip_id_token_validation;
    if (code.empty()) {
        throw AuthenticationError(errc::missing_code, "no authorization code to exchange");
    }
    if (expect_id_token && (!nonce || nonce->empty())) {
        // Without the nonce an ID token stolen from another sign-in could be replayed into this
        // one (OIDC Core §3.1.3.7 step 11): every OIDC sign-in checks one.
        throw ConfigError(errc::invalid_argument,
                          "exchange_code needs the nonce sent in the authorization request");
    }
    const bool has_verifier = pkce_verifier && !pkce_verifier->empty();
    if (config_.use_pkce && !has_verifier) {
        throw ConfigError(errc::invalid_argument,
                          "PKCE is on: pass the code verifier of the authorization request");
    }
    const detail::AuthorizationCodeGrant grant{std::string{code}, std::string{redirect_uri},
                                               pkce_verifier, dpop_key.has_value()};
    const ProviderEndpoints resolved = endpoints();
    std::optional<DpopProofMaker> proofs;
    if (dpop_key) {
        proofs.emplace(*dpop_key);
    }
    TokenResult result{
        grant.read(send_token_request(grant.form(), resolved, proofs ? &*proofs : nullptr),
                   *clock_),
        {}};
    if (dpop_key) {
        result.tokens.dpop_key = dpop_key->to_pem();
    }
    if (result.tokens.id_token) {
        IdTokenChecks checks;
        checks.from_provider = true; // the token endpoint's own answer
        if (nonce && !nonce->empty()) {
            checks.nonce = *nonce;
        }
        checks.access_token = result.tokens.access_token;
        checks.code = std::string{code};
        result.claims = validate_response_id_token(result.tokens, checks);
    } else if (expect_id_token) {
        // OIDC Core §3.1.3.3: the token response to an openid request MUST contain an ID token.
        detail::AuthorizationCodeGrant::fail(
            {.code = errc::invalid_response,
             .message = "the token response has no id_token although openid was requested"});
    }
    return result;
}

OAuthTokenSet OAuthProvider::exchange_code(std::string_view code, std::string_view redirect_uri,
                                           const std::optional<std::string>& pkce_verifier,
                                           const std::optional<std::string>& nonce,
                                           const std::optional<SigningKey>& dpop_key) {
    return exchange(code, redirect_uri, pkce_verifier, nonce, dpop_key).tokens;
}

LoginResult OAuthProvider::complete_login(const AuthorizationRequest& request,
                                          const QueryParams& callback_params) {
    const std::string code = check_callback(callback_params, request.state);
    std::optional<std::string> verifier;
    if (request.pkce) {
        verifier = request.pkce->verifier();
    }
    std::optional<std::string> nonce;
    if (!request.nonce.empty()) {
        nonce = request.nonce;
    }
    return complete_login(code, request.redirect_uri, verifier, nonce, request.dpop_key);
}

LoginResult OAuthProvider::complete_login(std::string_view code, std::string_view redirect_uri,
                                          const std::optional<std::string>& pkce_verifier,
                                          const std::optional<std::string>& nonce,
                                          const std::optional<SigningKey>& dpop_key) {
    TokenResult result = exchange(code, redirect_uri, pkce_verifier, nonce, dpop_key);
    UserIdentity identity = identify_with(result.tokens, std::move(result.claims));
    return LoginResult{std::move(result.tokens), std::move(identity)};
}

UserIdentity OAuthProvider::identify(const OAuthTokenSet& tokens) {
    std::optional<IdTokenClaims> claims;
    if (tokens.id_token) {
        // No at_hash check here: after a refresh the kept ID token predates the access token.
        claims = validate_response_id_token(tokens, IdTokenChecks{});
    }
    return identify_with(tokens, std::move(claims));
}

UserIdentity OAuthProvider::identify_with(const OAuthTokenSet& tokens,
                                          std::optional<IdTokenClaims> claims) {
    UserIdentity identity;
    if (claims) {
        // The identity is the validated ID token's subject, never a placeholder: two users
        // sharing a made-up id would share tokens.
        identity.subject = claims->sub();
        identity.email = claims->email();
        identity.email_verified = claims->email_verified().value_or(false);
        identity.name = claims->name();
    }
    const ProviderEndpoints resolved = endpoints();
    if (!resolved.userinfo_endpoint.empty() && !tokens.access_token.empty()) {
        try {
            json info = get_userinfo(tokens);
            if (claims) {
                detail::check_userinfo_subject(info, *claims);
            }
            identity.userinfo = std::move(info);
        } catch (const AuthenticationError& e) {
            if (!claims || e.code() == errc::userinfo_mismatch) {
                throw;
            }
            log(LogLevel::warning, std::string{"userinfo failed; the identity comes from the ID "
                                               "token alone: "} +
                                       e.what());
        } catch (const TransportError& e) {
            if (!claims) {
                throw;
            }
            log(LogLevel::warning, std::string{"userinfo failed; the identity comes from the ID "
                                               "token alone: "} +
                                       e.what());
        }
    }
    detail::complete_identity_from_userinfo(identity, claims.has_value());
    identity.id_token_claims = std::move(claims);
    return identity;
}

OAuthProvider::TokenResult OAuthProvider::refresh(std::string_view refresh_token,
                                                  const OAuthTokenSet* current,
                                                  const TokenNarrowing& narrowing) {
    using detail::RefreshGrant;
    // Tokens bound to a key are refreshed with a proof of the same key (RFC 9449 §5, and §5.0
    // for a public client's refresh token), whatever the setting says now.
    std::optional<DpopProofMaker> proofs;
    if (current && current->dpop_key) {
        RefreshGrant::step([&] { proofs.emplace(SigningKey::from_pem(*current->dpop_key)); });
    }
    const RefreshGrant grant{std::string{refresh_token}, proofs.has_value(), narrowing};
    grant.check();
    if (refresh_token.empty()) {
        throw TokenRefreshError(errc::reauth_required, "there is no refresh token");
    }
    const ProviderEndpoints resolved = endpoints();
    if (current && current->id_token) {
        // The answer will likely carry an ID token to check: get ready while the refresh token
        // is still unused.
        RefreshGrant::step([this] { prepare_id_token_validation(); });
    }
    TokenResult result{
        grant.read(send_token_request(grant.form(), resolved, proofs ? &*proofs : nullptr),
                   *clock_),
        {}};
    OAuthTokenSet& tokens = result.tokens;
    if (proofs) {
        tokens.dpop_key = current->dpop_key;
    }
    if (tokens.id_token) {
        IdTokenChecks checks;
        checks.access_token = tokens.access_token;
        checks.from_provider = true;
        result.claims =
            RefreshGrant::step([&] { return validate_response_id_token(tokens, checks); });
        if (result.claims && current) {
            RefreshGrant::check_same_identity(*current, *result.claims);
        }
    }
    grant.keep_unchanged(tokens, current);
    return result;
}

OAuthTokenSet OAuthProvider::refresh_tokens(std::string_view refresh_token) {
    return refresh(refresh_token, nullptr).tokens;
}

OAuthTokenSet OAuthProvider::refresh_tokens(const OAuthTokenSet& current) {
    return refresh(current.refresh_token.value_or(""), &current).tokens;
}

OAuthTokenSet OAuthProvider::refresh_tokens(const OAuthTokenSet& current,
                                            const TokenNarrowing& narrowing) {
    return refresh(current.refresh_token.value_or(""), &current, narrowing).tokens;
}

nlohmann::json OAuthProvider::get_userinfo(std::string_view access_token) {
    const ProviderEndpoints resolved = endpoints();
    if (resolved.userinfo_endpoint.empty()) {
        return json::object();
    }
    HttpRequest request;
    request.url = resolved.userinfo_endpoint;
    request.headers = {{"Authorization", "Bearer " + std::string{access_token}},
                       {"Accept", "application/json"}};
    return detail::read_userinfo(send(EndpointKind::userinfo, request));
}

nlohmann::json OAuthProvider::get_userinfo(const OAuthTokenSet& tokens) {
    if (!is_dpop_bound(tokens)) {
        return get_userinfo(tokens.access_token);
    }
    const ProviderEndpoints resolved = endpoints();
    if (resolved.userinfo_endpoint.empty()) {
        return json::object();
    }
    const DpopProofMaker proofs(SigningKey::from_pem(*tokens.dpop_key));
    HttpRequest request;
    request.url = resolved.userinfo_endpoint;
    // RFC 9449 §7.1: the DPoP scheme, and a proof whose ath is the token's hash.
    request.headers = {{"Authorization", "DPoP " + tokens.access_token},
                       {"Accept", "application/json"}};
    return detail::read_userinfo(
        send(EndpointKind::userinfo, request, &proofs, tokens.access_token));
}

bool OAuthProvider::revoke_token(std::string_view token, std::string_view token_type_hint) {
    if (token.empty()) {
        return false;
    }
    try {
        const ProviderEndpoints resolved = endpoints();
        if (resolved.revocation_endpoint.empty()) {
            log(LogLevel::debug, "the provider has no revocation endpoint; nothing revoked");
            return false;
        }
        // RFC 7009 §2.1: confidential clients authenticate; without it the provider refuses
        // the revocation and the token stays valid after sign-out.
        const HttpResponse response =
            post_authenticated(EndpointKind::revocation, resolved.revocation_endpoint,
                               detail::token_form(token, token_type_hint), resolved);
        if (response.status == 200) {
            return true;
        }
        log(LogLevel::warning, detail::revocation_refusal(response));
    } catch (const Error& e) {
        log(LogLevel::warning, std::string{"revocation failed: "} +
                                   std::string{to_string(e.code())} + ": " + e.what());
    }
    return false;
}

RevocationResult OAuthProvider::revoke_tokens(const OAuthTokenSet& tokens) {
    RevocationResult result;
    // The refresh token first: revoking it may end the grant, access tokens included.
    if (tokens.refresh_token && !tokens.refresh_token->empty()) {
        result.refresh_token_revoked = revoke_token(*tokens.refresh_token, "refresh_token");
    }
    if (!tokens.access_token.empty()) {
        result.access_token_revoked = revoke_token(tokens.access_token, "access_token");
    }
    return result;
}

OAuthTokenSet OAuthProvider::client_credentials(const std::vector<std::string>& scopes,
                                                const QueryParams& extra_params) {
    detail::check_extra_params(extra_params, {"grant_type", "scope", "client_id", "client_secret"},
                               false);
    const ProviderEndpoints resolved = endpoints();
    if (resolved.client_auth_method == ClientAuthMethod::none) {
        throw ConfigError(errc::invalid_argument,
                          "the client credentials grant needs a confidential client (a secret)");
    }
    std::optional<SigningKey> key;
    if (resolved.dpop) {
        key = SigningKey::generate(config_.dpop_alg);
    }
    const detail::ClientCredentialsGrant grant{scopes, extra_params, key.has_value()};
    std::optional<DpopProofMaker> proofs;
    if (key) {
        proofs.emplace(*key);
    }
    OAuthTokenSet tokens = grant.read(
        send_token_request(grant.form(), resolved, proofs ? &*proofs : nullptr), *clock_);
    if (key) {
        tokens.dpop_key = key->to_pem();
    }
    return tokens;
}

IntrospectionResult OAuthProvider::introspect_token(std::string_view token,
                                                    std::string_view token_type_hint) {
    const ProviderEndpoints resolved = endpoints();
    if (resolved.introspection_endpoint.empty()) {
        throw ConfigError(errc::config_missing, "the provider offers no introspection endpoint "
                                                "(set introspection_url)");
    }
    // RFC 7662 §2.1: the protected resource (here: this client) authenticates.
    return detail::read_introspection(
        post_authenticated(EndpointKind::introspection, resolved.introspection_endpoint,
                           detail::token_form(token, token_type_hint), resolved));
}

std::optional<std::string> OAuthProvider::end_session_url(const EndSessionRequest& request) {
    const ProviderEndpoints resolved = endpoints();
    if (resolved.end_session_endpoint.empty()) {
        return std::nullopt;
    }
    return detail::end_session_url(resolved.end_session_endpoint, request, config_.client_id);
}

LogoutTokenClaims OAuthProvider::validate_logout_token(std::string_view) {
    throw ConfigError(errc::config_invalid,
                      "back-channel logout needs an OpenID Connect provider (logout tokens are "
                      "checked with the provider's ID-token keys)");
}

void OAuthProvider::close() {}

} // namespace authflow

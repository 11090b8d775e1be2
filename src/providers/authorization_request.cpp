// OAuthProvider's authorization request (RFC 6749 §4.1.1, RFC 7636, OIDC Core §3.1.2.1): the
// parameters, the nonce and PKCE pair, the DPoP key binding (RFC 9449 §10) and, where the
// provider wants it, the push of the parameters to its PAR endpoint (RFC 9126).
#include "extra_params.hpp"
#include "provider_internal.hpp"
#include "pushed_authorization.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/random.hpp>
#include <authflow/providers/oauth_provider.hpp>

namespace authflow {

AuthorizationRequest OAuthProvider::begin_authorization(std::string_view redirect_uri,
                                                        const QueryParams& extra_params) {
    return begin_authorization(redirect_uri, extra_params, random_token(32));
}

AuthorizationRequest OAuthProvider::begin_authorization(std::string_view redirect_uri,
                                                        const QueryParams& extra_params,
                                                        std::string state) {
    if (state.empty()) {
        throw ConfigError(errc::invalid_argument, "an authorization request needs a state");
    }
    AuthorizationRequest request;
    request.redirect_uri = std::string{redirect_uri};
    request.state = std::move(state);
    QueryParams extra = extra_params;
    if (auto nonce = extra.get("nonce")) {
        request.nonce = *nonce;
    } else if (is_openid_connect() && wants_openid_scope()) {
        // OIDC Core §3.1.2.1 + §15.5.2: a fresh nonce binds the ID token to this request.
        request.nonce = random_token(32);
        extra.add("nonce", request.nonce);
    }
    if (config_.use_pkce) {
        request.pkce = PKCEChallenge::generate();
    }
    request.dpop_key = new_dpop_key();
    if (request.dpop_key && !extra.contains("dpop_jkt")) {
        // RFC 9449 §10: binds the authorization code to this key. An ordinary parameter, so a
        // pushed authorization request carries it too.
        extra.add("dpop_jkt", request.dpop_key->thumbprint());
    }
    const ProviderEndpoints resolved = endpoints();
    const QueryParams params =
        authorization_params(redirect_uri, request.state, request.pkce, extra, resolved);
    if (!detail::should_push_authorization(config_.par, resolved)) {
        request.url = append_query(resolved.authorization_endpoint, params);
        return request;
    }
    // RFC 9126: the parameters go to the provider directly, authenticated (and, RFC 9449 §10.1,
    // with a proof of the sign-in's DPoP key); the browser carries only a reference to them.
    const auto auth = client_auth(resolved.client_auth_method);
    std::optional<DpopProofMaker> proofs;
    if (request.dpop_key) {
        proofs.emplace(*request.dpop_key);
    }
    const detail::PushedAuthorization pushed = detail::read_pushed_authorization(
        send(EndpointKind::pushed_authorization_request,
             detail::pushed_authorization_request(
                 resolved.pushed_authorization_request_endpoint, params, *auth,
                 client_assertion_audience(resolved,
                                           resolved.pushed_authorization_request_endpoint)),
             proofs ? &*proofs : nullptr),
        *clock_);
    request.url = detail::pushed_authorization_url(resolved.authorization_endpoint,
                                                   config_.client_id, pushed.request_uri);
    request.expires_at = pushed.expires_at;
    return request;
}

std::optional<SigningKey> OAuthProvider::new_dpop_key() {
    if (!endpoints().dpop) {
        return std::nullopt;
    }
    return SigningKey::generate(config_.dpop_alg);
}

std::string OAuthProvider::build_authorize_url(std::string_view redirect_uri,
                                               std::string_view state,
                                               const std::optional<PKCEChallenge>& pkce,
                                               const QueryParams& extra_params) {
    // The endpoint may come from discovery: resolve it first, or a provider configured by its
    // issuer alone would build a URL without a host.
    const ProviderEndpoints resolved = endpoints();
    // append_query joins with '&' when the endpoint already has a query: a second '?' would
    // turn our parameters into part of the provider's last value.
    return append_query(resolved.authorization_endpoint,
                        authorization_params(redirect_uri, state, pkce, extra_params, resolved));
}

QueryParams OAuthProvider::authorization_params(std::string_view redirect_uri,
                                                std::string_view state,
                                                const std::optional<PKCEChallenge>& pkce,
                                                const QueryParams& extra_params,
                                                const ProviderEndpoints& resolved) const {
    if (redirect_uri.empty() || state.empty()) {
        throw ConfigError(errc::invalid_argument,
                          "an authorization request needs a redirect_uri and a state");
    }
    detail::check_extra_params(extra_params, {}, true);
    if (!pkce && config_.use_pkce) {
        throw ConfigError(errc::invalid_argument,
                          "PKCE is on: pass a PKCEChallenge (or use begin_authorization)");
    }
    if (is_openid_connect() && wants_openid_scope() && !extra_params.contains("nonce")) {
        throw ConfigError(errc::invalid_argument,
                          "an OpenID Connect sign-in needs a nonce: pass one in the extra "
                          "parameters (or use begin_authorization)");
    }
    if (resolved.authorization_endpoint.empty()) {
        throw ConfigError(errc::config_missing,
                          std::string{"no authorization endpoint: set authorize_url"} +
                              (is_openid_connect() ? " or issuer_url" : ""));
    }
    QueryParams query{{"response_type", "code"},
                      {"client_id", config_.client_id},
                      {"redirect_uri", std::string{redirect_uri}},
                      {"state", std::string{state}}};
    if (!config_.scopes.empty()) {
        query.add("scope", detail::join_scopes(config_.scopes));
    }
    if (pkce) {
        query.add("code_challenge", pkce->challenge());
        query.add("code_challenge_method", std::string{pkce->method()});
    }
    for (const auto& [name, value] : default_authorize_params()) {
        if (!extra_params.contains(name)) {
            query.add(name, value);
        }
    }
    for (const auto& [name, value] : extra_params) {
        query.add(name, value);
    }
    return query;
}

} // namespace authflow

// OAuthProvider: the OAuth 2.0 client (RFC 6749, 7009, 7636, 7662, 8628, 9207) shared by every
// provider class.
#include "provider_internal.hpp"

#include <authflow/core/crypto.hpp>
#include <authflow/core/encoding.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/core/random.hpp>
#include <authflow/providers/oauth_provider.hpp>

#include <algorithm>
#include <array>

namespace authflow {
namespace {

using json = nlohmann::json;
using detail::safe_text;
using detail::string_member;

constexpr std::string_view device_code_grant = "urn:ietf:params:oauth:grant-type:device_code";

// RFC 6749 §4.1.1 and RFC 7636 §4.3: the parameters that define the request. An extra parameter
// that replaced one of them would change what the user consents to (seed §13 item 32).
bool is_protected_authorize_param(std::string_view name) {
    static constexpr std::array<std::string_view, 5> names = {"response_type", "client_id",
                                                              "redirect_uri", "state", "scope"};
    return std::find(names.begin(), names.end(), name) != names.end() ||
           name.starts_with("code_challenge");
}

void check_extra_params(const QueryParams& extra, std::initializer_list<std::string_view> reserved,
                        bool authorize) {
    for (std::size_t i = 0; i < extra.size(); ++i) {
        const auto& name = extra.items()[i].first;
        if (name.empty()) {
            throw ConfigError(errc::invalid_argument, "an extra parameter has an empty name");
        }
        if ((authorize && is_protected_authorize_param(name)) ||
            std::find(reserved.begin(), reserved.end(), name) != reserved.end()) {
            throw ConfigError(errc::invalid_argument,
                              "extra parameter '" + safe_text(name) +
                                  "' would override a parameter authflow sets itself");
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (extra.items()[j].first == name) {
                // RFC 6749 §3.1: parameters MUST NOT be included more than once.
                throw ConfigError(errc::invalid_argument,
                                  "extra parameter '" + safe_text(name) + "' is repeated");
            }
        }
    }
}

void check_url(const std::string& url, std::string_view what) {
    if (!url.empty()) {
        require_secure_url(url, what);
    }
}

[[noreturn]] void token_failure(bool refresh, errc code, const std::string& message,
                                ProviderAnswer answer = {}) {
    if (refresh) {
        throw TokenRefreshError(code, message, std::move(answer));
    }
    throw TokenError(code, message, std::move(answer));
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

// Reads a claims set from a stored ID token without verifying it: the token was validated when
// it was stored (it comes from our own store, not from the network).
IdTokenClaims stored_id_token_claims(std::string_view id_token) {
    const auto first = id_token.find('.');
    const auto second = first == std::string_view::npos ? first : id_token.find('.', first + 1);
    std::string payload;
    if (second == std::string_view::npos ||
        !base64url_decode_to(id_token.substr(first + 1, second - first - 1), payload)) {
        throw TokenRefreshError(errc::token_invalid, "the stored ID token cannot be read");
    }
    try {
        return IdTokenClaims::from_payload(std::move(payload));
    } catch (const TokenError& e) {
        throw TokenRefreshError(errc::token_invalid,
                                std::string{"the stored ID token cannot be read: "} + e.what());
    }
}

std::optional<bool> bool_member(const json& object, const char* name) {
    auto it = object.find(name);
    if (it == object.end()) {
        return std::nullopt;
    }
    if (it->is_boolean()) {
        return it->get<bool>();
    }
    // Some providers (Google, in its documentation) send "true"/"false" strings.
    if (it->is_string()) {
        if (*it == "true") {
            return true;
        }
        if (*it == "false") {
            return false;
        }
    }
    return std::nullopt;
}

std::optional<std::int64_t> int_member(const json& object, const char* name) {
    auto it = object.find(name);
    if (it == object.end() || !it->is_number_integer()) {
        return std::nullopt;
    }
    return it->get<std::int64_t>();
}

std::chrono::seconds seconds_member(const json& object, const char* name,
                                    std::chrono::seconds fallback, std::int64_t max) {
    auto it = object.find(name);
    if (it == object.end() || it->is_null()) {
        return fallback;
    }
    std::int64_t value = 0;
    try {
        value = parse_expires_in(*it); // a non-negative integer or digit string
    } catch (const TokenError&) {
        throw AuthenticationError(errc::invalid_response,
                                  std::string{"the device authorization's '"} + name +
                                      "' is not a number of seconds");
    }
    return std::chrono::seconds{std::clamp<std::int64_t>(value, 0, max)};
}

} // namespace

void CancelSignal::cancel() {
    {
        std::lock_guard lock(mutex_);
        cancelled_ = true;
    }
    cv_.notify_all();
}

bool CancelSignal::cancelled() const {
    std::lock_guard lock(mutex_);
    return cancelled_;
}

bool CancelSignal::wait_until(Clock& clock, Clock::steady_time deadline) {
    std::unique_lock lock(mutex_);
    return clock.wait_until(lock, cv_, deadline, [this] { return cancelled_; });
}

OAuthProvider::OAuthProvider(ProviderConfig config) : config_(std::move(config)) {
    if (config_.client_id.empty()) {
        throw ConfigError(errc::config_missing, "client_id is required");
    }
    http_ = config_.http ? config_.http : default_http_client();
    clock_ = config_.clock ? config_.clock : &system_clock();
    check_url(config_.authorize_url, "authorize_url");
    check_url(config_.token_url, "token_url");
    check_url(config_.userinfo_url, "userinfo_url");
    check_url(config_.revocation_url, "revocation_url");
    check_url(config_.introspection_url, "introspection_url");
    check_url(config_.device_authorization_url, "device_authorization_url");
    check_url(config_.end_session_url, "end_session_url");
    check_url(config_.issuer_url, "issuer_url");
    check_url(config_.jwks_uri, "jwks_uri");
    if (config_.leeway < std::chrono::seconds{0} || config_.leeway > std::chrono::seconds{600}) {
        throw ConfigError(errc::config_invalid, "leeway must be 0 to 600 seconds");
    }
    if ((config_.client_auth_method == ClientAuthMethod::client_secret_basic ||
         config_.client_auth_method == ClientAuthMethod::client_secret_post) &&
        config_.client_secret.empty()) {
        throw ConfigError(errc::config_missing,
                          std::string{"client_auth_method "} +
                              std::string{to_string(config_.client_auth_method)} +
                              " needs a client_secret");
    }
    if (!config_.use_pkce) {
        log(LogLevel::warning, "PKCE is off (use_pkce = false): authorization codes are not "
                               "bound to this client; keep it off only for providers that "
                               "reject PKCE");
    }
}

OAuthProvider::~OAuthProvider() = default;

bool OAuthProvider::wants_openid_scope() const {
    return contains(config_.scopes, "openid");
}

ClientAuthMethod
OAuthProvider::resolve_client_auth(const std::vector<std::string>& advertised) const {
    if (config_.client_auth_method != ClientAuthMethod::automatic) {
        return config_.client_auth_method;
    }
    if (config_.client_secret.empty()) {
        return ClientAuthMethod::none;
    }
    if (advertised.empty()) {
        // RFC 8414 §2: an absent token_endpoint_auth_methods_supported means client_secret_basic;
        // presets use what their provider documents.
        return default_client_auth();
    }
    if (contains(advertised, "client_secret_basic")) {
        return ClientAuthMethod::client_secret_basic;
    }
    if (contains(advertised, "client_secret_post")) {
        return ClientAuthMethod::client_secret_post;
    }
    throw ConfigError(errc::config_invalid,
                      "the provider supports neither client_secret_basic nor client_secret_post at "
                      "its token endpoint; set client_auth_method");
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
    endpoints.client_auth_method = resolve_client_auth({});
    return endpoints;
}

ProviderEndpoints OAuthProvider::endpoints() {
    return configured_endpoints();
}

AuthorizationRequest OAuthProvider::begin_authorization(std::string_view redirect_uri,
                                                        const QueryParams& extra_params) {
    AuthorizationRequest request;
    request.redirect_uri = std::string{redirect_uri};
    request.state = random_token(32);
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
    request.url = build_authorize_url(redirect_uri, request.state, request.pkce, extra);
    return request;
}

std::string OAuthProvider::build_authorize_url(std::string_view redirect_uri,
                                               std::string_view state,
                                               const std::optional<PKCEChallenge>& pkce,
                                               const QueryParams& extra_params) {
    if (redirect_uri.empty() || state.empty()) {
        throw ConfigError(errc::invalid_argument,
                          "an authorization request needs a redirect_uri and a state");
    }
    check_extra_params(extra_params, {}, true);
    if (!pkce && config_.use_pkce) {
        throw ConfigError(errc::invalid_argument,
                          "PKCE is on: pass a PKCEChallenge (or use begin_authorization)");
    }
    if (is_openid_connect() && wants_openid_scope() && !extra_params.contains("nonce")) {
        throw ConfigError(errc::invalid_argument,
                          "an OpenID Connect sign-in needs a nonce: pass one in the extra "
                          "parameters (or use begin_authorization)");
    }
    // Seed §13 item 4: the endpoint may come from discovery, so resolve it first.
    const ProviderEndpoints resolved = endpoints();
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
    // append_query joins with '&' when the endpoint already has a query (seed §13 item 32).
    return append_query(resolved.authorization_endpoint, query);
}

bool OAuthProvider::issuer_matches(std::string_view iss, const ProviderEndpoints& endpoints) const {
    return iss == endpoints.issuer;
}

std::string OAuthProvider::check_callback(const QueryParams& params,
                                          std::string_view expected_state) {
    if (expected_state.empty()) {
        throw ConfigError(errc::invalid_argument, "check_callback needs the expected state");
    }
    // RFC 6749 §10.12: the state binds the response to the browser that started the sign-in.
    const auto states = params.get_all("state");
    if (states.empty()) {
        throw AuthenticationError(errc::invalid_state, "the callback has no state");
    }
    if (states.size() > 1) {
        throw AuthenticationError(errc::invalid_state, "the callback repeats the state");
    }
    if (!constant_time_equal(states.front(), expected_state)) {
        throw AuthenticationError(errc::invalid_state,
                                  "the callback's state does not match (possible CSRF)");
    }
    const ProviderEndpoints resolved = endpoints();
    // RFC 9207 §2.4: compare iss with the issuer before anything else in the response is used,
    // error responses included (mix-up defence).
    const auto isses = params.get_all("iss");
    if (isses.size() > 1) {
        throw AuthenticationError(errc::bad_iss_param, "the callback repeats iss");
    }
    if (isses.size() == 1) {
        if (!resolved.issuer.empty() && !issuer_matches(isses.front(), resolved)) {
            throw AuthenticationError(errc::bad_iss_param,
                                      "the callback's iss '" + safe_text(isses.front(), 256) +
                                          "' is not the issuer '" +
                                          safe_text(resolved.issuer, 256) + "' (possible mix-up)");
        }
    } else if (resolved.iss_parameter_supported) {
        throw AuthenticationError(errc::bad_iss_param,
                                  "the provider advertises iss in authorization responses but the "
                                  "callback has none (possible mix-up)");
    }
    if (auto error = params.get("error")) {
        ProviderAnswer answer;
        answer.error = safe_text(*error, 64);
        answer.error_description = safe_text(params.get("error_description").value_or(""), 512);
        throw AuthenticationError(errc::provider_error,
                                  "the provider refused the sign-in: " + answer.error, answer);
    }
    const auto codes = params.get_all("code");
    if (codes.empty() || codes.front().empty()) {
        throw AuthenticationError(errc::missing_code, "the callback carries no authorization code");
    }
    if (codes.size() > 1) {
        throw AuthenticationError(errc::invalid_response, "the callback repeats the code");
    }
    return codes.front();
}

void OAuthProvider::authenticate_client(ClientAuthMethod method, QueryParams& form,
                                        HttpHeaders& headers) const {
    switch (method) {
    case ClientAuthMethod::client_secret_basic:
        // RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and
        // base64-encoded, so ':' or '%' in either survive.
        headers.emplace_back("Authorization",
                             "Basic " +
                                 base64_encode(detail::form_urlencode(config_.client_id) + ":" +
                                               detail::form_urlencode(config_.client_secret)));
        return;
    case ClientAuthMethod::client_secret_post:
        form.add("client_id", config_.client_id);
        form.add("client_secret", config_.client_secret);
        return;
    case ClientAuthMethod::none:
        form.add("client_id", config_.client_id);
        return;
    case ClientAuthMethod::automatic:
        break;
    }
    throw Error(errc::internal, "client authentication method not resolved");
}

HttpResponse OAuthProvider::send_token_request(QueryParams form,
                                               const ProviderEndpoints& resolved) {
    if (resolved.token_endpoint.empty()) {
        throw ConfigError(errc::config_missing, std::string{"no token endpoint: set token_url"} +
                                                    (is_openid_connect() ? " or issuer_url" : ""));
    }
    return post_authenticated(resolved.token_endpoint, std::move(form),
                              resolved.client_auth_method);
}

HttpResponse OAuthProvider::post_authenticated(const std::string& url, QueryParams form,
                                               ClientAuthMethod method) {
    HttpRequest request;
    request.method = "POST";
    request.url = url;
    request.headers = {{"Accept", "application/json"},
                       {"Content-Type", "application/x-www-form-urlencoded"}};
    authenticate_client(method, form, request.headers);
    request.body = build_query(form);
    return http_->send(request);
}

OAuthTokenSet OAuthProvider::read_token_response(const HttpResponse& response, bool refresh) const {
    const std::string status = " (HTTP " + std::to_string(response.status) + ")";
    // RFC 6585 §4, RFC 9110 §10.2.3: a refresh refused for now says when to come back.
    std::optional<std::string> retry_after;
    if (refresh && (response.status == 429 || response.status == 503)) {
        retry_after = response.header("Retry-After");
    }
    auto refuse = [&](errc code, const std::string& message, ProviderAnswer answer) {
        if (retry_after) {
            throw RetryLaterError(code, message, std::move(answer), *retry_after);
        }
        token_failure(refresh, code, message, std::move(answer));
    };
    auto body = detail::parse_json_object(response.body);
    if (body) {
        // RFC 6749 §5.2; GitHub reports errors with HTTP 200 and the same members.
        if (auto answer = detail::oauth_error_of(*body, response.status)) {
            refuse(errc::provider_error,
                   "the token endpoint refused the request: " + answer->error + status, *answer);
        }
    }
    if (response.status != 200) {
        refuse(errc::invalid_response,
               "the token endpoint answered without an OAuth error" + status,
               ProviderAnswer{"", "", response.status});
    }
    if (!body) {
        token_failure(refresh, errc::invalid_response,
                      "the token endpoint's answer is not a JSON object" + status);
    }
    auto access_token = body->find("access_token");
    if (access_token == body->end() || !access_token->is_string() ||
        access_token->get_ref<const std::string&>().empty()) {
        token_failure(refresh, errc::invalid_response,
                      "the token endpoint's answer has no access_token");
    }
    // RFC 6749 §7.1: only Bearer tokens are understood; a DPoP-bound token (RFC 9449) would be
    // unusable without its proof key, so it is refused rather than stored.
    if (auto type = body->find("token_type"); type != body->end() && !type->is_null()) {
        if (!type->is_string()) {
            token_failure(refresh, errc::invalid_response, "the token_type is not a string");
        }
        const auto& text = type->get_ref<const std::string&>();
        if (detail::iequals(text, "DPoP")) {
            token_failure(refresh, errc::invalid_response, "DPoP-bound tokens are not supported");
        }
        if (!detail::iequals(text, "Bearer")) {
            token_failure(refresh, errc::invalid_response,
                          "token_type '" + safe_text(text, 32) + "' is not Bearer");
        }
    }
    OAuthTokenSet tokens;
    try {
        tokens = OAuthTokenSet::from_token_response(*body, *clock_);
    } catch (const TokenError& e) {
        token_failure(refresh, errc::invalid_response,
                      std::string{"the token endpoint's answer is malformed: "} + e.what());
    }
    tokens.token_type = "Bearer";
    return tokens;
}

OAuthTokenSet OAuthProvider::token_request(Grant grant, QueryParams form,
                                           const ProviderEndpoints& resolved) {
    const HttpResponse response = send_token_request(std::move(form), resolved);
    return read_token_response(response, grant == Grant::refresh_token);
}

std::optional<IdTokenClaims> OAuthProvider::validate_response_id_token(const OAuthTokenSet&,
                                                                       const IdTokenChecks&) {
    return std::nullopt;
}

OAuthProvider::TokenResult OAuthProvider::exchange(std::string_view code,
                                                   std::string_view redirect_uri,
                                                   const std::optional<std::string>& pkce_verifier,
                                                   const std::optional<std::string>& nonce) {
    const bool expect_id_token =
        is_openid_connect() && wants_openid_scope() && !config_.insecure_skip_id_token_validation;
    if (code.empty()) {
        throw AuthenticationError(errc::missing_code, "no authorization code to exchange");
    }
    if (expect_id_token && (!nonce || nonce->empty())) {
        // Seed §4.7 / §13 item 18: the native flow sent no nonce. Every OIDC sign-in checks one.
        throw ConfigError(errc::invalid_argument,
                          "exchange_code needs the nonce sent in the authorization request");
    }
    const bool has_verifier = pkce_verifier && !pkce_verifier->empty();
    if (config_.use_pkce && !has_verifier) {
        throw ConfigError(errc::invalid_argument,
                          "PKCE is on: pass the code verifier of the authorization request");
    }
    QueryParams form{{"grant_type", "authorization_code"},
                     {"code", std::string{code}},
                     {"redirect_uri", std::string{redirect_uri}}};
    if (has_verifier) {
        // RFC 7636 §4.5; seed §13 item 19: GitHub's exchange dropped the verifier.
        form.add("code_verifier", *pkce_verifier);
    }
    const ProviderEndpoints resolved = endpoints();
    TokenResult result{token_request(Grant::authorization_code, std::move(form), resolved), {}};
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
        throw TokenError(errc::invalid_response,
                         "the token response has no id_token although openid was requested");
    }
    return result;
}

OAuthTokenSet OAuthProvider::exchange_code(std::string_view code, std::string_view redirect_uri,
                                           const std::optional<std::string>& pkce_verifier,
                                           const std::optional<std::string>& nonce) {
    return exchange(code, redirect_uri, pkce_verifier, nonce).tokens;
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
    return complete_login(code, request.redirect_uri, verifier, nonce);
}

LoginResult OAuthProvider::complete_login(std::string_view code, std::string_view redirect_uri,
                                          const std::optional<std::string>& pkce_verifier,
                                          const std::optional<std::string>& nonce) {
    TokenResult result = exchange(code, redirect_uri, pkce_verifier, nonce);
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
        // Seed §13 item 16: the identity is the validated ID token's subject, never "unknown".
        identity.subject = claims->sub();
        identity.email = claims->email();
        identity.email_verified = claims->email_verified().value_or(false);
        identity.name = claims->name();
    }
    const ProviderEndpoints resolved = endpoints();
    if (!resolved.userinfo_endpoint.empty() && !tokens.access_token.empty()) {
        try {
            json info = get_userinfo(tokens.access_token);
            if (claims) {
                // OIDC Core §5.3.4: the UserInfo sub MUST equal the ID token's sub, or the answer
                // may be about someone else (token substitution).
                auto sub = string_member(info, "sub");
                if (!sub || !constant_time_equal(*sub, claims->sub())) {
                    throw AuthenticationError(errc::userinfo_mismatch,
                                              "the userinfo sub differs from the ID token's sub");
                }
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
    const json& info = identity.userinfo;
    if (!claims) {
        if (auto sub = string_member(info, "sub"); sub && !sub->empty()) {
            identity.subject = *sub;
        } else if (auto id = info.find("id"); id != info.end() && id->is_number_integer()) {
            identity.subject = std::to_string(id->get<std::int64_t>());
        } else if (auto id_text = string_member(info, "id"); id_text && !id_text->empty()) {
            identity.subject = *id_text;
        } else {
            throw AuthenticationError(errc::bad_subject,
                                      "no identity: the provider returned neither a validated ID "
                                      "token nor a userinfo sub");
        }
    }
    if (!identity.email) {
        if (auto email = string_member(info, "email")) {
            identity.email = email;
            identity.email_verified = bool_member(info, "email_verified").value_or(false);
        }
    }
    if (!identity.name) {
        identity.name = string_member(info, "name");
    }
    identity.id_token_claims = std::move(claims);
    return identity;
}

OAuthProvider::TokenResult OAuthProvider::refresh(std::string_view refresh_token,
                                                  const OAuthTokenSet* current) {
    if (refresh_token.empty()) {
        throw TokenRefreshError(errc::reauth_required, "there is no refresh token");
    }
    const ProviderEndpoints resolved = endpoints();
    try {
        if (current && current->id_token) {
            prepare_id_token_validation(); // the answer will likely carry one to check
        }
    } catch (const TokenRefreshError&) {
        throw;
    } catch (const TokenError& e) {
        throw TokenRefreshError(e.code(), e.what(), e.provider_answer());
    }
    TokenResult result{token_request(Grant::refresh_token,
                                     QueryParams{{"grant_type", "refresh_token"},
                                                 {"refresh_token", std::string{refresh_token}}},
                                     resolved),
                       {}};
    OAuthTokenSet& tokens = result.tokens;
    if (!tokens.refresh_token) {
        // RFC 6749 §6: no new refresh token means the old one stays valid (seed §13 item 30:
        // GitHub dropped it).
        tokens.refresh_token = std::string{refresh_token};
    }
    if (current && tokens.scope.empty()) {
        tokens.scope = current->scope; // RFC 6749 §5.1: omitted scope = unchanged
    }
    if (tokens.id_token) {
        try {
            IdTokenChecks checks;
            checks.access_token = tokens.access_token;
            checks.from_provider = true;
            result.claims = validate_response_id_token(tokens, checks);
            if (result.claims && current && current->id_token) {
                // OIDC Core §12.2: a refreshed ID token MUST keep iss, sub, aud (and azp).
                check_refreshed_id_token(stored_id_token_claims(*current->id_token),
                                         *result.claims);
            }
        } catch (const TokenRefreshError&) {
            throw;
        } catch (const TokenError& e) {
            throw TokenRefreshError(e.code(), e.what(), e.provider_answer());
        }
    } else if (current && current->id_token) {
        tokens.id_token = current->id_token;
    }
    return result;
}

OAuthTokenSet OAuthProvider::refresh_tokens(std::string_view refresh_token) {
    return refresh(refresh_token, nullptr).tokens;
}

OAuthTokenSet OAuthProvider::refresh_tokens(const OAuthTokenSet& current) {
    return refresh(current.refresh_token.value_or(""), &current).tokens;
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
    const HttpResponse response = http_->send(request);
    if (response.status != 200) {
        throw AuthenticationError(errc::provider_error,
                                  "the userinfo endpoint answered HTTP " +
                                      std::to_string(response.status),
                                  detail::bearer_challenge_error(response));
    }
    auto body = detail::parse_json_object(response.body);
    if (!body) {
        const auto type = response.header("Content-Type").value_or("");
        throw AuthenticationError(errc::invalid_response,
                                  type.starts_with("application/jwt")
                                      ? "signed userinfo responses (application/jwt) are not "
                                        "supported"
                                      : "the userinfo answer is not a JSON object");
    }
    return std::move(*body);
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
        QueryParams form{{"token", std::string{token}}};
        if (!token_type_hint.empty()) {
            form.add("token_type_hint", std::string{token_type_hint});
        }
        // RFC 7009 §2.1: confidential clients authenticate (seed §13 item 23 sent no secret).
        const HttpResponse response = post_authenticated(
            resolved.revocation_endpoint, std::move(form), resolved.client_auth_method);
        if (response.status == 200) {
            return true;
        }
        std::string what = "revocation refused (HTTP " + std::to_string(response.status) + ")";
        if (auto body = detail::parse_json_object(response.body)) {
            if (auto answer = detail::oauth_error_of(*body, response.status)) {
                what += ": " + answer->error;
            }
        }
        log(LogLevel::warning, what);
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

DeviceAuthorization OAuthProvider::start_device_authorization(const QueryParams& extra_params) {
    check_extra_params(extra_params, {"client_id", "client_secret", "scope"}, false);
    const ProviderEndpoints resolved = endpoints();
    if (resolved.device_authorization_endpoint.empty()) {
        throw ConfigError(errc::config_missing, "the provider offers no device authorization "
                                                "endpoint (set device_authorization_url)");
    }
    QueryParams form;
    if (!config_.scopes.empty()) {
        form.add("scope", detail::join_scopes(config_.scopes));
    }
    for (const auto& [name, value] : extra_params) {
        form.add(name, value);
    }
    // RFC 8628 §3.1: the client authenticates as at the token endpoint.
    const HttpResponse response = post_authenticated(resolved.device_authorization_endpoint,
                                                     std::move(form), resolved.client_auth_method);
    auto body = detail::parse_json_object(response.body);
    if (body) {
        if (auto answer = detail::oauth_error_of(*body, response.status)) {
            throw AuthenticationError(errc::provider_error,
                                      "the device authorization endpoint refused: " + answer->error,
                                      *answer);
        }
    }
    if (response.status != 200 || !body) {
        throw AuthenticationError(errc::invalid_response,
                                  "the device authorization endpoint answered HTTP " +
                                      std::to_string(response.status) + " without a JSON object",
                                  ProviderAnswer{"", "", response.status});
    }
    DeviceAuthorization authorization;
    auto required = [&](const char* name, const char* alternative = nullptr) {
        auto value = string_member(*body, name);
        if ((!value || value->empty()) && alternative) {
            value = string_member(*body, alternative);
        }
        if (!value || value->empty()) {
            throw AuthenticationError(errc::invalid_response,
                                      std::string{"the device authorization has no "} + name);
        }
        return *value;
    };
    authorization.device_code = required("device_code");
    authorization.user_code = required("user_code");
    // Google names it verification_url (its documentation's example).
    authorization.verification_uri = required("verification_uri", "verification_url");
    authorization.verification_uri_complete =
        string_member(*body, "verification_uri_complete").value_or("");
    if (body->find("expires_in") == body->end()) {
        throw AuthenticationError(errc::invalid_response, "the device authorization has no "
                                                          "expires_in");
    }
    authorization.expires_in = seconds_member(*body, "expires_in", {}, 86400);
    if (authorization.expires_in <= std::chrono::seconds{0}) {
        throw AuthenticationError(errc::invalid_response, "the device authorization expired "
                                                          "already");
    }
    // RFC 8628 §3.2: interval defaults to 5 seconds.
    authorization.interval = std::max(
        seconds_member(*body, "interval", std::chrono::seconds{5}, 3600), std::chrono::seconds{1});
    authorization.expires_at = clock_->steady_now() + authorization.expires_in;
    authorization.raw = std::move(*body);
    return authorization;
}

OAuthTokenSet OAuthProvider::poll_device_token(const DeviceAuthorization& authorization,
                                               CancelSignal* cancel) {
    CancelSignal local;
    CancelSignal& signal = cancel ? *cancel : local;
    std::chrono::seconds interval = std::max(authorization.interval, std::chrono::seconds{1});
    const ProviderEndpoints resolved = endpoints();
    const auto timeout_seconds = static_cast<double>(authorization.expires_in.count());
    for (;;) {
        const auto now = clock_->steady_now();
        if (now >= authorization.expires_at) {
            throw AuthFlowTimeout("the device code expired before the user approved",
                                  timeout_seconds);
        }
        // RFC 8628 §3.5: wait `interval` between polls (on the injected Clock, cancellable).
        if (signal.wait_until(*clock_, std::min(now + interval, authorization.expires_at))) {
            throw AuthFlowCancelled(errc::cancelled, "the device authorization was cancelled");
        }
        if (clock_->steady_now() >= authorization.expires_at) {
            throw AuthFlowTimeout("the device code expired before the user approved",
                                  timeout_seconds);
        }
        HttpResponse response;
        try {
            response =
                send_token_request(QueryParams{{"grant_type", std::string{device_code_grant}},
                                               {"device_code", authorization.device_code}},
                                   resolved);
        } catch (const TransportError& e) {
            if (e.code() != errc::timeout) {
                throw;
            }
            // RFC 8628 §3.5: back off on a connection timeout.
            interval = std::min(interval * 2, std::chrono::seconds{300});
            log(LogLevel::warning, "device token poll timed out; polling less often");
            continue;
        }
        if (auto body = detail::parse_json_object(response.body)) {
            if (auto answer = detail::oauth_error_of(*body, response.status)) {
                if (answer->error == "authorization_pending") {
                    continue;
                }
                if (answer->error == "slow_down") {
                    // RFC 8628 §3.5: +5 s; GitHub also says the new interval.
                    interval += std::chrono::seconds{5};
                    if (auto told = int_member(*body, "interval"); told && *told > 0) {
                        interval = std::max(
                            interval, std::chrono::seconds{std::min<std::int64_t>(*told, 3600)});
                    }
                    continue;
                }
                if (answer->error == "expired_token") {
                    throw TokenExpiredError(errc::token_expired,
                                            "the device code expired before the user approved",
                                            *answer);
                }
                throw TokenError(errc::provider_error,
                                 "the device authorization ended: " + answer->error, *answer);
            }
        }
        OAuthTokenSet tokens = read_token_response(response, false);
        if (tokens.id_token) {
            IdTokenChecks checks;
            checks.access_token = tokens.access_token;
            checks.from_provider = true;
            validate_response_id_token(tokens, checks);
        }
        return tokens;
    }
}

OAuthTokenSet OAuthProvider::client_credentials(const std::vector<std::string>& scopes,
                                                const QueryParams& extra_params) {
    check_extra_params(extra_params, {"grant_type", "scope", "client_id", "client_secret"}, false);
    const ProviderEndpoints resolved = endpoints();
    if (resolved.client_auth_method == ClientAuthMethod::none) {
        throw ConfigError(errc::invalid_argument,
                          "the client credentials grant needs a confidential client (a secret)");
    }
    QueryParams form{{"grant_type", "client_credentials"}};
    if (!scopes.empty()) {
        form.add("scope", detail::join_scopes(scopes));
    }
    for (const auto& [name, value] : extra_params) {
        form.add(name, value);
    }
    return token_request(Grant::client_credentials, std::move(form), resolved);
}

IntrospectionResult OAuthProvider::introspect_token(std::string_view token,
                                                    std::string_view token_type_hint) {
    const ProviderEndpoints resolved = endpoints();
    if (resolved.introspection_endpoint.empty()) {
        throw ConfigError(errc::config_missing, "the provider offers no introspection endpoint "
                                                "(set introspection_url)");
    }
    QueryParams form{{"token", std::string{token}}};
    if (!token_type_hint.empty()) {
        form.add("token_type_hint", std::string{token_type_hint});
    }
    // RFC 7662 §2.1: the protected resource (here: this client) authenticates.
    const HttpResponse response = post_authenticated(resolved.introspection_endpoint,
                                                     std::move(form), resolved.client_auth_method);
    auto body = detail::parse_json_object(response.body);
    if (body) {
        if (auto answer = detail::oauth_error_of(*body, response.status)) {
            throw AuthenticationError(errc::provider_error,
                                      "the introspection endpoint refused: " + answer->error,
                                      *answer);
        }
    }
    if (response.status != 200) {
        throw AuthenticationError(errc::provider_error,
                                  "the introspection endpoint answered HTTP " +
                                      std::to_string(response.status),
                                  ProviderAnswer{"", "", response.status});
    }
    if (!body) {
        throw AuthenticationError(errc::invalid_response,
                                  "the introspection answer is not a JSON object");
    }
    auto active = body->find("active");
    if (active == body->end() || !active->is_boolean()) {
        throw AuthenticationError(errc::invalid_response,
                                  "the introspection answer has no boolean 'active'");
    }
    IntrospectionResult result;
    result.active = active->get<bool>();
    result.scope = string_member(*body, "scope");
    result.client_id = string_member(*body, "client_id");
    result.username = string_member(*body, "username");
    result.token_type = string_member(*body, "token_type");
    result.sub = string_member(*body, "sub");
    result.iss = string_member(*body, "iss");
    result.exp = int_member(*body, "exp");
    result.iat = int_member(*body, "iat");
    result.raw = std::move(*body);
    return result;
}

std::optional<std::string> OAuthProvider::end_session_url(const EndSessionRequest& request) {
    const ProviderEndpoints resolved = endpoints();
    if (resolved.end_session_endpoint.empty()) {
        return std::nullopt;
    }
    QueryParams query;
    auto add = [&](const char* name, const std::string& value) {
        if (!value.empty()) {
            query.add(name, value);
        }
    };
    add("id_token_hint", request.id_token_hint);
    add("post_logout_redirect_uri", request.post_logout_redirect_uri);
    add("state", request.state);
    add("logout_hint", request.logout_hint);
    add("ui_locales", request.ui_locales);
    // RP-Initiated Logout §2: client_id lets the provider check post_logout_redirect_uri even
    // without an id_token_hint.
    query.add("client_id", config_.client_id);
    return append_query(resolved.end_session_endpoint, query);
}

void OAuthProvider::close() {}

} // namespace authflow

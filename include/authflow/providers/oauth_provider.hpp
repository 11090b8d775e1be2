#pragma once
// OAuthProvider: one OAuth 2.0 / OpenID Connect client at one provider, and the types
// its calls exchange: authorization requests, callback checks, identities, device authorizations,
// introspection results, logout URLs.

#include <authflow/core/clock.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/pkce.hpp>
#include <authflow/core/settings.hpp>
#include <authflow/core/token_set.hpp>
#include <authflow/core/url.hpp>
#include <authflow/http/http_client.hpp>
#include <authflow/jose/dpop.hpp>
#include <authflow/jose/jwk.hpp>
#include <authflow/jose/signing_key.hpp>
#include <authflow/oidc/id_token.hpp>
#include <authflow/oidc/provider_snapshot.hpp>
#include <authflow/providers/request_decorator.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace authflow {

namespace detail {
class ClientAuth;
class DpopNonceCache;
} // namespace detail

/// Everything a provider object is configured with. Empty strings mean "not set"; explicit
/// endpoints always win over discovered ones. A plain value.
struct ProviderConfig {
    std::string client_id;     ///< required
    std::string client_secret; ///< empty for public clients
    /// Scopes requested by default; empty: the provider's own default scopes.
    std::vector<std::string> scopes;
    std::string authorize_url;
    std::string token_url;
    std::string userinfo_url;
    std::string revocation_url;
    std::string introspection_url;
    std::string device_authorization_url;
    std::string end_session_url;
    /// The pushed authorization request endpoint (RFC 9126 §2), for providers without discovery.
    std::string par_url;
    /// OpenID Connect: the issuer identifier (discovery, ID-token `iss`, callback `iss`).
    std::string issuer_url;
    /// OpenID Connect: where the signing keys are; empty: from discovery.
    std::string jwks_uri;
    /// The setting `token_endpoint_auth_method`: how the client authenticates (OIDC Core §9).
    ClientAuthMethod client_auth_method = ClientAuthMethod::automatic;
    /// A PEM or JWK file with the client's private key, for private_key_jwt (RFC 7523 §2.2);
    /// read once, when the provider is made. The path is not secret; the file is.
    std::string private_key_file;
    /// Whether begin_authorization pushes the parameters to the provider first (RFC 9126):
    /// `automatic` when the provider requires it, `always`, or `never`.
    ParMode par = ParMode::automatic;
    /// PKCE S256 on every authorization request. Turning it off is honoured (for providers that
    /// reject PKCE) with a warning in the log.
    bool use_pkce = true;
    /// ID-token algorithms accepted; empty: the provider's advertised asymmetric algorithms
    /// (discovery), else every asymmetric algorithm authflow implements.
    std::vector<JwsAlg> id_token_algs;
    /// Tolerance for clock skew when checking ID tokens (exp, iat, nbf, auth_time).
    std::chrono::seconds leeway{60};
    /// OpenID Connect: accept ID tokens without checking them. Only for setups that are not
    /// really OpenID Connect; off by default; logs a warning when on. Identity then comes from
    /// the userinfo endpoint only.
    bool insecure_skip_id_token_validation = false;
    /// DPoP (RFC 9449): bind each sign-in's tokens to a key of its own. auto: when the provider's
    /// discovery advertises `dpop_alg` (dpop_signing_alg_values_supported); required: always
    /// (a provider whose discovery does not advertise it is a ConfigError); off: never.
    DpopMode dpop = DpopMode::automatic;
    /// The algorithm of DPoP keys and proofs; asymmetric only (RFC 9449 §4.2).
    JwsAlg dpop_alg = JwsAlg::ES256;
    /// Every request goes through this client; null: default_http_client().
    std::shared_ptr<HttpClient> http;
    /// Sees every request to the token, userinfo, revocation, introspection, device
    /// authorization and pushed authorization request endpoints: adds headers to each, and may ask
    /// for one retry. Null: none.
    std::shared_ptr<RequestDecorator> request_decorator;
    /// Time for token lifetimes, ID-token checks and device-flow polling; empty: the system clock.
    std::shared_ptr<Clock> clock;
    /// The discovery document and key set an earlier process fetched (e.g. kept with a CLI
    /// profile): used instead of fetching them while fresh, and in their place while the
    /// provider cannot be reached (up to the caches' max_stale). Empty: fetched when needed.
    std::optional<ProviderSnapshot> snapshot;
    /// Called after the provider fetched its discovery document or key set, with all it knows
    /// now, so that a later process can start from it (`snapshot`). From the fetching thread;
    /// an exception it throws is logged. Empty: nothing is called.
    std::function<void(const ProviderSnapshot&)> on_snapshot;
};

/// The endpoints and properties a provider uses, after discovery. A plain value.
struct ProviderEndpoints {
    std::string issuer;
    std::string authorization_endpoint;
    std::string token_endpoint;
    std::string userinfo_endpoint;
    std::string revocation_endpoint;
    std::string introspection_endpoint;
    std::string device_authorization_endpoint;
    std::string end_session_endpoint;
    std::string jwks_uri;
    /// RFC 9126 §5: where authorization requests are pushed; empty: the provider has none.
    std::string pushed_authorization_request_endpoint;
    /// RFC 9126 §5: the provider accepts authorization requests only through that endpoint.
    bool require_pushed_authorization_requests = false;
    /// The method used at the token endpoint (never `automatic`).
    ClientAuthMethod client_auth_method = ClientAuthMethod::none;
    /// RFC 9207: the provider says it puts `iss` in every authorization response.
    bool iss_parameter_supported = false;
    /// RFC 9449: new sign-ins bind their tokens to a DPoP key (ProviderConfig::dpop).
    bool dpop = false;
};

/// What an authorization request was built with: keep `state`, `nonce` and `pkce` until the
/// callback arrives (every OpenID Connect login has a nonce). A plain value;
/// it holds secrets (the PKCE verifier), so never log it.
struct AuthorizationRequest {
    std::string url;          ///< send the user's browser here
    std::string redirect_uri; ///< as sent; the exchange must repeat it
    std::string state;        ///< check_callback compares the callback's state with it
    std::string nonce;        ///< empty for plain OAuth 2.0 providers (no ID token)
    std::optional<PKCEChallenge> pkce;
    /// RFC 9449 §10: the sign-in's DPoP key (its thumbprint went out as `dpop_jkt`); nothing
    /// when DPoP is not used. The exchange binds the tokens to it.
    std::optional<SigningKey> dpop_key;
    /// A pushed request (RFC 9126 §2.2): until when `url` may be opened, the provider's
    /// `expires_in` on the provider's Clock; after it the provider refuses the `request_uri`.
    /// Empty when the parameters are in `url` itself (no limit known).
    std::optional<Clock::steady_time> expires_at;

    /// True when the request was pushed.
    bool is_pushed() const noexcept { return expires_at.has_value(); }
};

/// Who signed in. `subject` is the stable identifier: the validated ID token's `sub` for OpenID
/// Connect providers, GitHub's numeric user id; never a placeholder. A plain value.
/// What a refresh may ask for beyond new tokens for the same grant: an access token for fewer
/// scopes (RFC 6749 §6) or for named APIs (RFC 8707 resource indicators, or the `audience`
/// parameter some providers use instead). A plain value; empty: an ordinary refresh.
struct TokenNarrowing {
    /// Scopes for the new access token, all within the grant's; empty: the grant's own.
    std::vector<std::string> scopes;
    /// RFC 8707 §2: absolute URIs, without a fragment, of the APIs the token is for.
    std::vector<std::string> resources;
    /// The `audience` form parameter (Auth0, Okta custom authorization servers); empty: none.
    std::string audience;

    bool empty() const noexcept { return scopes.empty() && resources.empty() && audience.empty(); }
};

struct UserIdentity {
    std::string subject;
    std::optional<std::string> email;
    bool email_verified = false;
    std::optional<std::string> name;
    /// The validated ID-token claims (OpenID Connect with validation on).
    std::optional<IdTokenClaims> id_token_claims;
    /// The userinfo answer (a JSON object); empty when there is no userinfo endpoint or it failed
    /// while the ID token already gave the identity.
    nlohmann::json userinfo = nlohmann::json::object();
};

/// The outcome of a sign-in: the tokens and who they belong to. A plain value.
struct LoginResult {
    OAuthTokenSet tokens;
    UserIdentity identity;
};

/// Which revocations succeeded (RFC 7009). A plain value.
struct RevocationResult {
    bool refresh_token_revoked = false;
    bool access_token_revoked = false;
};

/// A device authorization (RFC 8628 §3.2): show `user_code` and `verification_uri` to the user,
/// then poll. A plain value; `device_code` is a credential, never log it.
struct DeviceAuthorization {
    std::string device_code;
    std::string user_code;
    std::string verification_uri;
    std::string verification_uri_complete; ///< empty when the provider sent none
    std::chrono::seconds expires_in{0};
    std::chrono::seconds interval{5}; ///< the least time between two polls
    Clock::steady_time expires_at{};  ///< when the codes expire, on the provider's Clock
    nlohmann::json raw = nlohmann::json::object(); ///< the whole answer
    /// RFC 9449: the key the tokens will be bound to; nothing when DPoP is not used.
    std::optional<SigningKey> dpop_key;
};

/// Cancels a blocking wait (device-flow polling) from another thread. Safe to use from several
/// threads.
class CancelSignal {
public:
    /// Wakes every wait on this signal; later waits return at once.
    void cancel();
    bool cancelled() const;
    /// Waits on `clock` until `deadline` or cancel(). Returns true if cancelled.
    bool wait_until(Clock& clock, Clock::steady_time deadline);

private:
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    bool cancelled_ = false;
};

/// A token introspection answer (RFC 7662 §2.2). A plain value.
struct IntrospectionResult {
    bool active = false;
    std::optional<std::string> scope;
    std::optional<std::string> client_id;
    std::optional<std::string> username;
    std::optional<std::string> token_type;
    std::optional<std::string> sub;
    std::optional<std::string> iss;
    std::optional<std::int64_t> exp;
    std::optional<std::int64_t> iat;
    nlohmann::json raw = nlohmann::json::object(); ///< the whole answer
};

/// The parameters of an RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2).
/// Empty members are left out. A plain value.
struct EndSessionRequest {
    std::string id_token_hint;
    std::string post_logout_redirect_uri;
    std::string state;
    std::string logout_hint;
    std::string ui_locales;
};

/// A refresh that the token endpoint refused for now and asked to retry later: HTTP 429 or 503
/// with a Retry-After header (RFC 6585 §4, RFC 9110 §10.2.3). A TokenRefreshError like any
/// other refusal, carrying the provider's answer and the header as received.
class RetryLaterError : public TokenRefreshError {
public:
    RetryLaterError(errc code, const std::string& message, ProviderAnswer answer,
                    std::string retry_after)
        : TokenRefreshError(code, message, std::move(answer)),
          retry_after_(std::move(retry_after)) {}
    /// The Retry-After value: delay-seconds or an HTTP-date (untrusted; parse with care).
    const std::string& retry_after() const noexcept { return retry_after_; }
    [[noreturn]] void throw_copy() const override { throw *this; }

private:
    std::string retry_after_;
};

/// One OAuth 2.0 client at one provider: authorization URLs, callback checks, the token endpoint
/// (code, refresh, device, client credentials), userinfo, revocation, introspection, logout.
/// Construct a concrete provider (GenericOIDCProvider, GoogleProvider, MicrosoftProvider,
/// GitHubProvider) or use create_provider_from_settings. Calls block until done. Safe to use from
/// several threads: no lock is held during network I/O.
class OAuthProvider {
public:
    virtual ~OAuthProvider();
    OAuthProvider(const OAuthProvider&) = delete;
    OAuthProvider& operator=(const OAuthProvider&) = delete;

    /// "oidc", "custom", "google", "microsoft" or "github".
    virtual std::string_view name() const noexcept = 0;
    const std::string& client_id() const noexcept { return config_.client_id; }
    /// The scopes requested by default (the provider's own unless configured).
    const std::vector<std::string>& scopes() const noexcept { return config_.scopes; }
    const ProviderConfig& config() const noexcept { return config_; }
    /// True for OpenID Connect providers: ID tokens are expected when `openid` is requested.
    virtual bool is_openid_connect() const noexcept { return false; }

    /// The endpoints in use, running discovery first when some come from it. Throws as
    /// discovery does (ConfigError, TransportError, AuthenticationError with discovery_failed).
    virtual ProviderEndpoints endpoints();

    /// Builds a complete authorization request (RFC 6749 §4.1.1, RFC 7636, OIDC Core §3.1.2.1):
    /// a new state, a new nonce for OpenID Connect, a new PKCE S256 pair (unless use_pkce is
    /// off), a new DPoP key when DPoP is used (its thumbprint as `dpop_jkt`, RFC 9449 §10), and
    /// the URL. `extra_params` are added as in build_authorize_url; a `nonce` among them is
    /// used instead of a new one. When the `par` setting says so (RFC 9126: `always`,
    /// or `automatic` with a provider that requires it) the parameters are first pushed to the
    /// provider's PAR endpoint with the client's authentication (and the DPoP proof), and the URL
    /// carries only `client_id` and the `request_uri` it answered; `expires_at` says until when.
    /// Throws as build_authorize_url; ConfigError (config_missing) for `par = always` without a
    /// PAR endpoint, (config_invalid) for a provider that requires pushing but names no endpoint,
    /// (invalid_argument) for a pushed request with a `request_uri` extra; AuthenticationError
    /// (provider_error with the provider's error and description, e.g. invalid_client;
    /// invalid_response for an answer without a usable request_uri or expires_in); TransportError
    /// when the PAR endpoint cannot be reached.
    AuthorizationRequest begin_authorization(std::string_view redirect_uri,
                                             const QueryParams& extra_params = {});
    /// As above with the caller's `state` (a value that cannot be guessed, such as
    /// random_token(32); e.g. a callback server that must know it before the request is made).
    /// Throws ConfigError (invalid_argument) for an empty state, else as above.
    AuthorizationRequest begin_authorization(std::string_view redirect_uri,
                                             const QueryParams& extra_params, std::string state);

    /// pywry.auth's URL builder: response_type=code, client_id, redirect_uri, state, scope,
    /// code_challenge and code_challenge_method (when `pkce` is given), then the provider's
    /// defaults (Google: access_type, prompt) unless the caller gives them, then
    /// `extra_params`, joined to an authorization endpoint that may already have a query with
    /// '&'. Runs discovery first when the endpoint comes from it. Throws ConfigError
    /// (invalid_argument) when an extra parameter would override response_type, client_id,
    /// redirect_uri, state, scope or code_challenge*, is repeated, or has an empty name; when
    /// an OpenID Connect request for `openid` has no `nonce` among the extras (use
    /// begin_authorization, or pass one); when `pkce` is missing while use_pkce is on; and
    /// (config_missing) when there is no authorization endpoint. Never pushes the request
    /// (use begin_authorization for pushed authorization requests, RFC 9126).
    std::string build_authorize_url(std::string_view redirect_uri, std::string_view state,
                                    const std::optional<PKCEChallenge>& pkce = std::nullopt,
                                    const QueryParams& extra_params = {});

    /// Checks an authorization response (the redirect's query) and returns its code, in this
    /// order: exactly one `state`, equal to `expected_state` (constant time; invalid_state);
    /// the `iss` parameter (RFC 9207 §2.4) equal to the issuer when present, and present when
    /// the provider advertises authorization_response_iss_parameter_supported (bad_iss_param);
    /// an `error` (RFC 6749 §4.1.2.1) becomes AuthenticationError (provider_error) carrying the
    /// provider's error and error_description; then exactly one non-empty `code`
    /// (missing_code). Throws AuthenticationError with those codes, ConfigError
    /// (invalid_argument) for an empty expected_state, and as discovery does.
    std::string check_callback(const QueryParams& params, std::string_view expected_state);

    /// Exchanges an authorization code (RFC 6749 §4.1.3) with the configured client
    /// authentication and the PKCE verifier; for OpenID Connect validates the ID token with the
    /// nonce, at_hash and c_hash (OIDC Core §3.1.3.7). Throws TokenError: provider_error with
    /// the provider's answer (RFC 6749 §5.2, also GitHub's HTTP 200 with `error`),
    /// invalid_response (not JSON, no access_token, a token_type other than the one asked for:
    /// Bearer, or DPoP with a `dpop_key`), the ID
    /// token's validation codes; ConfigError (invalid_argument) when an OpenID Connect request
    /// for `openid` is made without the nonce; TransportError when no answer arrived.
    /// With a `dpop_key` the request carries a DPoP proof (RFC 9449 §5), the answer must be a
    /// DPoP token (a Bearer answer is invalid_response), and the tokens keep the key; without
    /// one a DPoP answer is invalid_response.
    OAuthTokenSet exchange_code(std::string_view code, std::string_view redirect_uri,
                                const std::optional<std::string>& pkce_verifier = std::nullopt,
                                const std::optional<std::string>& nonce = std::nullopt,
                                const std::optional<SigningKey>& dpop_key = std::nullopt);

    /// check_callback, exchange_code and identify in one call: what the native and deploy
    /// flows do with a callback. Throws as those do.
    LoginResult complete_login(const AuthorizationRequest& request,
                               const QueryParams& callback_params);
    /// exchange_code and identify (identity from the ID token validated in the exchange).
    LoginResult complete_login(std::string_view code, std::string_view redirect_uri,
                               const std::optional<std::string>& pkce_verifier,
                               const std::optional<std::string>& nonce,
                               const std::optional<SigningKey>& dpop_key = std::nullopt);

    /// A new DPoP key for one sign-in when this provider's token requests use DPoP
    /// (ProviderConfig::dpop and discovery), else nothing. Throws ConfigError (config_invalid)
    /// when dpop is required and the provider does not advertise it, and as discovery does.
    std::optional<SigningKey> new_dpop_key();

    /// Who the tokens belong to, right after they were obtained: the validated ID token's `sub`
    /// (OIDC), the userinfo answer for profile data (its `sub` must match: userinfo_mismatch),
    /// or the provider's own user API (GitHub). Throws TokenError (ID-token codes),
    /// AuthenticationError (userinfo_mismatch, provider_error, invalid_response, bad_subject when
    /// no identity can be found), TransportError.
    virtual UserIdentity identify(const OAuthTokenSet& tokens);

    /// Refreshes tokens (RFC 6749 §6). The answer keeps the given refresh token when it has
    /// none. A new ID token is validated (without nonce). No DPoP proof is sent (use the
    /// overload with the token set for DPoP-bound tokens). Throws TokenRefreshError with the
    /// codes of exchange_code; TransportError when no answer arrived.
    OAuthTokenSet refresh_tokens(std::string_view refresh_token);
    /// As above from the current token set, additionally checking that a new ID token keeps
    /// the original's iss, sub and aud (OIDC Core §12.2), and keeping the current ID token and
    /// scope when the answer has none. Tokens with a DPoP key are refreshed with a proof of that
    /// key (RFC 9449 §5) and keep it, whatever the `dpop` setting says now. Throws
    /// TokenRefreshError (reauth_required when there is no refresh token,
    /// bad_issuer/bad_subject/bad_audience for a changed identity, bad_key for a stored key
    /// that cannot be read).
    OAuthTokenSet refresh_tokens(const OAuthTokenSet& current);
    /// As above, asking for a narrower access token (`narrowing`). A refresh token in the answer
    /// keeps the grant's full scope (RFC 6749 §6); the answer's `scope` is the narrowed one (the
    /// requested scopes when the answer names none). Throws ConfigError (invalid_argument) for a
    /// resource that is not an absolute URI without fragment, TokenRefreshError with the
    /// provider's answer when it refuses (`invalid_scope`, RFC 8707's `invalid_target`), and as
    /// above.
    OAuthTokenSet refresh_tokens(const OAuthTokenSet& current, const TokenNarrowing& narrowing);

    /// The userinfo endpoint's JSON object (OIDC Core §5.3); an empty object when the provider
    /// has none. Throws AuthenticationError (provider_error with the status and the
    /// WWW-Authenticate error; invalid_response for a body that is not a JSON object, e.g. a
    /// signed userinfo JWT), TransportError.
    virtual nlohmann::json get_userinfo(std::string_view access_token);
    /// As above for a token set: a DPoP token (a key and token_type DPoP) is sent as
    /// `Authorization: DPoP` with a proof carrying `ath` (RFC 9449 §7), and a use_dpop_nonce
    /// challenge with a DPoP-Nonce is answered by one retry (§9); a Bearer token as above.
    nlohmann::json get_userinfo(const OAuthTokenSet& tokens);

    /// Revokes one token (RFC 7009 §2.1) with client authentication and, when given, the
    /// token_type_hint ("refresh_token" or "access_token"). Returns true when the provider
    /// confirmed (HTTP 200), false when it has no revocation endpoint or refused or could not
    /// be reached (logged, never the token).
    virtual bool revoke_token(std::string_view token, std::string_view token_type_hint = {});
    /// Revokes the refresh token first (which may end the whole grant), then the access token.
    RevocationResult revoke_tokens(const OAuthTokenSet& tokens);

    /// Starts the device authorization grant (RFC 8628 §3.1) for the default scopes, with a new
    /// DPoP key when DPoP is used (poll_device_token binds the tokens to it). Throws
    /// ConfigError (config_missing) without a device authorization endpoint, AuthenticationError
    /// (provider_error, invalid_response), TransportError.
    DeviceAuthorization start_device_authorization(const QueryParams& extra_params = {});
    /// Polls the token endpoint (RFC 8628 §3.4–3.5) until the user approved: waits `interval`
    /// before each poll on the provider's Clock, adds 5 s on slow_down (or takes the provider's
    /// larger interval), backs off on a timeout. Throws AuthFlowCancelled (cancelled) when
    /// `cancel` fires, AuthFlowTimeout (auth_timeout) when the codes expire locally,
    /// TokenExpiredError (token_expired) on expired_token, TokenError (provider_error) on
    /// access_denied and other refusals, and the ID-token errors.
    OAuthTokenSet poll_device_token(const DeviceAuthorization& authorization,
                                    CancelSignal* cancel = nullptr);

    /// The client credentials grant (RFC 6749 §4.4) for `scopes` (empty: none sent), bound to a
    /// new DPoP key when DPoP is used. Throws ConfigError (invalid_argument) for a public
    /// client, TokenError as exchange_code.
    OAuthTokenSet client_credentials(const std::vector<std::string>& scopes = {},
                                     const QueryParams& extra_params = {});

    /// Token introspection (RFC 7662) with client authentication. Throws ConfigError
    /// (config_missing) when the provider offers no introspection endpoint, AuthenticationError
    /// (provider_error, invalid_response: no boolean `active`), TransportError.
    IntrospectionResult introspect_token(std::string_view token,
                                         std::string_view token_type_hint = {});

    /// The RP-initiated logout URL (end_session_endpoint with id_token_hint,
    /// post_logout_redirect_uri, state and client_id), or nothing when the provider has no
    /// end-session endpoint. Throws as discovery does.
    std::optional<std::string> end_session_url(const EndSessionRequest& request);

    /// Validates a back-channel logout token this provider sent (OpenID Connect Back-Channel
    /// Logout 1.0 §2.6 steps 1–6, IdTokenValidator::validate_logout_token) with the keys, issuer,
    /// audience and algorithms of its ID tokens. Throws TokenError with the failing check's code,
    /// ConfigError (config_invalid) for a provider without ID tokens (plain OAuth 2.0), and as
    /// discovery and key fetching do.
    virtual LogoutTokenClaims validate_logout_token(std::string_view logout_token);

    /// Forgets cached discovery documents and keys (they are fetched again when needed). Safe
    /// to call any number of times; the provider stays usable.
    virtual void close();

protected:
    /// Throws ConfigError: config_missing without a client id, insecure_url for an endpoint
    /// that is not https (http only to loopback hosts).
    explicit OAuthProvider(ProviderConfig config);

    HttpClient& http() const { return *http_; }
    const std::shared_ptr<HttpClient>& http_client() const { return http_; }
    Clock& clock() const { return *clock_; }
    const std::shared_ptr<Clock>& clock_ptr() const { return clock_; }
    bool wants_openid_scope() const;

    /// The `aud` of a client assertion (private_key_jwt, client_secret_jwt) sent to
    /// `endpoint_url`: the issuer identifier (draft-ietf-oauth-rfc7523bis), or the endpoint's URL
    /// when there is none. Presets whose provider wants another audience override it.
    virtual std::string client_assertion_audience(const ProviderEndpoints& endpoints,
                                                  const std::string& endpoint_url) const;
    /// The client authentication used when discovery does not say (presets: what their
    /// documentation shows).
    virtual ClientAuthMethod default_client_auth() const noexcept {
        return ClientAuthMethod::client_secret_basic;
    }
    /// Parameters the provider adds to every authorization request unless the caller gives them.
    virtual QueryParams default_authorize_params() const { return {}; }
    /// Checks the ID token of a token-endpoint answer; returns its claims, or nothing when there
    /// is none or validation is off. The base class (plain OAuth 2.0) ignores ID tokens.
    virtual std::optional<IdTokenClaims> validate_response_id_token(const OAuthTokenSet& tokens,
                                                                    const IdTokenChecks& checks);
    /// Called before a refresh request is sent: makes sure an ID token in the answer can be
    /// checked (OpenID providers fetch their key set now). A failure here happens while the
    /// refresh token is still unused; after the request, a rotating provider has already
    /// replaced it. The base class (plain OAuth 2.0) does nothing.
    virtual void prepare_id_token_validation() {}
    /// Whether an `iss` callback parameter equals this provider's issuer (RFC 9207).
    virtual bool issuer_matches(std::string_view iss, const ProviderEndpoints& endpoints) const;
    /// identify() with claims already validated (by the exchange).
    virtual UserIdentity identify_with(const OAuthTokenSet& tokens,
                                       std::optional<IdTokenClaims> claims);

    /// The endpoints from the configuration alone (no discovery), with the client
    /// authentication resolved without discovery.
    ProviderEndpoints configured_endpoints() const;
    /// Resolves `automatic` client authentication from a provider's advertised methods.
    ClientAuthMethod resolve_client_auth(const std::vector<std::string>& advertised) const;

    /// Sends a request to one of the provider's endpoints through the request decorator (for
    /// subclasses that call endpoints of their own, such as GitHub's user API). Throws as
    /// HttpClient::send.
    HttpResponse send(EndpointKind endpoint, const HttpRequest& request);
    /// As send, with a DPoP proof of `proofs` on each attempt (`ath` of `access_token` when not
    /// empty), the provider's latest DPoP nonce for that server, and one retry when the server
    /// asks for a nonce (RFC 9449 §8, §9). Null `proofs`: as send.
    HttpResponse send(EndpointKind endpoint, const HttpRequest& request,
                      const DpopProofMaker* proofs, std::string_view access_token = {});

private:
    struct TokenResult {
        OAuthTokenSet tokens;
        std::optional<IdTokenClaims> claims;
    };
    /// The client authentication strategy for `method`, made once and kept.
    std::shared_ptr<const detail::ClientAuth> client_auth(ClientAuthMethod method);
    /// POSTs a form to `url` with client authentication (RFC 6749 §2.3.1), asking for JSON.
    HttpResponse post_authenticated(EndpointKind endpoint, const std::string& url, QueryParams form,
                                    const ProviderEndpoints& endpoints,
                                    const DpopProofMaker* proofs = nullptr);
    /// POSTs a grant's form to the token endpoint with client authentication (and a DPoP proof
    /// when `proofs` is given).
    HttpResponse send_token_request(QueryParams form, const ProviderEndpoints& endpoints,
                                    const DpopProofMaker* proofs = nullptr);
    /// The authorization request's parameters in the order build_authorize_url sends them,
    /// after its checks.
    QueryParams authorization_params(std::string_view redirect_uri, std::string_view state,
                                     const std::optional<PKCEChallenge>& pkce,
                                     const QueryParams& extra_params,
                                     const ProviderEndpoints& endpoints) const;
    TokenResult exchange(std::string_view code, std::string_view redirect_uri,
                         const std::optional<std::string>& pkce_verifier,
                         const std::optional<std::string>& nonce,
                         const std::optional<SigningKey>& dpop_key);
    TokenResult refresh(std::string_view refresh_token, const OAuthTokenSet* current,
                        const TokenNarrowing& narrowing = {});

    ProviderConfig config_;
    std::shared_ptr<HttpClient> http_;
    std::shared_ptr<Clock> clock_;
    std::mutex client_auth_mutex_;
    std::shared_ptr<const detail::ClientAuth> client_auth_;
    /// The latest DPoP-Nonce of each of the provider's servers (RFC 9449 §8).
    std::shared_ptr<detail::DpopNonceCache> dpop_nonces_;
};

} // namespace authflow

#pragma once
// A real OpenID Provider for tests (node oidc-provider, tests/support/node/op.mjs) and a small
// HTTP "browser" that drives its sign-in, consent, device and logout pages.
//
// Typical use (see tests/integration/providers_oidc_test.cpp):
//
//   AUTHFLOW_REQUIRE_SERVICE(test::OidcProvider::available(), test::OidcProvider::missing());
//   test::OidcProvider op;                        // 127.0.0.1, a free port, stopped by pid
//   ProviderConfig c; c.client_id = "conf-client"; c.client_secret = "conf-client-secret";
//   c.issuer_url = op.issuer();
//   GenericOIDCProvider provider(c);
//   auto request = provider.begin_authorization(test::OidcProvider::default_redirect_uri);
//   test::OpBrowser browser;                      // keeps the OP's cookies, like a browser
//   auto callback = browser.authorize(request.url, test::OidcProvider::default_redirect_uri);
//   auto login = provider.complete_login(request, callback);
//   op.count_events("grant.success", "conf-client");   // what the provider really did
//
// Clients registered by op.mjs (secrets are "<client_id>-secret"):
//   conf-client (client_secret_basic, ID tokens RS256), conf-client-PS256, conf-client-ES256,
//   conf-client-EdDSA, post-client (client_secret_post), special-client (secret
//   "p@ss w:rd+%&/"), public-client (none, native: http://127.0.0.1:<any port>/callback),
//   jwt-secret-client (client_secret_jwt), jwt-key-client (private_key_jwt, with
//   OidcProviderOptions::jwt_key_client_jwks).
//   dpop-client (as conf-client, DPoP-bound tokens only), dpop-nonce-client (the same, proofs
//   need a nonce); both need OidcProviderOptions::dpop.
//   par-client (as conf-client, must push its authorization requests, RFC 9126).
// Every confidential client may use authorization_code, refresh_token, client_credentials and
// the device grant. Scopes: openid offline_access profile email api:read. Any login name and
// password are accepted; the account id is the login name.

#include "support/process.hpp"
#include "support/test_env.hpp"

#include <authflow/core/url.hpp>
#include <authflow/http/http_client.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace authflow::test {

/// How op.mjs is started. Every member has op.mjs's default.
struct OidcProviderOptions {
    /// The issuer identifier; empty: http://127.0.0.1:<port>. Another value makes the discovery
    /// document disagree with the URL it is fetched from (a broken provider).
    std::string issuer;
    /// Redirect URIs of the confidential clients; empty: {default_redirect_uri}.
    std::vector<std::string> redirect_uris;
    /// Post-logout redirect URIs of every client; empty: {default_post_logout_redirect_uri}.
    std::vector<std::string> post_logout_redirect_uris;
    /// Rotate refresh tokens on every use (oidc-provider's default rotates only sometimes).
    bool rotate_refresh_token = true;
    int access_token_ttl = 600; ///< seconds; also client-credentials tokens
    int id_token_ttl = 3600;
    int refresh_token_ttl = 86400;
    int device_code_ttl = 600;
    /// Answer the first N token polls of each device code with slow_down (RFC 8628 §3.5).
    int device_slow_down = 0;
    bool require_pkce = true;
    /// Every client must push its authorization requests (RFC 9126; oidc-provider's global
    /// requirePushedAuthorizationRequests). par-client must anyway.
    bool require_par = false;
    /// Seconds a pushed request's request_uri lives (and the expires_in answered); 0: the
    /// provider's own 60 s.
    int par_ttl = 0;
    /// Extra client metadata objects (oidc-provider's client schema).
    nlohmann::json clients = nlohmann::json::array();
    /// {client_id: {metadata merged into that client}}.
    nlohmann::json client_overrides = nlohmann::json::object();
    /// A JWKS of public keys ({"keys": [...]}): registers jwt-key-client (private_key_jwt) with
    /// it. Null: no such client.
    nlohmann::json jwt_key_client_jwks;
    /// DPoP (RFC 9449) on: advertised in discovery (ES256, EdDSA, PS256), nonces issued, nonces
    /// required from dpop-nonce-client and at the userinfo endpoint. Off: nothing about DPoP.
    bool dpop = false;
};

/// A running oidc-provider on 127.0.0.1 and a free port: a ChildProcess, stopped by its pid when
/// the object goes. Start it once per test program (it takes about a second). Not safe to share
/// between threads (its accessors are: events() only reads the events file).
class OidcProvider {
public:
    static constexpr const char* default_redirect_uri = "http://127.0.0.1:8765/callback";
    static constexpr const char* default_post_logout_redirect_uri =
        "http://127.0.0.1:8765/logged-out";
    /// public-client's registered loopback URI; any port on 127.0.0.1 matches it.
    static constexpr const char* native_redirect_uri = "http://127.0.0.1/callback";

    /// True when node ≥ 20 and the pinned oidc-provider (tests/support/node/node_modules) exist.
    static bool available();
    /// What is missing when available() is false.
    static std::string missing();

    /// Starts op.mjs and waits until its discovery document answers. Throws std::runtime_error
    /// (with the provider's log) when it does not start.
    explicit OidcProvider(OidcProviderOptions options = {});
    ~OidcProvider();
    OidcProvider(const OidcProvider&) = delete;
    OidcProvider& operator=(const OidcProvider&) = delete;

    int port() const { return port_; }
    /// The issuer identifier (as configured).
    const std::string& issuer() const { return issuer_; }
    /// http://127.0.0.1:<port><path>
    std::string url(std::string_view path) const;
    /// The secret of a confidential client registered by op.mjs.
    static std::string secret_of(std::string_view client_id);

    /// Every event written so far, in order (JSON objects with at least "event").
    std::vector<nlohmann::json> events() const;
    /// How many events named `event` (for `client_id`, when given; with `grant_type`, when
    /// given) were written so far.
    std::size_t count_events(std::string_view event, std::string_view client_id = {},
                             std::string_view grant_type = {}) const;
    /// The provider's stdout and stderr.
    std::string log() const;

    bool running();
    /// Stops the provider (SIGTERM, by pid) and waits for it.
    void stop();

private:
    TempDir dir_;
    int port_ = 0;
    std::string issuer_;
    std::unique_ptr<ChildProcess> process_;
};

/// Drives an OpenID Provider's HTML pages over HTTP like a browser would: keeps cookies (path
/// matched), follows redirects by hand, fills and submits forms. Knows oidc-provider's
/// development pages (login, consent, device code input and confirmation, logout). Not safe to
/// share between threads.
class OpBrowser {
public:
    struct Options {
        std::string login = "alice"; ///< the account id at oidc-provider
        std::string password = "any";
        /// false: cancel at the consent page (the provider answers access_denied) or abort the
        /// device confirmation.
        bool approve = true;
        int max_steps = 40;
    };

    /// `http` null: a new libcurl client (make_http_client()).
    explicit OpBrowser(std::shared_ptr<HttpClient> http = {});

    /// Follows an authorization URL through login and consent until the provider redirects to a
    /// URL starting with `redirect_prefix`, which is not fetched; returns that redirect's query
    /// parameters (code, state, iss — or error). Throws std::runtime_error when the pages do not
    /// lead there.
    QueryParams authorize(const std::string& authorize_url, const std::string& redirect_prefix,
                          const Options& options);
    QueryParams authorize(const std::string& authorize_url, const std::string& redirect_prefix) {
        return authorize(authorize_url, redirect_prefix, Options{});
    }
    /// The full redirect URL of the last authorize() call.
    const std::string& last_redirect() const { return last_redirect_; }

    /// RFC 8628 §3.3 done by a user: opens `verification_uri`, enters `user_code`, confirms,
    /// signs in and consents. Returns the final page's body ("Sign-in Success" when approved).
    std::string approve_device(const std::string& verification_uri, const std::string& user_code,
                               const Options& options);
    std::string approve_device(const std::string& verification_uri, const std::string& user_code) {
        return approve_device(verification_uri, user_code, Options{});
    }

    /// Follows an end-session URL and confirms the logout; returns the redirect to a URL
    /// starting with `redirect_prefix` (post_logout_redirect_uri?state=...), or "" when the
    /// provider ended on its own page.
    std::string end_session(const std::string& end_session_url, const std::string& redirect_prefix);

    /// One request with the cookie jar (no redirect is followed).
    HttpResponse get(const std::string& url);
    HttpResponse post_form(const std::string& url, const QueryParams& form);
    void clear_cookies() { cookies_.clear(); }

private:
    struct Cookie {
        std::string name;
        std::string value;
        std::string path;
    };
    HttpResponse send(HttpRequest request);
    void store_cookies(const std::string& url, const HttpResponse& response);
    std::string cookie_header(const std::string& url) const;
    /// Runs pages until a redirect to `stop_prefix`; returns it, or "" at a page without a form.
    std::string drive(std::string url, HttpResponse response, const std::string& stop_prefix,
                      const Options& options, const std::string& user_code, std::string* body);

    std::shared_ptr<HttpClient> http_;
    std::vector<Cookie> cookies_;
    std::string last_redirect_;
};

/// An HTML form: its action and method, and its input fields (name → value, in order).
struct HtmlForm {
    std::string id;
    std::string action;
    std::string method;
    std::vector<std::pair<std::string, std::string>> fields;
};

/// The forms of an HTML page (attribute values HTML-unescaped). A small scanner for the pages
/// of test providers, not a general HTML parser.
std::vector<HtmlForm> parse_html_forms(std::string_view html);

/// `ref` resolved against `base` (absolute URLs, absolute paths, relative paths).
std::string resolve_url(const std::string& base, const std::string& ref);

} // namespace authflow::test

#pragma once
// DeploySettings: the settings of deploy mode (web servers) and how they are read.

#include <authflow/core/settings.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authflow {

/// Every deploy-mode setting (see docs/deploy.md). A plain value; not synchronised.
///
/// Read with load_deploy_settings: the config file's [deploy] table < AUTHFLOW_DEPLOY__<FIELD>
/// environment variables < command-line flags.
struct DeploySettings {
    /// The public base URL browsers use, e.g. "https://app.example.com" (a path is allowed when
    /// the app is mounted below the root). The redirect URI, the CSRF origin check and the
    /// cookies' Secure flag derive from it, never from a request's Host header. Required.
    std::string public_url;
    std::string route_prefix = "/auth"; ///< where the auth routes are mounted
    std::string auth_session_cookie = "authflow_session";
    int session_ttl = 86400; ///< seconds, >= 60
    std::vector<std::string> default_roles = {"viewer"};
    /// Users promoted to "admin": their ID token `sub`, or their email when `email_verified` is
    /// true.
    std::vector<std::string> admin_users;
    /// Paths served without a session. Unset: {route_prefix}/login, /callback, /status,
    /// /signed-out and /backchannel-logout.
    std::optional<std::vector<std::string>> auth_public_paths;
    /// The redirect URI registered with the provider; empty: public_url + route_prefix +
    /// "/callback".
    std::string auth_redirect_uri;
    /// Cookies are always Secure, even when public_url is http (a loopback development URL
    /// behind a TLS terminator).
    bool force_https = false;
    std::string state_backend = "memory"; ///< memory, sqlite or redis
    std::string redis_url = "redis://127.0.0.1:6379/0";
    std::string redis_prefix = "authflow";
    /// Extra origins allowed to POST to the auth routes besides public_url's, e.g.
    /// "https://admin.example.com".
    std::vector<std::string> trusted_origins;
    /// Peers (addresses or CIDR blocks) whose X-Forwarded-For / X-Forwarded-Proto are believed.
    /// None by default: those headers are ignored.
    std::vector<std::string> trusted_proxies;
    std::string store_key_file; ///< file holding the store key (base64 of 32 bytes)
    /// Keeps sessions and tokens unencrypted in a shared store. Off; logs a warning when on.
    bool insecure_plaintext_store = false;
    /// RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): {route_prefix}/logout,
    /// after ending the local session, sends the browser to the provider's end_session_endpoint
    /// to end the provider's session too; the provider sends it back to
    /// {route_prefix}/signed-out. Off: sign-out ends only the local session.
    bool provider_logout = false;
    /// Where {route_prefix}/signed-out sends the browser after a provider logout that came back
    /// with the state it left with, unless the sign-out asked for a `next`; a path on this site.
    /// Empty: a small "signed out" page.
    std::string post_logout_path;
    /// The heading and window title of the sign-in page (the button below names the provider:
    /// "Sign in with Google").
    std::string title = "Sign in";
    /// An image shown above every page's card, e.g. "https://cdn.example.com/logo.png" (https,
    /// or http to a loopback host); the pages' Content-Security-Policy allows images from its
    /// origin only. Empty: no logo.
    std::string logo_url;
    /// Gateway policy ({route_prefix}/check, docs/gateway.md): a user passes only when in one of
    /// these groups (the `groups`/`roles` claims, and authflow's roles). Empty: any group.
    std::vector<std::string> allowed_groups;
    /// Gateway policy: verified e-mail addresses that pass (ASCII case-insensitive). With
    /// allowed_email_domains, an address in either passes. Both empty: no e-mail rule.
    std::vector<std::string> allowed_emails;
    /// Gateway policy: e-mail domains whose verified addresses pass ("example.com" matches
    /// x@example.com, not x@sub.example.com).
    std::vector<std::string> allowed_email_domains;
    /// The gateway passes a fresh access token to the application in
    /// X-Auth-Request-Access-Token. Off.
    bool pass_access_token = false;
    /// Hosts besides public_url's that `next` may send the browser to after sign-in or sign-out:
    /// "app.example.com" (exactly that host) or ".example.com" (every subdomain of example.com,
    /// and example.com itself). Empty: only paths on this site.
    std::vector<std::string> allowed_redirect_hosts;
    /// The Domain attribute of the session cookie, e.g. "example.com", so that one sign-in covers
    /// every app under it; it must contain public_url's host. Empty: host-only (the default).
    std::string cookie_domain;
    /// Reverse-proxy mode of `authflow serve` (docs/gateway.md, "Reverse-proxy mode"): the app
    /// every path outside route_prefix goes to, "http://HOST[:PORT]" without a path. Empty: no
    /// proxying.
    std::string upstream;
    /// Sign-ins ({route_prefix}/login) one client may start per login_rate_window: an IPv4
    /// address, or an IPv6 /64 network. Everyone behind one NAT address (an office) shares it,
    /// so raise it for such sites; the pending-login store stays bounded whatever the value.
    int login_rate_limit = 10;
    int login_rate_window = 60; ///< seconds, 1 to 86400

    /// The names of every field, in declaration order.
    static const std::vector<std::string_view>& field_names();
    /// Sets one field from its text form (lists: space- or comma-separated; booleans:
    /// true/false/1/0/yes/no). Throws ConfigError (config_invalid) naming the field; unknown
    /// fields are a ConfigError too. The rejected value is never quoted in the message.
    void set(std::string_view field, std::string_view value);
    /// The text form of one field (lists space-separated; an unset list is empty). Throws
    /// ConfigError (config_invalid) for an unknown field.
    std::string get(std::string_view field) const;
    /// Checks every field and the cross-field constraints. Throws ConfigError: config_missing
    /// when public_url is empty, config_invalid (or insecure_url for an http URL to a
    /// non-loopback host) otherwise; the message names the field.
    void validate() const;

    /// The redirect URI sent to the provider: auth_redirect_uri when set, else public_url +
    /// route_prefix + "/callback". Never derived from a request (a forged Host header would
    /// send the code elsewhere). Throws
    /// ConfigError (config_missing) when neither is set.
    std::string redirect_uri() const;
    /// Where the provider sends the browser back after RP-initiated logout (the
    /// post_logout_redirect_uri to register), built like redirect_uri(): public_url +
    /// route_prefix + "/signed-out". Never derived from a request. Throws ConfigError
    /// (config_missing) without public_url.
    std::string post_logout_redirect_uri() const;
    /// The origin of public_url (RFC 6454 serialisation, e.g. "https://app.example.com").
    /// Throws ConfigError (config_missing or bad_url).
    std::string public_origin() const;
    /// True when auth_session_cookie carries the `__Host-` prefix (RFC 6265bis §4.1.3.2, compared
    /// case-insensitively as browsers do): every cookie derived from it then needs Path=/,
    /// Secure and no Domain.
    bool is_host_prefixed_cookie() const;
    /// True when cookies must carry Secure: force_https, or public_url is https.
    bool cookie_secure() const;
    /// route_prefix + "/login" (and likewise for the other routes).
    std::string route_path(std::string_view route) const;
    /// auth_public_paths, or the defaults derived from route_prefix when unset.
    std::vector<std::string> public_paths() const;
    /// True when `path` is one of public_paths() or below one of them ("/auth/login/x" but not
    /// "/auth/loginx").
    bool is_public_path(std::string_view path) const;
};

/// What load_deploy_settings does with a key of the config file's [deploy] table that is not a
/// setting (a typo would leave the setting at its default).
enum class UnknownDeployKeys {
    warn,   ///< log a warning naming the closest setting, and go on
    refuse, ///< throw ConfigError naming the closest setting: for a gateway, whose access policy
            ///< (allowed_groups, ...) a typo would silently leave open
};

/// Resolves DeploySettings: defaults < the config file's [deploy] table (the same file as
/// load_settings: `sources.config_file`, $AUTHFLOW_CONFIG_FILE, or the XDG default) <
/// AUTHFLOW_DEPLOY__<FIELD> variables < `sources.flags`; then validates them. An unknown key in
/// the file is warned about or refused (`unknown_keys`); unknown variables are ignored (logged at
/// debug level); unknown flags are an error. Throws ConfigError naming the source and the field.
DeploySettings load_deploy_settings(const SettingsSources& sources = {},
                                    UnknownDeployKeys unknown_keys = UnknownDeployKeys::warn);

} // namespace authflow

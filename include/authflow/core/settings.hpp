#pragma once
// OAuth2Settings and how they are read: defaults < config file < profile < environment < flags.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace authflow {

/// Which provider preset `provider` names.
enum class ProviderKind {
    google,    ///< Google (OpenID Connect, discovered from accounts.google.com)
    github,    ///< GitHub (OAuth 2.0 only)
    microsoft, ///< Microsoft identity platform, per tenant_id
    oidc,      ///< any OpenID Provider, endpoints discovered from issuer_url
    custom,    ///< explicit endpoints, no discovery
};

/// Where tokens are kept (`token_store_backend`).
enum class TokenStoreBackend {
    automatic, ///< "auto": the keyring when a Secret Service answers, else SQLite
    memory,    ///< this process only (the library's default)
    sqlite,
    redis,
    keyring,
};

/// How the client authenticates at the token, revocation, introspection and device
/// authorization endpoints (RFC 6749 §2.3.1, OIDC Core §9, RFC 7523 §2.2). The setting is
/// `token_endpoint_auth_method` (the name of the registration metadata, RFC 7591 §2).
enum class ClientAuthMethod {
    automatic, ///< `private_key_jwt` with a private key file; `none` without a secret; else from
               ///< discovery, else the provider's default
    client_secret_basic, ///< HTTP Basic with the form-urlencoded id and secret
    client_secret_post,  ///< client_id and client_secret in the form body
    none,                ///< public client: client_id in the body, PKCE protects the code
    client_secret_jwt,   ///< a JWT signed with the client secret (HS256)
    private_key_jwt,     ///< a JWT signed with the client's private key (private_key_file)
};

/// Whether token requests are bound to a key with DPoP (RFC 9449): the setting `dpop`.
enum class DpopMode {
    off,       ///< never: Bearer tokens
    automatic, ///< "auto": when the provider's discovery advertises dpop_alg
    required,  ///< always; a provider whose discovery does not advertise dpop_alg is a ConfigError
};

/// The algorithm of DPoP proofs (RFC 9449 §4.2): the setting `dpop_alg`.
enum class DpopAlg {
    ES256, ///< ECDSA P-256 (the default; every DPoP server accepts it)
    EdDSA, ///< Ed25519
    PS256, ///< RSASSA-PSS with SHA-256, RSA 2048 bits
};

/// Whether authorization requests are pushed to the provider first (`par`, RFC 9126).
enum class ParMode {
    automatic, ///< "auto": when the provider requires it (require_pushed_authorization_requests)
    always,    ///< whenever signing in; the provider must have a PAR endpoint
    never,     ///< never: the parameters travel in the browser's URL
};

/// "google", "github", "microsoft", "oidc" or "custom".
std::string_view to_string(ProviderKind kind) noexcept;
/// "auto", "memory", "sqlite", "redis" or "keyring".
std::string_view to_string(TokenStoreBackend backend) noexcept;
/// "auto", "client_secret_basic", "client_secret_post", "none", "client_secret_jwt" or
/// "private_key_jwt".
std::string_view to_string(ClientAuthMethod method) noexcept;
/// "off", "auto" or "required".
std::string_view to_string(DpopMode mode) noexcept;
/// "ES256", "EdDSA" or "PS256" (the JWS names, RFC 7518 §3.1, RFC 8037 §3.1).
std::string_view to_string(DpopAlg alg) noexcept;
/// "auto", "always" or "never".
std::string_view to_string(ParMode mode) noexcept;

/// The inverse of to_string, in any case, white space around. Throws ConfigError
/// (config_invalid) naming the setting `provider` and the accepted values.
ProviderKind parse_provider_kind(std::string_view text);
/// The inverse of to_string, in any case, white space around. Throws ConfigError
/// (config_invalid) naming the setting `token_store_backend` and the accepted values.
TokenStoreBackend parse_token_store_backend(std::string_view text);
/// The inverse of to_string, in any case, white space around. Throws ConfigError
/// (config_invalid) naming the setting `token_endpoint_auth_method` and the accepted values.
ClientAuthMethod parse_client_auth_method(std::string_view text);
/// The inverse of to_string, in any case, white space around. Throws ConfigError
/// (config_invalid) naming the setting `dpop` and the accepted values.
DpopMode parse_dpop_mode(std::string_view text);
/// The inverse of to_string, in any case, white space around. Throws ConfigError
/// (config_invalid) naming the setting `dpop_alg` and the accepted values.
DpopAlg parse_dpop_alg(std::string_view text);
/// (config_invalid) naming the setting `par` and the accepted values.
ParMode parse_par_mode(std::string_view text);

/// Every OAuth setting (see docs/settings.md and the CLI contract). A plain value; not
/// synchronised.
struct OAuth2Settings {
    ProviderKind provider = ProviderKind::custom;
    std::string client_id;
    std::string client_secret;
    /// Unset: the provider's own default scopes.
    std::optional<std::vector<std::string>> scopes;
    std::string authorize_url;
    std::string token_url;
    std::string userinfo_url;
    std::string issuer_url;
    std::string revocation_url;
    std::string jwks_uri;
    /// The device authorization endpoint (RFC 8628 §3.1); empty: the provider's own (presets,
    /// discovery).
    std::string device_authorization_url;
    std::string tenant_id = "common";
    bool use_pkce = true;
    TokenStoreBackend token_store_backend = TokenStoreBackend::memory;
    double auth_timeout_seconds = 120.0; ///< 10 to 86400
    int refresh_buffer_seconds = 60;     ///< 10 to 86400
    std::string redirect_uri;            ///< a full loopback URI; empty: chosen at login
    int callback_port = 0;               ///< 0 = any free port
    /// The setting `token_endpoint_auth_method` (also accepted as `client_auth_method`).
    ClientAuthMethod client_auth_method = ClientAuthMethod::automatic;
    /// A PEM or JWK file holding the client's private key (private_key_jwt); never logged.
    std::string private_key_file;
    /// Pushed authorization requests (RFC 9126): auto, always or never.
    ParMode par = ParMode::automatic;
    /// The PAR endpoint, for providers without discovery; empty: from discovery.
    std::string par_url;
    std::string ca_file;
    double http_timeout_seconds = 30.0; ///< more than 0, up to 3600
    int leeway_seconds = 60;            ///< 0 to 600
    std::string keyring_service = "authflow";
    std::string token_store_path;
    std::string redis_url = "redis://127.0.0.1:6379/0";
    std::string redis_prefix = "authflow";
    std::string store_key_file;
    bool insecure_plaintext_store = false;
    /// DPoP (RFC 9449): bind the tokens of each sign-in to a key of its own.
    DpopMode dpop = DpopMode::automatic;
    DpopAlg dpop_alg = DpopAlg::ES256;

    /// The names of every field, in declaration order.
    static const std::vector<std::string_view>& field_names();
    /// Older names still accepted for a field (in set, get, config files, the environment and
    /// remembered settings): `client_auth_method` for `token_endpoint_auth_method`.
    static const std::vector<std::pair<std::string_view, std::string_view>>& field_aliases();
    /// Sets one field from its text form (lists: space- or comma-separated, empty = unset;
    /// booleans: true/false/1/0/yes/no in any case; choices in any case, parsed into their enum).
    /// Throws ConfigError (config_invalid) naming the field and the accepted values, never the
    /// rejected value; unknown fields are a ConfigError too. A rejected value leaves the field
    /// unchanged.
    void set(std::string_view field, std::string_view value);
    /// The text form of one field (lists space-separated; an unset list is empty).
    std::string get(std::string_view field) const;
    /// Checks every field's range again (members may be assigned directly), the
    /// tenant id, that redirect_uri (when set) is an http loopback URI with a port (RFC 8252
    /// §7.3), and that every endpoint URL is https or http to a loopback host. Throws ConfigError
    /// (config_invalid; insecure_url for an insecure endpoint).
    void validate() const;
};

/// Field name → text value, as one settings source provides them.
using SettingsValues = std::map<std::string, std::string, std::less<>>;

/// Where settings come from. Every member is optional; load_settings fills in the process's
/// environment and the default config-file location when asked to.
struct SettingsSources {
    /// The config file; empty: $AUTHFLOW_CONFIG_FILE, else $XDG_CONFIG_HOME/authflow/config.toml,
    /// else ~/.config/authflow/config.toml. A missing default file is not an error; a missing
    /// file that was named explicitly (here or by $AUTHFLOW_CONFIG_FILE) is (config_missing).
    std::filesystem::path config_file;
    /// The profile whose [profiles.<name>.oauth2] table overrides [oauth2].
    std::string profile = "default";
    /// The profile's remembered settings (stored by `authflow login`).
    SettingsValues remembered;
    /// The environment (name → value); unset: the process's environment.
    std::optional<std::map<std::string, std::string, std::less<>>> environment;
    /// Values from command-line flags.
    SettingsValues flags;
};

/// The config file that `sources` designates (it may not exist).
std::filesystem::path resolve_config_file(const SettingsSources& sources);

/// Reads one table of a TOML config file (e.g. "oauth2", "deploy", or "profiles.work.oauth2") as
/// text values. Returns nothing if the table is absent. Throws ConfigError (config_invalid) for a
/// file that cannot be read or parsed, naming the file and the line.
SettingsValues read_config_table(const std::filesystem::path& file, std::string_view table);

/// Reads `<prefix><FIELD>` variables (e.g. AUTHFLOW_OAUTH2__CLIENT_ID) for the given fields,
/// from sources.environment or else the process's environment. Empty variables count as unset;
/// other variables with the prefix are ignored (logged at debug level).
SettingsValues read_environment(const SettingsSources& sources, std::string_view prefix,
                                const std::vector<std::string_view>& fields);

/// Where a setting's value came from, lowest precedence first.
enum class SettingSource {
    default_value, ///< the built-in default
    config_file,   ///< the config file's [oauth2] or [profiles.<profile>.oauth2] table
    profile,       ///< the profile's remembered settings
    environment,   ///< an AUTHFLOW_OAUTH2__<FIELD> variable
    flag,          ///< a command-line flag
};

/// "default", "config file", "profile", "environment" or "flag".
std::string_view to_string(SettingSource source) noexcept;

/// OAuth2Settings resolved once from their sources, each value's source kept beside it. The
/// sources' values are kept too, so that the remembered layer can be replaced without reading the
/// config file or the environment again. A plain value; not synchronised.
class LoadedSettings {
public:
    /// One value a source gave; `error_prefix` names the source (file and line, variable, ...)
    /// at the start of an error message about it.
    struct Entry {
        std::string field;
        std::string value;
        std::string error_prefix;
    };
    /// One source's values, in the order they are applied.
    struct Layer {
        SettingSource source = SettingSource::default_value;
        std::string name; ///< e.g. "command line", for the log line about an unknown field
        std::vector<Entry> entries;
        bool unknown_is_error = false; ///< flags: an unknown field is an error, elsewhere ignored
    };

    const OAuth2Settings& settings() const noexcept { return settings_; }
    /// Where `field`'s value came from (default_value for a field no source set).
    SettingSource source_of(std::string_view field) const noexcept;
    /// True when a source other than the built-in defaults set `field`.
    bool is_given(std::string_view field) const noexcept {
        return source_of(field) != SettingSource::default_value;
    }
    /// The same sources with `remembered` as the profile's remembered settings, resolved again
    /// from the values read before. Throws ConfigError as load_settings.
    LoadedSettings with_remembered(const SettingsValues& remembered,
                                   std::string_view profile) const;

    /// Applies `layer` above the layers so far. Throws ConfigError naming the source and the
    /// field (for load_settings_with_sources).
    void add(Layer layer);
    /// Checks the result (OAuth2Settings::validate).
    void validate() const { settings_.validate(); }

private:
    void apply(const Layer& layer);

    OAuth2Settings settings_;
    std::map<std::string, SettingSource, std::less<>> sources_;
    std::vector<Layer> layers_;
};

/// As load_settings, keeping each value's source beside it.
LoadedSettings load_settings_with_sources(const SettingsSources& sources = {});

/// Resolves OAuth2Settings with the documented precedence (defaults < config file [oauth2] <
/// [profiles.<profile>.oauth2] < remembered < environment < flags) and validates them. Unknown
/// keys in the file and in remembered settings are ignored; an unknown flag is an error.
/// Throws ConfigError naming the source (file and line, variable, ...) and the field.
OAuth2Settings load_settings(const SettingsSources& sources = {});

} // namespace authflow

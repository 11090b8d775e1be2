#include "internal/settings_text.hpp"

#include <authflow/core/ascii.hpp>
#include <authflow/core/closest_match.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/core/settings.hpp>
#include <authflow/core/url.hpp>

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <mutex>
#include <set>
#include <span>
#include <sstream>
#include <system_error>
#include <type_traits>
#include <unistd.h>
#include <utility>
#include <variant>

namespace authflow {
namespace {

using namespace settings_text;

// ---- field table -----------------------------------------------------------------------------

struct TextField {
    std::string OAuth2Settings::*member;
};
/// One of a fixed set of names, held as the enum `E` (parse_choice<E> and to_string).
template <typename E> struct ChoiceField {
    using value_type = E;
    E OAuth2Settings::*member;
};
struct BoolField {
    bool OAuth2Settings::*member;
};
struct IntField {
    int OAuth2Settings::*member;
    int min;
    int max;
};
/// A number of seconds with fractions; `min_exclusive` makes `min` itself invalid.
struct RealField {
    double OAuth2Settings::*member;
    double min;
    double max;
    bool min_exclusive;
};
struct ListField {
    std::optional<std::vector<std::string>> OAuth2Settings::*member;
};

using FieldKind =
    std::variant<TextField, ChoiceField<ProviderKind>, ChoiceField<TokenStoreBackend>,
                 ChoiceField<ClientAuthMethod>, ChoiceField<DpopMode>, ChoiceField<DpopAlg>,
                 ChoiceField<ParMode>, BoolField, IntField, RealField, ListField>;

template <typename T> inline constexpr bool is_choice_field = false;
template <typename E> inline constexpr bool is_choice_field<ChoiceField<E>> = true;

struct Field {
    std::string_view name;
    FieldKind kind;
};

constexpr std::array provider_kinds = {ProviderKind::google, ProviderKind::github,
                                       ProviderKind::microsoft, ProviderKind::oidc,
                                       ProviderKind::custom};
constexpr std::array token_store_backends = {TokenStoreBackend::automatic,
                                             TokenStoreBackend::memory, TokenStoreBackend::sqlite,
                                             TokenStoreBackend::redis, TokenStoreBackend::keyring};
constexpr std::array client_auth_methods = {
    ClientAuthMethod::automatic,          ClientAuthMethod::client_secret_basic,
    ClientAuthMethod::client_secret_post, ClientAuthMethod::none,
    ClientAuthMethod::client_secret_jwt,  ClientAuthMethod::private_key_jwt};
constexpr std::array dpop_modes = {DpopMode::off, DpopMode::automatic, DpopMode::required};
constexpr std::array dpop_algs = {DpopAlg::ES256, DpopAlg::EdDSA, DpopAlg::PS256};
constexpr std::array par_modes = {ParMode::automatic, ParMode::always, ParMode::never};

// Upper bounds keep every duration representable in std::chrono nanoseconds downstream.
constexpr double max_auth_timeout = 86400.0;
constexpr double max_http_timeout = 3600.0;
constexpr int max_refresh_buffer = 86400;

using S = OAuth2Settings;

// Declaration order of OAuth2Settings: field_names() returns the names in this order.
std::span<const Field> fields() {
    static const auto table = std::to_array<Field>({
        {"provider", ChoiceField<ProviderKind>{&S::provider}},
        {"client_id", TextField{&S::client_id}},
        {"client_secret", TextField{&S::client_secret}},
        {"scopes", ListField{&S::scopes}},
        {"authorize_url", TextField{&S::authorize_url}},
        {"token_url", TextField{&S::token_url}},
        {"userinfo_url", TextField{&S::userinfo_url}},
        {"issuer_url", TextField{&S::issuer_url}},
        {"revocation_url", TextField{&S::revocation_url}},
        {"jwks_uri", TextField{&S::jwks_uri}},
        {"device_authorization_url", TextField{&S::device_authorization_url}},
        {"tenant_id", TextField{&S::tenant_id}},
        {"use_pkce", BoolField{&S::use_pkce}},
        {"token_store_backend", ChoiceField<TokenStoreBackend>{&S::token_store_backend}},
        {"auth_timeout_seconds",
         RealField{&S::auth_timeout_seconds, 10.0, max_auth_timeout, false}},
        {"refresh_buffer_seconds", IntField{&S::refresh_buffer_seconds, 10, max_refresh_buffer}},
        {"redirect_uri", TextField{&S::redirect_uri}},
        {"callback_port", IntField{&S::callback_port, 0, 65535}},
        {"token_endpoint_auth_method", ChoiceField<ClientAuthMethod>{&S::client_auth_method}},
        {"private_key_file", TextField{&S::private_key_file}},
        {"par", ChoiceField<ParMode>{&S::par}},
        {"par_url", TextField{&S::par_url}},
        {"ca_file", TextField{&S::ca_file}},
        {"http_timeout_seconds", RealField{&S::http_timeout_seconds, 0.0, max_http_timeout, true}},
        {"leeway_seconds", IntField{&S::leeway_seconds, 0, 600}},
        {"keyring_service", TextField{&S::keyring_service}},
        {"token_store_path", TextField{&S::token_store_path}},
        {"redis_url", TextField{&S::redis_url}},
        {"redis_prefix", TextField{&S::redis_prefix}},
        {"store_key_file", TextField{&S::store_key_file}},
        {"insecure_plaintext_store", BoolField{&S::insecure_plaintext_store}},
        {"dpop", ChoiceField<DpopMode>{&S::dpop}},
        {"dpop_alg", ChoiceField<DpopAlg>{&S::dpop_alg}},
    });
    return table;
}

// Older names of fields, still accepted everywhere a name comes in.
constexpr std::array<std::pair<std::string_view, std::string_view>, 1> field_alias_table = {{
    {"client_auth_method", "token_endpoint_auth_method"},
}};

const Field* find_field(std::string_view name) noexcept {
    for (const auto& [alias, canonical] : field_alias_table) {
        if (name == alias) {
            name = canonical;
        }
    }
    for (const auto& field : fields()) {
        if (field.name == name) {
            return &field;
        }
    }
    return nullptr;
}

const Field& require_field(std::string_view name) {
    if (const Field* field = find_field(name)) {
        return *field;
    }
    // The name is a key, not a value: safe to show.
    throw ConfigError(errc::config_invalid,
                      "unknown OAuth2 setting '" + std::string{name} +
                          "' (see docs/settings.md for the list of settings)");
}

// ---- text helpers ----------------------------------------------------------------------------

std::string format_number(double value) {
    std::array<char, 64> buffer{};
    auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    if (ec != std::errc{}) {
        return "?";
    }
    return std::string(buffer.data(), end);
}

// The messages below never contain the rejected value: a value may be a secret put in the wrong
// place (e.g. a client secret in a numeric variable).
[[noreturn]] void invalid(std::string_view field, std::string_view expected) {
    throw ConfigError(errc::config_invalid,
                      "invalid " + std::string{field} + ": expected " + std::string{expected});
}

/// "one of a, b, c" for every value of `values`.
template <typename E, std::size_t N> std::string choice_text(const std::array<E, N>& values) {
    std::array<std::string_view, N> names{};
    std::transform(values.begin(), values.end(), names.begin(),
                   [](E value) { return to_string(value); });
    return settings_text::choice_text(names);
}

/// The value of `values` whose name is `text` (any case, white space around); nullopt otherwise.
template <typename E, std::size_t N>
std::optional<E> find_choice(const std::array<E, N>& values, std::string_view text) {
    const std::string name = ascii_lower(trim(text));
    for (E value : values) {
        if (to_string(value) == name) {
            return value;
        }
    }
    return std::nullopt;
}

template <typename E> E parse_choice(std::string_view text);
template <> ProviderKind parse_choice<ProviderKind>(std::string_view text) {
    return parse_provider_kind(text);
}
template <> TokenStoreBackend parse_choice<TokenStoreBackend>(std::string_view text) {
    return parse_token_store_backend(text);
}
template <> ClientAuthMethod parse_choice<ClientAuthMethod>(std::string_view text) {
    return parse_client_auth_method(text);
}
template <> DpopMode parse_choice<DpopMode>(std::string_view text) {
    return parse_dpop_mode(text);
}
template <> DpopAlg parse_choice<DpopAlg>(std::string_view text) {
    return parse_dpop_alg(text);
}
template <> ParMode parse_choice<ParMode>(std::string_view text) {
    return parse_par_mode(text);
}

std::string int_text(const IntField& spec) {
    return settings_text::int_text(spec.min, spec.max);
}

std::string real_text(const RealField& spec) {
    return std::string{"a number of seconds "} + (spec.min_exclusive ? "greater than " : "from ") +
           format_number(spec.min) + (spec.min_exclusive ? " up to " : " to ") +
           format_number(spec.max);
}

std::optional<double> parse_real(std::string_view text) {
    text = trim(text);
    double value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value, std::chars_format::general);
    if (text.empty() || ec != std::errc{} || ptr != end || !std::isfinite(value)) {
        return std::nullopt;
    }
    return value;
}

bool in_range(const IntField& spec, int value) {
    return value >= spec.min && value <= spec.max;
}

bool in_range(const RealField& spec, double value) {
    if (!std::isfinite(value) || value > spec.max) {
        return false;
    }
    return spec.min_exclusive ? value > spec.min : value >= spec.min;
}

// Microsoft's tenant goes into URL paths: a GUID, a domain name, or common/organizations/consumers.
bool is_valid_tenant(std::string_view tenant) {
    if (tenant.empty() || tenant.size() > 256) {
        return false;
    }
    return std::all_of(tenant.begin(), tenant.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '.' || c == '_';
    });
}

// ---- sources ---------------------------------------------------------------------------------

struct ConfigLocation {
    std::filesystem::path path;
    bool is_explicit = false;
};

ConfigLocation locate_config_file(const SettingsSources& sources) {
    if (!sources.config_file.empty()) {
        return {sources.config_file, true};
    }
    if (auto named = environment_value(sources, "AUTHFLOW_CONFIG_FILE"); named && !named->empty()) {
        return {*named, true};
    }
    // XDG Base Directory: a relative XDG_CONFIG_HOME is invalid and must be ignored.
    if (auto xdg = environment_value(sources, "XDG_CONFIG_HOME"); xdg && !xdg->empty()) {
        std::filesystem::path base{*xdg};
        if (base.is_absolute()) {
            return {base / "authflow" / "config.toml", false};
        }
    }
    if (auto home = environment_value(sources, "HOME"); home && !home->empty()) {
        return {std::filesystem::path{*home} / ".config" / "authflow" / "config.toml", false};
    }
    return {};
}

constexpr std::size_t max_config_file_size = 1024 * 1024;

std::string where(const std::filesystem::path& file, std::size_t line) {
    std::string text = "config file " + file.string();
    if (line > 0) {
        text += ", line " + std::to_string(line);
    }
    return text;
}

toml::table parse_config_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw ConfigError(errc::config_invalid, "cannot read " + where(file, 0));
    }
    std::string text;
    std::array<char, 8192> chunk{};
    while (in) {
        in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
        if (text.size() > max_config_file_size) {
            throw ConfigError(errc::config_invalid, where(file, 0) + " is larger than 1 MiB");
        }
    }
    if (in.bad()) {
        throw ConfigError(errc::config_invalid, "cannot read " + where(file, 0));
    }
    try {
        return toml::parse(text, file.string());
    } catch (const toml::parse_error& e) {
        // toml++ describes the problem without quoting the offending value (at most a character
        // or a key name), so its description is safe to pass on.
        throw ConfigError(errc::config_invalid, where(file, e.source().begin.line) + ", column " +
                                                    std::to_string(e.source().begin.column) + ": " +
                                                    std::string{e.description()});
    }
}

std::size_t line_of(const toml::node& node) {
    return node.source().begin.line;
}

struct TableEntry {
    std::string value;
    std::size_t line = 0;
};
using TableEntries = std::map<std::string, TableEntry, std::less<>>;

TableEntries table_entries(const toml::table& table, const std::filesystem::path& file,
                           std::string_view table_name) {
    TableEntries entries;
    for (const auto& [key, node] : table) {
        const std::string name{key.str()};
        const std::size_t line = line_of(node);
        const auto type_error = [&] {
            return ConfigError(errc::config_invalid,
                               where(file, line) + ": [" + std::string{table_name} + "] " + name +
                                   " must be a string, a number, a boolean or an array of strings");
        };
        if (node.is_table()) {
            // A nested table is a table of its own (read with its dotted name), not a value.
            continue;
        }
        std::string value;
        if (const auto* text = node.as_string()) {
            value = text->get();
        } else if (const auto* integer = node.as_integer()) {
            value = std::to_string(integer->get());
        } else if (const auto* real = node.as_floating_point()) {
            value = format_number(real->get());
        } else if (const auto* boolean = node.as_boolean()) {
            value = boolean->get() ? "true" : "false";
        } else if (const auto* array = node.as_array()) {
            for (const auto& item : *array) {
                const auto* item_text = item.as_string();
                if (item_text == nullptr) {
                    throw type_error();
                }
                if (!value.empty()) {
                    value += ' ';
                }
                value += item_text->get();
            }
        } else {
            throw type_error();
        }
        entries[name] = TableEntry{std::move(value), line};
    }
    return entries;
}

/// The table at `keys` (each one key, dots included), or nullptr. A non-table there is an error.
const toml::table* find_table(const toml::table& root, const std::vector<std::string>& keys,
                              const std::filesystem::path& file, std::string_view table_name) {
    const toml::table* current = &root;
    for (const auto& key : keys) {
        const toml::node* node = current->get(key);
        if (node == nullptr) {
            return nullptr;
        }
        current = node->as_table();
        if (current == nullptr) {
            throw ConfigError(errc::config_invalid, where(file, line_of(*node)) + ": " +
                                                        std::string{table_name} +
                                                        " must be a table");
        }
    }
    return current;
}

std::vector<std::string> split_table_name(std::string_view table) {
    std::vector<std::string> keys;
    while (true) {
        const auto dot = table.find('.');
        keys.emplace_back(table.substr(0, dot));
        if (dot == std::string_view::npos) {
            break;
        }
        table.remove_prefix(dot + 1);
    }
    return keys;
}

/// The remembered settings of `profile` as a layer.
LoadedSettings::Layer remembered_layer(const SettingsValues& values, std::string_view profile) {
    LoadedSettings::Layer layer{SettingSource::profile,
                                "remembered settings of profile '" + std::string{profile} + "'",
                                {},
                                false};
    for (const auto& [field, value] : values) {
        layer.entries.push_back({field, value, layer.name + ": "});
    }
    return layer;
}

/// Logs a warning, once per process, for a key of the config file that is not a setting: a typo
/// would otherwise silently leave the setting at its default. The key is a name, not a value:
/// safe to show.
void warn_unknown_key(const std::filesystem::path& file, std::size_t line,
                      std::string_view table_name, const std::string& key) {
    std::string message =
        where(file, line) + ": unknown setting '" + key + "' in [" + std::string{table_name} + "]";
    if (auto suggestion = closest_match(key, OAuth2Settings::field_names())) {
        message += " (did you mean '" + *suggestion + "'?)";
    } else {
        message += " (ignored)";
    }
    static std::mutex mutex;
    static std::set<std::string, std::less<>> warned;
    {
        std::lock_guard guard(mutex);
        if (!warned.insert(message).second) {
            return;
        }
    }
    log(LogLevel::warning, message);
}

/// One table of the config file as a layer; errors name the file and the line of the key.
LoadedSettings::Layer table_layer(const toml::table& table, const std::filesystem::path& file,
                                  std::string_view table_name) {
    LoadedSettings::Layer layer{SettingSource::config_file,
                                "[" + std::string{table_name} + "] of " + file.string(),
                                {},
                                false};
    for (auto& [field, entry] : table_entries(table, file, table_name)) {
        if (find_field(field) == nullptr) {
            warn_unknown_key(file, entry.line, table_name, field);
            continue;
        }
        layer.entries.push_back({field, std::move(entry.value),
                                 where(file, entry.line) + ": [" + std::string{table_name} + "] "});
    }
    return layer;
}

void check_url(std::string_view url, std::string_view what) {
    if (url.empty()) {
        return;
    }
    try {
        require_secure_url(url, what);
    } catch (const ConfigError&) {
        throw;
    } catch (const Error&) {
        throw ConfigError(errc::config_invalid,
                          "invalid " + std::string{what} + ": expected an absolute https URL");
    }
}

} // namespace

// ---- choices -----------------------------------------------------------------------------------

std::string_view to_string(ProviderKind kind) noexcept {
    switch (kind) {
    case ProviderKind::google:
        return "google";
    case ProviderKind::github:
        return "github";
    case ProviderKind::microsoft:
        return "microsoft";
    case ProviderKind::oidc:
        return "oidc";
    case ProviderKind::custom:
        return "custom";
    }
    return "unknown";
}

std::string_view to_string(TokenStoreBackend backend) noexcept {
    switch (backend) {
    case TokenStoreBackend::automatic:
        return "auto";
    case TokenStoreBackend::memory:
        return "memory";
    case TokenStoreBackend::sqlite:
        return "sqlite";
    case TokenStoreBackend::redis:
        return "redis";
    case TokenStoreBackend::keyring:
        return "keyring";
    }
    return "unknown";
}

std::string_view to_string(ClientAuthMethod method) noexcept {
    switch (method) {
    case ClientAuthMethod::automatic:
        return "auto";
    case ClientAuthMethod::client_secret_basic:
        return "client_secret_basic";
    case ClientAuthMethod::client_secret_post:
        return "client_secret_post";
    case ClientAuthMethod::none:
        return "none";
    case ClientAuthMethod::client_secret_jwt:
        return "client_secret_jwt";
    case ClientAuthMethod::private_key_jwt:
        return "private_key_jwt";
    }
    return "unknown";
}

std::string_view to_string(ParMode mode) noexcept {
    switch (mode) {
    case ParMode::automatic:
        return "auto";
    case ParMode::always:
        return "always";
    case ParMode::never:
        return "never";
    }
    return "unknown";
}

ProviderKind parse_provider_kind(std::string_view text) {
    if (auto kind = find_choice(provider_kinds, text)) {
        return *kind;
    }
    invalid("provider", choice_text(provider_kinds));
}

TokenStoreBackend parse_token_store_backend(std::string_view text) {
    if (auto backend = find_choice(token_store_backends, text)) {
        return *backend;
    }
    invalid("token_store_backend", choice_text(token_store_backends));
}

std::string_view to_string(DpopMode mode) noexcept {
    switch (mode) {
    case DpopMode::off:
        return "off";
    case DpopMode::automatic:
        return "auto";
    case DpopMode::required:
        return "required";
    }
    return "auto";
}

std::string_view to_string(DpopAlg alg) noexcept {
    switch (alg) {
    case DpopAlg::ES256:
        return "ES256";
    case DpopAlg::EdDSA:
        return "EdDSA";
    case DpopAlg::PS256:
        return "PS256";
    }
    return "ES256";
}

DpopMode parse_dpop_mode(std::string_view text) {
    if (auto mode = find_choice(dpop_modes, text)) {
        return *mode;
    }
    invalid("dpop", choice_text(dpop_modes));
}

DpopAlg parse_dpop_alg(std::string_view text) {
    // JWS names are mixed case ("EdDSA"): compared without case, like every other choice.
    const std::string name = ascii_lower(trim(text));
    for (DpopAlg alg : dpop_algs) {
        if (ascii_lower(to_string(alg)) == name) {
            return alg;
        }
    }
    invalid("dpop_alg", choice_text(dpop_algs));
}

ClientAuthMethod parse_client_auth_method(std::string_view text) {
    if (auto method = find_choice(client_auth_methods, text)) {
        return *method;
    }
    invalid("token_endpoint_auth_method", choice_text(client_auth_methods));
}

ParMode parse_par_mode(std::string_view text) {
    if (auto mode = find_choice(par_modes, text)) {
        return *mode;
    }
    invalid("par", choice_text(par_modes));
}

// ---- OAuth2Settings ----------------------------------------------------------------------------

const std::vector<std::string_view>& OAuth2Settings::field_names() {
    static const std::vector<std::string_view> names = [] {
        std::vector<std::string_view> out;
        for (const auto& field : fields()) {
            out.push_back(field.name);
        }
        return out;
    }();
    return names;
}

const std::vector<std::pair<std::string_view, std::string_view>>& OAuth2Settings::field_aliases() {
    static const std::vector<std::pair<std::string_view, std::string_view>> aliases(
        field_alias_table.begin(), field_alias_table.end());
    return aliases;
}

void OAuth2Settings::set(std::string_view name, std::string_view value) {
    const Field& field = require_field(name);
    std::visit(
        [&](const auto& spec) {
            using T = std::decay_t<decltype(spec)>;
            if constexpr (std::is_same_v<T, TextField>) {
                this->*spec.member = std::string{value};
            } else if constexpr (is_choice_field<T>) {
                this->*spec.member = parse_choice<typename T::value_type>(value);
            } else if constexpr (std::is_same_v<T, BoolField>) {
                auto parsed = parse_bool(value);
                if (!parsed) {
                    invalid(field.name, bool_text);
                }
                this->*spec.member = *parsed;
            } else if constexpr (std::is_same_v<T, IntField>) {
                auto parsed = parse_int(value);
                if (!parsed || !in_range(spec, *parsed)) {
                    invalid(field.name, int_text(spec));
                }
                this->*spec.member = *parsed;
            } else if constexpr (std::is_same_v<T, RealField>) {
                auto parsed = parse_real(value);
                if (!parsed || !in_range(spec, *parsed)) {
                    invalid(field.name, real_text(spec));
                }
                this->*spec.member = *parsed;
            } else if constexpr (std::is_same_v<T, ListField>) {
                // An empty list means "not set": the provider's default scopes apply (pywry.auth
                // turns an empty scope string into its provider defaults too).
                auto items = split_list(value);
                if (items.empty()) {
                    (this->*spec.member).reset();
                } else {
                    this->*spec.member = std::move(items);
                }
            }
        },
        field.kind);
}

std::string OAuth2Settings::get(std::string_view name) const {
    const Field& field = require_field(name);
    return std::visit(
        [&](const auto& spec) -> std::string {
            using T = std::decay_t<decltype(spec)>;
            if constexpr (std::is_same_v<T, TextField>) {
                return this->*spec.member;
            } else if constexpr (is_choice_field<T>) {
                return std::string{to_string(this->*spec.member)};
            } else if constexpr (std::is_same_v<T, BoolField>) {
                return this->*spec.member ? "true" : "false";
            } else if constexpr (std::is_same_v<T, IntField>) {
                return std::to_string(this->*spec.member);
            } else if constexpr (std::is_same_v<T, RealField>) {
                return format_number(this->*spec.member);
            } else {
                const auto& items = this->*spec.member;
                return items ? join(*items, " ") : std::string{};
            }
        },
        field.kind);
}

void OAuth2Settings::validate() const {
    // Values assigned directly to the struct bypass set(): check every field again. The choices
    // are enums, parsed where their text came in.
    for (const auto& field : fields()) {
        std::visit(
            [&](const auto& spec) {
                using T = std::decay_t<decltype(spec)>;
                if constexpr (std::is_same_v<T, IntField>) {
                    if (!in_range(spec, this->*spec.member)) {
                        invalid(field.name, int_text(spec));
                    }
                } else if constexpr (std::is_same_v<T, RealField>) {
                    if (!in_range(spec, this->*spec.member)) {
                        invalid(field.name, real_text(spec));
                    }
                } else if constexpr (std::is_same_v<T, ListField>) {
                    if (const auto& items = this->*spec.member) {
                        for (const auto& item : *items) {
                            if (item.empty() || std::any_of(item.begin(), item.end(), [](char c) {
                                    return c == ',' || is_space(c);
                                })) {
                                invalid(field.name, "a list of non-empty names without spaces "
                                                    "or commas");
                            }
                        }
                    }
                }
            },
            field.kind);
    }

    if (!is_valid_tenant(tenant_id)) {
        invalid("tenant_id", "a tenant id, domain name, or common, organizations or consumers "
                             "(letters, digits, '-', '.', '_')");
    }

    // Every endpoint is https, or http to a loopback host (RFC 8252 §8.3); require_secure_url
    // throws ConfigError (insecure_url).
    check_url(authorize_url, "authorize_url");
    check_url(token_url, "token_url");
    check_url(userinfo_url, "userinfo_url");
    check_url(issuer_url, "issuer_url");
    check_url(revocation_url, "revocation_url");
    check_url(jwks_uri, "jwks_uri");
    check_url(par_url, "par_url");
    check_url(device_authorization_url, "device_authorization_url");

    // RFC 8252 §7.3: a native app's redirect URI is http to a loopback IP literal (or localhost),
    // with the port the app listens on.
    if (!redirect_uri.empty()) {
        constexpr std::string_view expected =
            "an http loopback URI such as http://127.0.0.1:8765/callback";
        ParsedUrl parsed;
        try {
            parsed = parse_url(redirect_uri);
        } catch (const Error&) {
            invalid("redirect_uri", expected);
        }
        if (parsed.scheme != "http" || !is_loopback_host(parsed.host) || parsed.has_userinfo ||
            !parsed.fragment.empty() || parsed.port <= 0 || parsed.port > 65535) {
            invalid("redirect_uri", expected);
        }
    }

    if (redis_prefix.empty()) {
        invalid("redis_prefix", "a non-empty key prefix");
    }
    if (keyring_service.empty()) {
        invalid("keyring_service", "a non-empty service name");
    }
}

// ---- sources -----------------------------------------------------------------------------------

std::filesystem::path resolve_config_file(const SettingsSources& sources) {
    return locate_config_file(sources).path;
}

SettingsValues read_config_table(const std::filesystem::path& file, std::string_view table) {
    const toml::table root = parse_config_file(file);
    const toml::table* found = find_table(root, split_table_name(table), file, table);
    if (found == nullptr) {
        return {};
    }
    SettingsValues values;
    for (auto& [name, entry] : table_entries(*found, file, table)) {
        values[name] = std::move(entry.value);
    }
    return values;
}

SettingsValues read_environment(const SettingsSources& sources, std::string_view prefix,
                                const std::vector<std::string_view>& field_list) {
    SettingsValues values;
    std::map<std::string, std::string_view, std::less<>> wanted; // variable name → field
    for (const auto& field : field_list) {
        wanted.emplace(std::string{prefix} + upper(field), field);
    }
    const auto consider = [&](std::string_view name, std::string_view value) {
        if (name.substr(0, prefix.size()) != prefix) {
            return;
        }
        auto it = wanted.find(name);
        if (it == wanted.end()) {
            log(LogLevel::debug, "ignoring unknown environment variable " + std::string{name});
            return;
        }
        // An empty variable counts as unset, so `VAR= authflow …` cannot blank a setting by
        // accident.
        if (!value.empty()) {
            values[std::string{it->second}] = std::string{value};
        }
    };
    if (sources.environment) {
        for (const auto& [name, value] : *sources.environment) {
            consider(name, value);
        }
    } else {
        for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
            std::string_view text{*entry};
            const auto eq = text.find('=');
            if (eq != std::string_view::npos) {
                consider(text.substr(0, eq), text.substr(eq + 1));
            }
        }
    }
    return values;
}

std::string_view to_string(SettingSource source) noexcept {
    switch (source) {
    case SettingSource::default_value:
        return "default";
    case SettingSource::config_file:
        return "config file";
    case SettingSource::profile:
        return "profile";
    case SettingSource::environment:
        return "environment";
    case SettingSource::flag:
        return "flag";
    }
    return "unknown";
}

SettingSource LoadedSettings::source_of(std::string_view field) const noexcept {
    if (const Field* known = find_field(field)) {
        field = known->name;
    }
    const auto it = sources_.find(field);
    return it == sources_.end() ? SettingSource::default_value : it->second;
}

void LoadedSettings::apply(const Layer& layer) {
    for (const Entry& entry : layer.entries) {
        if (find_field(entry.field) == nullptr) {
            if (layer.unknown_is_error) {
                require_field(entry.field);
            }
            log(LogLevel::debug,
                "ignoring unknown OAuth2 setting '" + entry.field + "' in " + layer.name);
            continue;
        }
        try {
            settings_.set(entry.field, entry.value);
        } catch (const ConfigError& e) {
            throw ConfigError(e.code(), entry.error_prefix + e.what());
        }
        sources_[std::string{find_field(entry.field)->name}] = layer.source;
    }
}

void LoadedSettings::add(Layer layer) {
    apply(layer);
    layers_.push_back(std::move(layer));
}

LoadedSettings LoadedSettings::with_remembered(const SettingsValues& remembered,
                                               std::string_view profile) const {
    Layer profile_layer = remembered_layer(remembered, profile);
    LoadedSettings result;
    bool placed = false;
    for (const Layer& layer : layers_) {
        if (layer.source == SettingSource::profile) {
            continue; // replaced
        }
        if (!placed && layer.source > SettingSource::profile) {
            result.add(profile_layer);
            placed = true;
        }
        result.add(layer);
    }
    if (!placed) {
        result.add(std::move(profile_layer));
    }
    result.validate();
    return result;
}

LoadedSettings load_settings_with_sources(const SettingsSources& sources) {
    LoadedSettings loaded;

    // 2. The config file: [oauth2], then [profiles.<profile>.oauth2].
    const ConfigLocation location = locate_config_file(sources);
    if (!location.path.empty()) {
        std::error_code ec;
        const bool exists = std::filesystem::exists(location.path, ec);
        if (!exists && location.is_explicit) {
            throw ConfigError(errc::config_missing,
                              "config file " + location.path.string() + " does not exist");
        }
        if (exists) {
            const toml::table root = parse_config_file(location.path);
            if (const auto* base = find_table(root, {"oauth2"}, location.path, "oauth2")) {
                loaded.add(table_layer(*base, location.path, "oauth2"));
            }
            const std::string profile_table = "profiles." + sources.profile + ".oauth2";
            if (const auto* profile = find_table(root, {"profiles", sources.profile, "oauth2"},
                                                 location.path, profile_table)) {
                loaded.add(table_layer(*profile, location.path, profile_table));
            }
        } else {
            log(LogLevel::debug, "no config file at " + location.path.string());
        }
    }

    // 3. The profile's remembered settings.
    loaded.add(remembered_layer(sources.remembered, sources.profile));

    // 4. The environment.
    LoadedSettings::Layer env{SettingSource::environment, "the environment", {}, false};
    std::vector<std::string_view> env_fields = OAuth2Settings::field_names();
    for (const auto& [alias, canonical] : field_alias_table) {
        // Values come back ordered by name: client_auth_method is applied before
        // token_endpoint_auth_method, so the current name wins when both are set.
        env_fields.push_back(alias);
    }
    for (auto& [field, value] : read_environment(sources, "AUTHFLOW_OAUTH2__", env_fields)) {
        env.entries.push_back({field, std::move(value),
                               "environment variable AUTHFLOW_OAUTH2__" + upper(field) + ": "});
    }
    loaded.add(std::move(env));

    // 5. Command-line flags.
    LoadedSettings::Layer flags{SettingSource::flag, "command line", {}, true};
    for (const auto& [field, value] : sources.flags) {
        flags.entries.push_back({field, value, "command line: "});
    }
    loaded.add(std::move(flags));

    loaded.validate();
    return loaded;
}

OAuth2Settings load_settings(const SettingsSources& sources) {
    return load_settings_with_sources(sources).settings();
}

} // namespace authflow

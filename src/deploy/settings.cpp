#include "../core/internal/settings_text.hpp"
#include "http_grammar.hpp"

#include <authflow/core/ascii.hpp>
#include <authflow/core/closest_match.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/core/url.hpp>
#include <authflow/deploy/forwarded.hpp>
#include <authflow/deploy/redirect.hpp>
#include <authflow/deploy/settings.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <system_error>
#include <type_traits>
#include <variant>

namespace authflow {
namespace {

using namespace settings_text;

using S = DeploySettings;

struct TextField {
    std::string S::*member;
};
struct ChoiceField {
    std::string S::*member;
    std::span<const std::string_view> choices;
};
struct BoolField {
    bool S::*member;
};
struct IntField {
    int S::*member;
    int min;
    int max;
};
struct ListField {
    std::vector<std::string> S::*member;
};
/// A list whose absence means "the derived default" (an empty value unsets it).
struct OptionalListField {
    std::optional<std::vector<std::string>> S::*member;
};

using FieldKind =
    std::variant<TextField, ChoiceField, BoolField, IntField, ListField, OptionalListField>;

struct Field {
    std::string_view name;
    FieldKind kind;
};

constexpr std::array<std::string_view, 3> backend_choices = {"memory", "sqlite", "redis"};
constexpr int max_session_ttl = 366 * 86400;
constexpr int max_login_rate_limit = 1000000;
constexpr int max_login_rate_window = 86400;

// Declaration order of DeploySettings: field_names() returns the names in this order.
const std::array<Field, 29>& fields() {
    static const std::array<Field, 29> table = {{
        {"public_url", TextField{&S::public_url}},
        {"route_prefix", TextField{&S::route_prefix}},
        {"auth_session_cookie", TextField{&S::auth_session_cookie}},
        {"session_ttl", IntField{&S::session_ttl, 60, max_session_ttl}},
        {"default_roles", ListField{&S::default_roles}},
        {"admin_users", ListField{&S::admin_users}},
        {"auth_public_paths", OptionalListField{&S::auth_public_paths}},
        {"auth_redirect_uri", TextField{&S::auth_redirect_uri}},
        {"force_https", BoolField{&S::force_https}},
        {"state_backend", ChoiceField{&S::state_backend, backend_choices}},
        {"redis_url", TextField{&S::redis_url}},
        {"redis_prefix", TextField{&S::redis_prefix}},
        {"trusted_origins", ListField{&S::trusted_origins}},
        {"trusted_proxies", ListField{&S::trusted_proxies}},
        {"store_key_file", TextField{&S::store_key_file}},
        {"insecure_plaintext_store", BoolField{&S::insecure_plaintext_store}},
        {"provider_logout", BoolField{&S::provider_logout}},
        {"post_logout_path", TextField{&S::post_logout_path}},
        {"title", TextField{&S::title}},
        {"logo_url", TextField{&S::logo_url}},
        {"allowed_groups", ListField{&S::allowed_groups}},
        {"allowed_emails", ListField{&S::allowed_emails}},
        {"allowed_email_domains", ListField{&S::allowed_email_domains}},
        {"pass_access_token", BoolField{&S::pass_access_token}},
        {"allowed_redirect_hosts", ListField{&S::allowed_redirect_hosts}},
        {"cookie_domain", TextField{&S::cookie_domain}},
        {"upstream", TextField{&S::upstream}},
        {"login_rate_limit", IntField{&S::login_rate_limit, 1, max_login_rate_limit}},
        {"login_rate_window", IntField{&S::login_rate_window, 1, max_login_rate_window}},
    }};
    return table;
}

const Field* find_field(std::string_view name) noexcept {
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
    throw ConfigError(errc::config_invalid, "unknown deploy setting '" + std::string{name} +
                                                "' (see docs/deploy.md for the list of settings)");
}

// Messages never contain the rejected value: it may be a secret put in the wrong place.
[[noreturn]] void invalid(std::string_view field, std::string_view expected,
                          errc code = errc::config_invalid) {
    throw ConfigError(code, "invalid deploy setting " + std::string{field} + ": expected " +
                                std::string{expected});
}

std::string choice_text(const ChoiceField& spec) {
    return settings_text::choice_text(spec.choices);
}

std::string int_text(const IntField& spec) {
    return settings_text::int_text(spec.min, spec.max);
}

bool in_choices(const ChoiceField& spec, std::string_view value) {
    return settings_text::in_choices(spec.choices, value);
}

// A URL path prefix: "/x", "/x/y" — no trailing '/', no empty segments, unreserved characters.
bool is_route_prefix(std::string_view prefix) {
    if (prefix.size() < 2 || prefix.front() != '/' || prefix.back() == '/' ||
        prefix.find("//") != std::string_view::npos) {
        return false;
    }
    return std::all_of(prefix.begin(), prefix.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '/' || c == '-' || c == '.' || c == '_' || c == '~';
    });
}

bool is_path(std::string_view path) {
    return !path.empty() && path.front() == '/' &&
           std::all_of(path.begin(), path.end(), [](char c) {
               const auto u = static_cast<unsigned char>(c);
               return u > 0x20 && u < 0x7f && c != '\\' && c != '?' && c != '#';
           });
}

/// "http://HOST[:PORT]" (a trailing '/' allowed): the reverse proxy's upstream. Plain http: the
/// app sits on the same host or a private network; no userinfo, query or path.
bool is_upstream_url(std::string_view url) {
    try {
        const ParsedUrl parsed = parse_url(url);
        return parsed.scheme == "http" && !parsed.host.empty() && parsed.path == "/" &&
               parsed.query.empty() && parsed.fragment.empty() && !parsed.has_userinfo &&
               url.find('?') == std::string_view::npos && url.find('#') == std::string_view::npos;
    } catch (const Error&) {
        return false;
    }
}

bool is_plain_name(std::string_view name) {
    return !name.empty() && std::none_of(name.begin(), name.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return c == ',' || is_space(c) || u < 0x20 || u == 0x7f;
    });
}

/// An absolute URL that is https, or http to a loopback host (RFC 8252 §8.3 for development).
ParsedUrl check_secure_url(std::string_view field, std::string_view url, bool allow_path,
                           bool force_https) {
    ParsedUrl parsed;
    try {
        parsed = parse_url(url);
    } catch (const Error&) {
        invalid(field, "an absolute https URL");
    }
    if (parsed.has_userinfo || !parsed.query.empty() || !parsed.fragment.empty() ||
        url.find('#') != std::string_view::npos || url.find('?') != std::string_view::npos) {
        invalid(field, "an absolute https URL without user name, query or fragment");
    }
    if (!allow_path && parsed.path != "/") {
        invalid(field, "an origin (scheme://host[:port]) without a path");
    }
    if (parsed.scheme != "https") {
        if (!is_loopback_host(parsed.host)) {
            invalid(field, "an https URL (plain http is allowed only for loopback hosts)",
                    errc::insecure_url);
        }
        if (force_https) {
            log(LogLevel::warning, "deploy setting " + std::string{field} +
                                       " is http while force_https is on: cookies will be Secure "
                                       "and browsers will not send them over http");
        }
    }
    return parsed;
}

void apply_values(DeploySettings& settings, const SettingsValues& values, const std::string& source,
                  UnknownDeployKeys unknown_keys) {
    for (const auto& [name, value] : values) {
        if (find_field(name) == nullptr) {
            // A typo would silently leave the setting at its default: say so, with the
            // closest name. The key is a name, not a value: safe to show.
            std::string message = source + ": unknown setting '" + name + "'";
            if (auto suggestion = closest_match(name, DeploySettings::field_names())) {
                message += " (did you mean '" + *suggestion + "'?)";
            } else if (unknown_keys == UnknownDeployKeys::refuse) {
                message += " (see docs/deploy.md for the list of settings)";
            } else {
                message += " (ignored)";
            }
            if (unknown_keys == UnknownDeployKeys::refuse) {
                throw ConfigError(errc::config_invalid, message);
            }
            log(LogLevel::warning, message);
            continue;
        }
        try {
            settings.set(name, value);
        } catch (const ConfigError& e) {
            throw ConfigError(e.code(), source + ": " + e.what());
        }
    }
}

} // namespace

const std::vector<std::string_view>& DeploySettings::field_names() {
    static const std::vector<std::string_view> names = [] {
        std::vector<std::string_view> out;
        for (const auto& field : fields()) {
            out.push_back(field.name);
        }
        return out;
    }();
    return names;
}

void DeploySettings::set(std::string_view name, std::string_view value) {
    const Field& field = require_field(name);
    std::visit(
        [&](const auto& spec) {
            using T = std::decay_t<decltype(spec)>;
            if constexpr (std::is_same_v<T, TextField>) {
                this->*spec.member = std::string{trim(value)};
            } else if constexpr (std::is_same_v<T, ChoiceField>) {
                std::string choice = ascii_lower(trim(value));
                if (!in_choices(spec, choice)) {
                    invalid(field.name, choice_text(spec));
                }
                this->*spec.member = std::move(choice);
            } else if constexpr (std::is_same_v<T, BoolField>) {
                auto parsed = parse_bool(value);
                if (!parsed) {
                    invalid(field.name, bool_text);
                }
                this->*spec.member = *parsed;
            } else if constexpr (std::is_same_v<T, IntField>) {
                auto parsed = parse_int(value);
                if (!parsed || *parsed < spec.min || *parsed > spec.max) {
                    invalid(field.name, int_text(spec));
                }
                this->*spec.member = *parsed;
            } else if constexpr (std::is_same_v<T, ListField>) {
                this->*spec.member = split_list(value);
            } else {
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

std::string DeploySettings::get(std::string_view name) const {
    const Field& field = require_field(name);
    return std::visit(
        [&](const auto& spec) -> std::string {
            using T = std::decay_t<decltype(spec)>;
            if constexpr (std::is_same_v<T, TextField> || std::is_same_v<T, ChoiceField>) {
                return this->*spec.member;
            } else if constexpr (std::is_same_v<T, BoolField>) {
                return this->*spec.member ? "true" : "false";
            } else if constexpr (std::is_same_v<T, IntField>) {
                return std::to_string(this->*spec.member);
            } else if constexpr (std::is_same_v<T, ListField>) {
                return join(this->*spec.member, " ");
            } else {
                const auto& items = this->*spec.member;
                return items ? join(*items, " ") : std::string{};
            }
        },
        field.kind);
}

void DeploySettings::validate() const {
    if (public_url.empty()) {
        throw ConfigError(errc::config_missing,
                          "deploy setting public_url is required (the URL browsers use, e.g. "
                          "https://app.example.com)");
    }
    check_secure_url("public_url", public_url, true, force_https);
    if (!auth_redirect_uri.empty()) {
        check_secure_url("auth_redirect_uri", auth_redirect_uri, true, force_https);
    }
    if (!is_route_prefix(route_prefix)) {
        invalid("route_prefix", "a path such as /auth (a leading '/', no trailing '/')");
    }
    if (!http_grammar::is_token(auth_session_cookie)) {
        invalid("auth_session_cookie", "a cookie name (RFC 6265 token characters)");
    }
    // RFC 6265bis §4.1.3: browsers drop a __Secure-/__Host- cookie set without Secure.
    if ((iequals(std::string_view{auth_session_cookie}.substr(0, 9), "__Secure-") ||
         is_host_prefixed_cookie()) &&
        !cookie_secure()) {
        invalid("auth_session_cookie", "a name without the __Secure-/__Host- prefix, as "
                                       "public_url is http (such cookies need https; or set "
                                       "force_https behind a TLS terminator)");
    }
    if (session_ttl < 60 || session_ttl > max_session_ttl) {
        invalid("session_ttl", int_text(IntField{&S::session_ttl, 60, max_session_ttl}));
    }
    const auto check_names = [](std::string_view field, const std::vector<std::string>& items) {
        for (const auto& item : items) {
            if (!is_plain_name(item)) {
                invalid(field, "a list of non-empty names without spaces or commas");
            }
        }
    };
    check_names("default_roles", default_roles);
    check_names("admin_users", admin_users);
    if (auth_public_paths) {
        for (const auto& path : *auth_public_paths) {
            if (!is_path(path)) {
                invalid("auth_public_paths", "a list of paths starting with '/'");
            }
        }
    }
    if (!in_choices(ChoiceField{&S::state_backend, backend_choices}, state_backend)) {
        invalid("state_backend", choice_text(ChoiceField{&S::state_backend, backend_choices}));
    }
    if (state_backend == "redis") {
        // Debian 12's hiredis (0.14) has no TLS: refuse rediss:// rather than send in clear.
        if (redis_url.starts_with("rediss://")) {
            invalid("redis_url", "redis:// or unix:// (TLS is not supported by the hiredis "
                                 "in use; reach Redis over a private network or a TLS tunnel)");
        }
        if (!redis_url.starts_with("redis://") && !redis_url.starts_with("unix://")) {
            invalid("redis_url", "a redis:// or unix:// URL");
        }
    }
    if (redis_prefix.empty() || !is_plain_name(redis_prefix)) {
        invalid("redis_prefix", "a non-empty key prefix without spaces");
    }
    for (const auto& origin : trusted_origins) {
        check_secure_url("trusted_origins", origin, false, false);
    }
    try {
        TrustedProxies proxies{trusted_proxies};
    } catch (const Error&) {
        invalid("trusted_proxies", "a list of IP addresses or CIDR blocks (e.g. 10.0.0.0/8)");
    }
    if (!logo_url.empty()) {
        check_secure_url("logo_url", logo_url, true, false);
    }
    if (login_rate_limit < 1 || login_rate_limit > max_login_rate_limit) {
        invalid("login_rate_limit",
                int_text(IntField{&S::login_rate_limit, 1, max_login_rate_limit}));
    }
    if (login_rate_window < 1 || login_rate_window > max_login_rate_window) {
        invalid("login_rate_window",
                int_text(IntField{&S::login_rate_window, 1, max_login_rate_window}));
    }
    if (!post_logout_path.empty() && safe_next_path(post_logout_path) != post_logout_path) {
        invalid("post_logout_path", "a path on this site such as /goodbye (one leading '/')");
    }
    check_names("allowed_groups", allowed_groups);
    for (const auto& email : allowed_emails) {
        const auto at = email.find('@');
        if (!is_plain_name(email) || at == std::string::npos || at == 0 || at + 1 == email.size() ||
            email.find('@', at + 1) != std::string::npos) {
            invalid("allowed_emails", "a list of e-mail addresses (one '@' each)");
        }
    }
    for (const auto& domain : allowed_email_domains) {
        if (!is_dns_name(domain)) {
            invalid("allowed_email_domains", "a list of domains such as example.com");
        }
    }
    for (const auto& host : allowed_redirect_hosts) {
        if (!is_redirect_host_pattern(host)) {
            invalid("allowed_redirect_hosts",
                    "a list of hosts (app.example.com, app.example.com:8443) or domains with a "
                    "leading dot for their subdomains (.example.com)");
        }
    }
    if (!cookie_domain.empty()) {
        if (!is_dns_name(cookie_domain.front() == '.' ? std::string_view{cookie_domain}.substr(1)
                                                      : std::string_view{cookie_domain})) {
            invalid("cookie_domain", "a domain such as example.com");
        }
        if (!host_within_domain(parse_url(public_url).host, cookie_domain)) {
            invalid("cookie_domain", "a domain that contains public_url's host (a browser "
                                     "refuses a cookie for another domain)");
        }
        // RFC 6265bis §4.1.3.2: a browser drops a __Host- cookie that names a Domain.
        if (is_host_prefixed_cookie()) {
            invalid("cookie_domain", "empty with a __Host- session cookie (such a cookie is for "
                                     "one host only); or a name without the __Host- prefix");
        }
    }
    if (!upstream.empty() && !is_upstream_url(upstream)) {
        invalid("upstream", "an http:// URL of the app without a path, e.g. http://127.0.0.1:3000");
    }
}

std::string DeploySettings::redirect_uri() const {
    if (!auth_redirect_uri.empty()) {
        return auth_redirect_uri;
    }
    if (public_url.empty()) {
        throw ConfigError(errc::config_missing,
                          "deploy setting public_url (or auth_redirect_uri) is required");
    }
    std::string base = public_url;
    while (base.ends_with('/')) {
        base.pop_back();
    }
    return base + route_path("/callback");
}

std::string DeploySettings::post_logout_redirect_uri() const {
    if (public_url.empty()) {
        throw ConfigError(errc::config_missing, "deploy setting public_url is required");
    }
    std::string base = public_url;
    while (base.ends_with('/')) {
        base.pop_back();
    }
    return base + route_path("/signed-out");
}

std::string DeploySettings::public_origin() const {
    if (public_url.empty()) {
        throw ConfigError(errc::config_missing, "deploy setting public_url is required");
    }
    try {
        return parse_url(public_url).origin();
    } catch (const Error&) {
        throw ConfigError(errc::bad_url, "deploy setting public_url is not an absolute URL");
    }
}

bool DeploySettings::is_host_prefixed_cookie() const {
    return iequals(std::string_view{auth_session_cookie}.substr(0, 7), "__Host-");
}

bool DeploySettings::cookie_secure() const {
    if (force_https) {
        return true;
    }
    try {
        return parse_url(public_url).scheme == "https";
    } catch (const Error&) {
        // validate() rejects such a URL; fail towards the safer attribute meanwhile.
        return true;
    }
}

std::string DeploySettings::route_path(std::string_view route) const {
    std::string path = route_prefix;
    if (!route.empty() && route.front() != '/') {
        path += '/';
    }
    path += route;
    return path;
}

std::vector<std::string> DeploySettings::public_paths() const {
    if (auth_public_paths) {
        return *auth_public_paths;
    }
    return {route_path("/login"), route_path("/callback"), route_path("/status"),
            route_path("/signed-out"), route_path("/backchannel-logout")};
}

bool DeploySettings::is_public_path(std::string_view path) const {
    const auto matches = [&](std::string_view base) {
        if (base.empty()) {
            return false;
        }
        if (base.back() == '/') {
            return path.starts_with(base);
        }
        return path == base || (path.starts_with(base) && path[base.size()] == '/');
    };
    if (auth_public_paths) {
        return std::any_of(auth_public_paths->begin(), auth_public_paths->end(), matches);
    }
    const auto defaults = public_paths();
    return std::any_of(defaults.begin(), defaults.end(), matches);
}

DeploySettings load_deploy_settings(const SettingsSources& sources,
                                    UnknownDeployKeys unknown_keys) {
    DeploySettings settings;

    // 1. The config file's [deploy] table. A missing default file is not an error; a file named
    // explicitly (argument or $AUTHFLOW_CONFIG_FILE) that is missing is.
    const std::filesystem::path file = resolve_config_file(sources);
    if (!file.empty()) {
        const auto named = environment_value(sources, "AUTHFLOW_CONFIG_FILE");
        const bool is_explicit = !sources.config_file.empty() || (named && !named->empty());
        std::error_code ec;
        const bool exists = std::filesystem::exists(file, ec);
        if (!exists && is_explicit) {
            throw ConfigError(errc::config_missing,
                              "config file " + file.string() + " does not exist");
        }
        if (exists) {
            apply_values(settings, read_config_table(file, "deploy"),
                         "config file " + file.string() + ": [deploy]", unknown_keys);
        }
    }

    // 2. The environment.
    const auto env = read_environment(sources, "AUTHFLOW_DEPLOY__", DeploySettings::field_names());
    for (const auto& [field, value] : env) {
        try {
            settings.set(field, value);
        } catch (const ConfigError& e) {
            throw ConfigError(e.code(), "environment variable AUTHFLOW_DEPLOY__" + upper(field) +
                                            ": " + e.what());
        }
    }

    // 3. Command-line flags.
    apply_values(settings, sources.flags, "command line", UnknownDeployKeys::refuse);

    settings.validate();
    if (settings.insecure_plaintext_store) {
        log(LogLevel::warning, "insecure_plaintext_store is on: sessions and tokens are kept "
                               "unencrypted in the shared store");
    }
    return settings;
}

} // namespace authflow

#include "profile.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/providers/factory.hpp>
#include <authflow/store/factory.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <sstream>

namespace authflow::cli {

namespace {

constexpr int record_version = 1;

// Where the store is must be known before the record can be read, so it is never remembered;
// the sign-in timeout belongs to one login.
constexpr std::string_view not_remembered[] = {
    "token_store_backend",
    "token_store_path",
    "redis_url",
    "redis_prefix",
    "keyring_service",
    "store_key_file",
    "insecure_plaintext_store",
    "auth_timeout_seconds",
};

std::string string_member(const nlohmann::json& object, const char* name) {
    auto it = object.find(name);
    if (it == object.end() || !it->is_string()) {
        return {};
    }
    return it->get<std::string>();
}

[[noreturn]] void corrupt(std::string_view what) {
    throw StoreError(errc::store_corrupt,
                     "the remembered profile settings are damaged (" + std::string{what} + ")");
}

} // namespace

std::string login_command_for(std::string_view profile) {
    if (profile == GlobalOptions{}.profile) {
        return "authflow login";
    }
    return "authflow --profile " + std::string{profile} + " login";
}

std::string profile_tokens_key(std::string_view profile) {
    return std::string{profile};
}

std::string profile_provider_key(std::string_view profile) {
    return std::string{profile} + "#provider";
}

std::string profile_settings_key(std::string_view profile) {
    return std::string{profile} + "#settings";
}

const std::vector<std::string_view>& remembered_fields() {
    static const std::vector<std::string_view> fields = [] {
        std::vector<std::string_view> out;
        for (auto field : OAuth2Settings::field_names()) {
            if (std::find(std::begin(not_remembered), std::end(not_remembered), field) ==
                std::end(not_remembered)) {
                out.push_back(field);
            }
        }
        return out;
    }();
    return fields;
}

nlohmann::json ProfileRecord::to_json() const {
    nlohmann::json settings_json = nlohmann::json::object();
    for (const auto& [field, value] : settings) {
        settings_json[field] = value;
    }
    nlohmann::json identity = nlohmann::json::object();
    if (!subject.empty()) {
        identity["subject"] = subject;
    }
    if (!email.empty()) {
        identity["email"] = email;
    }
    if (!name.empty()) {
        identity["name"] = name;
    }
    return {{"version", record_version},
            {"settings", settings_json},
            {"identity", identity},
            {"saved_at", saved_at}};
}

ProfileRecord ProfileRecord::from_json(const nlohmann::json& document) {
    if (!document.is_object()) {
        corrupt("not an object");
    }
    auto version = document.find("version");
    if (version == document.end() || !version->is_number_integer() ||
        version->get<int>() != record_version) {
        corrupt("unknown version");
    }
    ProfileRecord record;
    auto settings = document.find("settings");
    if (settings == document.end() || !settings->is_object()) {
        corrupt("no settings");
    }
    for (const auto& [field, value] : settings->items()) {
        if (!value.is_string()) {
            corrupt("a setting is not text");
        }
        record.settings[field] = value.get<std::string>();
    }
    if (auto identity = document.find("identity");
        identity != document.end() && identity->is_object()) {
        record.subject = string_member(*identity, "subject");
        record.email = string_member(*identity, "email");
        record.name = string_member(*identity, "name");
    }
    if (auto saved = document.find("saved_at"); saved != document.end() && saved->is_number()) {
        record.saved_at = saved->get<double>();
    }
    return record;
}

ProfileRecord make_profile_record(const OAuth2Settings& settings, const UserIdentity* identity) {
    ProfileRecord record;
    const OAuth2Settings defaults;
    for (auto field : remembered_fields()) {
        std::string value = settings.get(field);
        // Only what differs from the defaults: a remembered default would hide a later change
        // in the config file (remembered settings take precedence over it).
        if (value != defaults.get(field)) {
            record.settings[std::string{field}] = std::move(value);
        }
    }
    if (identity != nullptr) {
        record.subject = identity->subject;
        record.email = identity->email.value_or("");
        record.name = identity->name.value_or("");
    }
    record.saved_at = system_clock().unix_seconds();
    return record;
}

void save_profile(TokenStore& store, std::string_view profile, const OAuth2Settings& settings,
                  const OAuthTokenSet& tokens, const UserIdentity* identity) {
    store.save(profile_tokens_key(profile), tokens);
    remember_profile(store, profile, settings, identity);
}

void remember_profile(TokenStore& store, std::string_view profile, const OAuth2Settings& settings,
                      const UserIdentity* identity) {
    store.save_document(profile_settings_key(profile),
                        make_profile_record(settings, identity).to_json());
}

std::optional<ProfileRecord> load_profile_record(TokenStore& store, std::string_view profile) {
    auto document = store.load_document(profile_settings_key(profile));
    if (!document) {
        return std::nullopt;
    }
    try {
        return ProfileRecord::from_json(*document);
    } catch (const StoreError& e) {
        throw StoreError(e.code(), std::string{e.what()} + ": run `" + login_command_for(profile) +
                                       "` again");
    }
}

bool forget_profile(TokenStore& store, std::string_view profile) {
    store.remove(profile_provider_key(profile));
    return store.remove(profile_settings_key(profile));
}

OpenedProfile open_profile(const Context& ctx, SettingsValues extra_flags) {
    OpenedProfile profile;
    profile.name = ctx.global.profile;
    // Read once; first without the remembered settings: they decide nothing about where the
    // store is.
    profile.given = load_settings_with_sources(ctx.settings_sources(std::move(extra_flags)));
    OAuth2Settings first = profile.given.settings();
    if (!profile.given.is_given("token_store_backend")) {
        first.token_store_backend = TokenStoreBackend::automatic; // CLI.md: the CLI's default
    }
    profile.backend = resolve_token_store_backend(to_string(first.token_store_backend));
    profile.store = make_token_store(profile.backend, token_store_options(first));
    profile.record = load_profile_record(*profile.store, profile.name);
    if (profile.record) {
        profile.settings =
            profile.given.with_remembered(profile.record->settings, profile.name).settings();
    } else {
        profile.settings = std::move(first);
    }
    profile.settings.token_store_backend = parse_token_store_backend(profile.backend);
    return profile;
}

OAuthTokenSet require_tokens(const OpenedProfile& profile) {
    auto tokens = profile.store->load(profile_tokens_key(profile.name));
    if (!tokens) {
        throw TokenError(errc::token_missing, "profile '" + profile.name +
                                                  "' is not signed in: run `" +
                                                  login_command_for(profile.name) + "`");
    }
    return std::move(*tokens);
}

ProviderFactoryOptions profile_provider_options(const OpenedProfile& profile) {
    ProviderFactoryOptions options;
    const std::string key = profile_provider_key(profile.name);
    try {
        if (auto kept = profile.store->load_document(key)) {
            options.snapshot = ProviderSnapshot::from_json(*kept);
        }
    } catch (const StoreError& e) {
        // A cache: what cannot be read is fetched again.
        log(LogLevel::debug, std::string{"the kept discovery document is unreadable: "} + e.what());
    }
    std::weak_ptr<TokenStore> store = profile.store;
    options.on_snapshot = [store, key](const ProviderSnapshot& snapshot) {
        if (auto kept = store.lock()) {
            kept->save_document(key, snapshot.to_json());
        }
    };
    return options;
}

std::shared_ptr<OAuthProvider> make_profile_provider(const OpenedProfile& profile) {
    return create_provider_from_settings(profile.settings, profile_provider_options(profile));
}

std::unique_ptr<SessionManager> make_profile_session(const OpenedProfile& profile) {
    SessionManagerOptions options;
    options.session_key = profile_tokens_key(profile.name);
    options.refresh_buffer_seconds = profile.settings.refresh_buffer_seconds;
    options.background_refresh = false; // the program ends after one command
    return std::make_unique<SessionManager>(make_profile_provider(profile), profile.store,
                                            std::move(options));
}

OAuthTokenSet fresh_profile_tokens(const OpenedProfile& profile, std::int64_t min_ttl) {
    OAuthTokenSet tokens = require_tokens(profile);
    // The common case needs neither the provider nor the network: the stored token is fresh
    // by the same rule SessionManager uses.
    const double now = system_clock().unix_seconds();
    const auto due =
        refresh_due_at(tokens, std::chrono::seconds{profile.settings.refresh_buffer_seconds});
    const double expires_at = tokens.expires_at().value_or(now + 1e12);
    if ((!due || now < *due) && now + static_cast<double>(min_ttl) < expires_at) {
        return tokens;
    }
    return make_profile_session(profile)->get_tokens(std::chrono::seconds{min_ttl});
}

std::string describe_profile_store(const OpenedProfile& profile) {
    const OAuth2Settings& settings = profile.settings;
    if (profile.backend == "sqlite") {
        return "sqlite (" +
               (settings.token_store_path.empty() ? default_sqlite_token_store_path().string()
                                                  : settings.token_store_path) +
               ")";
    }
    if (profile.backend == "keyring") {
        return "keyring (service \"" + settings.keyring_service + "\")";
    }
    if (profile.backend == "redis") {
        std::string url = settings.redis_url;
        const auto scheme_end = url.find("://");
        const auto at = url.rfind('@');
        if (scheme_end != std::string::npos && at != std::string::npos && at > scheme_end) {
            url.erase(scheme_end + 3, at - scheme_end - 2); // never the password
        }
        return "redis (" + url + ", prefix \"" + settings.redis_prefix + "\")";
    }
    return profile.backend;
}

std::string format_utc(double unix_seconds) {
    using namespace std::chrono;
    if (!std::isfinite(unix_seconds)) {
        return "never";
    }
    const sys_seconds at{seconds{static_cast<std::int64_t>(std::floor(unix_seconds))}};
    const auto day = floor<days>(at);
    const year_month_day date{day};
    const hh_mm_ss<seconds> time{at - day};
    std::ostringstream text;
    text << std::setfill('0') << std::setw(4) << static_cast<int>(date.year()) << '-'
         << std::setw(2) << static_cast<unsigned>(date.month()) << '-' << std::setw(2)
         << static_cast<unsigned>(date.day()) << 'T' << std::setw(2) << time.hours().count() << ':'
         << std::setw(2) << time.minutes().count() << ':' << std::setw(2) << time.seconds().count()
         << 'Z';
    return text.str();
}

} // namespace authflow::cli

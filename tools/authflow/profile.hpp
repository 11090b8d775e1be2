#pragma once
// Profiles of the `authflow` program (CLI.md "Profiles"): where a profile's records live, and the
// record of the provider settings that `login` remembers beside the tokens, so that `token`,
// `refresh`, `status`, `userinfo` and `logout` work in a new shell.
//
// Records, in the token store the settings designate (the CLI's default backend is `auto`: the
// keyring when a Secret Service answers, else SQLite at its default path; so a new shell finds
// the same store without being told):
//   <profile>            the tokens (an OAuthTokenSet, as SessionManager keeps them)
//   <profile>#settings   the remembered settings and identity (a JSON document, encrypted like
//                        the tokens when the store has a key)
//   <profile>#provider   the provider's discovery document and key set as last fetched
//                        (ProviderSnapshot), so that a command needs no discovery round trip

#include "cli.hpp"

#include <authflow/core/settings.hpp>
#include <authflow/core/token_set.hpp>
#include <authflow/providers/oauth_provider.hpp>
#include <authflow/session/session_manager.hpp>
#include <authflow/store/token_store.hpp>

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authflow::cli {

/// The key of a profile's tokens: the profile name itself.
std::string profile_tokens_key(std::string_view profile);

/// The command that signs the profile in: `authflow login`, or `authflow --profile NAME login`
/// for any other profile than the default one.
std::string login_command_for(std::string_view profile);
/// The key of a profile's remembered settings: "<profile>#settings".
std::string profile_settings_key(std::string_view profile);

/// The OAuth2Settings fields a profile remembers: the provider settings (client secret
/// included). Not remembered: where the store is (it is found before the record is read) and
/// the sign-in timeout.
const std::vector<std::string_view>& remembered_fields();

/// What `login` remembered about a profile. A plain value; it holds the client secret, so never
/// print or log it.
struct ProfileRecord {
    /// Field → text, for the remembered fields whose value differs from the default.
    SettingsValues settings;
    /// Who signed in, when known.
    std::string subject;
    std::string email;
    std::string name;
    /// When login saved it (Unix seconds).
    double saved_at = 0;

    nlohmann::json to_json() const;
    /// Throws StoreError (store_corrupt) for a document that is not a profile record.
    static ProfileRecord from_json(const nlohmann::json& document);
};

/// The record `settings` (and the identity, when given) make.
ProfileRecord make_profile_record(const OAuth2Settings& settings,
                                  const UserIdentity* identity = nullptr);

/// Saves the tokens under `<profile>` and the remembered settings under `<profile>#settings`:
/// what `login` calls once it has tokens. Throws StoreError.
void save_profile(TokenStore& store, std::string_view profile, const OAuth2Settings& settings,
                  const OAuthTokenSet& tokens, const UserIdentity* identity = nullptr);
/// Only the remembered settings (for a login whose SessionManager already saved the tokens).
/// Throws StoreError.
void remember_profile(TokenStore& store, std::string_view profile, const OAuth2Settings& settings,
                      const UserIdentity* identity = nullptr);
/// The remembered record, or nothing. Throws StoreError.
std::optional<ProfileRecord> load_profile_record(TokenStore& store, std::string_view profile);
/// Removes the remembered record; returns whether there was one. Throws StoreError.
bool forget_profile(TokenStore& store, std::string_view profile);

/// A profile opened for a command.
struct OpenedProfile {
    std::string name;
    /// Defaults < config file < remembered < environment < flags, validated.
    OAuth2Settings settings;
    /// Defaults < config file < environment < flags (without the remembered settings), each
    /// value with its source.
    LoadedSettings given;
    /// The backend in use ("auto" resolved).
    std::string backend;
    std::shared_ptr<TokenStore> store;
    /// The remembered record, if `login` saved one.
    std::optional<ProfileRecord> record;
};

/// Resolves the settings (with the CLI's store default `auto` when no source names a backend),
/// opens the store they designate, reads the profile's remembered settings from it and
/// resolves the settings again with them. Throws ConfigError, StoreError.
OpenedProfile open_profile(const Context& ctx, SettingsValues extra_flags = {});

/// The profile's stored tokens. Throws TokenError (token_missing: exit code 3) when the
/// profile is not signed in, StoreError.
OAuthTokenSet require_tokens(const OpenedProfile& profile);

/// The provider the profile's settings describe, starting from the discovery document and key
/// set an earlier command kept under `<profile>#provider`, and keeping what it fetches there: a
/// later command needs no discovery round trip, and works from them while the provider cannot be
/// reached. Throws as create_provider_from_settings.
std::shared_ptr<OAuthProvider> make_profile_provider(const OpenedProfile& profile);

/// A SessionManager for the profile's tokens (no background refresh: the program is short-lived),
/// with the provider its settings describe. Throws ConfigError when the settings cannot make a
/// provider (no client id, ...).
std::unique_ptr<SessionManager> make_profile_session(const OpenedProfile& profile);

/// The profile's tokens with at least `min_ttl` seconds left: the stored ones when they are
/// fresh by SessionManager's rule (no provider, no network), else refreshed through a
/// SessionManager. Throws TokenError (token_missing), and as SessionManager::get_tokens.
OAuthTokenSet fresh_profile_tokens(const OpenedProfile& profile, std::int64_t min_ttl = 0);

/// A description of where the records are (backend and file, service or server; never a
/// password).
std::string describe_profile_store(const OpenedProfile& profile);

/// An ISO 8601 UTC time ("2026-01-01T00:10:00Z") for Unix seconds.
std::string format_utc(double unix_seconds);

} // namespace authflow::cli

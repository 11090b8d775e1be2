#pragma once
// What `status` and `profiles` say about a profile: who is signed in, with which provider,
// until when. Never a token. Provider-supplied text in it is already safe for a terminal.

#include "profile.hpp"

#include <authflow/core/settings.hpp>
#include <authflow/core/token_set.hpp>
#include <authflow/oidc/id_token.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace authflow::cli {

/// A profile's state at one moment. A plain value.
struct ProfileSummary {
    std::string profile;
    bool has_tokens = false;
    /// Tokens that work now or can be refreshed; false: a sign-in is needed (exit code 3).
    bool signed_in = false;
    std::string subject; ///< from the stored ID token, else the remembered record
    std::string email;
    std::string name;
    std::string provider; ///< "oidc", "google", ...
    std::string issuer;
    std::string client_id;
    std::optional<double> expires_at; ///< Unix seconds
    std::int64_t expires_in = 0;      ///< seconds from the summary's `now`; negative when past
    bool expired = false;
    bool has_refresh_token = false;
    std::vector<std::string> scopes;
    std::string store_backend;
    std::string store_location;
};

/// The claims of the stored ID token: it was validated when it was stored; here it is only read.
/// Nothing when there is none or it cannot be read.
std::optional<IdTokenClaims> stored_id_token_claims(const OAuthTokenSet& tokens);

/// The summary of profile `name` with `settings` (remembered ones included), its stored tokens
/// and remembered record, at Unix time `now`.
ProfileSummary summarize_profile(const std::string& name, const OAuth2Settings& settings,
                                 const std::optional<OAuthTokenSet>& tokens,
                                 const std::optional<ProfileRecord>& record, double now);

/// The summary as `status --json` prints it.
nlohmann::json to_json(const ProfileSummary& summary);

/// "Name <e-mail> (subject S)", leaving out what is unknown; empty when nothing is known.
std::string describe_identity(const ProfileSummary& summary);

/// "2 h 5 min", "3 min 20 s", "42 s" (the magnitude of `seconds`).
std::string describe_duration(std::int64_t seconds);

/// "2026-12-07 10:00:00 UTC (in 59 min 58 s)", "... (expired 3 s ago)" or "unknown".
std::string describe_expiry(const ProfileSummary& summary);

} // namespace authflow::cli

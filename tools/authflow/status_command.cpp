// `authflow status [--json]`: who is signed in under the profile, with which provider, until
// when, with which scopes, and where the tokens are kept. Never a token.
#include "cli.hpp"
#include "profile.hpp"
#include "terminal_text.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/core/encoding.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/oidc/id_token.hpp>

#include <CLI/CLI.hpp>

#include <cmath>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

namespace authflow::cli {

namespace {

struct Identity {
    std::string subject;
    std::string email;
    std::string name;
};

// The stored ID token's claims. It was validated when it was stored; here it is only read, and a
// token that cannot be read leaves the identity to the remembered record.
std::optional<Identity> identity_from_id_token(const OAuthTokenSet& tokens) {
    if (!tokens.id_token) {
        return std::nullopt;
    }
    const std::string_view jwt = *tokens.id_token;
    const auto first = jwt.find('.');
    const auto second = first == std::string_view::npos ? first : jwt.find('.', first + 1);
    std::string payload;
    if (second == std::string_view::npos ||
        !base64url_decode_to(jwt.substr(first + 1, second - first - 1), payload)) {
        return std::nullopt;
    }
    try {
        const IdTokenClaims claims = IdTokenClaims::from_payload(std::move(payload));
        return Identity{claims.sub(), claims.email().value_or(""), claims.name().value_or("")};
    } catch (const Error&) {
        return std::nullopt;
    }
}

std::vector<std::string> split_scopes(const std::string& text) {
    std::vector<std::string> scopes;
    std::istringstream in(text);
    for (std::string scope; in >> scope;) {
        scopes.push_back(scope);
    }
    return scopes;
}

std::string describe_duration(std::int64_t seconds) {
    const std::int64_t magnitude = seconds < 0 ? -seconds : seconds;
    std::ostringstream text;
    if (magnitude >= 3600) {
        text << magnitude / 3600 << " h " << (magnitude % 3600) / 60 << " min";
    } else if (magnitude >= 60) {
        text << magnitude / 60 << " min " << magnitude % 60 << " s";
    } else {
        text << magnitude << " s";
    }
    return text.str();
}

int run_status(Context& ctx, bool as_json) {
    const OpenedProfile profile = open_profile(ctx);
    if (as_json && !profile.store->load(profile_tokens_key(profile.name))) {
        // Signed out is an answer too: a script reads it as JSON, and the exit code says it.
        const nlohmann::json status = {
            {"profile", profile.name},
            {"signed_in", false},
            {"provider", to_string(profile.settings.provider)},
            {"store",
             {{"backend", profile.backend}, {"location", describe_profile_store(profile)}}},
            {"hint", "run `" + login_command_for(profile.name) + "`"},
        };
        *ctx.out << status.dump(2) << "\n";
        return exit_not_signed_in;
    }
    const OAuthTokenSet tokens = require_tokens(profile);
    const OAuth2Settings& settings = profile.settings;

    Identity who;
    if (auto from_token = identity_from_id_token(tokens)) {
        who = *from_token;
    }
    if (profile.record) {
        if (who.subject.empty()) {
            who.subject = profile.record->subject;
        }
        if (who.email.empty()) {
            who.email = profile.record->email;
        }
        if (who.name.empty()) {
            who.name = profile.record->name;
        }
    }
    // Provider-supplied text: nothing in it may act on the terminal.
    who = Identity{terminal_safe(who.subject), terminal_safe(who.email), terminal_safe(who.name)};
    const double now = system_clock().unix_seconds();
    const auto expires_at = tokens.expires_at();
    const bool expired = expires_at && *expires_at <= now;
    const bool has_refresh_token = tokens.refresh_token && !tokens.refresh_token->empty();
    const std::vector<std::string> scopes = split_scopes(tokens.scope);
    // An expired token without a way to refresh it: a new sign-in is needed (exit code 3).
    const int code = expired && !has_refresh_token ? exit_not_signed_in : exit_ok;

    std::ostream& out = *ctx.out;
    if (as_json) {
        nlohmann::json status = {
            {"profile", profile.name},
            {"signed_in", code == exit_ok},
            {"subject",
             who.subject.empty() ? nlohmann::json(nullptr) : nlohmann::json(who.subject)},
            {"email", who.email.empty() ? nlohmann::json(nullptr) : nlohmann::json(who.email)},
            {"name", who.name.empty() ? nlohmann::json(nullptr) : nlohmann::json(who.name)},
            {"provider", to_string(settings.provider)},
            {"issuer", settings.issuer_url.empty() ? nlohmann::json(nullptr)
                                                   : nlohmann::json(settings.issuer_url)},
            {"client_id", settings.client_id},
            {"expires_at",
             expires_at ? nlohmann::json(format_utc(*expires_at)) : nlohmann::json(nullptr)},
            {"expires_in", expires_at ? nlohmann::json(std::llround(*expires_at - now))
                                      : nlohmann::json(nullptr)},
            {"expired", expired},
            {"has_refresh_token", has_refresh_token},
            {"scopes", scopes},
            {"store",
             {{"backend", profile.backend}, {"location", describe_profile_store(profile)}}},
        };
        out << status.dump(2) << "\n";
        return code;
    }
    std::string identity = who.name;
    if (!who.email.empty()) {
        identity += identity.empty() ? who.email : " <" + who.email + ">";
    }
    if (!who.subject.empty()) {
        identity += identity.empty() ? "subject " + who.subject : " (subject " + who.subject + ")";
    }
    out << "profile:   " << profile.name << "\n"
        << "signed in: " << (identity.empty() ? "yes (identity unknown)" : identity) << "\n"
        << "provider:  " << to_string(settings.provider);
    if (!settings.issuer_url.empty()) {
        out << " (" << settings.issuer_url << ")";
    }
    out << "\n"
        << "expires:   ";
    if (!expires_at) {
        out << "unknown";
    } else {
        const auto left = std::llround(*expires_at - now);
        out << format_utc(*expires_at) << " ("
            << (expired ? "expired " + describe_duration(left) + " ago"
                        : "in " + describe_duration(left))
            << ")";
    }
    out << "\n"
        << "refresh:   "
        << (has_refresh_token ? "yes"
            : expired         ? "no: sign in again"
                              : "no")
        << "\n"
        << "scopes:    " << (tokens.scope.empty() ? "-" : tokens.scope) << "\n"
        << "store:     " << describe_profile_store(profile) << "\n";
    return code;
}

} // namespace

void add_status_command(CLI::App& app, Context& ctx) {
    auto as_json = std::make_shared<bool>(false);
    auto* command = app.add_subcommand(
        "status", "Show who is signed in, with which provider, until when (never a token)");
    command->add_flag("--json", *as_json, "Print the status as JSON");
    command->callback(
        [&ctx, as_json] { ctx.run = [&ctx, as_json] { return run_status(ctx, *as_json); }; });
}

} // namespace authflow::cli

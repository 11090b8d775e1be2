#include "profile_summary.hpp"

#include "terminal_text.hpp"

#include <authflow/core/encoding.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/oidc/id_token.hpp>

#include <cmath>
#include <sstream>
#include <string_view>
#include <utility>

namespace authflow::cli {

namespace {

struct Identity {
    std::string subject;
    std::string email;
    std::string name;
};

std::optional<Identity> identity_from_id_token(const OAuthTokenSet& tokens) {
    const auto claims = stored_id_token_claims(tokens);
    if (!claims) {
        return std::nullopt;
    }
    return Identity{claims->sub(), claims->email().value_or(""), claims->name().value_or("")};
}

std::vector<std::string> split_scopes(const std::string& text) {
    std::vector<std::string> scopes;
    std::istringstream in(text);
    for (std::string scope; in >> scope;) {
        scopes.push_back(scope);
    }
    return scopes;
}

nlohmann::json text_or_null(const std::string& text) {
    return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

} // namespace

std::optional<IdTokenClaims> stored_id_token_claims(const OAuthTokenSet& tokens) {
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
        return IdTokenClaims::from_payload(std::move(payload));
    } catch (const Error&) {
        return std::nullopt;
    }
}

ProfileSummary summarize_profile(const std::string& name, const OAuth2Settings& settings,
                                 const std::optional<OAuthTokenSet>& tokens,
                                 const std::optional<ProfileRecord>& record, double now) {
    ProfileSummary summary;
    summary.profile = name;
    summary.provider = to_string(settings.provider);
    summary.issuer = settings.issuer_url;
    summary.client_id = settings.client_id;
    Identity who;
    if (tokens) {
        who = identity_from_id_token(*tokens).value_or(Identity{});
    }
    if (record) {
        for (auto [field, remembered] :
             {std::pair{&who.subject, &record->subject}, std::pair{&who.email, &record->email},
              std::pair{&who.name, &record->name}}) {
            if (field->empty()) {
                *field = *remembered;
            }
        }
    }
    // Provider-supplied text: nothing in it may act on the terminal.
    summary.subject = terminal_safe(who.subject);
    summary.email = terminal_safe(who.email);
    summary.name = terminal_safe(who.name);
    if (!tokens) {
        return summary;
    }
    summary.has_tokens = true;
    summary.expires_at = tokens->expires_at();
    summary.expired = summary.expires_at && *summary.expires_at <= now;
    summary.expires_in = summary.expires_at ? std::llround(*summary.expires_at - now) : 0;
    summary.has_refresh_token = tokens->refresh_token && !tokens->refresh_token->empty();
    summary.scopes = split_scopes(tokens->scope);
    // An expired token without a way to refresh it: a new sign-in is needed.
    summary.signed_in = !summary.expired || summary.has_refresh_token;
    return summary;
}

nlohmann::json to_json(const ProfileSummary& summary) {
    return {
        {"profile", summary.profile},
        {"signed_in", summary.signed_in},
        {"subject", text_or_null(summary.subject)},
        {"email", text_or_null(summary.email)},
        {"name", text_or_null(summary.name)},
        {"provider", summary.provider},
        {"issuer", text_or_null(summary.issuer)},
        {"client_id", summary.client_id},
        {"expires_at", summary.expires_at ? nlohmann::json(format_utc(*summary.expires_at))
                                          : nlohmann::json(nullptr)},
        {"expires_in",
         summary.expires_at ? nlohmann::json(summary.expires_in) : nlohmann::json(nullptr)},
        {"expired", summary.expired},
        {"has_refresh_token", summary.has_refresh_token},
        {"scopes", summary.scopes},
        {"store", {{"backend", summary.store_backend}, {"location", summary.store_location}}},
    };
}

std::string describe_identity(const ProfileSummary& summary) {
    std::string identity = summary.name;
    if (!summary.email.empty()) {
        identity += identity.empty() ? summary.email : " <" + summary.email + ">";
    }
    if (!summary.subject.empty()) {
        identity +=
            identity.empty() ? "subject " + summary.subject : " (subject " + summary.subject + ")";
    }
    return identity;
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

std::string describe_expiry(const ProfileSummary& summary) {
    if (!summary.expires_at) {
        return "unknown";
    }
    return format_utc(*summary.expires_at) + " (" +
           (summary.expired ? "expired " + describe_duration(summary.expires_in) + " ago"
                            : "in " + describe_duration(summary.expires_in)) +
           ")";
}

} // namespace authflow::cli

#include "narrowed_tokens.hpp"

#include <authflow/core/encoding.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace authflow::session_detail {

NarrowedTokens refresh_narrowed(const NarrowingServices& services,
                                const TokenNarrowing& narrowing) {
    RefreshLease lease(services.store, services.lease_name, services.lease_ttl, true,
                       services.clock);
    const auto deadline =
        services.clock.steady_now() + services.lease_ttl + services.lease_poll_interval;
    if (!lease.take_by(deadline, services.clock,
                       [&] { services.wait_for(services.lease_poll_interval); })) {
        throw TokenRefreshError(errc::refresh_failed,
                                "another process has held the refresh lease of session '" +
                                    services.key + "' for too long");
    }
    std::optional<OAuthTokenSet> stored = services.store.load(services.key);
    if (!stored) {
        throw TokenError(errc::token_missing, "session '" + services.key + "' has no tokens");
    }
    NarrowedTokens result{
        lease.while_held([&] { return services.provider.refresh_tokens(*stored, narrowing); }),
        std::nullopt};
    if (result.narrowed.refresh_token && result.narrowed.refresh_token != stored->refresh_token) {
        stored->refresh_token = result.narrowed.refresh_token;
        if (!lease.save(services.key, *stored)) {
            // The lease ran out despite its renewal and another process took it: what it stores
            // wins; this rotated refresh token is not kept.
            log(LogLevel::warning, "session '" + services.key +
                                       "': the refresh lease was lost; the rotated refresh token "
                                       "of a narrowed refresh was not saved");
            return result;
        }
        result.stored = std::move(stored);
    }
    return result;
}

namespace {

std::vector<std::string> audiences_in(const nlohmann::json& claims) {
    std::vector<std::string> audiences;
    const auto aud = claims.find("aud");
    if (aud == claims.end()) {
        return audiences;
    }
    if (aud->is_string()) {
        audiences.push_back(aud->get<std::string>());
    } else if (aud->is_array()) {
        for (const auto& one : *aud) {
            if (one.is_string()) {
                audiences.push_back(one.get<std::string>());
            }
        }
    }
    return audiences;
}

/// A provider's or a user's text, for a message: printable ASCII, at most 200 characters.
std::string message_text(std::string_view text) {
    std::string safe;
    for (char c : text.substr(0, 200)) {
        safe += c >= 0x20 && c < 0x7F ? c : '?';
    }
    return "'" + safe + "'";
}

std::string joined(const std::vector<std::string>& items) {
    std::string text;
    for (const std::string& item : items) {
        text += (text.empty() ? "" : ", ") + message_text(item);
    }
    return text;
}

} // namespace

std::vector<std::string> token_audiences(OAuthProvider& provider, const std::string& access_token) {
    const auto first = access_token.find('.');
    const auto second = first == std::string::npos ? first : access_token.find('.', first + 1);
    std::string payload;
    if (second != std::string::npos && access_token.find('.', second + 1) == std::string::npos &&
        base64url_decode_to(std::string_view{access_token}.substr(first + 1, second - first - 1),
                            payload)) {
        const auto claims = nlohmann::json::parse(payload, nullptr, false);
        if (claims.is_object()) {
            return audiences_in(claims);
        }
    }
    try {
        return audiences_in(provider.introspect_token(access_token, "access_token").raw);
    } catch (const Error&) {
        return {};
    }
}

void check_narrowed_audience(const std::vector<std::string>& audiences,
                             const TokenNarrowing& narrowing) {
    std::vector<std::string> asked = narrowing.resources;
    if (!narrowing.audience.empty()) {
        asked.push_back(narrowing.audience);
    }
    if (asked.empty()) {
        return;
    }
    if (audiences.empty()) {
        throw TokenRefreshError(errc::provider_error,
                                "the provider's token names no audience that can be read, so "
                                "whether it is for " +
                                    joined(asked) +
                                    " cannot be told: the provider may not support resource "
                                    "indicators (RFC 8707) or the audience parameter");
    }
    for (const std::string& one : asked) {
        if (std::find(audiences.begin(), audiences.end(), one) == audiences.end()) {
            throw TokenRefreshError(errc::provider_error,
                                    "the provider answered a token for " + joined(audiences) +
                                        ", not for " + message_text(one) +
                                        ": it does not honour resource indicators (RFC 8707) "
                                        "or the audience parameter");
        }
    }
}

} // namespace authflow::session_detail

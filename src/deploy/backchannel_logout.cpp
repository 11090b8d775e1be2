// POST {prefix}/backchannel-logout: OpenID Connect Back-Channel Logout 1.0 §2.5–§2.8. The
// provider posts a logout token; it is validated (§2.6 steps 1–6 by the provider's validator),
// its jti accepted once across every worker (step 7), and the sessions of its sid, else of its
// sub, ended on every worker with their tokens (steps 8–10).
#include "route_answers.hpp"

#include <authflow/core/ascii.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/deploy/auth_routes.hpp>

#include <algorithm>
#include <chrono>
#include <string>

namespace authflow {
namespace {

using deploy_detail::error_json;

Response invalid_request(std::string_view description) {
    return error_json(400, "invalid_request", description);
}

/// True when the Content-Type's media type is application/x-www-form-urlencoded (§2.5).
bool is_form(const Request& request) {
    const auto type = request.headers.get("Content-Type");
    if (!type) {
        return false;
    }
    std::string_view media{*type};
    media = media.substr(0, media.find(';'));
    while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) {
        media.remove_suffix(1);
    }
    while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) {
        media.remove_prefix(1);
    }
    return iequals(media, "application/x-www-form-urlencoded");
}

} // namespace

Response AuthRoutes::backchannel_logout(const Request& request) const {
    // §2.5: a form POST from the provider, server to server: no cookie, no Origin, so no CSRF
    // check; the signed token is the authentication.
    if (request.body.size() > max_backchannel_logout_body) {
        return error_json(413, "invalid_request", "The request body is too large");
    }
    if (!is_form(request)) {
        return invalid_request("Expected an application/x-www-form-urlencoded body");
    }
    std::optional<std::string> token;
    try {
        token = deploy_detail::single(parse_query(request.body), "logout_token");
    } catch (const Error&) {
        return invalid_request("The request body is not a valid form");
    }
    if (!token || token->empty()) {
        return invalid_request("Exactly one logout_token is required");
    }

    LogoutTokenClaims claims;
    try {
        claims = provider_->validate_logout_token(*token);
    } catch (const StoreError&) {
        throw;
    } catch (const Error& e) {
        // §2.8: 400 for a token that fails validation. The description names the failed check
        // by its code only, never the token's text.
        log(LogLevel::warning, std::string{"backchannel-logout: logout token refused: "} +
                                   std::string{to_string(e.code())});
        return invalid_request("The logout token is not valid (" +
                               std::string{to_string(e.code())} + ")");
    }

    // §2.6 step 7: each jti once, across every worker, remembered while the token could still be
    // accepted (until exp plus the leeway).
    const auto now = std::chrono::floor<std::chrono::seconds>(clock_->now());
    auto ttl = std::chrono::duration_cast<std::chrono::seconds>(claims.exp - now) +
               provider_->config().leeway;
    ttl = std::clamp(ttl, std::chrono::seconds{1}, max_replay_ttl);
    bool first = false;
    try {
        first = stores_.logout_replays->first_use(claims.iss + '\n' + claims.jti, ttl);
    } catch (const StoreError&) {
        throw;
    } catch (const Error& e) {
        log(LogLevel::warning, std::string{"backchannel-logout: jti not recorded: "} +
                                   std::string{to_string(e.code())});
        return error_json(503, "temporarily_unavailable", "Please try again later");
    }
    if (!first) {
        log(LogLevel::warning, "backchannel-logout: a logout token was replayed");
        return invalid_request("The logout token was already used");
    }

    // Steps 8–9: the sessions of this sid (of this sub too, when both are given), else every
    // session of this sub; step 10: each one ended with its tokens, on every worker (the stores
    // are shared).
    std::vector<UserSession> sessions;
    bool by_sid = claims.sid.has_value();
    if (by_sid) {
        try {
            sessions = stores_.sessions->list_sid_sessions(*claims.sid);
        } catch (const StoreError&) {
            throw;
        } catch (const Error&) {
            // A session store without a sid index: every session of the user is the safe side.
            log(LogLevel::warning, "backchannel-logout: the session store cannot find sessions "
                                   "by sid; ending every session of the token's sub");
            by_sid = false;
            if (!claims.sub) {
                return invalid_request("The logout token names no sub, and sessions cannot be "
                                       "found by sid");
            }
        }
    }
    if (by_sid && claims.sub) {
        std::erase_if(sessions, [&](const UserSession& s) { return s.user_id != *claims.sub; });
    } else if (!by_sid) {
        sessions = stores_.sessions->list_user_sessions(*claims.sub);
    }
    std::size_t ended = 0;
    for (const auto& session : sessions) {
        ended += stores_.sessions->remove_by_key(session.session_key) ? 1 : 0;
        stores_.tokens->remove(session.session_key);
    }
    log(LogLevel::info, "backchannel-logout: ended " + std::to_string(ended) + " session(s)");

    // §2.8: 200 on success, never cached.
    Response response;
    response.status = 200;
    response.headers.set("Cache-Control", "no-store");
    return response;
}

} // namespace authflow

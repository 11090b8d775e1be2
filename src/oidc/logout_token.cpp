// Back-channel logout tokens: OpenID Connect Back-Channel Logout 1.0 §2.4 and §2.6.
#include "token_checks.hpp"

#include <authflow/core/ascii.hpp>
#include <authflow/oidc/id_token.hpp>

#include <nlohmann/json.hpp>

namespace authflow {

namespace {

// §2.4: explicitly typed as logout+jwt (RFC 8725 §3.11), or the plain "JWT" of older senders.
bool is_logout_typ(std::string_view typ) {
    return iequals(typ, "logout+jwt") || iequals(typ, "application/logout+jwt") ||
           iequals(typ, "jwt");
}

} // namespace

LogoutTokenClaims IdTokenValidator::validate_logout_token(std::string_view logout_token) const {
    // §2.6 step 1: an encrypted token has five parts and is refused as malformed by verify_jws.
    // Step 2: the signature, verified as an ID token's is (allow-list, provider's keys or the
    // client secret for HS*). A token pushed to us is not the provider's own answer, so an
    // unknown kid does not skip the key cache's flood control.
    detail::ValidatorKeys keys(secret_key_, keys_.get(), false);
    VerifiedJws verified = verify_jws(logout_token, keys, jws_options_);
    if (verified.header.typ && !is_logout_typ(*verified.header.typ)) {
        throw TokenError(errc::token_invalid, "a token of type " +
                                                  detail::show(*verified.header.typ) +
                                                  " is not a logout token");
    }
    IdTokenClaims claims = IdTokenClaims::from_payload(std::move(verified.payload));

    // Step 3: iss, aud, iat and exp as in ID tokens.
    const auto now = std::chrono::floor<std::chrono::seconds>(clock_->now());
    detail::check_issuer(claims, options_, "logout token");
    detail::check_audience(claims, options_, "logout token");
    detail::check_lifetime(claims, now, options_.leeway, "logout token");

    // Step 4: a sub, a sid, or both.
    bool has_sub = claims.has_sub() && !claims.sub().empty();
    bool has_sid = claims.sid() && !claims.sid()->empty();
    if (!has_sub && !has_sid) {
        throw TokenError(errc::missing_claim, "the logout token has neither sub nor sid");
    }
    // Step 5: events holds the back-channel logout event, whose value is a JSON object.
    const nlohmann::json& payload = claims.raw();
    auto events = payload.find("events");
    if (events == payload.end()) {
        throw TokenError(errc::missing_claim, "the logout token has no events");
    }
    if (!events->is_object()) {
        throw TokenError(errc::token_invalid, "the logout token's events is not an object");
    }
    auto event = events->find(backchannel_logout_event);
    if (event == events->end() || !event->is_object()) {
        throw TokenError(errc::token_invalid,
                         "the logout token's events lack the back-channel logout event");
    }
    // Step 6: a nonce is forbidden (it would let an ID token pass as a logout token).
    if (payload.contains("nonce")) {
        throw TokenError(errc::token_invalid, "a logout token must not hold a nonce");
    }
    // §2.4: jti is REQUIRED; the receiver uses it to accept each token once.
    auto jti = payload.find("jti");
    if (jti == payload.end()) {
        throw TokenError(errc::missing_claim, "the logout token has no jti");
    }
    if (!jti->is_string() || jti->get_ref<const std::string&>().empty()) {
        throw TokenError(errc::token_invalid, "the logout token's jti is not a string");
    }

    LogoutTokenClaims result;
    result.iss = claims.iss();
    if (has_sub) {
        result.sub = claims.sub();
    }
    if (has_sid) {
        result.sid = *claims.sid();
    }
    result.jti = jti->get<std::string>();
    result.iat = *claims.iat();
    result.exp = *claims.exp();
    return result;
}

} // namespace authflow

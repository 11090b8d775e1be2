// The refresh token grant: what is sent, which exception its failures are, and what a refreshed
// token set keeps from the current one.
#include "refresh_grant.hpp"

#include <authflow/core/encoding.hpp>
#include <authflow/providers/oauth_provider.hpp>

namespace authflow::detail {
namespace {

// Reads a claims set from a stored ID token without verifying it: the token was validated when
// it was stored (it comes from our own store, not from the network).
IdTokenClaims stored_id_token_claims(std::string_view id_token) {
    const auto first = id_token.find('.');
    const auto second = first == std::string_view::npos ? first : id_token.find('.', first + 1);
    std::string payload;
    if (second == std::string_view::npos ||
        !base64url_decode_to(id_token.substr(first + 1, second - first - 1), payload)) {
        throw TokenRefreshError(errc::token_invalid, "the stored ID token cannot be read");
    }
    try {
        return IdTokenClaims::from_payload(std::move(payload));
    } catch (const TokenError& e) {
        throw TokenRefreshError(errc::token_invalid,
                                std::string{"the stored ID token cannot be read: "} + e.what());
    }
}

} // namespace

QueryParams RefreshGrant::form() const {
    return QueryParams{{"grant_type", "refresh_token"}, {"refresh_token", refresh_token}};
}

OAuthTokenSet RefreshGrant::read(const HttpResponse& response, const Clock& clock) const {
    TokenAnswer answer = read_token_response(response, clock, is_dpop);
    if (auto* error = std::get_if<TokenEndpointError>(&answer)) {
        fail(std::move(*error));
    }
    return std::get<OAuthTokenSet>(std::move(answer));
}

void RefreshGrant::fail(TokenEndpointError error) {
    if (error.retry_after) {
        throw RetryLaterError(error.code, error.message, std::move(error.answer),
                              std::move(*error.retry_after));
    }
    throw TokenRefreshError(error.code, error.message, std::move(error.answer));
}

void RefreshGrant::check_same_identity(const OAuthTokenSet& current,
                                       const IdTokenClaims& refreshed) {
    if (!current.id_token) {
        return;
    }
    step([&] { check_refreshed_id_token(stored_id_token_claims(*current.id_token), refreshed); });
}

void RefreshGrant::keep_unchanged(OAuthTokenSet& tokens, const OAuthTokenSet* current) const {
    if (!tokens.refresh_token) {
        // RFC 6749 §6: no new refresh token means the old one stays valid (GitHub drops it).
        tokens.refresh_token = refresh_token;
    }
    if (current == nullptr) {
        return;
    }
    if (tokens.scope.empty()) {
        tokens.scope = current->scope; // RFC 6749 §5.1: omitted scope = unchanged
    }
    if (!tokens.id_token) {
        tokens.id_token = current->id_token;
    }
}

} // namespace authflow::detail

// The refresh token grant: what is sent, which exception its failures are, and what a refreshed
// token set keeps from the current one.
#include "refresh_grant.hpp"

#include "../provider_internal.hpp"

#include <authflow/core/encoding.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/providers/oauth_provider.hpp>

#include <algorithm>
#include <cctype>
#include <string_view>

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

// RFC 3986 §4.3: scheme ":" hier-part [ "?" query ], here without spaces or controls.
bool is_absolute_uri_without_fragment(std::string_view uri) {
    const auto colon = uri.find(':');
    if (colon == 0 || colon == std::string_view::npos || colon + 1 == uri.size() ||
        !std::isalpha(static_cast<unsigned char>(uri[0]))) {
        return false;
    }
    const std::string_view scheme = uri.substr(0, colon);
    const bool scheme_ok = std::all_of(scheme.begin(), scheme.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
    });
    const bool rest_ok = std::all_of(uri.begin(), uri.end(),
                                     [](char c) { return c > 0x20 && c < 0x7F && c != '#'; });
    return scheme_ok && rest_ok;
}

} // namespace

void RefreshGrant::check() const {
    for (const std::string& scope : narrowing.scopes) {
        // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
        const bool allowed = !scope.empty() && std::all_of(scope.begin(), scope.end(), [](char c) {
            return c >= 0x21 && c <= 0x7E && c != '"' && c != '\\';
        });
        if (!allowed) {
            throw ConfigError(errc::invalid_argument,
                              "scope '" + safe_text(scope) + "' is not a valid scope token");
        }
    }
    for (const std::string& resource : narrowing.resources) {
        if (!is_absolute_uri_without_fragment(resource)) {
            throw ConfigError(errc::invalid_argument,
                              "resource '" + safe_text(resource) +
                                  "' is not an absolute URI without a fragment (RFC 8707 §2)");
        }
    }
}

QueryParams RefreshGrant::form() const {
    QueryParams form{{"grant_type", "refresh_token"}, {"refresh_token", refresh_token}};
    if (!narrowing.scopes.empty()) {
        std::string scope;
        for (const std::string& one : narrowing.scopes) {
            scope += (scope.empty() ? "" : " ") + one;
        }
        form.add("scope", std::move(scope));
    }
    for (const std::string& resource : narrowing.resources) {
        form.add("resource", resource);
    }
    if (!narrowing.audience.empty()) {
        form.add("audience", narrowing.audience);
    }
    return form;
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
        // RFC 6749 §5.1: an omitted scope is the one requested.
        for (const std::string& one : narrowing.scopes) {
            tokens.scope += (tokens.scope.empty() ? "" : " ") + one;
        }
        if (narrowing.scopes.empty()) {
            tokens.scope = current->scope;
        }
    }
    if (!tokens.id_token) {
        tokens.id_token = current->id_token;
    }
}

} // namespace authflow::detail

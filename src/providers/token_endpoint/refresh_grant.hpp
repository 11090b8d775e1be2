#pragma once
// Private to the providers layer: the refresh token grant at the token endpoint (RFC 6749 §6),
// without I/O.

#include "token_response.hpp"

#include <authflow/core/url.hpp>
#include <authflow/oidc/id_token.hpp>
#include <authflow/providers/oauth_provider.hpp>

#include <string>
#include <utility>

namespace authflow::detail {

/// Refreshing a token set. A plain value; it holds the refresh token, never log it.
struct RefreshGrant {
    std::string refresh_token;
    bool is_dpop = false; ///< sent with a DPoP proof: the answer must be a DPoP token
    /// A narrower access token asked for; empty: none.
    TokenNarrowing narrowing = {};

    /// Throws ConfigError (invalid_argument) for a resource that is not an absolute URI without
    /// a fragment (RFC 8707 §2), or a scope with characters RFC 6749 §3.3 does not allow.
    void check() const;

    /// The token request's form fields (client authentication is added by the sender).
    QueryParams form() const;
    /// The token set of the answer. Throws as fail.
    OAuthTokenSet read(const HttpResponse& response, const Clock& clock) const;
    /// Every failure of a refresh is a TokenRefreshError, so that callers can tell "refresh
    /// failed" from a failed sign-in; a refusal with HTTP 429 or 503 and a Retry-After header
    /// is its RetryLaterError.
    [[noreturn]] static void fail(TokenEndpointError error);

    /// Runs one step of a refresh (preparing or checking its ID token) and reports its
    /// TokenError as a TokenRefreshError with the same code and answer.
    template <class Step> static decltype(auto) step(Step&& run) {
        try {
            return std::forward<Step>(run)();
        } catch (const TokenRefreshError&) {
            throw;
        } catch (const TokenError& e) {
            throw TokenRefreshError(e.code(), e.what(), e.provider_answer());
        }
    }

    /// OIDC Core §12.2: a refreshed ID token MUST keep the iss, sub and aud (and azp) of
    /// `current`'s. Throws TokenRefreshError (token_invalid when the stored ID token cannot be
    /// read; the identity check's codes).
    static void check_same_identity(const OAuthTokenSet& current, const IdTokenClaims& refreshed);

    /// Fills in what the answer may leave out (RFC 6749 §5.1, §6): this refresh token when it
    /// has none; the requested scopes when narrowed, else `current`'s scope; `current`'s ID
    /// token.
    void keep_unchanged(OAuthTokenSet& tokens, const OAuthTokenSet* current) const;
};

} // namespace authflow::detail

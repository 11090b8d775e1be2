// The checks ID tokens and logout tokens share.
#include "token_checks.hpp"

#include "../jose/internal/jose.hpp"

#include <algorithm>

namespace authflow::detail {

std::string show(std::string_view text) {
    std::string quoted(1, '\'');
    quoted += printable(text, 128);
    quoted += '\'';
    return quoted;
}

Jwk ValidatorKeys::resolve(const JwsHeader& header) {
    if (is_symmetric(header.alg)) {
        if (!secret_) {
            throw TokenError(errc::unknown_key, "no client secret for an HMAC-signed token");
        }
        return *secret_;
    }
    if (keys_ == nullptr) {
        throw TokenError(errc::unknown_key, "no key set for an asymmetric signature");
    }
    return from_provider_ ? keys_->resolve_from_provider(header) : keys_->resolve(header);
}

void check_issuer(const IdTokenClaims& claims, const IdTokenValidatorOptions& options,
                  std::string_view what) {
    if (!claims.has_iss()) {
        throw TokenError(errc::missing_claim, "the " + std::string(what) + " has no iss");
    }
    std::string expected_issuer =
        options.issuer_resolver ? options.issuer_resolver(claims) : options.issuer;
    if (expected_issuer.empty() || claims.iss() != expected_issuer) {
        throw TokenError(errc::bad_issuer, "iss " + show(claims.iss()) + " is not the expected " +
                                               show(expected_issuer));
    }
}

void check_audience(const IdTokenClaims& claims, const IdTokenValidatorOptions& options,
                    std::string_view what) {
    if (!claims.has_aud() || claims.aud().empty()) {
        throw TokenError(errc::missing_claim, "the " + std::string(what) + " has no aud");
    }
    const auto& audiences = claims.aud();
    if (std::find(audiences.begin(), audiences.end(), options.client_id) == audiences.end()) {
        throw TokenError(errc::bad_audience, "aud does not contain this client's id");
    }
    for (const auto& audience : audiences) {
        if (audience != options.client_id &&
            std::find(options.trusted_audiences.begin(), options.trusted_audiences.end(),
                      audience) == options.trusted_audiences.end()) {
            throw TokenError(errc::bad_audience,
                             "aud holds the untrusted audience " + show(audience));
        }
    }
}

void check_lifetime(const IdTokenClaims& claims, std::chrono::sys_seconds now,
                    std::chrono::seconds leeway, std::string_view what) {
    if (!claims.exp()) {
        throw TokenError(errc::missing_claim, "the " + std::string(what) + " has no exp");
    }
    if (now >= *claims.exp() + leeway) {
        throw TokenExpiredError(errc::expired, "the " + std::string(what) + " expired");
    }
    if (!claims.iat()) {
        throw TokenError(errc::missing_claim, "the " + std::string(what) + " has no iat");
    }
    if (*claims.iat() > now + leeway) {
        throw TokenError(errc::issued_in_future,
                         "the " + std::string(what) + " was issued in the future");
    }
}

} // namespace authflow::detail

#pragma once
// Private to the oidc layer: the checks ID tokens and logout tokens share (Back-Channel Logout
// 1.0 §2.6 step 3: iss, aud, iat and exp are validated "in the same way" as in ID tokens).

#include <authflow/oidc/id_token.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace authflow::detail {

/// Text safe to quote in a message: printable ASCII, bounded, in single quotes.
std::string show(std::string_view text);

/// The key of a token: the client secret for HS*, else the provider's key set (looked up at once
/// for an unknown kid when the token came from the provider itself).
class ValidatorKeys final : public KeyResolver {
public:
    ValidatorKeys(const std::optional<Jwk>& secret, KeyResolver* keys, bool from_provider)
        : secret_(secret), keys_(keys), from_provider_(from_provider) {}
    Jwk resolve(const JwsHeader& header) override;

private:
    const std::optional<Jwk>& secret_;
    KeyResolver* keys_;
    bool from_provider_;
};

/// OIDC Core §3.1.3.7 step 2: `iss` present and exactly the expected issuer. `what` names the
/// token in messages ("ID token"). Throws TokenError (missing_claim, bad_issuer).
void check_issuer(const IdTokenClaims& claims, const IdTokenValidatorOptions& options,
                  std::string_view what);

/// Step 3: `aud` present, containing client_id, and no audience the client does not trust.
/// Throws TokenError (missing_claim, bad_audience).
void check_audience(const IdTokenClaims& claims, const IdTokenValidatorOptions& options,
                    std::string_view what);

/// Steps 9 and 10: `exp` present and not passed, `iat` present and not in the future, give or
/// take `leeway`. Throws TokenExpiredError (expired), TokenError (missing_claim,
/// issued_in_future).
void check_lifetime(const IdTokenClaims& claims, std::chrono::sys_seconds now,
                    std::chrono::seconds leeway, std::string_view what);

} // namespace authflow::detail

// The claims every JWT client assertion carries (RFC 7523 §3).
#include "client_assertion.hpp"

#include <authflow/core/random.hpp>

#include <nlohmann/json.hpp>

namespace authflow::detail {

std::string client_assertion_claims(std::string_view client_id, std::string_view audience,
                                    const Clock& clock) {
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
    nlohmann::json claims;
    // RFC 7523 §3 items 1-2: the client is both the issuer and the subject.
    claims["iss"] = client_id;
    claims["sub"] = client_id;
    // Item 3: the audience is the authorization server; draft-ietf-oauth-rfc7523bis makes it the
    // issuer identifier alone, so an assertion cannot be replayed at another endpoint's server.
    claims["aud"] = audience;
    // Item 7: a unique id per assertion; the provider refuses one it has seen (replay).
    claims["jti"] = random_token(32);
    // Items 4 and 6: a short lifetime.
    claims["iat"] = now;
    claims["exp"] = now + client_assertion_lifetime.count();
    return claims.dump();
}

void add_client_assertion(QueryParams& form, std::string_view client_id, std::string assertion) {
    form.add("client_id", std::string{client_id});
    form.add("client_assertion_type", std::string{jwt_bearer_assertion_type});
    form.add("client_assertion", std::move(assertion));
}

} // namespace authflow::detail

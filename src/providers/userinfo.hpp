#pragma once
// Private to the providers layer: the userinfo endpoint's answer (OIDC Core §5.3), without I/O.

#include <authflow/http/http_client.hpp>
#include <authflow/providers/oauth_provider.hpp>

#include <nlohmann/json.hpp>

namespace authflow::detail {

/// The userinfo answer's JSON object. Throws AuthenticationError: provider_error for a status
/// other than 200 (with the WWW-Authenticate error, RFC 6750 §3), invalid_response for a body
/// that is not a JSON object (a signed userinfo JWT among them).
nlohmann::json read_userinfo(const HttpResponse& response);

/// OIDC Core §5.3.4: the userinfo `sub` equals the validated ID token's (constant time).
/// Throws AuthenticationError (userinfo_mismatch) otherwise.
void check_userinfo_subject(const nlohmann::json& userinfo, const IdTokenClaims& claims);

/// Fills in from `identity.userinfo` what the ID token did not give: the subject when there
/// are no validated claims (`sub`, else GitHub-style `id`), the email with email_verified, the
/// name. Throws AuthenticationError (bad_subject) when there is no subject at all.
void complete_identity_from_userinfo(UserIdentity& identity, bool has_claims);

} // namespace authflow::detail

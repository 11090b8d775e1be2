#pragma once
// Who a signed-in user is, as the gateway passes it on to the protected application.

#include <authflow/deploy/http.hpp>
#include <authflow/deploy/session_store.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace authflow {

/// The identity headers (oauth2-proxy's names, which nginx, Caddy and Traefik configs copy).
namespace identity_header {
inline constexpr std::string_view user = "X-Auth-Request-User";
inline constexpr std::string_view email = "X-Auth-Request-Email";
inline constexpr std::string_view preferred_username = "X-Auth-Request-Preferred-Username";
inline constexpr std::string_view groups = "X-Auth-Request-Groups";
inline constexpr std::string_view access_token = "X-Auth-Request-Access-Token";
/// The prefix every identity header starts with (client-supplied ones are removed).
inline constexpr std::string_view prefix = "X-Auth-Request-";
} // namespace identity_header

/// The identity of a signed-in user as the gateway passes it on. A plain value; not synchronised.
struct Identity {
    std::string subject;            ///< the validated ID token's `sub`
    std::string email;              ///< only when `email_verified` is the JSON boolean true
    std::string preferred_username; ///< empty when the provider gave none
    /// The `groups` and `roles` claims of the ID token or the userinfo answer, then authflow's
    /// roles (DeploySettings::default_roles, "admin"); each once, in that order.
    std::vector<std::string> groups;
};

/// The identity of a session: subject = user_id; email, email_verified and preferred_username
/// from metadata["user_info"]; groups = metadata["groups"] (claim_groups of what the sign-in saw,
/// rbac.hpp), then session.roles. Never throws for odd metadata (missing or mistyped members are
/// empty).
Identity identity_of(const UserSession& session);

/// True when `value` can be sent as a header value as it is: at most 4096 bytes, no control
/// character (a CR or LF would split the header), no leading or trailing space.
bool is_header_safe(std::string_view value) noexcept;

/// The identity headers of `who`: X-Auth-Request-User always; -Email, -Preferred-Username and
/// -Groups when not empty. -Groups joins the groups with ","; a group holding a comma or unsafe
/// for a header is left out (the application would read it as other groups). A value unsafe for
/// a header is left out too. Never throws but std::bad_alloc.
Headers identity_headers(const Identity& who);

/// Removes every field whose name starts with X-Auth-Request- (ASCII case-insensitive): what a
/// client sent under those names must never reach the application as if authflow had said it.
void strip_identity_headers(Headers& headers);

} // namespace authflow

#pragma once
// Who may pass the gateway: groups, e-mail addresses, e-mail domains.

#include <authflow/core/url.hpp>
#include <authflow/gateway/identity.hpp>

#include <string>
#include <vector>

namespace authflow {

/// Who may pass. Empty lists allow every signed-in user. A policy allows a user when
/// (allowed_groups is empty or the user is in one of them) and (allowed_emails and
/// allowed_email_domains are both empty, or the user's verified e-mail is in allowed_emails or
/// in one of allowed_email_domains). E-mail rules see the verified e-mail only: a user without
/// one never passes an e-mail rule. A plain value; not synchronised.
struct AccessPolicy {
    std::vector<std::string> allowed_groups;        ///< any one group suffices; exact match
    std::vector<std::string> allowed_emails;        ///< exact, ASCII case-insensitive
    std::vector<std::string> allowed_email_domains; ///< "example.com" matches x@example.com only

    /// The policy of one location: {prefix}/check?allowed_groups=a,b&allowed_emails=x@y.example
    /// &allowed_domains=example.com (comma-separated; a parameter may repeat, its lists add up).
    /// Other parameters are ignored. Throws Error (invalid_argument) naming the parameter for an
    /// empty item, a control character, an e-mail without exactly one '@', or a domain with '@'.
    static AccessPolicy from_query(const QueryParams& query);

    /// True when this policy alone allows `who`.
    bool allows(const Identity& who) const;
    /// True when both this policy (the global one, from settings) and `location` allow `who`.
    bool allows(const Identity& who, const AccessPolicy& location) const;
    /// True when no list is set (every signed-in user passes).
    bool empty() const noexcept;
};

} // namespace authflow

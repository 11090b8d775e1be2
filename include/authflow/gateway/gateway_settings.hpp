#pragma once
// The gateway's part of the deploy settings.

#include <authflow/deploy/settings.hpp>
#include <authflow/gateway/access_policy.hpp>

#include <chrono>

namespace authflow {

/// What the gateway needs beyond the auth routes. A plain value; not synchronised.
struct GatewaySettings {
    /// The global policy (DeploySettings allowed_groups, allowed_emails, allowed_email_domains):
    /// every check must pass it, and the location's policy as well.
    AccessPolicy policy;
    /// Send a fresh access token in X-Auth-Request-Access-Token (DeploySettings
    /// pass_access_token). Off: the token never leaves authflow.
    bool pass_access_token = false;
    /// A passed access token has at least this long left, or it is refreshed first (once across
    /// every worker sharing the token store; refresh_due_at's rule: the buffer, or half the
    /// token's lifetime when that is shorter).
    std::chrono::seconds refresh_buffer{60};
    /// How long a check waits for another worker's refresh of an expired token before answering
    /// 401 (a token still valid is passed at once and never waits).
    std::chrono::milliseconds refresh_wait{5000};

    /// The gateway settings of `deploy`.
    static GatewaySettings from(const DeploySettings& deploy);
};

} // namespace authflow

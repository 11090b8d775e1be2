#include <authflow/gateway/gateway_settings.hpp>

namespace authflow {

GatewaySettings GatewaySettings::from(const DeploySettings& deploy) {
    GatewaySettings settings;
    settings.policy.allowed_groups = deploy.allowed_groups;
    settings.policy.allowed_emails = deploy.allowed_emails;
    settings.policy.allowed_email_domains = deploy.allowed_email_domains;
    settings.pass_access_token = deploy.pass_access_token;
    return settings;
}

} // namespace authflow

// OAuthProvider's device authorization grant (RFC 8628): the device authorization request, then
// the token polls at the pace the provider sets.
#include "device_authorization_response.hpp"
#include "extra_params.hpp"
#include "provider_internal.hpp"
#include "token_endpoint/device_code_grant.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/providers/oauth_provider.hpp>

#include <algorithm>

namespace authflow {

DeviceAuthorization OAuthProvider::start_device_authorization(const QueryParams& extra_params) {
    detail::check_extra_params(extra_params, {"client_id", "client_secret", "scope"}, false);
    const ProviderEndpoints resolved = endpoints();
    if (resolved.device_authorization_endpoint.empty()) {
        throw ConfigError(errc::config_missing,
                          "the provider offers no device authorization endpoint: set "
                          "device_authorization_url (AUTHFLOW_OAUTH2__DEVICE_AUTHORIZATION_URL or "
                          "[oauth2] device_authorization_url)");
    }
    QueryParams form;
    if (!config_.scopes.empty()) {
        form.add("scope", detail::join_scopes(config_.scopes));
    }
    for (const auto& [name, value] : extra_params) {
        form.add(name, value);
    }
    // RFC 8628 §3.1: the client authenticates as at the token endpoint.
    const HttpResponse response =
        post_authenticated(EndpointKind::device_authorization,
                           resolved.device_authorization_endpoint, std::move(form), resolved);
    DeviceAuthorization authorization = detail::read_device_authorization(response, *clock_);
    if (resolved.dpop) {
        authorization.dpop_key = SigningKey::generate(config_.dpop_alg);
    }
    return authorization;
}

OAuthTokenSet OAuthProvider::poll_device_token(const DeviceAuthorization& authorization,
                                               CancelSignal* cancel) {
    CancelSignal local;
    CancelSignal& signal = cancel ? *cancel : local;
    std::chrono::seconds interval = std::max(authorization.interval, std::chrono::seconds{1});
    const ProviderEndpoints resolved = endpoints();
    const detail::DeviceCodeGrant grant{authorization.device_code,
                                        authorization.dpop_key.has_value()};
    std::optional<DpopProofMaker> proofs;
    if (authorization.dpop_key) {
        proofs.emplace(*authorization.dpop_key);
    }
    const auto timeout_seconds = static_cast<double>(authorization.expires_in.count());
    for (;;) {
        const auto now = clock_->steady_now();
        if (now >= authorization.expires_at) {
            throw AuthFlowTimeout("the device code expired before the user approved",
                                  timeout_seconds);
        }
        // RFC 8628 §3.5: wait `interval` between polls (on the injected Clock, cancellable).
        if (signal.wait_until(*clock_, std::min(now + interval, authorization.expires_at))) {
            throw AuthFlowCancelled(errc::cancelled, "the device authorization was cancelled");
        }
        if (clock_->steady_now() >= authorization.expires_at) {
            throw AuthFlowTimeout("the device code expired before the user approved",
                                  timeout_seconds);
        }
        HttpResponse response;
        try {
            response = send_token_request(grant.form(), resolved, proofs ? &*proofs : nullptr);
        } catch (const TransportError& e) {
            if (e.code() != errc::timeout) {
                throw;
            }
            // RFC 8628 §3.5: back off on a connection timeout.
            interval = std::min(interval * 2, std::chrono::seconds{300});
            log(LogLevel::warning, "device token poll timed out; polling less often");
            continue;
        }
        detail::DevicePoll poll = grant.read(response, *clock_);
        if (poll.status == detail::DevicePoll::Status::slow_down) {
            interval = detail::DeviceCodeGrant::slowed_down(interval, poll);
        }
        if (poll.status != detail::DevicePoll::Status::approved) {
            continue;
        }
        if (poll.tokens.id_token) {
            IdTokenChecks checks;
            checks.access_token = poll.tokens.access_token;
            checks.from_provider = true;
            validate_response_id_token(poll.tokens, checks);
        }
        if (authorization.dpop_key) {
            poll.tokens.dpop_key = authorization.dpop_key->to_pem();
        }
        return std::move(poll.tokens);
    }
}

} // namespace authflow

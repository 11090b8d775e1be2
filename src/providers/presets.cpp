// The preset providers: Google, Microsoft, GitHub.
#include "provider_internal.hpp"

#include <authflow/core/ascii.hpp>
#include <authflow/core/encoding.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/core/url.hpp>
#include <authflow/providers/github_provider.hpp>
#include <authflow/providers/google_provider.hpp>
#include <authflow/providers/microsoft_provider.hpp>

#include <algorithm>

namespace authflow {
namespace {

using json = nlohmann::json;

std::string without_trailing_slash(std::string url) {
    while (!url.empty() && url.back() == '/') {
        url.pop_back();
    }
    return url;
}

void set_if_empty(std::string& target, std::string value) {
    if (target.empty()) {
        target = std::move(value);
    }
}

// ---- Google ----

ProviderConfig google_config(ProviderConfig config, const std::string& endpoint_base) {
    const std::string base = without_trailing_slash(endpoint_base);
    auto host = [&](const char* google_host) {
        return base.empty() ? std::string{google_host} : base;
    };
    set_if_empty(config.authorize_url, host("https://accounts.google.com") + "/o/oauth2/v2/auth");
    set_if_empty(config.token_url, host("https://oauth2.googleapis.com") + "/token");
    set_if_empty(config.userinfo_url,
                 host("https://openidconnect.googleapis.com") + "/v1/userinfo");
    set_if_empty(config.revocation_url, host("https://oauth2.googleapis.com") + "/revoke");
    set_if_empty(config.device_authorization_url,
                 host("https://oauth2.googleapis.com") + "/device/code");
    set_if_empty(config.jwks_uri, host("https://www.googleapis.com") + "/oauth2/v3/certs");
    set_if_empty(config.issuer_url,
                 base.empty() ? std::string{"https://accounts.google.com"} : base);
    if (config.id_token_algs.empty()) {
        config.id_token_algs = {JwsAlg::RS256};
    }
    return config;
}

// ---- Microsoft ----

bool is_guid(std::string_view text) {
    if (text.size() != 36) {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') {
                return false;
            }
        } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
            return false;
        }
    }
    return true;
}

ProviderConfig microsoft_config(ProviderConfig config, const std::string& tenant,
                                const std::string& endpoint_base, const std::string& graph_base) {
    const bool valid_tenant =
        !tenant.empty() && tenant.size() <= 256 &&
        std::all_of(tenant.begin(), tenant.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.';
        });
    if (!valid_tenant) {
        throw ConfigError(errc::config_invalid, "tenant_id must be a tenant id, a domain name, or "
                                                "common, organizations or consumers");
    }
    const std::string base = endpoint_base.empty()
                                 ? std::string{MicrosoftProvider::default_endpoint_base}
                                 : without_trailing_slash(endpoint_base);
    const std::string graph = !graph_base.empty() ? without_trailing_slash(graph_base)
                              : !endpoint_base.empty()
                                  ? base
                                  : std::string{MicrosoftProvider::default_graph_base};
    const std::string v2 = base + "/" + tenant + "/oauth2/v2.0";
    set_if_empty(config.authorize_url, v2 + "/authorize");
    set_if_empty(config.token_url, v2 + "/token");
    set_if_empty(config.device_authorization_url, v2 + "/devicecode");
    set_if_empty(config.end_session_url, v2 + "/logout");
    set_if_empty(config.jwks_uri, base + "/" + tenant + "/discovery/v2.0/keys");
    set_if_empty(config.userinfo_url, graph + "/oidc/userinfo");
    const std::string t = ascii_lower(tenant);
    if (is_guid(tenant)) {
        set_if_empty(config.issuer_url, base + "/" + t + "/v2.0");
    } else if (t == "consumers") {
        set_if_empty(config.issuer_url,
                     base + "/" + MicrosoftProvider::consumers_tenant_id + "/v2.0");
    } else {
        // common, organizations, a domain name: the token's tenant decides (checked via tid).
        set_if_empty(config.issuer_url, base + "/{tenantid}/v2.0");
    }
    if (config.scopes.empty()) {
        // Without offline_access Microsoft returns no refresh token, and every expiry would
        // need a new sign-in.
        config.scopes = {"openid", "email", "profile", "offline_access"};
    }
    if (config.id_token_algs.empty()) {
        config.id_token_algs = {JwsAlg::RS256};
    }
    return config;
}

// ---- GitHub ----

std::string github_web_base(const std::string& endpoint_base) {
    return endpoint_base.empty() ? std::string{GitHubProvider::default_endpoint_base}
                                 : without_trailing_slash(endpoint_base);
}

std::string github_api_base(const std::string& endpoint_base, const std::string& api_base) {
    if (!api_base.empty()) {
        return without_trailing_slash(api_base);
    }
    // GitHub Enterprise Server serves its REST API under /api/v3 of the same host.
    return endpoint_base.empty() ? std::string{GitHubProvider::default_api_base}
                                 : without_trailing_slash(endpoint_base) + "/api/v3";
}

ProviderConfig github_config(ProviderConfig config, const std::string& endpoint_base,
                             const std::string& api_base) {
    const std::string web = github_web_base(endpoint_base);
    const std::string api = github_api_base(endpoint_base, api_base);
    set_if_empty(config.authorize_url, web + "/login/oauth/authorize");
    set_if_empty(config.token_url, web + "/login/oauth/access_token");
    set_if_empty(config.device_authorization_url, web + "/login/device/code");
    set_if_empty(config.userinfo_url, api + "/user");
    if (config.scopes.empty()) {
        config.scopes = {"read:user", "user:email"};
    }
    return config;
}

} // namespace

GoogleProvider::GoogleProvider(ProviderConfig config, std::string endpoint_base)
    : GenericOIDCProvider(google_config(std::move(config), endpoint_base), Discovery::off) {
    set_name("google");
    // Google documents that its ID tokens carry iss "https://accounts.google.com" or
    // "accounts.google.com"; accept exactly those two forms of the configured issuer.
    const std::string issuer = this->config().issuer_url;
    const auto scheme_end = issuer.find("://");
    const std::string host_form =
        scheme_end == std::string::npos ? issuer : issuer.substr(scheme_end + 3);
    set_issuer_resolver([issuer, host_form](const IdTokenClaims& claims) {
        return claims.iss() == host_form ? host_form : issuer;
    });
}

QueryParams GoogleProvider::default_authorize_params() const {
    // Without both, Google returns a refresh token only on the very first consent.
    return QueryParams{{"access_type", "offline"}, {"prompt", "consent"}};
}

MicrosoftProvider::MicrosoftProvider(ProviderConfig config, std::string tenant_id,
                                     std::string endpoint_base, std::string graph_base)
    : GenericOIDCProvider(microsoft_config(std::move(config), tenant_id, endpoint_base, graph_base),
                          Discovery::off),
      tenant_id_(std::move(tenant_id)) {
    set_name("microsoft");
    const std::string issuer = this->config().issuer_url;
    if (issuer.find("{tenantid}") == std::string::npos) {
        return; // a tenant GUID or consumers: one exact issuer
    }
    // Multi-tenant tokens carry the user's tenant in iss, so a fixed issuer would refuse every
    // real token (or, compared loosely, accept any tenant's); check iss against the template
    // filled with the token's tid.
    IssuerResolver from_tid = tenant_issuer_template(issuer);
    if (ascii_lower(tenant_id_) == "organizations") {
        // Work and school accounts only: the personal-account tenant is refused.
        set_issuer_resolver([from_tid, issuer](const IdTokenClaims& claims) {
            if (claims.tid() && ascii_lower(*claims.tid()) == consumers_tenant_id) {
                return issuer; // the template itself never equals a real iss
            }
            return from_tid(claims);
        });
    } else {
        set_issuer_resolver(std::move(from_tid));
    }
}

GitHubProvider::GitHubProvider(ProviderConfig config, std::string endpoint_base,
                               std::string api_base)
    : OAuthProvider(github_config(std::move(config), endpoint_base, api_base)),
      api_base_(github_api_base(endpoint_base, api_base)) {
    require_secure_url(api_base_, "api_base");
}

HttpResponse GitHubProvider::api_get(std::string_view path, std::string_view access_token) {
    HttpRequest request;
    request.url = api_base_ + std::string{path};
    request.headers = {{"Authorization", "Bearer " + std::string{access_token}},
                       {"Accept", "application/vnd.github+json"},
                       {"X-GitHub-Api-Version", "2022-11-28"}};
    return send(EndpointKind::userinfo, request);
}

nlohmann::json GitHubProvider::get_userinfo(std::string_view access_token) {
    const HttpResponse response = api_get("/user", access_token);
    if (response.status != 200) {
        ProviderAnswer answer = detail::bearer_challenge_error(response);
        if (auto body = detail::parse_json_object(response.body); body && answer.error.empty()) {
            answer.error_description =
                detail::safe_text(detail::string_member(*body, "message").value_or(""), 256);
        }
        throw AuthenticationError(errc::provider_error,
                                  "GitHub's /user answered HTTP " + std::to_string(response.status),
                                  answer);
    }
    auto body = detail::parse_json_object(response.body);
    if (!body) {
        throw AuthenticationError(errc::invalid_response, "GitHub's /user answer is not a JSON "
                                                          "object");
    }
    return std::move(*body);
}

UserIdentity GitHubProvider::identify_with(const OAuthTokenSet& tokens,
                                           std::optional<IdTokenClaims>) {
    UserIdentity identity;
    identity.userinfo = get_userinfo(tokens.access_token);
    const json& user = identity.userinfo;
    // The numeric id is GitHub's stable account identifier; login and email can change.
    auto id = user.find("id");
    if (id == user.end() || !id->is_number_integer() || id->get<std::int64_t>() <= 0) {
        throw AuthenticationError(errc::bad_subject, "GitHub's /user answer has no numeric id");
    }
    identity.subject = std::to_string(id->get<std::int64_t>());
    identity.name = detail::string_member(user, "name");
    if (!identity.name) {
        identity.name = detail::string_member(user, "login");
    }
    // /user's email is the public one, unverified. The primary, verified address comes from
    // /user/emails (needs the user:email scope).
    try {
        const HttpResponse emails = api_get("/user/emails", tokens.access_token);
        auto list = nlohmann::json::parse(emails.body, nullptr, false);
        if (emails.status == 200 && list.is_array()) {
            for (const auto& entry : list) {
                if (entry.is_object() && entry.value("primary", false) == true &&
                    entry.value("verified", false) == true) {
                    if (auto email = detail::string_member(entry, "email")) {
                        identity.email = email;
                        identity.email_verified = true;
                        break;
                    }
                }
            }
        } else {
            log(LogLevel::debug, "GitHub /user/emails answered HTTP " +
                                     std::to_string(emails.status) + "; no verified email");
        }
    } catch (const TransportError& e) {
        log(LogLevel::warning, std::string{"GitHub /user/emails failed: "} + e.what());
    }
    return identity;
}

bool GitHubProvider::revoke_token(std::string_view token, std::string_view token_type_hint) {
    if (token.empty()) {
        return false;
    }
    if (token_type_hint == "refresh_token") {
        log(LogLevel::debug, "GitHub cannot revoke a refresh token on its own");
        return false;
    }
    if (config().client_secret.empty()) {
        log(LogLevel::warning, "GitHub token revocation needs the client secret; nothing revoked");
        return false;
    }
    HttpRequest request;
    request.method = "DELETE";
    request.url = api_base_ + "/applications/" + url_encode(client_id()) + "/token";
    request.headers = {
        {"Authorization", "Basic " + base64_encode(client_id() + ":" + config().client_secret)},
        {"Accept", "application/vnd.github+json"},
        {"X-GitHub-Api-Version", "2022-11-28"},
        {"Content-Type", "application/json"}};
    request.body = json{{"access_token", std::string{token}}}.dump();
    try {
        const HttpResponse response = send(EndpointKind::revocation, request);
        if (response.status == 204) {
            return true;
        }
        log(LogLevel::warning,
            "GitHub token revocation answered HTTP " + std::to_string(response.status));
    } catch (const TransportError& e) {
        log(LogLevel::warning, std::string{"GitHub token revocation failed: "} + e.what());
    }
    return false;
}

} // namespace authflow

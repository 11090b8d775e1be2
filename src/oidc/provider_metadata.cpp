// Provider metadata: OpenID Connect Discovery 1.0 §3–4 (and RFC 8414 members).
#include "../jose/internal/jose.hpp"

#include <authflow/core/log.hpp>
#include <authflow/core/url.hpp>
#include <authflow/oidc/provider_metadata.hpp>

#include <algorithm>

namespace authflow {
namespace {

using json = nlohmann::json;

[[noreturn]] void discovery_error(const std::string& message, int http_status = 0) {
    throw AuthenticationError(errc::discovery_failed, message, ProviderAnswer{"", "", http_status});
}

void read_string(const json& doc, const char* name, std::string& out) {
    auto it = doc.find(name);
    if (it == doc.end() || it->is_null()) {
        return;
    }
    if (!it->is_string()) {
        discovery_error(std::string{"discovery member '"} + name + "' is not a string");
    }
    out = it->get<std::string>();
}

void read_endpoint(const json& doc, const char* name, std::string& out) {
    read_string(doc, name, out);
    if (out.empty()) {
        return;
    }
    try {
        require_secure_url(out, name);
    } catch (const ConfigError& e) {
        discovery_error(std::string{"discovery document: "} + e.what());
    }
}

void read_list(const json& doc, const char* name, std::vector<std::string>& out) {
    auto it = doc.find(name);
    if (it == doc.end() || it->is_null()) {
        return;
    }
    if (!it->is_array()) {
        discovery_error(std::string{"discovery member '"} + name + "' is not an array");
    }
    for (const auto& entry : *it) {
        if (!entry.is_string()) {
            discovery_error(std::string{"discovery member '"} + name + "' holds a non-string");
        }
        out.push_back(entry.get<std::string>());
    }
}

void read_bool(const json& doc, const char* name, bool& out) {
    auto it = doc.find(name);
    if (it == doc.end() || it->is_null()) {
        return;
    }
    if (!it->is_boolean()) {
        discovery_error(std::string{"discovery member '"} + name + "' is not a boolean");
    }
    out = it->get<bool>();
}

} // namespace

ProviderMetadata ProviderMetadata::parse(std::string_view text, std::string_view expected_issuer) {
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
        discovery_error("the discovery document is not a JSON object");
    }
    ProviderMetadata metadata;
    read_string(doc, "issuer", metadata.issuer);
    if (metadata.issuer.empty()) {
        discovery_error("the discovery document has no issuer");
    }
    // Discovery §4.3: the issuer MUST be identical to the one the document was fetched for;
    // otherwise a provider could speak for another (mix-up).
    if (metadata.issuer != expected_issuer) {
        discovery_error(
            "the discovery document's issuer '" + detail::printable(metadata.issuer, 256) +
            "' is not the configured issuer '" + detail::printable(expected_issuer, 256) + "'");
    }
    try {
        require_secure_url(metadata.issuer, "issuer");
    } catch (const ConfigError& e) {
        discovery_error(std::string{"discovery document: "} + e.what());
    }
    read_endpoint(doc, "authorization_endpoint", metadata.authorization_endpoint);
    read_endpoint(doc, "token_endpoint", metadata.token_endpoint);
    read_endpoint(doc, "userinfo_endpoint", metadata.userinfo_endpoint);
    read_endpoint(doc, "jwks_uri", metadata.jwks_uri);
    read_endpoint(doc, "registration_endpoint", metadata.registration_endpoint);
    read_endpoint(doc, "revocation_endpoint", metadata.revocation_endpoint);
    read_endpoint(doc, "introspection_endpoint", metadata.introspection_endpoint);
    read_endpoint(doc, "end_session_endpoint", metadata.end_session_endpoint);
    read_endpoint(doc, "device_authorization_endpoint", metadata.device_authorization_endpoint);
    read_endpoint(doc, "pushed_authorization_request_endpoint",
                  metadata.pushed_authorization_request_endpoint);
    read_list(doc, "scopes_supported", metadata.scopes_supported);
    read_list(doc, "response_types_supported", metadata.response_types_supported);
    read_list(doc, "response_modes_supported", metadata.response_modes_supported);
    read_list(doc, "grant_types_supported", metadata.grant_types_supported);
    read_list(doc, "subject_types_supported", metadata.subject_types_supported);
    read_list(doc, "id_token_signing_alg_values_supported",
              metadata.id_token_signing_alg_values_supported);
    read_list(doc, "token_endpoint_auth_methods_supported",
              metadata.token_endpoint_auth_methods_supported);
    read_list(doc, "code_challenge_methods_supported", metadata.code_challenge_methods_supported);
    read_list(doc, "claims_supported", metadata.claims_supported);
    read_list(doc, "dpop_signing_alg_values_supported", metadata.dpop_signing_alg_values_supported);
    read_bool(doc, "authorization_response_iss_parameter_supported",
              metadata.authorization_response_iss_parameter_supported);
    read_bool(doc, "require_pushed_authorization_requests",
              metadata.require_pushed_authorization_requests);
    metadata.raw = std::move(doc);
    return metadata;
}

std::vector<JwsAlg> ProviderMetadata::id_token_algs() const {
    if (id_token_signing_alg_values_supported.empty()) {
        return {JwsAlg::RS256};
    }
    std::vector<JwsAlg> algs;
    for (JwsAlg alg : asymmetric_jws_algs()) {
        if (std::find(id_token_signing_alg_values_supported.begin(),
                      id_token_signing_alg_values_supported.end(),
                      to_string(alg)) != id_token_signing_alg_values_supported.end()) {
            algs.push_back(alg);
        }
    }
    return algs;
}

std::string discovery_url(std::string_view issuer) {
    while (!issuer.empty() && issuer.back() == '/') {
        issuer.remove_suffix(1);
    }
    return std::string{issuer} + "/.well-known/openid-configuration";
}

ProviderMetadata fetch_provider_metadata(std::string_view issuer, HttpClient& http,
                                         const DiscoveryOptions& options) {
    require_secure_url(issuer, "issuer");
    HttpRequest request;
    request.url = discovery_url(issuer);
    request.headers.emplace_back("Accept", "application/json");
    HttpResponse response;
    try {
        response = http.send(request);
    } catch (const TransportError& e) {
        throw TransportError(errc::discovery_failed,
                             "discovery at " + request.url +
                                 " failed: " + std::string{to_string(e.code())} + ": " + e.what());
    }
    if (response.status != 200) {
        discovery_error("discovery at " + request.url + " answered HTTP " +
                            std::to_string(response.status),
                        response.status);
    }
    return ProviderMetadata::parse(response.body, options.expected_issuer.empty()
                                                      ? issuer
                                                      : std::string_view{options.expected_issuer});
}

struct DiscoveryCache::Entry {
    std::shared_ptr<const ProviderMetadata> metadata;
    Clock::steady_time expires{};
    Clock::steady_time retry_at{};
    std::exception_ptr error;
    bool fetching = false;
    std::uint64_t generation = 0;
};

DiscoveryCache::DiscoveryCache(std::shared_ptr<HttpClient> http, std::shared_ptr<Clock> clock,
                               DiscoveryCacheOptions options)
    : http_(std::move(http)), clock_(clock_or_system(std::move(clock))), options_(options) {
    if (!http_) {
        throw ConfigError(errc::config_missing, "DiscoveryCache needs an HTTP client");
    }
}

std::shared_ptr<const ProviderMetadata> DiscoveryCache::get(std::string_view issuer,
                                                            const DiscoveryOptions& options) {
    std::unique_lock lock(mutex_);
    auto found = entries_.find(issuer);
    if (found == entries_.end()) {
        found = entries_.emplace(std::string{issuer}, std::make_shared<Entry>()).first;
    }
    std::shared_ptr<Entry> entry = found->second;
    for (;;) {
        auto now = clock_->steady_now();
        if (entry->metadata && now < entry->expires) {
            return entry->metadata;
        }
        if (entry->fetching) {
            // Another caller is fetching this issuer: share its result.
            auto seen = entry->generation;
            clock_->wait_until(lock, fetched_, now + std::chrono::seconds{60},
                               [&] { return entry->generation != seen; });
            if (entry->generation == seen) {
                throw TransportError(errc::discovery_failed, "timed out waiting for discovery of " +
                                                                 detail::printable(issuer, 256));
            }
            continue;
        }
        if (entry->error && now < entry->retry_at) {
            if (entry->metadata && now < entry->expires + options_.max_stale) {
                return entry->metadata;
            }
            rethrow_copy(entry->error);
        }
        entry->fetching = true;
        lock.unlock();
        std::shared_ptr<const ProviderMetadata> metadata;
        std::exception_ptr error;
        try {
            metadata = std::make_shared<const ProviderMetadata>(
                fetch_provider_metadata(issuer, *http_, options));
        } catch (...) {
            error = std::current_exception();
        }
        lock.lock();
        now = clock_->steady_now();
        entry->fetching = false;
        ++entry->generation;
        if (metadata) {
            entry->metadata = metadata;
            entry->expires = now + options_.ttl;
            entry->error = nullptr;
        } else {
            entry->error = error;
            entry->retry_at = now + options_.retry_after;
        }
        fetched_.notify_all();
        if (metadata) {
            if (options_.on_fetched) {
                lock.unlock();
                options_.on_fetched(std::string{issuer}, *metadata);
            }
            return metadata;
        }
        if (entry->metadata && now < entry->expires + options_.max_stale) {
            log(LogLevel::warning, "discovery of " + detail::printable(issuer, 256) +
                                       " failed; using the previous document");
            return entry->metadata;
        }
        rethrow_copy(error);
    }
}

void DiscoveryCache::preload(std::string_view issuer,
                             std::shared_ptr<const ProviderMetadata> metadata,
                             std::chrono::seconds age) {
    if (!metadata) {
        return;
    }
    std::lock_guard lock(mutex_);
    auto found = entries_.find(issuer);
    if (found == entries_.end()) {
        found = entries_.emplace(std::string{issuer}, std::make_shared<Entry>()).first;
    }
    Entry& entry = *found->second;
    const auto expires = clock_->steady_now() + options_.ttl - age;
    if (entry.metadata && entry.expires >= expires) {
        return;
    }
    entry.metadata = std::move(metadata);
    entry.expires = expires;
}

void DiscoveryCache::invalidate(std::string_view issuer) {
    std::lock_guard lock(mutex_);
    if (auto found = entries_.find(issuer); found != entries_.end()) {
        found->second->metadata.reset();
        found->second->error = nullptr;
    }
}

} // namespace authflow

#pragma once
// OpenID Provider metadata (OpenID Connect Discovery 1.0, RFC 8414) and its cache.

#include <authflow/core/clock.hpp>
#include <authflow/http/http_client.hpp>
#include <authflow/jose/jwk.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace authflow {

/// A provider's discovery document (OpenID Connect Discovery 1.0 §3). Absent members are empty.
/// A plain value.
struct ProviderMetadata {
    std::string issuer;
    std::string authorization_endpoint;
    std::string token_endpoint;
    std::string userinfo_endpoint;
    std::string jwks_uri;
    std::string registration_endpoint;
    std::string revocation_endpoint;
    std::string introspection_endpoint;
    std::string end_session_endpoint;
    std::string device_authorization_endpoint;
    std::string pushed_authorization_request_endpoint;
    std::vector<std::string> scopes_supported;
    std::vector<std::string> response_types_supported;
    std::vector<std::string> response_modes_supported;
    std::vector<std::string> grant_types_supported;
    std::vector<std::string> subject_types_supported;
    std::vector<std::string> id_token_signing_alg_values_supported;
    std::vector<std::string> token_endpoint_auth_methods_supported;
    std::vector<std::string> code_challenge_methods_supported;
    std::vector<std::string> claims_supported;
    /// RFC 9449 §5.1: the DPoP proof algorithms the provider accepts; empty: no DPoP.
    std::vector<std::string> dpop_signing_alg_values_supported;
    bool authorization_response_iss_parameter_supported = false; ///< RFC 9207 §3
    /// RFC 9126 §5: the provider accepts authorization requests only through its PAR endpoint.
    bool require_pushed_authorization_requests = false;
    nlohmann::json raw = nlohmann::json::object(); ///< the whole document

    /// Parses and checks a discovery document: a JSON object whose `issuer` equals
    /// `expected_issuer` exactly (Discovery §4.3; a trailing slash counts), whose members have
    /// their registered types, and whose endpoints are https (or http to a loopback host).
    /// Throws AuthenticationError (discovery_failed).
    static ProviderMetadata parse(std::string_view json, std::string_view expected_issuer);

    /// The ID-token algorithms to accept by default: id_token_signing_alg_values_supported ∩ the
    /// asymmetric algorithms authflow implements; RS256 when the member is absent (Discovery §3).
    std::vector<JwsAlg> id_token_algs() const;
};

/// `<issuer without trailing slash>/.well-known/openid-configuration` (Discovery §4.1).
std::string discovery_url(std::string_view issuer);

/// How to fetch a discovery document. A plain value.
struct DiscoveryOptions {
    /// The `issuer` the document must carry; empty: the issuer it was fetched for. Multi-tenant
    /// providers set it, e.g. Microsoft's `https://login.microsoftonline.com/{tenantid}/v2.0`.
    std::string expected_issuer;
};

/// Fetches and checks `issuer`'s discovery document. Throws ConfigError (insecure_url, bad_url)
/// when the issuer is not an https URL (http only to loopback hosts); TransportError
/// (discovery_failed) when no answer arrived; AuthenticationError (discovery_failed) for a
/// status other than 200, a body that is not a JSON object, or a check of
/// ProviderMetadata::parse that fails. Size limits are the HttpClient's. Discovery §4.
ProviderMetadata fetch_provider_metadata(std::string_view issuer, HttpClient& http,
                                         const DiscoveryOptions& options = {});

/// Settings of DiscoveryCache. A plain value.
struct DiscoveryCacheOptions {
    std::chrono::seconds ttl{3600}; ///< how long a document is used before it is fetched again
    /// After a failed fetch, how long callers get the same error (or the previous document, if
    /// any, up to `max_stale` past its ttl) before the next attempt.
    std::chrono::seconds retry_after{30};
    std::chrono::seconds max_stale{86400};
    /// Called after each successful fetch, with the issuer and the document (e.g. to keep it for
    /// a later process: DiscoveryCache::preload). From the fetching thread, without a lock held;
    /// must not throw. Empty: nothing is called.
    std::function<void(const std::string& issuer, const ProviderMetadata& metadata)> on_fetched;
};

/// Provider metadata per issuer, fetched on first use and kept for a TTL. Safe to use from
/// several threads; no lock is held during a fetch, and concurrent first uses of an issuer share
/// one fetch.
class DiscoveryCache {
public:
    explicit DiscoveryCache(std::shared_ptr<HttpClient> http,
                            std::shared_ptr<Clock> clock = nullptr,
                            DiscoveryCacheOptions options = {});

    /// The metadata of `issuer` (fetched when absent or older than the TTL). Throws as
    /// fetch_provider_metadata.
    std::shared_ptr<const ProviderMetadata> get(std::string_view issuer,
                                                const DiscoveryOptions& options = {});
    /// Forgets an issuer's document (the next get fetches it).
    void invalidate(std::string_view issuer);
    /// Uses `metadata` for `issuer` as if it had been fetched `age` ago: until the TTL has passed
    /// since then no fetch is made, and up to `max_stale` past it the document stands in while
    /// fetches fail. A document already held is kept when it is younger.
    void preload(std::string_view issuer, std::shared_ptr<const ProviderMetadata> metadata,
                 std::chrono::seconds age);

private:
    struct Entry;
    std::shared_ptr<HttpClient> http_;
    std::shared_ptr<Clock> clock_;
    DiscoveryCacheOptions options_;
    std::mutex mutex_;
    std::condition_variable fetched_;
    std::map<std::string, std::shared_ptr<Entry>, std::less<>> entries_;
};

} // namespace authflow

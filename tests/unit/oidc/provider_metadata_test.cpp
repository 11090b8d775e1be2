// Discovery: parsing and checking provider metadata, fetching it, caching it.
#include "fake_http.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/oidc/provider_metadata.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <thread>
#include <vector>

namespace authflow {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using test::FakeHttpClient;

constexpr const char* issuer = "https://op.example/realm";

json document(const std::string& iss = issuer) {
    return {{"issuer", iss},
            {"authorization_endpoint", iss + "/auth"},
            {"token_endpoint", iss + "/token"},
            {"userinfo_endpoint", iss + "/me"},
            {"jwks_uri", iss + "/jwks"},
            {"revocation_endpoint", iss + "/revoke"},
            {"end_session_endpoint", iss + "/logout"},
            {"device_authorization_endpoint", iss + "/device"},
            {"response_types_supported", {"code"}},
            {"subject_types_supported", {"public"}},
            {"id_token_signing_alg_values_supported", {"RS256", "ES256", "HS256", "none"}},
            {"code_challenge_methods_supported", {"S256"}},
            {"authorization_response_iss_parameter_supported", true},
            {"x_vendor_extension", {{"a", 1}}}};
}

template <typename F> errc code_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    ADD_FAILURE() << "nothing thrown";
    return errc::internal;
}

TEST(ProviderMetadata, ParsesTheDocument) {
    auto metadata = ProviderMetadata::parse(document().dump(), issuer);
    EXPECT_EQ(metadata.issuer, issuer);
    EXPECT_EQ(metadata.authorization_endpoint, std::string{issuer} + "/auth");
    EXPECT_EQ(metadata.token_endpoint, std::string{issuer} + "/token");
    EXPECT_EQ(metadata.userinfo_endpoint, std::string{issuer} + "/me");
    EXPECT_EQ(metadata.jwks_uri, std::string{issuer} + "/jwks");
    EXPECT_EQ(metadata.revocation_endpoint, std::string{issuer} + "/revoke");
    EXPECT_EQ(metadata.end_session_endpoint, std::string{issuer} + "/logout");
    EXPECT_EQ(metadata.device_authorization_endpoint, std::string{issuer} + "/device");
    EXPECT_TRUE(metadata.introspection_endpoint.empty());
    EXPECT_EQ(metadata.code_challenge_methods_supported, std::vector<std::string>{"S256"});
    EXPECT_TRUE(metadata.authorization_response_iss_parameter_supported);
    EXPECT_EQ(metadata.raw["x_vendor_extension"]["a"], 1);
    EXPECT_TRUE(metadata.pushed_authorization_request_endpoint.empty());
    EXPECT_FALSE(metadata.require_pushed_authorization_requests);
}

TEST(ProviderMetadata, ReadsPushedAuthorizationRequestMembers) {
    // RFC 9126 §5.
    json doc = document();
    doc["pushed_authorization_request_endpoint"] = std::string{issuer} + "/par";
    doc["require_pushed_authorization_requests"] = true;
    auto metadata = ProviderMetadata::parse(doc.dump(), issuer);
    EXPECT_EQ(metadata.pushed_authorization_request_endpoint, std::string{issuer} + "/par");
    EXPECT_TRUE(metadata.require_pushed_authorization_requests);
    doc["require_pushed_authorization_requests"] = false;
    EXPECT_FALSE(ProviderMetadata::parse(doc.dump(), issuer).require_pushed_authorization_requests);
    // The pushed parameters carry the client's credentials: https only.
    doc["pushed_authorization_request_endpoint"] = "http://op.example/par";
    EXPECT_EQ(code_of([&] { ProviderMetadata::parse(doc.dump(), issuer); }),
              errc::discovery_failed);
}

TEST(ProviderMetadata, DefaultIdTokenAlgorithmsAreTheProvidersAsymmetricOnes) {
    auto metadata = ProviderMetadata::parse(document().dump(), issuer);
    EXPECT_EQ(metadata.id_token_algs(), (std::vector<JwsAlg>{JwsAlg::RS256, JwsAlg::ES256}));
    json doc = document();
    doc.erase("id_token_signing_alg_values_supported");
    EXPECT_EQ(ProviderMetadata::parse(doc.dump(), issuer).id_token_algs(),
              std::vector<JwsAlg>{JwsAlg::RS256});
    doc["id_token_signing_alg_values_supported"] = {"none", "HS256"};
    EXPECT_TRUE(ProviderMetadata::parse(doc.dump(), issuer).id_token_algs().empty());
}

TEST(ProviderMetadata, RejectsAnotherIssuer) {
    EXPECT_EQ(
        code_of([] { ProviderMetadata::parse(document("https://evil.example").dump(), issuer); }),
        errc::discovery_failed);
    // A trailing slash makes another issuer.
    EXPECT_EQ(code_of([] {
                  ProviderMetadata::parse(document(std::string{issuer} + "/").dump(), issuer);
              }),
              errc::discovery_failed);
    json doc = document();
    doc.erase("issuer");
    EXPECT_EQ(code_of([&] { ProviderMetadata::parse(doc.dump(), issuer); }),
              errc::discovery_failed);
}

TEST(ProviderMetadata, RejectsBadJsonAndMistypedMembers) {
    for (std::string bad : {"", "not json", "[]", "{\"issuer\":", "\"text\""}) {
        EXPECT_EQ(code_of([&] { ProviderMetadata::parse(bad, issuer); }), errc::discovery_failed)
            << bad;
    }
    for (auto [member, value] : std::vector<std::pair<const char*, json>>{
             {"issuer", 5},
             {"token_endpoint", json::array()},
             {"scopes_supported", "openid"},
             {"grant_types_supported", {"authorization_code", 3}},
             {"authorization_response_iss_parameter_supported", "yes"},
             {"require_pushed_authorization_requests", "true"},
             {"pushed_authorization_request_endpoint", 1}}) {
        json doc = document();
        doc[member] = value;
        EXPECT_EQ(code_of([&] { ProviderMetadata::parse(doc.dump(), issuer); }),
                  errc::discovery_failed)
            << member;
    }
}

TEST(ProviderMetadata, RejectsEndpointsThatAreNotHttps) {
    json doc = document();
    doc["jwks_uri"] = "http://op.example/jwks";
    EXPECT_EQ(code_of([&] { ProviderMetadata::parse(doc.dump(), issuer); }),
              errc::discovery_failed);
    doc["jwks_uri"] = "javascript:alert(1)";
    EXPECT_EQ(code_of([&] { ProviderMetadata::parse(doc.dump(), issuer); }),
              errc::discovery_failed);
    // Loopback providers may use plain http.
    const std::string local = "http://127.0.0.1:4010";
    EXPECT_NO_THROW(ProviderMetadata::parse(document(local).dump(), local));
}

TEST(Discovery, UrlDropsTrailingSlashes) {
    EXPECT_EQ(discovery_url("https://op.example"),
              "https://op.example/.well-known/openid-configuration");
    EXPECT_EQ(discovery_url("https://op.example/realm/"),
              "https://op.example/realm/.well-known/openid-configuration");
}

TEST(Discovery, FetchesAndChecksTheDocument) {
    FakeHttpClient http;
    http.serve(document().dump());
    auto metadata = fetch_provider_metadata(issuer, http);
    EXPECT_EQ(metadata.jwks_uri, std::string{issuer} + "/jwks");
    ASSERT_EQ(http.urls().size(), 1u);
    EXPECT_EQ(http.urls()[0], std::string{issuer} + "/.well-known/openid-configuration");
}

TEST(Discovery, RejectsAnIssuerMismatch) {
    FakeHttpClient http;
    http.serve(document("https://other.example/realm").dump());
    try {
        fetch_provider_metadata(issuer, http);
        ADD_FAILURE();
    } catch (const AuthenticationError& e) {
        EXPECT_EQ(e.code(), errc::discovery_failed);
    }
}

TEST(Discovery, RejectsAPlainHttpIssuerThatIsNotLoopback) {
    FakeHttpClient http;
    http.serve(document("http://op.example").dump());
    try {
        fetch_provider_metadata("http://op.example", http);
        ADD_FAILURE();
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.code(), errc::insecure_url);
    }
    EXPECT_EQ(http.requests(), 0u); // refused before any request
    http.serve(document("http://localhost:4010").dump());
    EXPECT_NO_THROW(fetch_provider_metadata("http://localhost:4010", http));
}

TEST(Discovery, ReportsStatusBadJsonAndTransportFailures) {
    FakeHttpClient http;
    http.set_handler(test::answer(404, "not found"));
    try {
        fetch_provider_metadata(issuer, http);
        ADD_FAILURE();
    } catch (const AuthenticationError& e) {
        EXPECT_EQ(e.code(), errc::discovery_failed);
        EXPECT_EQ(e.http_status(), 404);
    }
    http.set_handler(test::answer(200, "<html>hello</html>"));
    EXPECT_EQ(code_of([&] { fetch_provider_metadata(issuer, http); }), errc::discovery_failed);
    http.set_handler(test::unreachable());
    try {
        fetch_provider_metadata(issuer, http);
        ADD_FAILURE();
    } catch (const TransportError& e) {
        EXPECT_EQ(e.code(), errc::discovery_failed);
    }
}

TEST(Discovery, MultiTenantIssuerTemplate) {
    FakeHttpClient http;
    const std::string tmpl = "https://login.example/{tenantid}/v2.0";
    http.serve(document(tmpl).dump());
    DiscoveryOptions options;
    options.expected_issuer = tmpl;
    EXPECT_EQ(fetch_provider_metadata("https://login.example/common/v2.0", http, options).issuer,
              tmpl);
    EXPECT_EQ(code_of([&] { fetch_provider_metadata("https://login.example/common/v2.0", http); }),
              errc::discovery_failed);
}

TEST(DiscoveryCache, KeepsTheDocumentForItsTtl) {
    auto clock = std::make_shared<ManualClock>();
    auto http = std::make_shared<FakeHttpClient>();
    http->serve(document().dump());
    DiscoveryCache cache(http, clock);
    auto first = cache.get(issuer);
    EXPECT_EQ(cache.get(issuer), first);
    clock->advance(3599s);
    EXPECT_EQ(cache.get(issuer), first);
    EXPECT_EQ(http->requests(), 1u);
    clock->advance(1s);
    EXPECT_NE(cache.get(issuer), first);
    EXPECT_EQ(http->requests(), 2u);
    cache.invalidate(issuer);
    cache.get(issuer);
    EXPECT_EQ(http->requests(), 3u);
}

TEST(DiscoveryCache, RetriesFailuresAfterAPauseAndServesTheLastGoodDocument) {
    auto clock = std::make_shared<ManualClock>();
    auto http = std::make_shared<FakeHttpClient>();
    http->set_handler(test::unreachable());
    DiscoveryCache cache(http, clock);
    EXPECT_EQ(code_of([&] { cache.get(issuer); }), errc::discovery_failed);
    EXPECT_EQ(code_of([&] { cache.get(issuer); }), errc::discovery_failed);
    EXPECT_EQ(http->requests(), 1u);
    clock->advance(30s);
    http->serve(document().dump());
    auto good = cache.get(issuer);
    EXPECT_EQ(http->requests(), 2u);
    // Expired, and the provider is down: the last good document serves (within max_stale).
    clock->advance(3600s);
    http->set_handler(test::answer(500, ""));
    EXPECT_EQ(cache.get(issuer), good);
    EXPECT_EQ(cache.get(issuer), good);
    EXPECT_EQ(http->requests(), 3u);
}

// A document an earlier process kept: used without a fetch for the rest of its TTL, then
// refreshed; each fetch is reported (so it can be kept again).
TEST(DiscoveryCache, PreloadedDocumentServesForTheRestOfItsTtl) {
    auto clock = std::make_shared<ManualClock>();
    auto http = std::make_shared<FakeHttpClient>();
    http->serve(document().dump());
    DiscoveryCacheOptions options;
    std::vector<std::string> reported;
    options.on_fetched = [&](const std::string& fetched_for, const ProviderMetadata& metadata) {
        reported.push_back(fetched_for + " " + metadata.issuer);
    };
    DiscoveryCache cache(http, clock, options);
    auto kept = std::make_shared<const ProviderMetadata>(
        ProviderMetadata::parse(document().dump(), issuer));
    cache.preload(issuer, kept, 3000s); // fetched 50 minutes ago; the TTL is an hour
    EXPECT_EQ(cache.get(issuer), kept);
    clock->advance(599s);
    EXPECT_EQ(cache.get(issuer), kept);
    EXPECT_EQ(http->requests(), 0u);
    EXPECT_TRUE(reported.empty());
    clock->advance(1s);
    EXPECT_NE(cache.get(issuer), kept);
    EXPECT_EQ(http->requests(), 1u);
    EXPECT_EQ(reported, std::vector<std::string>{std::string{issuer} + " " + issuer});

    // Older than the TTL and the provider down: it stands in (within max_stale).
    DiscoveryCache offline(std::make_shared<FakeHttpClient>(), clock);
    offline.preload(issuer, kept, 7200s);
    EXPECT_EQ(offline.get(issuer), kept);
}

TEST(DiscoveryCache, ConcurrentFirstUsesShareOneFetch) {
    auto clock = std::make_shared<ManualClock>();
    auto http = std::make_shared<FakeHttpClient>();
    http->serve(document().dump());
    http->close_gate();
    DiscoveryCache cache(http, clock);
    std::atomic<int> done{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 6; ++i) {
        threads.emplace_back([&] {
            if (cache.get(issuer)->issuer == issuer) {
                ++done;
            }
        });
    }
    ASSERT_TRUE(http->wait_entered(1));
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (clock->waiters() < 5 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
    }
    EXPECT_EQ(clock->waiters(), 5u);
    http->open_gate();
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(done.load(), 6);
    EXPECT_EQ(http->requests(), 1u);
}

} // namespace
} // namespace authflow

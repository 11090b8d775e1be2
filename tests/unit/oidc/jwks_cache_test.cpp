// JwksCache: rotation, cooldown, stale-on-error, single flight, Cache-Control; time from a
// ManualClock, the network from a fake HttpClient that counts fetches.
#include "fake_http.hpp"
#include "support/jose_signer.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/oidc/id_token.hpp>
#include <authflow/oidc/jwks_cache.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace authflow {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using test::FakeHttpClient;
using test::TestKey;

constexpr const char* jwks_uri = "https://op.example/jwks";

const TestKey& key_a() {
    static const TestKey key = TestKey::ec("P-256");
    return key;
}
const TestKey& key_b() {
    static const TestKey key = TestKey::ec("P-256");
    return key;
}

std::string jwks_of(std::initializer_list<std::pair<const TestKey*, const char*>> keys) {
    json set = {{"keys", json::array()}};
    for (auto [key, kid] : keys) {
        set["keys"].push_back(key->public_jwk(kid));
    }
    return set.dump();
}

JwsHeader header(const char* kid) {
    JwsHeader h;
    h.alg = JwsAlg::ES256;
    h.kid = kid;
    return h;
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

// Waits (bounded, without sleeping) until `count` threads wait on the manual clock.
bool wait_for_waiters(const std::shared_ptr<ManualClock>& clock, std::size_t count) {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (clock->waiters() < count) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::yield();
    }
    return true;
}

class JwksCacheTest : public ::testing::Test {
protected:
    std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
    std::shared_ptr<FakeHttpClient> http = std::make_shared<FakeHttpClient>();

    JwksCache cache(JwksCacheOptions options = {}) {
        return JwksCache(jwks_uri, http, clock, options);
    }
};

TEST_F(JwksCacheTest, FetchesOnFirstUseThenServesFromTheCache) {
    http->serve(jwks_of({{&key_a(), "a"}}));
    auto keys = cache();
    EXPECT_EQ(http->requests(), 0u);
    EXPECT_EQ(keys.resolve(header("a")).kid(), "a");
    EXPECT_EQ(keys.resolve(header("a")).kid(), "a");
    clock->advance(599s);
    EXPECT_EQ(keys.resolve(header("a")).kid(), "a");
    EXPECT_EQ(http->requests(), 1u);
    EXPECT_EQ(http->urls().front(), jwks_uri);
    EXPECT_EQ(keys.fetch_count(), 1u);
}

// A key set an earlier process kept: used without a fetch while fresh; unusable text is ignored;
// each fetch is reported with its body and lifetime.
TEST_F(JwksCacheTest, PreloadedKeysServeUntilTheyAreDue) {
    http->serve(jwks_of({{&key_a(), "a"}}));
    JwksCacheOptions options;
    std::vector<std::string> reported;
    options.on_fetched = [&](const std::string& body, std::chrono::seconds lifetime) {
        reported.push_back(body + " " + std::to_string(lifetime.count()));
    };
    auto keys = cache(options);
    EXPECT_FALSE(keys.preload("not a key set", 600s, 0s));
    EXPECT_TRUE(keys.preload(jwks_of({{&key_a(), "a"}}), 600s, 500s));
    EXPECT_FALSE(keys.preload(jwks_of({{&key_b(), "b"}}), 600s, 0s)); // keys already held
    EXPECT_EQ(keys.resolve(header("a")).kid(), "a");
    clock->advance(99s);
    EXPECT_EQ(keys.resolve(header("a")).kid(), "a");
    EXPECT_EQ(http->requests(), 0u);
    clock->advance(1s);
    EXPECT_EQ(keys.keys()->size(), 1u); // due: fetched again
    EXPECT_EQ(http->requests(), 1u);
    EXPECT_EQ(reported, std::vector<std::string>{jwks_of({{&key_a(), "a"}}) + " 600"});
}

TEST_F(JwksCacheTest, AcceptsARotatedKeyAfterOneRefetch) {
    http->serve(jwks_of({{&key_a(), "a"}}));
    auto keys = cache();
    keys.resolve(header("a"));
    clock->advance(31s);
    http->serve(jwks_of({{&key_a(), "a"}, {&key_b(), "b"}}));
    EXPECT_EQ(keys.resolve(header("b")).kid(), "b");
    EXPECT_EQ(http->requests(), 2u);
    EXPECT_EQ(keys.resolve(header("b")).kid(), "b");
    EXPECT_EQ(http->requests(), 2u);
}

TEST_F(JwksCacheTest, RefetchesOnceForAnUnknownKidThenRejects) {
    http->serve(jwks_of({{&key_a(), "a"}}));
    auto keys = cache();
    keys.resolve(header("a"));
    clock->advance(31s);
    EXPECT_EQ(code_of([&] { keys.resolve(header("forged")); }), errc::unknown_key);
    EXPECT_EQ(http->requests(), 2u);
    EXPECT_EQ(code_of([&] { keys.resolve(header("forged")); }), errc::unknown_key);
    EXPECT_EQ(http->requests(), 2u);
}

TEST_F(JwksCacheTest, AThousandForgedKidsCauseAtMostOneFetchPerCooldown) {
    http->serve(jwks_of({{&key_a(), "a"}}));
    auto keys = cache();
    keys.resolve(header("a"));
    for (int round = 0; round < 3; ++round) {
        clock->advance(30s);
        for (int i = 0; i < 1000; ++i) {
            std::string kid = "forged-" + std::to_string(round) + "-" + std::to_string(i);
            EXPECT_EQ(code_of([&] { keys.resolve(header(kid.c_str())); }), errc::unknown_key);
            clock->advance(1ms); // 1000 tokens spread over one second
        }
        EXPECT_EQ(http->requests(), 2u + static_cast<std::size_t>(round));
    }
}

// The same flood without a cooldown: one fetch per token. Shows the test above can fail.
TEST_F(JwksCacheTest, WithoutACooldownEveryForgedKidFetches) {
    http->serve(jwks_of({{&key_a(), "a"}}));
    JwksCacheOptions options;
    options.refetch_cooldown = 0s;
    auto keys = cache(options);
    keys.resolve(header("a"));
    for (int i = 0; i < 1000; ++i) {
        std::string kid = "forged-" + std::to_string(i);
        EXPECT_EQ(code_of([&] { keys.resolve(header(kid.c_str())); }), errc::unknown_key);
    }
    EXPECT_EQ(http->requests(), 1001u);
}

TEST_F(JwksCacheTest, ConcurrentMissesShareOneFetch) {
    http->serve(jwks_of({{&key_a(), "a"}}));
    auto keys = cache();
    keys.resolve(header("a"));
    clock->advance(31s);
    http->serve(jwks_of({{&key_a(), "a"}, {&key_b(), "b"}}));
    http->close_gate();
    constexpr int threads = 8;
    std::atomic<int> accepted{0};
    std::vector<std::thread> readers;
    for (int i = 0; i < threads; ++i) {
        readers.emplace_back([&] {
            if (keys.resolve(header("b")).kid() == "b") {
                ++accepted;
            }
        });
    }
    ASSERT_TRUE(http->wait_entered(2));                // one thread is fetching...
    ASSERT_TRUE(wait_for_waiters(clock, threads - 1)); // ...and every other one waits for it
    http->open_gate();
    for (auto& reader : readers) {
        reader.join();
    }
    EXPECT_EQ(accepted.load(), threads);
    EXPECT_EQ(http->requests(), 2u);
}

// Without the single-flight guard every miss fetches: shows the test above can fail.
TEST_F(JwksCacheTest, WithoutSingleFlightConcurrentMissesFetchEach) {
    http->serve(jwks_of({{&key_a(), "a"}}));
    JwksCacheOptions options;
    options.disable_single_flight_for_testing = true;
    options.refetch_cooldown = 0s;
    auto keys = cache(options);
    keys.resolve(header("a"));
    http->serve(jwks_of({{&key_a(), "a"}, {&key_b(), "b"}}));
    http->close_gate();
    constexpr int threads = 8;
    std::vector<std::thread> readers;
    for (int i = 0; i < threads; ++i) {
        readers.emplace_back([&] { keys.resolve(header("b")); });
    }
    ASSERT_TRUE(http->wait_entered(1 + threads));
    http->open_gate();
    for (auto& reader : readers) {
        reader.join();
    }
    EXPECT_EQ(http->requests(), 1u + threads);
}

TEST_F(JwksCacheTest, ReadersOfKnownKeysNeverWaitForAFetch) {
    http->serve(jwks_of({{&key_a(), "a"}}));
    auto keys = cache();
    keys.resolve(header("a"));
    clock->advance(31s);
    http->close_gate();
    std::thread miss(
        [&] { EXPECT_EQ(code_of([&] { keys.resolve(header("x")); }), errc::unknown_key); });
    ASSERT_TRUE(http->wait_entered(2));
    // A fetch is in progress (held at the gate): a known kid resolves without waiting. If it
    // waited, this call would never return and the test would time out.
    EXPECT_EQ(keys.resolve(header("a")).kid(), "a");
    // Likewise once the keys are past their max-age: the stale key serves while another thread
    // fetches.
    clock->advance(600s);
    EXPECT_EQ(keys.resolve(header("a")).kid(), "a");
    EXPECT_EQ(keys.keys()->size(), 1u);
    http->open_gate();
    miss.join();
    EXPECT_EQ(http->requests(), 2u);
}

TEST_F(JwksCacheTest, KeepsTheLastGoodKeysWhileRefetchesFailForABoundedTime) {
    http->serve(jwks_of({{&key_a(), "a"}}));
    auto keys = cache(); // max-age 600 s, max_stale 3600 s, cooldown 30 s
    keys.resolve(header("a"));
    http->set_handler(test::unreachable());
    clock->advance(601s); // expired: the refresh fails, the old key serves on
    EXPECT_EQ(keys.resolve(header("a")).kid(), "a");
    EXPECT_EQ(http->requests(), 2u);
    clock->advance(10s); // within the cooldown: no new attempt
    EXPECT_EQ(keys.resolve(header("a")).kid(), "a");
    EXPECT_EQ(http->requests(), 2u);
    clock->advance(30s);
    http->set_handler(test::answer(500, "oops"));
    EXPECT_EQ(keys.resolve(header("a")).kid(), "a");
    EXPECT_EQ(http->requests(), 3u);
    clock->advance(31s);
    http->set_handler(test::answer(200, "<html>"));
    EXPECT_EQ(keys.resolve(header("a")).kid(), "a");
    EXPECT_EQ(http->requests(), 4u);
    // 600 + 3600 s after the last good fetch the old keys are no longer used.
    clock->advance(600s + 3600s - 601s - 10s - 30s - 31s);
    EXPECT_EQ(code_of([&] { keys.resolve(header("a")); }), errc::jwks_failed);
    // The provider recovers: after the cooldown the next call fetches again.
    http->serve(jwks_of({{&key_a(), "a"}}));
    clock->advance(31s);
    EXPECT_EQ(keys.resolve(header("a")).kid(), "a");
}

TEST_F(JwksCacheTest, AWithdrawnKeyIsRejectedAfterTheRefresh) {
    http->serve(jwks_of({{&key_a(), "a"}}));
    auto keys = cache();
    keys.resolve(header("a"));
    http->serve(jwks_of({{&key_b(), "b"}}));
    clock->advance(601s);
    EXPECT_EQ(code_of([&] { keys.resolve(header("a")); }), errc::unknown_key);
    EXPECT_EQ(http->requests(), 2u);
}

TEST_F(JwksCacheTest, HonoursCacheControlMaxAgeWithinBounds) {
    struct Case {
        const char* header;
        std::chrono::seconds lifetime;
    };
    for (Case c : {Case{"public, max-age=120", 120s}, Case{"max-age=5", 60s},
                   Case{"max-age=9999999", 86400s}, Case{"no-store", 60s}, Case{"", 600s},
                   Case{"max-age=abc", 600s}}) {
        SCOPED_TRACE(c.header);
        auto fresh_http = std::make_shared<FakeHttpClient>();
        fresh_http->serve(jwks_of({{&key_a(), "a"}}), c.header);
        JwksCache keys(jwks_uri, fresh_http, clock);
        keys.keys();
        clock->advance(c.lifetime - 1s);
        keys.keys();
        EXPECT_EQ(fresh_http->requests(), 1u);
        clock->advance(1s);
        keys.keys();
        EXPECT_EQ(fresh_http->requests(), 2u);
    }
}

// Without any key nothing verifies: a provider that is back is noticed within seconds (1, 2,
// 4, ... s after the failures), while a cache with keys keeps the full cooldown.
TEST_F(JwksCacheTest, WithoutKeysAFailedFetchIsRetriedSoonWithBackoff) {
    http->set_handler(test::answer(500, "down"));
    auto keys = cache();
    EXPECT_EQ(code_of([&] { keys.keys(); }), errc::jwks_failed);
    EXPECT_EQ(http->requests(), 1u);
    clock->advance(1s);
    EXPECT_EQ(code_of([&] { keys.keys(); }), errc::jwks_failed); // 1 s after one failure
    EXPECT_EQ(http->requests(), 2u);
    clock->advance(1s);
    EXPECT_EQ(code_of([&] { keys.keys(); }), errc::jwks_failed); // two failures: 2 s
    EXPECT_EQ(http->requests(), 2u);
    clock->advance(1s);
    http->serve(jwks_of({{&key_a(), "a"}}));
    EXPECT_NO_THROW(keys.resolve(header("a")));
    EXPECT_EQ(http->requests(), 3u);
}

// With keys, an unknown kid still refetches at most once per cooldown (the backoff above never
// shortens it).
TEST_F(JwksCacheTest, WithKeysTheFullCooldownHolds) {
    http->serve(jwks_of({{&key_a(), "a"}}));
    auto keys = cache();
    keys.resolve(header("a"));
    http->set_handler(test::answer(500, "down"));
    clock->advance(31s);
    EXPECT_EQ(code_of([&] { keys.resolve(header("b")); }), errc::jwks_failed);
    EXPECT_EQ(http->requests(), 2u);
    clock->advance(2s);
    EXPECT_EQ(code_of([&] { keys.resolve(header("b")); }), errc::unknown_key);
    EXPECT_EQ(http->requests(), 2u);
}

// A token from the provider's own token endpoint cannot be forged: its unknown kid (keys rotated
// just after the last fetch) is looked up at once; a token from anyone else waits for the
// cooldown.
TEST_F(JwksCacheTest, AnUnknownKidFromTheProviderRefetchesAtOnce) {
    http->serve(jwks_of({{&key_a(), "a"}}));
    auto keys = cache();
    keys.resolve(header("a"));
    http->serve(jwks_of({{&key_b(), "b"}}));
    clock->advance(1s);
    EXPECT_EQ(code_of([&] { keys.resolve(header("b")); }), errc::unknown_key);
    EXPECT_EQ(http->requests(), 1u);
    EXPECT_EQ(keys.resolve_from_provider(header("b")).kid(), "b");
    EXPECT_EQ(http->requests(), 2u);
}

TEST_F(JwksCacheTest, ReportsFailedFirstFetchesClearly) {
    http->set_handler(test::unreachable());
    auto keys = cache();
    try {
        keys.resolve(header("a"));
        ADD_FAILURE();
    } catch (const TransportError& e) {
        EXPECT_EQ(e.code(), errc::jwks_failed);
    }
    // Within the cooldown the error is repeated without another attempt.
    EXPECT_EQ(code_of([&] { keys.resolve(header("a")); }), errc::jwks_failed);
    EXPECT_EQ(http->requests(), 1u);

    clock->advance(31s);
    http->set_handler(test::answer(503, "busy"));
    try {
        keys.resolve(header("a"));
        ADD_FAILURE();
    } catch (const AuthenticationError& e) {
        EXPECT_EQ(e.code(), errc::jwks_failed);
        EXPECT_EQ(e.http_status(), 503);
    }
    clock->advance(31s);
    http->serve("{\"keys\": 1}");
    EXPECT_EQ(code_of([&] { keys.resolve(header("a")); }), errc::jwks_failed);
    clock->advance(31s);
    http->serve(json{{"keys", json::array({TestKey::rsa(1024).public_jwk("weak")})}}.dump());
    EXPECT_EQ(code_of([&] { keys.resolve(header("a")); }), errc::jwks_failed);
    clock->advance(31s);
    http->serve(jwks_of({{&key_a(), "a"}}));
    EXPECT_EQ(keys.resolve(header("a")).kid(), "a");
    EXPECT_EQ(http->requests(), 5u);
}

TEST_F(JwksCacheTest, KeepsUsableKeysOfAMixedSet) {
    json set = {{"keys", json::array({{{"kty", "XYZ"}, {"kid", "odd"}},
                                      key_a().public_jwk("a"),
                                      TestKey::rsa(1024).public_jwk("weak")})}};
    http->serve(set.dump());
    auto keys = cache();
    EXPECT_EQ(keys.resolve(header("a")).kid(), "a");
    EXPECT_EQ(keys.keys()->skipped().size(), 2u);
    JwsHeader weak;
    weak.alg = JwsAlg::RS256;
    weak.kid = "weak";
    EXPECT_EQ(code_of([&] { keys.resolve(weak); }), errc::weak_key);
}

TEST_F(JwksCacheTest, RequiresASecureJwksUri) {
    EXPECT_EQ(code_of([&] { JwksCache("http://op.example/jwks", http, clock); }),
              errc::insecure_url);
    EXPECT_EQ(code_of([&] { JwksCache("not a url", http, clock); }), errc::bad_url);
    EXPECT_NO_THROW(JwksCache("http://127.0.0.1:8080/jwks", http, clock));
}

TEST_F(JwksCacheTest, ValidatorAcceptsATokenSignedWithARotatedKey) {
    http->serve(jwks_of({{&key_a(), "a"}}));
    auto keys = std::make_shared<JwksCache>(jwks_uri, http, clock);
    IdTokenValidatorOptions options;
    options.client_id = "c";
    options.issuer = "https://op.example";
    options.allowed_algs = {JwsAlg::ES256};
    IdTokenValidator validator(options, keys, clock);
    auto now = std::chrono::duration_cast<std::chrono::seconds>(clock->now().time_since_epoch());
    json claims = {{"iss", "https://op.example"},
                   {"sub", "s"},
                   {"aud", "c"},
                   {"exp", now.count() + 3600},
                   {"iat", now.count()}};
    EXPECT_NO_THROW(validator.validate(test::make_jws(key_a(), "ES256", {{"kid", "a"}}, claims)));
    clock->advance(45s);
    http->serve(jwks_of({{&key_b(), "b"}}));
    EXPECT_EQ(validator.validate(test::make_jws(key_b(), "ES256", {{"kid", "b"}}, claims)).sub(),
              "s");
    EXPECT_EQ(http->requests(), 2u);
}

TEST(CacheControl, ParsesMaxAge) {
    EXPECT_EQ(cache_control_max_age("max-age=300"), 300s);
    EXPECT_EQ(cache_control_max_age("public, max-age=300, must-revalidate"), 300s);
    EXPECT_EQ(cache_control_max_age("Max-Age = \"42\""), 42s);
    EXPECT_EQ(cache_control_max_age("no-cache"), 0s);
    EXPECT_EQ(cache_control_max_age("max-age=300, no-store"), 0s);
    EXPECT_EQ(cache_control_max_age("max-age=99999999999999999999"), 2147483647s);
    EXPECT_FALSE(cache_control_max_age(""));
    EXPECT_FALSE(cache_control_max_age("public"));
    EXPECT_FALSE(cache_control_max_age("max-age=-5"));
    EXPECT_FALSE(cache_control_max_age("max-age=12abc"));
    EXPECT_FALSE(cache_control_max_age("max-age"));
}

} // namespace
} // namespace authflow

namespace authflow {
namespace {

/// A handler answering `status` with a Retry-After header.
FakeHttpClient::Handler retry_later(int status, std::string retry_after) {
    return [status, retry_after = std::move(retry_after)](const HttpRequest&) {
        HttpResponse response;
        response.status = status;
        response.body = "busy";
        response.headers.emplace_back("Retry-After", retry_after);
        return response;
    };
}

TEST_F(JwksCacheTest, HonoursRetryAfterOfA429WhileStaleKeysServe) {
    http->serve(jwks_of({{&key_a(), "a"}}));
    auto keys = cache(); // max-age 600 s, cooldown 30 s
    keys.resolve(header("a"));
    http->set_handler(retry_later(429, "120"));
    clock->advance(601s); // expired: the refresh is refused for 120 s, the old key serves on
    EXPECT_EQ(keys.resolve(header("a")).kid(), "a");
    EXPECT_EQ(http->requests(), 2u);
    clock->advance(31s); // past the cooldown, within the Retry-After: no new attempt
    EXPECT_EQ(keys.resolve(header("a")).kid(), "a");
    EXPECT_EQ(code_of([&] { keys.resolve(header("rotated")); }), errc::unknown_key);
    EXPECT_EQ(http->requests(), 2u);
    clock->advance(89s); // 120 s after the answer
    http->serve(jwks_of({{&key_a(), "a"}, {&key_b(), "rotated"}}));
    EXPECT_EQ(keys.resolve(header("rotated")).kid(), "rotated");
    EXPECT_EQ(http->requests(), 3u);
}

TEST_F(JwksCacheTest, HonoursRetryAfterOfA503OnAFirstFetch) {
    http->set_handler(retry_later(503, " 90 "));
    auto keys = cache();
    try {
        keys.resolve(header("a"));
        ADD_FAILURE();
    } catch (const AuthenticationError& e) {
        EXPECT_EQ(e.code(), errc::jwks_failed);
        EXPECT_EQ(e.http_status(), 503);
    }
    http->serve(jwks_of({{&key_a(), "a"}}));
    clock->advance(89s);
    EXPECT_EQ(code_of([&] { keys.resolve(header("a")); }), errc::jwks_failed);
    EXPECT_EQ(http->requests(), 1u);
    clock->advance(1s);
    EXPECT_EQ(keys.resolve(header("a")).kid(), "a");
    EXPECT_EQ(http->requests(), 2u);
}

TEST_F(JwksCacheTest, RetryAfterIsCappedAndNeverShortensTheCooldown) {
    JwksCacheOptions options;
    options.max_retry_after = 100s;
    options.first_fetch_retry = 30s; // no quicker retry for want of keys: the cooldown alone
    struct Case {
        int status;
        const char* value;
        std::chrono::seconds wait; ///< until the next attempt
    };
    for (Case c : {Case{429, "99999999999999", 100s}, Case{429, "5", 30s}, Case{429, "", 30s},
                   Case{503, "Fri, 31 Dec 2100 23:59:59 GMT", 30s}, Case{429, "-7", 30s},
                   Case{500, "300", 30s}}) {
        SCOPED_TRACE(std::string{c.value} + " on " + std::to_string(c.status));
        auto fresh_http = std::make_shared<FakeHttpClient>(retry_later(c.status, c.value));
        JwksCache keys(jwks_uri, fresh_http, clock, options);
        EXPECT_EQ(code_of([&] { keys.keys(); }), errc::jwks_failed);
        fresh_http->serve(jwks_of({{&key_a(), "a"}}));
        clock->advance(c.wait - 1s);
        EXPECT_EQ(code_of([&] { keys.keys(); }), errc::jwks_failed);
        EXPECT_EQ(fresh_http->requests(), 1u);
        clock->advance(1s);
        EXPECT_NO_THROW(keys.keys());
        EXPECT_EQ(fresh_http->requests(), 2u);
    }
}

// The same 429 without honouring it: shows the tests above can fail (the cooldown alone lets
// the next attempt through after 30 s).
TEST_F(JwksCacheTest, WithoutRetryAfterTheCooldownAloneApplies) {
    JwksCacheOptions options;
    options.max_retry_after = 0s;
    http->set_handler(retry_later(429, "120"));
    auto keys = cache(options);
    EXPECT_EQ(code_of([&] { keys.keys(); }), errc::jwks_failed);
    http->serve(jwks_of({{&key_a(), "a"}}));
    clock->advance(30s);
    EXPECT_NO_THROW(keys.keys());
    EXPECT_EQ(http->requests(), 2u);
}

} // namespace
} // namespace authflow

// SessionManager across processes against a real OpenID Provider (node oidc-provider with
// rotateRefreshToken: a reused refresh token ends the whole grant): 4 processes × 16 threads
// sharing a SQLite store, and again sharing Redis, call get_access_token through several
// expiries. The provider's own grant.success events must show exactly one refresh per expiry,
// no invalid_grant, and every token handed out must be active (introspection). The same run
// with single-flight switched off (a test-only switch read by the child processes) must fail.
// A process killed while it holds the refresh lease blocks the others at most the lease TTL.
#include "support/oidc_provider.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/session_processes.hpp"
#include "support/test_env.hpp"

#include <authflow/config.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/providers/generic_oidc_provider.hpp>
#include <authflow/session/session_manager.hpp>
#include <authflow/store/encryption.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace authflow {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using test::env_or;
using test::make_shared_client;
using test::OidcProvider;
using test::wait_for_file;
using Steady = std::chrono::steady_clock;

constexpr int access_token_ttl = 8; // seconds: the provider's tokens
constexpr int processes = 4;        // sharing one store
constexpr int threads_per_process = 16;
constexpr int run_ms = 13000; // about three expiries (a refresh every ttl/2 = 4 s)
constexpr const char* client_id = test::shared_client_id;
constexpr const char* child_test = "SessionChild.DISABLED_Run";

/// The OpenID Provider of this program, started once.
OidcProvider& op() {
    static OidcProvider provider(test::rotating_refresh_options(access_token_ttl));
    return provider;
}

std::shared_ptr<TokenStore> open_store(const std::string& spec, const std::string& key) {
    return test::open_store(spec, key, {.prefix = "session-test", .pool_size = 8});
}

// --- the child processes ------------------------------------------------------------------

/// 16 threads call get_access_token for run_ms; each new token is introspected once.
json run_callers() {
    const std::string issuer = env_or("AUTHFLOW_TEST_OP_ISSUER");
    auto provider = make_shared_client(issuer);
    auto store = open_store(env_or("AUTHFLOW_TEST_STORE"), env_or("AUTHFLOW_STORE_KEY"));
    SessionManagerOptions options;
    options.session_key = env_or("AUTHFLOW_TEST_SESSION_KEY");
    options.refresh_buffer_seconds = 60; // longer than the tokens live: half their lifetime
    // The test-only switch, read here and nowhere in the library.
    options.testing_disable_single_flight = env_or("AUTHFLOW_TEST_DISABLE_SINGLE_FLIGHT") == "1";
    // Only callers refresh, so that every refresh hands its token to someone (the accounting
    // below counts both); the scheduler's part is covered by the unit stress test.
    options.background_refresh = false;
    SessionManager session(provider, store, options);

    std::mutex mutex;
    std::set<std::string> tokens;
    std::map<std::string, int> errors;
    int inactive = 0;
    std::atomic<long> calls{0};

    const auto dir = std::filesystem::path(env_or("AUTHFLOW_TEST_CHILD_DIR"));
    const std::string id = env_or("AUTHFLOW_TEST_CHILD_ID");
    test::write_file(dir / ("ready-" + id), "");
    if (!wait_for_file(dir / "go", 60s)) {
        throw std::runtime_error("no go");
    }
    const auto end = Steady::now() + std::chrono::milliseconds{run_ms};
    std::vector<std::thread> threads;
    for (int t = 0; t < threads_per_process; ++t) {
        threads.emplace_back([&] {
            while (Steady::now() < end) {
                try {
                    const std::string token = session.get_access_token();
                    ++calls;
                    bool is_new = false;
                    {
                        std::lock_guard lock(mutex);
                        is_new = tokens.insert(token).second;
                    }
                    if (is_new && !provider->introspect_token(token, "access_token").active) {
                        std::lock_guard lock(mutex);
                        ++inactive;
                    }
                } catch (const Error& e) {
                    std::lock_guard lock(mutex);
                    ++errors[std::string{e.display_code()}];
                }
                std::this_thread::sleep_for(2ms);
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    const SessionStats stats = session.stats();
    return {{"tokens", tokens},
            {"errors", errors},
            {"inactive", inactive},
            {"calls", calls.load()},
            {"refreshes", stats.refreshes},
            {"adopted", stats.adopted}};
}

/// Takes the refresh lease and waits to be killed.
void hold_lease() {
    auto store = open_store(env_or("AUTHFLOW_TEST_STORE"), env_or("AUTHFLOW_STORE_KEY"));
    auto lease =
        store->try_acquire(env_or("AUTHFLOW_TEST_LEASE"),
                           std::chrono::milliseconds{std::stoll(env_or("AUTHFLOW_TEST_LEASE_MS"))});
    if (!lease) {
        throw std::runtime_error("the lease is taken");
    }
    test::write_file(std::filesystem::path(env_or("AUTHFLOW_TEST_CHILD_DIR")) / "held", "");
    std::this_thread::sleep_for(120s); // SIGKILL comes first
}

TEST(SessionChild, DISABLED_Run) {
    const std::string role = env_or("AUTHFLOW_TEST_CHILD_ROLE");
    const auto dir = std::filesystem::path(env_or("AUTHFLOW_TEST_CHILD_DIR"));
    if (role == "callers") {
        const json result = run_callers();
        test::write_file(dir / ("result-" + env_or("AUTHFLOW_TEST_CHILD_ID") + ".json"),
                         result.dump());
    } else if (role == "hold_lease") {
        hold_lease();
    } else {
        FAIL() << "unknown role " << role;
    }
}

// --- the parent -----------------------------------------------------------------------------

/// What a run of the 4 processes did, from their reports and the provider's events.
struct RunResult {
    std::set<std::string> tokens; ///< every distinct access token handed to a caller
    std::map<std::string, int> errors;
    int inactive = 0;
    long calls = 0;
    int child_failures = 0;
    std::size_t refresh_grants = 0; ///< grant.success for refresh_token, by the provider
    std::size_t grant_errors = 0;   ///< grant.error (invalid_grant) for refresh_token
    double min_gap_seconds = 1e9;   ///< shortest time between two refresh grants
    std::string logs;

    /// One refresh per expiry: every refresh produced the token everyone then used, no
    /// refusal, no error, no refresh right after another.
    bool clean() const {
        return child_failures == 0 && errors.empty() && inactive == 0 && grant_errors == 0 &&
               refresh_grants >= 2 && refresh_grants + 1 == tokens.size() &&
               min_gap_seconds >= access_token_ttl / 2.0 - 1.5;
    }
};

std::ostream& operator<<(std::ostream& out, const RunResult& r) {
    out << "tokens=" << r.tokens.size() << " refresh_grants=" << r.refresh_grants
        << " grant_errors=" << r.grant_errors << " min_gap=" << r.min_gap_seconds
        << "s calls=" << r.calls << " inactive=" << r.inactive
        << " child_failures=" << r.child_failures << " errors=";
    for (const auto& [code, count] : r.errors) {
        out << code << ":" << count << " ";
    }
    return out;
}

class SessionProcesses : public ::testing::Test {
protected:
    void SetUp() override {
        AUTHFLOW_REQUIRE_SERVICE(OidcProvider::available(), OidcProvider::missing());
        op();
    }

    /// Signs alice in through the provider's pages and stores the tokens under `key`.
    OAuthTokenSet sign_in(TokenStore& store, const std::string& key) {
        OAuthTokenSet tokens = test::sign_in(*make_shared_client(op().issuer()));
        EXPECT_TRUE(tokens.refresh_token);
        store.save(key, tokens);
        return tokens;
    }

    RunResult run(const std::string& store_spec, bool single_flight) {
        const std::string key = "shared-" + std::to_string(++runs_);
        auto store = open_store(store_spec, store_key_);
        const OAuthTokenSet first = sign_in(*store, key);
        test::TempDir dir;
        std::map<std::string, std::string> env = {
            {"AUTHFLOW_TEST_STORE", store_spec},
            {"AUTHFLOW_STORE_KEY", store_key_},
            {"AUTHFLOW_TEST_OP_ISSUER", op().issuer()},
            {"AUTHFLOW_TEST_SESSION_KEY", key},
            {"AUTHFLOW_TEST_DISABLE_SINGLE_FLIGHT", single_flight ? "0" : "1"},
        };
        std::vector<std::unique_ptr<test::ChildProcess>> children;
        for (int id = 0; id < processes; ++id) {
            children.push_back(test::start_child(child_test, dir.path(), "callers", id, env));
        }
        for (int id = 0; id < processes; ++id) {
            EXPECT_TRUE(wait_for_file(dir.path() / ("ready-" + std::to_string(id)), 60s))
                << children[static_cast<std::size_t>(id)]->describe();
        }
        const double start =
            static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count());
        test::write_file(dir.path() / "go", "");

        RunResult result;
        result.tokens.insert(first.access_token);
        for (int id = 0; id < processes; ++id) {
            const auto log = dir.path() / ("callers-" + std::to_string(id) + ".log");
            if (children[static_cast<std::size_t>(id)]->wait(120000) != 0) {
                ++result.child_failures;
                result.logs += test::read_file(log);
                continue;
            }
            const json report = json::parse(
                test::read_file(dir.path() / ("result-" + std::to_string(id) + ".json")));
            for (const auto& token : report["tokens"]) {
                result.tokens.insert(token.get<std::string>());
            }
            for (const auto& [code, count] : report["errors"].items()) {
                result.errors[code] += count.get<int>();
            }
            result.inactive += report["inactive"].get<int>();
            result.calls += report["calls"].get<long>();
        }
        std::vector<double> refresh_times;
        for (const auto& event : op().events()) {
            if (event.value("time", 0.0) < start || event.value("client_id", "") != client_id ||
                event.value("grant_type", "") != "refresh_token") {
                continue;
            }
            if (event.value("event", "") == "grant.success") {
                refresh_times.push_back(event.value("time", 0.0));
            } else if (event.value("event", "") == "grant.error") {
                ++result.grant_errors;
            }
        }
        result.refresh_grants = refresh_times.size();
        std::sort(refresh_times.begin(), refresh_times.end());
        for (std::size_t i = 1; i < refresh_times.size(); ++i) {
            result.min_gap_seconds =
                std::min(result.min_gap_seconds, (refresh_times[i] - refresh_times[i - 1]) / 1000);
        }
        return result;
    }

    void expect_clean_run(const std::string& store_spec) {
        const RunResult result = run(store_spec, true);
        std::cout << "single-flight on:  " << result << "\n";
        EXPECT_TRUE(result.clean()) << result << "\n" << result.logs;
        EXPECT_EQ(result.grant_errors, 0u) << result;
        EXPECT_TRUE(result.errors.empty()) << result;
        EXPECT_EQ(result.inactive, 0) << result;
        EXPECT_GE(result.refresh_grants, 2u) << result;
        // Every refresh gave the token that every process then used: none was wasted.
        EXPECT_EQ(result.refresh_grants + 1, result.tokens.size()) << result;
        EXPECT_GT(result.calls, 1000) << result;
    }

    void expect_failing_run_without_single_flight(const std::string& store_spec) {
        const RunResult result = run(store_spec, false);
        std::cout << "single-flight off: " << result << "\n";
        EXPECT_FALSE(result.clean()) << result;
        // What goes wrong: the rotated refresh token is reused, the provider refuses it.
        EXPECT_GT(result.grant_errors + static_cast<std::size_t>(result.errors.size()), 0u)
            << result;
    }

    std::string store_key_ = StoreKey::generate().to_base64();
    int runs_ = 0;
};

TEST_F(SessionProcesses, SqliteFourProcessesRefreshOncePerExpiry) {
    test::TempDir dir;
    expect_clean_run("sqlite:" + (dir.path() / "tokens.db").string());
}

TEST_F(SessionProcesses, SqliteWithoutSingleFlightTheRunFails) {
    test::TempDir dir;
    expect_failing_run_without_single_flight("sqlite:" + (dir.path() / "tokens.db").string());
}

#if AUTHFLOW_WITH_REDIS
TEST_F(SessionProcesses, RedisFourProcessesRefreshOncePerExpiry) {
    AUTHFLOW_REQUIRE_SERVICE(test::RedisServer::available(), "redis-server");
    test::RedisServer redis;
    expect_clean_run("redis:" + redis.url());
}

TEST_F(SessionProcesses, RedisWithoutSingleFlightTheRunFails) {
    AUTHFLOW_REQUIRE_SERVICE(test::RedisServer::available(), "redis-server");
    test::RedisServer redis;
    expect_failing_run_without_single_flight("redis:" + redis.url());
}
#endif

void expect_dead_holder_blocks_at_most_the_ttl(const std::string& store_spec,
                                               const std::string& store_key, OAuthTokenSet tokens) {
    constexpr auto lease_ttl = 3000ms;
    auto store = open_store(store_spec, store_key);
    // Expired tokens: the caller cannot use them and has to wait for the lease.
    tokens.issued_at -= access_token_ttl + 1;
    store->save("dead-holder", tokens);
    SessionManagerOptions options;
    options.session_key = "dead-holder";
    options.lease_ttl = lease_ttl;
    options.background_refresh = false;
    SessionManager session(make_shared_client(op().issuer()), store, options);

    test::TempDir dir;
    auto child = test::start_child(child_test, dir.path(), "hold_lease", 0,
                                   {{"AUTHFLOW_TEST_STORE", store_spec},
                                    {"AUTHFLOW_STORE_KEY", store_key},
                                    {"AUTHFLOW_TEST_LEASE", session.lease_name()},
                                    {"AUTHFLOW_TEST_LEASE_MS", std::to_string(lease_ttl.count())}});
    ASSERT_TRUE(wait_for_file(dir.path() / "held", 60s))
        << test::read_file(dir.path() / "hold_lease-0.log");
    const auto acquired = Steady::now();
    child->stop(9); // dies holding the lease
    const std::size_t before = op().count_events("grant.success", client_id, "refresh_token");
    const std::string token = session.get_access_token();
    const auto waited = Steady::now() - acquired;
    EXPECT_NE(token, tokens.access_token);
    EXPECT_EQ(op().count_events("grant.success", client_id, "refresh_token"), before + 1);
    EXPECT_GE(waited, 1500ms);             // it really was blocked by the dead holder's lease...
    EXPECT_LE(waited, lease_ttl + 2000ms); // ...but no longer than its TTL (plus slack)
}

TEST_F(SessionProcesses, SqliteDeadLeaseHolderBlocksAtMostTheLeaseTtl) {
    test::TempDir dir;
    const std::string spec = "sqlite:" + (dir.path() / "tokens.db").string();
    auto store = open_store(spec, store_key_);
    auto tokens = sign_in(*store, "login");
    expect_dead_holder_blocks_at_most_the_ttl(spec, store_key_, tokens);
}

#if AUTHFLOW_WITH_REDIS
TEST_F(SessionProcesses, RedisDeadLeaseHolderBlocksAtMostTheLeaseTtl) {
    AUTHFLOW_REQUIRE_SERVICE(test::RedisServer::available(), "redis-server");
    test::RedisServer redis;
    const std::string spec = "redis:" + redis.url();
    auto store = open_store(spec, store_key_);
    auto tokens = sign_in(*store, "login");
    expect_dead_holder_blocks_at_most_the_ttl(spec, store_key_, tokens);
}
#endif

} // namespace
} // namespace authflow

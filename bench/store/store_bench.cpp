// Token-store operations per second for each backend, and for Redis the same payload written and
// read with raw hiredis SET/GET on one connection in the same run (docs/BENCHMARKS.md).
//
// Redis: a private redis-server is started on a free port when redis-server is installed, or
// AUTHFLOW_BENCH_REDIS_URL names one (redis://127.0.0.1:6379/15; the bench writes keys under
// "authflow-bench:"). Keyring: measured when a Secret Service answers (run the bench under
// tests/support/keyring_session.sh for a private one).

#include <authflow/config.hpp>
#include <authflow/core/random.hpp>
#include <authflow/store/factory.hpp>

#include <benchmark/benchmark.h>

#if AUTHFLOW_WITH_REDIS
#include <hiredis.h>
#endif
#if AUTHFLOW_BENCH_HAVE_TEST_SUPPORT
#include "support/redis_server.hpp"
#endif

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace authflow;

// A token set of realistic size: JWT access and ID tokens of about 1 KB each.
OAuthTokenSet sample_tokens() {
    OAuthTokenSet tokens;
    tokens.access_token = "eyJhbGciOiJSUzI1NiIsImtpZCI6InJzMSJ9." + random_token(700) + ".sig";
    tokens.refresh_token = random_token(48);
    tokens.id_token = "eyJhbGciOiJSUzI1NiIsImtpZCI6InJzMSJ9." + random_token(600) + ".sig";
    tokens.expires_in = 3600;
    tokens.scope = "openid email profile offline_access";
    tokens.raw = {{"access_token", tokens.access_token},
                  {"refresh_token", *tokens.refresh_token},
                  {"id_token", *tokens.id_token},
                  {"expires_in", 3600},
                  {"token_type", "Bearer"},
                  {"scope", tokens.scope}};
    tokens.issued_at = 1767225600;
    return tokens;
}

const OAuthTokenSet& payload() {
    static const OAuthTokenSet tokens = sample_tokens();
    return tokens;
}

// A second token set of the same size: saves alternate between the two, as real saves store new
// tokens (SQLite, for one, skips rewriting pages whose content did not change).
const OAuthTokenSet& other_payload() {
    static const OAuthTokenSet tokens = sample_tokens();
    return tokens;
}

std::filesystem::path temp_dir() {
    static const std::filesystem::path dir = [] {
        std::string pattern = (std::filesystem::temp_directory_path() / "authflow-bench-XXXXXX");
        if (mkdtemp(pattern.data()) == nullptr) {
            std::abort();
        }
        return std::filesystem::path{pattern};
    }();
    return dir;
}

void save_loop(benchmark::State& state, TokenStore& store) {
    const OAuthTokenSet* tokens[] = {&payload(), &other_payload()};
    std::size_t next = 0;
    for (auto _ : state) {
        store.save("bench-user", *tokens[next]);
        next ^= 1;
    }
    state.SetItemsProcessed(state.iterations());
    state.SetLabel(std::string{store.backend()});
}

void load_loop(benchmark::State& state, TokenStore& store) {
    store.save("bench-user", payload());
    for (auto _ : state) {
        auto loaded = store.load("bench-user");
        benchmark::DoNotOptimize(loaded);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetLabel(std::string{store.backend()});
}

// Loads that always decode: 1000 keys read in turn, more than a store's decode cache (256
// records) keeps, so no load finds its record remembered.
void load_uncached_loop(benchmark::State& state, TokenStore& store) {
    constexpr int keys = 1000;
    for (int i = 0; i < keys; ++i) {
        store.save("bench-cold-" + std::to_string(i), payload());
    }
    std::vector<std::string> names;
    for (int i = 0; i < keys; ++i) {
        names.push_back("bench-cold-" + std::to_string(i));
    }
    std::size_t next = 0;
    for (auto _ : state) {
        auto loaded = store.load(names[next]);
        benchmark::DoNotOptimize(loaded);
        next = (next + 1) % names.size();
    }
    state.SetItemsProcessed(state.iterations());
    state.SetLabel(std::string{store.backend()} + ", every load decodes");
}

// --- memory ----------------------------------------------------------------------------------

MemoryTokenStore& memory_store() {
    static MemoryTokenStore store;
    return store;
}
void BM_Memory_Save(benchmark::State& state) {
    save_loop(state, memory_store());
}
void BM_Memory_Load(benchmark::State& state) {
    load_loop(state, memory_store());
}
BENCHMARK(BM_Memory_Save);
BENCHMARK(BM_Memory_Load);
BENCHMARK(BM_Memory_Load)->Threads(4)->UseRealTime();

// --- SQLite ----------------------------------------------------------------------------------

#if AUTHFLOW_WITH_SQLITE
SqliteTokenStore& sqlite_store(bool encrypted) {
    static auto make = [](bool with_key) {
        SqliteTokenStoreOptions options;
        options.path = temp_dir() / (with_key ? "encrypted.db" : "plain.db");
        if (with_key) {
            options.key = StoreKey::generate();
        }
        return std::make_unique<SqliteTokenStore>(options);
    };
    static auto plain = make(false);
    static auto encrypted_store = make(true);
    return encrypted ? *encrypted_store : *plain;
}
void BM_Sqlite_Save(benchmark::State& state) {
    save_loop(state, sqlite_store(false));
}
void BM_Sqlite_Load(benchmark::State& state) {
    load_loop(state, sqlite_store(false));
}
void BM_SqliteEncrypted_Save(benchmark::State& state) {
    save_loop(state, sqlite_store(true));
}
void BM_SqliteEncrypted_Load(benchmark::State& state) {
    load_loop(state, sqlite_store(true));
}
BENCHMARK(BM_Sqlite_Save);
BENCHMARK(BM_Sqlite_Load);
void BM_SqliteEncrypted_LoadUncached(benchmark::State& state) {
    load_uncached_loop(state, sqlite_store(true));
}
BENCHMARK(BM_SqliteEncrypted_Save);
BENCHMARK(BM_SqliteEncrypted_Load);
BENCHMARK(BM_SqliteEncrypted_LoadUncached);
BENCHMARK(BM_SqliteEncrypted_Load)->Threads(4)->UseRealTime();
#endif

// --- Redis -----------------------------------------------------------------------------------

#if AUTHFLOW_WITH_REDIS
struct RedisTarget {
    std::string url;
    std::string host;
    int port = 0;
};

const RedisTarget* redis_target() {
    static const std::unique_ptr<RedisTarget> target = []() -> std::unique_ptr<RedisTarget> {
        auto result = std::make_unique<RedisTarget>();
        if (const char* url = std::getenv("AUTHFLOW_BENCH_REDIS_URL")) {
            result->url = url;
        } else {
#if AUTHFLOW_BENCH_HAVE_TEST_SUPPORT
            if (!test::RedisServer::available()) {
                return nullptr;
            }
            static test::RedisServer server;
            result->url = server.url(0);
#else
            return nullptr;
#endif
        }
        auto endpoint = parse_redis_url(result->url);
        result->host = endpoint.host;
        result->port = endpoint.port;
        return result;
    }();
    return target.get();
}

RedisTokenStore* redis_store() {
    static std::unique_ptr<RedisTokenStore> store = []() -> std::unique_ptr<RedisTokenStore> {
        if (redis_target() == nullptr) {
            return nullptr;
        }
        RedisTokenStoreOptions options;
        options.url = redis_target()->url;
        options.prefix = "authflow-bench";
        options.key = StoreKey::generate();
        return std::make_unique<RedisTokenStore>(options);
    }();
    return store.get();
}

void BM_Redis_Save(benchmark::State& state) {
    if (redis_store() == nullptr) {
        state.SkipWithError("no redis-server (set AUTHFLOW_BENCH_REDIS_URL)");
        return;
    }
    save_loop(state, *redis_store());
}
void BM_Redis_Load(benchmark::State& state) {
    if (redis_store() == nullptr) {
        state.SkipWithError("no redis-server (set AUTHFLOW_BENCH_REDIS_URL)");
        return;
    }
    load_loop(state, *redis_store());
}

// The baseline: the token set's JSON, SET and GET with hiredis on one connection.
struct RawConnection {
    redisContext* context = nullptr;
    RawConnection() { context = redisConnect(redis_target()->host.c_str(), redis_target()->port); }
    ~RawConnection() { redisFree(context); }
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;
    bool ok() const { return context != nullptr && context->err == 0; }
};

void BM_RawHiredis_Set(benchmark::State& state) {
    if (redis_target() == nullptr) {
        state.SkipWithError("no redis-server");
        return;
    }
    RawConnection raw;
    const std::string json[] = {payload().to_json_string(), other_payload().to_json_string()};
    std::size_t next = 0;
    const char* key = "authflow-bench:raw:bench-user";
    for (auto _ : state) {
        auto* reply = static_cast<redisReply*>(
            redisCommand(raw.context, "SET %s %b", key, json[next].data(), json[next].size()));
        next ^= 1;
        if (reply == nullptr) {
            state.SkipWithError("SET failed");
            return;
        }
        freeReplyObject(reply);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetLabel("raw hiredis");
}

void BM_RawHiredis_Get(benchmark::State& state) {
    if (redis_target() == nullptr) {
        state.SkipWithError("no redis-server");
        return;
    }
    RawConnection raw;
    std::string json = payload().to_json_string();
    const char* key = "authflow-bench:raw:bench-user";
    freeReplyObject(redisCommand(raw.context, "SET %s %b", key, json.data(), json.size()));
    for (auto _ : state) {
        auto* reply = static_cast<redisReply*>(redisCommand(raw.context, "GET %s", key));
        if (reply == nullptr) {
            state.SkipWithError("GET failed");
            return;
        }
        benchmark::DoNotOptimize(reply->str);
        freeReplyObject(reply);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetLabel("raw hiredis");
}

void BM_Redis_LoadUncached(benchmark::State& state) {
    if (redis_store() == nullptr) {
        state.SkipWithError("no redis-server (set AUTHFLOW_BENCH_REDIS_URL)");
        return;
    }
    load_uncached_loop(state, *redis_store());
}

BENCHMARK(BM_Redis_Save);
BENCHMARK(BM_RawHiredis_Set);
BENCHMARK(BM_Redis_Load);
BENCHMARK(BM_Redis_LoadUncached);
BENCHMARK(BM_RawHiredis_Get);
BENCHMARK(BM_Redis_Load)->Threads(4)->UseRealTime();
#endif

// --- keyring ---------------------------------------------------------------------------------

#if AUTHFLOW_WITH_KEYRING
KeyringTokenStore* keyring_store() {
    static std::unique_ptr<KeyringTokenStore> store = []() -> std::unique_ptr<KeyringTokenStore> {
        if (!secret_service_available()) {
            return nullptr;
        }
        KeyringTokenStoreOptions options;
        options.service = "authflow-bench";
        return std::make_unique<KeyringTokenStore>(options);
    }();
    return store.get();
}
void BM_Keyring_Save(benchmark::State& state) {
    if (keyring_store() == nullptr) {
        state.SkipWithError("no Secret Service (run under tests/support/keyring_session.sh)");
        return;
    }
    save_loop(state, *keyring_store());
}
void BM_Keyring_Load(benchmark::State& state) {
    if (keyring_store() == nullptr) {
        state.SkipWithError("no Secret Service (run under tests/support/keyring_session.sh)");
        return;
    }
    load_loop(state, *keyring_store());
}
BENCHMARK(BM_Keyring_Save);
BENCHMARK(BM_Keyring_Load);
#endif

// Keeps each benchmark's rate to print authflow's Redis rate against raw hiredis at the end. With
// --benchmark_repetitions the median of the repetitions is used (run the repetitions interleaved,
// --benchmark_enable_random_interleaving=true, so that a busy machine slows both sides alike).
class RatioReporter : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const auto& run : runs) {
            if (run.error_occurred || run.threads != 1) {
                continue;
            }
            bool single = run.run_type == Run::RT_Iteration && run.repetitions <= 1;
            bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
            if ((single || median) && run.GetAdjustedRealTime() > 0) {
                rates_[run.run_name.function_name] =
                    benchmark::GetTimeUnitMultiplier(run.time_unit) / run.GetAdjustedRealTime();
            }
        }
        ConsoleReporter::ReportRuns(runs);
    }
    void print_ratio(const std::string& ours, const std::string& baseline) const {
        auto a = rates_.find(ours);
        auto b = rates_.find(baseline);
        if (a != rates_.end() && b != rates_.end()) {
            std::cout << ours << " / " << baseline << " = " << a->second / b->second << " ("
                      << static_cast<long>(a->second) << " vs " << static_cast<long>(b->second)
                      << " ops/s)\n";
        }
    }

private:
    std::map<std::string, double> rates_;
};

} // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 1;
    }
    RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    std::cout
        << "\nauthflow Redis store against raw hiredis, same payload, same run (goal >= 0.8):\n";
    reporter.print_ratio("BM_Redis_Save", "BM_RawHiredis_Set");
    reporter.print_ratio("BM_Redis_Load", "BM_RawHiredis_Get");
    reporter.print_ratio("BM_Redis_LoadUncached", "BM_RawHiredis_Get");
    benchmark::Shutdown();
    std::error_code ignored;
    std::filesystem::remove_all(temp_dir(), ignored);
    return 0;
}

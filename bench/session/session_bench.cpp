// SessionManager's hot path and the `authflow token` command (docs/BENCHMARKS.md).
//
// get_access_token() on a fresh token answers from an immutable snapshot without a lock. It is
// measured from 1, 2 and 8 threads beside what a mutex-guarded cache would cost in the same run:
// an uncontended std::mutex lock/unlock plus a copy of the same string (each thread its own
// mutex), and the same with one mutex shared by all threads. Token sizes: 43 bytes (an opaque
// token, as oidc-provider issues) and 1 KB (a JWT access token).
//
// BM_CliToken runs the `authflow token` program (AUTHFLOW_BENCH_CLI, or the build's) against a
// SQLite store holding a fresh token: process start to exit, as a script sees it.

#include <authflow/core/random.hpp>
#include <authflow/core/settings.hpp>
#include <authflow/providers/factory.hpp>
#include <authflow/session/session_manager.hpp>
#include <authflow/store/encryption.hpp>
#include <authflow/store/memory_token_store.hpp>
#include <authflow/store/sqlite_token_store.hpp>

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace {

using namespace authflow;

OAuthTokenSet fresh_tokens(std::size_t access_token_size) {
    OAuthTokenSet tokens;
    tokens.access_token = random_token(access_token_size).substr(0, access_token_size);
    tokens.refresh_token = random_token(32);
    tokens.expires_in = 24 * 3600;
    tokens.scope = "openid email offline_access";
    tokens.issued_at = system_clock().unix_seconds();
    return tokens;
}

std::shared_ptr<OAuthProvider> offline_provider() {
    // Never called while the token is fresh; the endpoints exist only to make a valid provider.
    OAuth2Settings settings;
    settings.provider = ProviderKind::custom;
    settings.client_id = "bench";
    settings.authorize_url = "https://op.example/authorize";
    settings.token_url = "https://op.example/token";
    settings.scopes = std::vector<std::string>{"api", "offline_access"};
    return create_provider_from_settings(settings);
}

/// One manager per token size, shared by the benchmark threads.
SessionManager& manager(std::size_t size) {
    static std::mutex mutex;
    static std::map<std::size_t, std::unique_ptr<SessionManager>> managers;
    std::lock_guard lock(mutex);
    auto& slot = managers[size];
    if (!slot) {
        auto store = std::make_shared<MemoryTokenStore>();
        SessionManagerOptions options;
        options.session_key = "bench-" + std::to_string(size);
        slot = std::make_unique<SessionManager>(offline_provider(), store, options);
        slot->save_tokens(fresh_tokens(size));
    }
    return *slot;
}

/// Each hot-path case: both token sizes, from 1, 2 and 8 threads, timed by the wall clock.
void sizes_and_threads(benchmark::internal::Benchmark* b) {
    b->Arg(43)->Arg(1024)->Threads(1)->Threads(2)->Threads(8)->UseRealTime();
}

/// The benchmark loop of a mutex-guarded cache: lock `mutex`, copy `cached`, unlock.
void copy_under_lock(benchmark::State& state, std::mutex& mutex, const std::string& cached) {
    for (auto _ : state) {
        std::string token;
        {
            std::lock_guard lock(mutex);
            token = cached;
        }
        benchmark::DoNotOptimize(token);
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_GetAccessToken(benchmark::State& state) {
    SessionManager& session = manager(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        std::string token = session.get_access_token();
        benchmark::DoNotOptimize(token);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GetAccessToken)->Apply(sizes_and_threads);

void BM_Baseline_UncontendedMutexCopy(benchmark::State& state) {
    // Each thread its own mutex: never contended.
    std::mutex mutex;
    const std::string cached = fresh_tokens(static_cast<std::size_t>(state.range(0))).access_token;
    copy_under_lock(state, mutex, cached);
}
BENCHMARK(BM_Baseline_UncontendedMutexCopy)->Apply(sizes_and_threads);

void BM_Baseline_SharedMutexCopy(benchmark::State& state) {
    // One mutex for all threads: what a cache guarded by a plain mutex costs.
    static std::mutex mutex;
    static const std::string cached_43 = fresh_tokens(43).access_token;
    static const std::string cached_1024 = fresh_tokens(1024).access_token;
    const std::string& cached = state.range(0) == 43 ? cached_43 : cached_1024;
    copy_under_lock(state, mutex, cached);
}
BENCHMARK(BM_Baseline_SharedMutexCopy)->Apply(sizes_and_threads);

void BM_Baseline_UncontendedMutexClockCopy(benchmark::State& state) {
    // What a mutex-guarded get_access_token would do: lock, check the expiry on the clock, copy.
    std::mutex mutex;
    const OAuthTokenSet cached = fresh_tokens(static_cast<std::size_t>(state.range(0)));
    const double refresh_at = *cached.expires_at() - 60;
    for (auto _ : state) {
        std::string token;
        {
            std::lock_guard lock(mutex);
            if (system_clock().unix_seconds() < refresh_at) {
                token = cached.access_token;
            }
        }
        benchmark::DoNotOptimize(token);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Baseline_UncontendedMutexClockCopy)->Apply(sizes_and_threads);

// The clock read that every get_access_token makes (the injected Clock; here the system clock).
void BM_ClockRead(benchmark::State& state) {
    for (auto _ : state) {
        benchmark::DoNotOptimize(system_clock().unix_seconds());
    }
}
BENCHMARK(BM_ClockRead);

// --- authflow token ------------------------------------------------------------------------

std::string cli_path() {
    if (const char* path = std::getenv("AUTHFLOW_BENCH_CLI"); path != nullptr && *path != '\0') {
        return path;
    }
#ifdef AUTHFLOW_BENCH_CLI
    return AUTHFLOW_BENCH_CLI;
#else
    return {};
#endif
}

struct CliFixture {
    std::filesystem::path dir;
    std::vector<std::string> env;
    std::string expected;
};

const CliFixture& cli_fixture() {
    static const CliFixture fixture = [] {
        CliFixture f;
        std::string pattern = (std::filesystem::temp_directory_path() / "authflow-bench-XXXXXX");
        if (mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        f.dir = pattern;
        const StoreKey key = StoreKey::generate();
        SqliteTokenStoreOptions options;
        options.path = f.dir / "tokens.db";
        options.key = key;
        SqliteTokenStore store(options);
        const OAuthTokenSet tokens = fresh_tokens(43);
        store.save("default", tokens);
        store.save_document("default#settings",
                            {{"version", 1},
                             {"settings",
                              {{"provider", "custom"},
                               {"client_id", "bench"},
                               {"authorize_url", "https://op.example/authorize"},
                               {"token_url", "https://op.example/token"},
                               {"scopes", "api offline_access"}}},
                             {"identity", nlohmann::json::object()},
                             {"saved_at", 0}});
        f.expected = tokens.access_token + "\n";
        for (char** e = environ; *e != nullptr; ++e) {
            f.env.emplace_back(*e);
        }
        f.env.push_back("HOME=" + f.dir.string());
        f.env.push_back("XDG_CONFIG_HOME=" + (f.dir / "config").string());
        f.env.push_back("AUTHFLOW_CONFIG_FILE=");
        f.env.push_back("AUTHFLOW_STORE_KEY=" + key.to_base64());
        f.env.push_back("AUTHFLOW_OAUTH2__TOKEN_STORE_BACKEND=sqlite");
        f.env.push_back("AUTHFLOW_OAUTH2__TOKEN_STORE_PATH=" + options.path.string());
        return f;
    }();
    return fixture;
}

/// Runs `program argument`; returns its stdout, or "" when it failed.
std::string run_program(const std::string& program, const char* argument,
                        const CliFixture& fixture) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) {
        return {};
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    std::vector<char*> argv{const_cast<char*>(program.c_str()), const_cast<char*>(argument),
                            nullptr};
    std::vector<char*> envp;
    for (const auto& entry : fixture.env) {
        envp.push_back(const_cast<char*>(entry.c_str()));
    }
    envp.push_back(nullptr);
    pid_t pid = 0;
    const int spawned =
        posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    std::string out;
    if (spawned == 0) {
        char buffer[4096];
        for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof buffer)) > 0;) {
            out.append(buffer, static_cast<std::size_t>(n));
        }
        int status = 0;
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            out.clear();
        }
    }
    close(pipe_fds[0]);
    return out;
}

void BM_CliToken(benchmark::State& state) {
    const std::string program = cli_path();
    if (program.empty() || !std::filesystem::exists(program)) {
        state.SkipWithError("the authflow program is not built (or set AUTHFLOW_BENCH_CLI)");
        return;
    }
    const CliFixture& fixture = cli_fixture();
    for (auto _ : state) {
        if (run_program(program, "token", fixture) != fixture.expected) {
            state.SkipWithError("authflow token did not print the stored token");
            break;
        }
    }
}
BENCHMARK(BM_CliToken)->Unit(benchmark::kMillisecond)->UseRealTime();

// The floor under BM_CliToken: starting the same program (its shared libraries) to print its
// version, and starting /bin/true.
void BM_CliVersion(benchmark::State& state) {
    const std::string program = cli_path();
    if (program.empty() || !std::filesystem::exists(program)) {
        state.SkipWithError("the authflow program is not built (or set AUTHFLOW_BENCH_CLI)");
        return;
    }
    for (auto _ : state) {
        if (run_program(program, "--version", cli_fixture()).empty()) {
            state.SkipWithError("authflow --version failed");
            break;
        }
    }
}
BENCHMARK(BM_CliVersion)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ProcessTrue(benchmark::State& state) {
    for (auto _ : state) {
        run_program("/bin/true", "x", cli_fixture());
    }
}
BENCHMARK(BM_ProcessTrue)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace

BENCHMARK_MAIN();

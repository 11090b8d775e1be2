// The deploy stores against a real redis-server (the typed contract, encryption at rest, every
// key with a TTL, no store key refused) and across processes on Redis and SQLite: a pending
// login is taken once by two processes racing for it, and two processes share one rate limit.
#include "../unit/deploy/deploy_store_contract.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/test_env.hpp"

#include <authflow/config.hpp>
#include <authflow/core/token_set.hpp>
#include <authflow/deploy/shared_stores.hpp>

#include <hiredis.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <unistd.h>

namespace authflow::test {
namespace {

std::filesystem::path self_path() {
    return std::filesystem::read_symlink("/proc/self/exe");
}

RedisServer* shared_server() {
    static std::unique_ptr<RedisServer> server = [] {
        return RedisServer::available() ? std::make_unique<RedisServer>()
                                        : std::unique_ptr<RedisServer>{};
    }();
    return server.get();
}

std::string unique_prefix() {
    static std::atomic<int> counter{0};
    return "dstest" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

struct RedisBackend {
    static constexpr const char* name = "Redis";
    static constexpr bool shared = true;
    static constexpr bool server_time = true;
    static bool available() { return shared_server() != nullptr; }
    RedisDeployStoreOptions options() const {
        RedisDeployStoreOptions o;
        o.url = shared_server()->url();
        o.prefix = prefix;
        o.key = key;
        return o;
    }
    std::shared_ptr<SessionStore> sessions(std::shared_ptr<Clock> clock) {
        return std::make_shared<RedisSessionStore>(options(), clock);
    }
    std::shared_ptr<PendingLoginStore> pending(std::shared_ptr<Clock> clock) {
        return std::make_shared<RedisPendingLoginStore>(options(), clock);
    }
    std::shared_ptr<PendingLoginStore> pending(std::shared_ptr<Clock> clock,
                                               PendingLoginLimits limits) {
        RedisDeployStoreOptions o = options();
        o.pending_limits = limits;
        return std::make_shared<RedisPendingLoginStore>(o, clock);
    }
    std::shared_ptr<LoginRateLimiter> limiter(RateLimitOptions limits, std::shared_ptr<Clock>) {
        return std::make_shared<RedisLoginRateLimiter>(options(), limits);
    }
    std::shared_ptr<ReplayStore> replays(std::shared_ptr<Clock>) {
        return std::make_shared<RedisReplayStore>(options());
    }
    std::string prefix = unique_prefix();
    StoreKey key = StoreKey::generate();
};

using Backends = ::testing::Types<RedisBackend>;

} // namespace

INSTANTIATE_TYPED_TEST_SUITE_P(Deploy, DeployStoreContract, Backends, DeployBackendNames);

namespace {

struct ContextFree {
    void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyFree {
    void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyFree>;

Reply raw(redisContext* c, const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const auto& a : args) {
        argv.push_back(a.data());
        lengths.push_back(a.size());
    }
    return Reply{static_cast<redisReply*>(
        redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), lengths.data()))};
}

DeploySettings redis_settings(const std::string& prefix) {
    DeploySettings settings;
    settings.public_url = "http://127.0.0.1:8080";
    settings.state_backend = "redis";
    settings.redis_url = shared_server()->url();
    settings.redis_prefix = prefix;
    settings.session_ttl = 3600;
    return settings;
}

TEST(DeployRedisStores, DumpHoldsNoSessionIdTokenOrUserIdAndEveryKeyExpires) {
    AUTHFLOW_REQUIRE_SERVICE(RedisBackend::available(), "redis-server");
    const std::string prefix = unique_prefix();
    DeployStoreOptions options;
    options.key = StoreKey::generate();
    auto stores = make_deploy_stores(redis_settings(prefix), options);

    const std::string id = new_session_id();
    const std::string user = "alice-subject-0123456789";
    UserSession session = contract_session(system_clock(), id, user);
    session.metadata["user_info"]["sub"] = user;
    stores.sessions->create(session);
    OAuthTokenSet tokens;
    tokens.access_token = "access-token-abcdefghijklmnop";
    tokens.refresh_token = "refresh-token-qrstuvwxyz0123";
    tokens.id_token = "id-token-header.payload.signature";
    stores.tokens->save(session_key(id), tokens, std::chrono::seconds{3600});
    stores.pending_logins->put("state-value-ABCDEFGHIJKLMNOP", contract_pending(system_clock()));
    stores.rate_limiter->check("192.0.2.7");

    std::unique_ptr<redisContext, ContextFree> c{
        redisConnect("127.0.0.1", shared_server()->port())};
    ASSERT_TRUE(c && c->err == 0);
    Reply keys = raw(c.get(), {"KEYS", prefix + ":*"});
    ASSERT_EQ(keys->type, REDIS_REPLY_ARRAY);
    // session, user set, tokens, pending, pending_all, pending_client, rate limit
    EXPECT_EQ(keys->elements, 7u);
    std::string dump;
    for (std::size_t i = 0; i < keys->elements; ++i) {
        const std::string key{keys->element[i]->str, keys->element[i]->len};
        dump += key + "\n";
        Reply ttl = raw(c.get(), {"PTTL", key});
        EXPECT_GT(ttl->integer, 0) << key << " has no TTL";
        Reply type = raw(c.get(), {"TYPE", key});
        if (std::string{type->str} == "set") {
            Reply members = raw(c.get(), {"SMEMBERS", key});
            for (std::size_t j = 0; j < members->elements; ++j) {
                dump += std::string{members->element[j]->str, members->element[j]->len} + "\n";
            }
        } else if (std::string{type->str} == "zset") {
            Reply members = raw(c.get(), {"ZRANGE", key, "0", "-1"});
            for (std::size_t j = 0; j < members->elements; ++j) {
                dump += std::string{members->element[j]->str, members->element[j]->len} + "\n";
            }
        } else {
            Reply value = raw(c.get(), {"DUMP", key});
            dump += std::string{value->str, value->len} + "\n";
        }
    }
    EXPECT_NE(dump.find(prefix + ":session:" + session_key(id)), std::string::npos) << dump;
    for (const std::string& secret :
         {id, user, std::string{"access-token-abcdefghijklmnop"},
          std::string{"refresh-token-qrstuvwxyz0123"}, std::string{"id-token-header"},
          std::string{"state-value-ABCDEFGHIJKLMNOP"}, std::string(64, 'v'),
          std::string{"z@example.com"}, std::string{"192.0.2.55"}}) {
        EXPECT_EQ(dump.find(secret), std::string::npos) << "found in the dump: " << secret;
    }
    // Everything still reads back through the stores.
    EXPECT_EQ(stores.sessions->get(id)->user_id, user);
    EXPECT_EQ(stores.tokens->load(session_key(id))->access_token, tokens.access_token);
}

TEST(DeployRedisStores, SessionIndexSetsStayBoundedAndHoldNoSidInClear) {
    AUTHFLOW_REQUIRE_SERVICE(RedisBackend::available(), "redis-server");
    const std::string prefix = unique_prefix();
    DeployStoreOptions options;
    options.key = StoreKey::generate();
    auto stores = make_deploy_stores(redis_settings(prefix), options);
    const std::string sid = "provider-session-id-0123456789";
    // 40 sign-ins of one user that Redis lets expire (1 s), then one more.
    for (int i = 0; i < 40; ++i) {
        UserSession session = contract_session(system_clock(), new_session_id(), "busy-user",
                                               std::chrono::seconds{1});
        session.sid = sid;
        stores.sessions->create(session);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{1300}); // one real expiry
    UserSession last = contract_session(system_clock(), new_session_id(), "busy-user");
    last.sid = sid;
    stores.sessions->create(last);

    std::unique_ptr<redisContext, ContextFree> c{
        redisConnect("127.0.0.1", shared_server()->port())};
    ASSERT_TRUE(c && c->err == 0);
    Reply keys = raw(c.get(), {"KEYS", prefix + ":*_sessions:*"});
    ASSERT_EQ(keys->type, REDIS_REPLY_ARRAY);
    ASSERT_EQ(keys->elements, 2u); // the user's set and the sid's set
    for (std::size_t i = 0; i < keys->elements; ++i) {
        const std::string key{keys->element[i]->str, keys->element[i]->len};
        EXPECT_EQ(key.find(sid), std::string::npos) << key;
        EXPECT_EQ(key.find("busy-user"), std::string::npos) << key;
        // The sessions that ended were pruned when the set grew past its threshold.
        EXPECT_EQ(raw(c.get(), {"SCARD", key})->integer, 1) << key;
        EXPECT_GT(raw(c.get(), {"PTTL", key})->integer, 0) << key;
    }
    EXPECT_EQ(stores.sessions->list_sid_sessions(sid).size(), 1u);
}

TEST(DeployRedisStores, NoStoreKeyRefusesToStart) {
    AUTHFLOW_REQUIRE_SERVICE(RedisBackend::available(), "redis-server");
    ::unsetenv("AUTHFLOW_STORE_KEY");
    EXPECT_EQ(contract_error_code([] { make_deploy_stores(redis_settings(unique_prefix())); }),
              errc::config_missing);
    RedisDeployStoreOptions options;
    options.url = shared_server()->url();
    EXPECT_EQ(contract_error_code([&] { RedisSessionStore store(options); }), errc::config_missing);
    EXPECT_EQ(contract_error_code([&] { RedisPendingLoginStore store(options); }),
              errc::config_missing);
    options.key = StoreKey::generate();
    options.prefix = "has space";
    EXPECT_EQ(contract_error_code([&] { RedisSessionStore store(options); }), errc::config_invalid);
}

TEST(DeployRedisStores, WrongKeyIsAnErrorNotGarbage) {
    AUTHFLOW_REQUIRE_SERVICE(RedisBackend::available(), "redis-server");
    RedisBackend backend;
    auto store = backend.sessions(system_clock_ptr());
    const auto id = new_session_id();
    store->create(contract_session(system_clock(), id, "alice"));
    backend.key = StoreKey::generate();
    auto other = backend.sessions(system_clock_ptr());
    EXPECT_EQ(contract_error_code([&] { other->get(id); }), errc::decrypt_failed);
}

TEST(DeployRedisStores, UnreachableServerIsStoreUnavailable) {
    RedisDeployStoreOptions options;
    options.url = "redis://127.0.0.1:" + std::to_string(free_port()) + "/0";
    options.key = StoreKey::generate();
    options.connect_timeout = std::chrono::milliseconds{300};
    RedisSessionStore store(options);
    EXPECT_EQ(contract_error_code([&] { store.get(new_session_id()); }), errc::store_unavailable);
}

// --- two processes ---

constexpr int race_states = 200;

/// What a child opens: the environment says which backend and where.
struct SharedTarget {
    std::string backend; // sqlite or redis
    std::string where;   // file or URL
    std::string prefix;
    std::string key; // base64
};

std::map<std::string, std::string> target_env(const SharedTarget& target) {
    return {{"DS_BACKEND", target.backend},
            {"DS_WHERE", target.where},
            {"DS_PREFIX", target.prefix},
            {"DS_KEY", target.key}};
}

std::string env_or_empty(const char* name) {
    const char* value = std::getenv(name);
    return value == nullptr ? std::string{} : std::string{value};
}

std::shared_ptr<PendingLoginStore> open_pending(const SharedTarget& target) {
#if AUTHFLOW_WITH_SQLITE
    if (target.backend == "sqlite") {
        SqliteDeployStoreOptions options;
        options.path = target.where;
        options.key = StoreKey::from_base64(target.key);
        return std::make_shared<SqlitePendingLoginStore>(options);
    }
#endif
    RedisDeployStoreOptions options;
    options.url = target.where;
    options.prefix = target.prefix;
    options.key = StoreKey::from_base64(target.key);
    return std::make_shared<RedisPendingLoginStore>(options);
}

std::shared_ptr<LoginRateLimiter> open_limiter(const SharedTarget& target) {
    RateLimitOptions limits;
    limits.max_requests = 60;
    limits.window = std::chrono::seconds{600};
#if AUTHFLOW_WITH_SQLITE
    if (target.backend == "sqlite") {
        SqliteDeployStoreOptions options;
        options.path = target.where;
        return std::make_shared<SqliteLoginRateLimiter>(options, limits);
    }
#endif
    RedisDeployStoreOptions options;
    options.url = target.where;
    options.prefix = target.prefix;
    return std::make_shared<RedisLoginRateLimiter>(options, limits);
}

// Run by the children only: takes every state (role "take") or counts 50 attempts of one client
// (role "limit"), after the go file appears; writes what it got to DS_OUT.
TEST(DeployStoresChild, DISABLED_Run) {
    const SharedTarget target{env_or_empty("DS_BACKEND"), env_or_empty("DS_WHERE"),
                              env_or_empty("DS_PREFIX"), env_or_empty("DS_KEY")};
    const std::string role = env_or_empty("DS_ROLE");
    const std::filesystem::path go = env_or_empty("DS_GO");
    std::ofstream out(env_or_empty("DS_OUT"));
    auto pending = role == "take" ? open_pending(target) : nullptr;
    auto limiter = role == "limit" ? open_limiter(target) : nullptr;
    while (!std::filesystem::exists(go)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (role == "take") {
        for (int i = 0; i < race_states; ++i) {
            if (pending->take("race-" + std::to_string(i))) {
                out << i << "\n";
            }
        }
    } else {
        int allowed = 0;
        for (int i = 0; i < 50; ++i) {
            allowed += limiter->check("198.51.100.9").allowed ? 1 : 0;
        }
        out << allowed << "\n";
    }
}

/// Starts two children in `role`, lets them go at once, and returns their outputs.
std::vector<std::string> run_two(const SharedTarget& target, const std::string& role,
                                 const TempDir& dir) {
    const auto go = dir.path() / ("go-" + role);
    std::vector<std::unique_ptr<ChildProcess>> children;
    for (int i = 0; i < 2; ++i) {
        auto env = target_env(target);
        env["DS_ROLE"] = role;
        env["DS_GO"] = go.string();
        env["DS_OUT"] = (dir.path() / (role + std::to_string(i) + ".out")).string();
        children.push_back(std::make_unique<ChildProcess>(
            std::vector<std::string>{self_path().string(),
                                     "--gtest_filter=DeployStoresChild.DISABLED_Run",
                                     "--gtest_also_run_disabled_tests"},
            env, dir.path() / (role + std::to_string(i) + ".log")));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300)); // both open their stores
    write_file(go, "go");
    std::vector<std::string> outputs;
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(children[static_cast<std::size_t>(i)]->wait(60000), 0)
            << read_file(dir.path() / (role + std::to_string(i) + ".log"));
        outputs.push_back(read_file(dir.path() / (role + std::to_string(i) + ".out")));
    }
    return outputs;
}

void expect_single_use_take_across_processes(const SharedTarget& target, const TempDir& dir) {
    auto pending = open_pending(target);
    for (int i = 0; i < race_states; ++i) {
        // Without a client: more than one client may keep in progress.
        pending->put("race-" + std::to_string(i), contract_pending_from(system_clock(), ""));
    }
    const auto outputs = run_two(target, "take", dir);
    std::multiset<int> taken;
    for (const auto& output : outputs) {
        std::istringstream in(output);
        int i = 0;
        while (in >> i) {
            taken.insert(i);
        }
    }
    EXPECT_EQ(taken.size(), static_cast<std::size_t>(race_states)); // none taken twice
    EXPECT_EQ(std::set<int>(taken.begin(), taken.end()).size(),
              static_cast<std::size_t>(race_states)); // every one taken
}

void expect_rate_limit_shared_by_processes(const SharedTarget& target, const TempDir& dir) {
    const auto outputs = run_two(target, "limit", dir);
    int allowed = 0;
    for (const auto& output : outputs) {
        allowed += std::stoi(output.empty() ? "0" : output);
    }
    EXPECT_EQ(allowed, 60); // 100 attempts by two processes, one limit of 60
}

TEST(DeployStoresProcesses, RedisTakeIsSingleUseAndRateLimitIsShared) {
    AUTHFLOW_REQUIRE_SERVICE(RedisBackend::available(), "redis-server");
    TempDir dir;
    const SharedTarget target{"redis", shared_server()->url(), unique_prefix(),
                              StoreKey::generate().to_base64()};
    expect_single_use_take_across_processes(target, dir);
    expect_rate_limit_shared_by_processes(target, dir);
}

#if AUTHFLOW_WITH_SQLITE
TEST(DeployStoresProcesses, SqliteTakeIsSingleUseAndRateLimitIsShared) {
    TempDir dir;
    const SharedTarget target{"sqlite", (dir.path() / "deploy.db").string(), "",
                              StoreKey::generate().to_base64()};
    expect_single_use_take_across_processes(target, dir);
    expect_rate_limit_shared_by_processes(target, dir);
}
#endif

} // namespace
} // namespace authflow::test

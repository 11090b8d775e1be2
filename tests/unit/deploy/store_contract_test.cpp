// The deploy stores' contract on the in-process backends: memory and SQLite (plain and
// encrypted). Redis: tests/integration/deploy_stores_test.cpp.
#include "deploy_store_contract.hpp"

#include <authflow/config.hpp>
#include <authflow/deploy/shared_stores.hpp>

#if AUTHFLOW_WITH_SQLITE
#include <sqlite3.h>
#endif

#include <fstream>
#include <iterator>

namespace authflow::test {
namespace {

struct MemoryBackend {
    static constexpr const char* name = "Memory";
    static constexpr bool shared = false;
    static constexpr bool server_time = false;
    std::shared_ptr<SessionStore> sessions(std::shared_ptr<Clock> clock) {
        return std::make_shared<MemorySessionStore>(100000, clock);
    }
    std::shared_ptr<PendingLoginStore> pending(std::shared_ptr<Clock> clock) {
        return std::make_shared<MemoryPendingLoginStore>(100000, clock);
    }
    std::shared_ptr<PendingLoginStore> pending(std::shared_ptr<Clock> clock,
                                               PendingLoginLimits limits) {
        return std::make_shared<MemoryPendingLoginStore>(limits, clock);
    }
    std::shared_ptr<LoginRateLimiter> limiter(RateLimitOptions options,
                                              std::shared_ptr<Clock> clock) {
        return std::make_shared<MemoryLoginRateLimiter>(options, clock);
    }
    std::shared_ptr<ReplayStore> replays(std::shared_ptr<Clock> clock) {
        return std::make_shared<MemoryReplayStore>(100000, clock);
    }
};

#if AUTHFLOW_WITH_SQLITE
template <bool Encrypted> struct SqliteBackendT {
    static constexpr const char* name = Encrypted ? "SqliteEncrypted" : "Sqlite";
    static constexpr bool shared = true;
    static constexpr bool server_time = false;
    SqliteDeployStoreOptions options() const {
        SqliteDeployStoreOptions o;
        o.path = dir.path() / "deploy.db";
        if (Encrypted) {
            o.key = key;
        }
        return o;
    }
    std::shared_ptr<SessionStore> sessions(std::shared_ptr<Clock> clock) {
        return std::make_shared<SqliteSessionStore>(options(), clock);
    }
    std::shared_ptr<PendingLoginStore> pending(std::shared_ptr<Clock> clock) {
        return std::make_shared<SqlitePendingLoginStore>(options(), clock);
    }
    std::shared_ptr<PendingLoginStore> pending(std::shared_ptr<Clock> clock,
                                               PendingLoginLimits limits) {
        SqliteDeployStoreOptions o = options();
        o.pending_limits = limits;
        return std::make_shared<SqlitePendingLoginStore>(o, clock);
    }
    std::shared_ptr<LoginRateLimiter> limiter(RateLimitOptions limits,
                                              std::shared_ptr<Clock> clock) {
        return std::make_shared<SqliteLoginRateLimiter>(options(), limits, clock);
    }
    std::shared_ptr<ReplayStore> replays(std::shared_ptr<Clock> clock) {
        return std::make_shared<SqliteReplayStore>(options(), clock);
    }
    TempDir dir;
    StoreKey key = StoreKey::generate();
};
using SqliteBackend = SqliteBackendT<false>;
using SqliteEncryptedBackend = SqliteBackendT<true>;
using Backends = ::testing::Types<MemoryBackend, SqliteBackend, SqliteEncryptedBackend>;
#else
using Backends = ::testing::Types<MemoryBackend>;
#endif

} // namespace

INSTANTIATE_TYPED_TEST_SUITE_P(Deploy, DeployStoreContract, Backends, DeployBackendNames);

#if AUTHFLOW_WITH_SQLITE
namespace {

// A file made before pending logins had a client (no `client` column) is brought up to date,
// and its pending logins still count against the capacity.
TEST(DeploySqliteStores, PendingTableWithoutClientColumnIsUpgraded) {
    auto clock = std::make_shared<ManualClock>();
    TempDir dir;
    SqliteDeployStoreOptions options;
    options.path = dir.path() / "deploy.db";
    options.pending_limits = PendingLoginLimits{2, 1};
    {
        sqlite3* raw = nullptr;
        ASSERT_EQ(sqlite3_open(options.path.c_str(), &raw), SQLITE_OK);
        const int rc = sqlite3_exec(raw,
                                    "CREATE TABLE deploy_pending (key TEXT PRIMARY KEY NOT NULL,"
                                    " record TEXT NOT NULL, expires_at INTEGER NOT NULL)"
                                    " WITHOUT ROWID",
                                    nullptr, nullptr, nullptr);
        sqlite3_close(raw);
        ASSERT_EQ(rc, SQLITE_OK);
    }
    SqlitePendingLoginStore pending(options, clock);
    pending.put("a", contract_pending_from(*clock, "192.0.2.1"));
    clock->advance(std::chrono::seconds{1});
    pending.put("b", contract_pending_from(*clock, "192.0.2.1")); // the client's own "a" goes
    clock->advance(std::chrono::seconds{1});
    pending.put("c", contract_pending_from(*clock, "192.0.2.2"));
    EXPECT_FALSE(pending.take("a").has_value());
    EXPECT_TRUE(pending.take("b").has_value());
    EXPECT_TRUE(pending.take("c").has_value());
    SqlitePendingLoginStore again(options, clock); // opening an up-to-date file changes nothing
    again.put("d", contract_pending(*clock));
    EXPECT_TRUE(again.take("d").has_value());
}

std::string file_bytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(DeploySqliteStores, EncryptedFileHoldsNoIdUserOrVerifier) {
    auto clock = std::make_shared<ManualClock>();
    TempDir dir;
    SqliteDeployStoreOptions options;
    options.path = dir.path() / "deploy.db";
    options.key = StoreKey::generate();
    const auto id = new_session_id();
    {
        SqliteSessionStore sessions(options, clock);
        sessions.create(contract_session(*clock, id, "alice-user-id-1234"));
        SqlitePendingLoginStore pending(options, clock);
        pending.put("the-state-value-xyz", contract_pending(*clock));
    }
    const std::string bytes = file_bytes(options.path) + file_bytes(dir.path() / "deploy.db-wal");
    EXPECT_EQ(bytes.find(id), std::string::npos);
    EXPECT_EQ(bytes.find("alice-user-id-1234"), std::string::npos);
    EXPECT_EQ(bytes.find("the-state-value-xyz"), std::string::npos);
    EXPECT_EQ(bytes.find(std::string(64, 'v')), std::string::npos);
    EXPECT_EQ(bytes.find("z@example.com"), std::string::npos);
}

TEST(DeploySqliteStores, WrongKeyIsAnErrorNotGarbage) {
    auto clock = std::make_shared<ManualClock>();
    TempDir dir;
    SqliteDeployStoreOptions options;
    options.path = dir.path() / "deploy.db";
    options.key = StoreKey::generate();
    const auto id = new_session_id();
    SqliteSessionStore(options, clock).create(contract_session(*clock, id, "alice"));
    options.key = StoreKey::generate();
    SqliteSessionStore other(options, clock);
    EXPECT_EQ(contract_error_code([&] { other.get(id); }), errc::decrypt_failed);
    options.key.reset();
    SqliteSessionStore plain(options, clock);
    EXPECT_EQ(contract_error_code([&] { plain.get(id); }), errc::decrypt_failed);
}

TEST(DeploySqliteStores, FileIsPrivate) {
    auto clock = std::make_shared<ManualClock>();
    TempDir dir;
    SqliteDeployStoreOptions options;
    options.path = dir.path() / "sub" / "deploy.db";
    SqliteSessionStore sessions(options, clock);
    const auto perms = std::filesystem::status(options.path).permissions();
    EXPECT_EQ(perms & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST(DeploySqliteStores, FactoryPicksTheBackend) {
    auto clock = std::make_shared<ManualClock>();
    TempDir dir;
    DeploySettings settings;
    settings.public_url = "http://127.0.0.1:8080";
    settings.state_backend = "sqlite";
    DeployStoreOptions options;
    options.sqlite_path = dir.path() / "deploy.db";
    auto stores = make_deploy_stores(settings, options, clock);
    ASSERT_TRUE(stores.sessions && stores.pending_logins && stores.rate_limiter && stores.tokens);
    EXPECT_NE(dynamic_cast<SqliteSessionStore*>(stores.sessions.get()), nullptr);
    EXPECT_EQ(stores.tokens->backend(), "sqlite");
    settings.state_backend = "memory";
    stores = make_deploy_stores(settings, options, clock);
    EXPECT_NE(dynamic_cast<MemorySessionStore*>(stores.sessions.get()), nullptr);
    settings.state_backend = "etcd";
    EXPECT_EQ(contract_error_code([&] { make_deploy_stores(settings, options, clock); }),
              errc::config_invalid);
}

} // namespace
#endif

} // namespace authflow::test

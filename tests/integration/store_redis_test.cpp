// RedisTokenStore against a real redis-server started by the test: the contract (over TCP and a
// unix socket), encryption at rest, key layout and TTLs, the connection pool, a server restart,
// and two processes sharing records and leases.
#include "integration/store_multiprocess.hpp"
#include "support/redis_server.hpp"
#include "unit/store/record_store_contract.hpp"

#include <authflow/core/log.hpp>
#include <authflow/core/random.hpp>
#include <authflow/store/redis_token_store.hpp>

#include <hiredis.h>

#include <cstdlib>
#include <mutex>

namespace authflow::test {

std::shared_ptr<TokenStore> open_child_store() {
    RedisTokenStoreOptions options;
    options.url = std::getenv("AUTHFLOW_TEST_REDIS_URL");
    options.prefix = std::getenv("AUTHFLOW_TEST_REDIS_PREFIX");
    options.key = StoreKey::from_base64(std::getenv("AUTHFLOW_STORE_KEY"));
    return std::make_shared<RedisTokenStore>(options);
}

namespace {

// One server for the whole program (tests isolate themselves by prefix); started on first use.
RedisServer* shared_server() {
    static std::unique_ptr<RedisServer> server = [] {
        return RedisServer::available() ? std::make_unique<RedisServer>()
                                        : std::unique_ptr<RedisServer>{};
    }();
    return server.get();
}

std::string fresh_prefix() {
    return "t" + random_token(6);
}

template <bool unix_socket> struct RedisBackendT {
    static constexpr const char* name = unix_socket ? "RedisUnixSocket" : "Redis";
    static constexpr bool manual_time = false;
    static constexpr bool shared = true;
    static bool available() { return shared_server() != nullptr; }
    std::string prefix = fresh_prefix();
    StoreKey key = StoreKey::generate();
    std::shared_ptr<TokenStore> make(std::shared_ptr<ManualClock>) {
        RedisTokenStoreOptions options;
        options.url = unix_socket ? shared_server()->unix_url() : shared_server()->url();
        options.prefix = prefix;
        options.key = key;
        return std::make_shared<RedisTokenStore>(options);
    }
};

using RedisBackends = ::testing::Types<RedisBackendT<false>, RedisBackendT<true>>;
INSTANTIATE_TYPED_TEST_SUITE_P(Store, TokenStoreContract, RedisBackends, BackendNames);
INSTANTIATE_TYPED_TEST_SUITE_P(Store, RecordStoreContract, RedisBackends, BackendNames);

// A plain hiredis connection, to look at and damage what the store wrote.
class RawRedis {
public:
    explicit RawRedis(int port) : context_(redisConnect("127.0.0.1", port)) {
        if (context_ == nullptr || context_->err != 0) {
            throw std::runtime_error("cannot connect");
        }
    }
    ~RawRedis() { redisFree(context_); }
    RawRedis(const RawRedis&) = delete;
    RawRedis& operator=(const RawRedis&) = delete;

    // Runs a command; returns the string or status reply, the integer as text, or "(nil)".
    std::string run(const std::vector<std::string>& args) {
        std::vector<const char*> argv;
        std::vector<std::size_t> lengths;
        for (const auto& arg : args) {
            argv.push_back(arg.data());
            lengths.push_back(arg.size());
        }
        auto* reply = static_cast<redisReply*>(
            redisCommandArgv(context_, static_cast<int>(args.size()), argv.data(), lengths.data()));
        if (reply == nullptr) {
            throw std::runtime_error("command failed");
        }
        std::string result;
        switch (reply->type) {
        case REDIS_REPLY_STRING:
        case REDIS_REPLY_STATUS:
        case REDIS_REPLY_ERROR:
            result.assign(reply->str, reply->len);
            break;
        case REDIS_REPLY_INTEGER:
            result = std::to_string(reply->integer);
            break;
        case REDIS_REPLY_NIL:
            result = "(nil)";
            break;
        default:
            result = "(array)";
        }
        freeReplyObject(reply);
        return result;
    }

private:
    redisContext* context_;
};

class RedisStore : public ::testing::Test {
protected:
    void SetUp() override {
        AUTHFLOW_REQUIRE_SERVICE(shared_server() != nullptr, "redis-server");
        raw_ = std::make_unique<RawRedis>(shared_server()->port());
    }
    RedisTokenStoreOptions options() const {
        RedisTokenStoreOptions options;
        options.url = shared_server()->url();
        options.prefix = prefix_;
        options.key = key_;
        return options;
    }
    std::string prefix_ = fresh_prefix();
    StoreKey key_ = StoreKey::generate();
    std::unique_ptr<RawRedis> raw_;
};

TEST_F(RedisStore, KeysFollowTheDocumentedLayoutAndValuesAreEncrypted) {
    RedisTokenStore store{options()};
    store.save("alice", full_token_set("secret-marker"));
    std::string key = prefix_ + ":oauth:tokens:alice";
    EXPECT_EQ(store.record_key("alice"), key);
    std::string value = raw_->run({"GET", key});
    // Binary form in Redis: no base64 to compute or send.
    EXPECT_EQ(value.rfind("afbin1." + key_.key_id() + ".", 0), 0u);
    EXPECT_EQ(value.find("secret-marker"), std::string::npos);
    EXPECT_EQ(raw_->run({"TYPE", key}), "string");
}

TEST_F(RedisStore, EachKindHasItsKeySegment) {
    RedisTokenStore store{options()};
    store.save_document("p#settings", nlohmann::json{{"version", 1}});
    store.put(RecordKind::document, "raw", every_byte());
    std::string key = prefix_ + ":oauth:documents:p#settings";
    EXPECT_EQ(store.record_name(RecordKind::document, "p#settings"), key);
    EXPECT_EQ(store.record_name(RecordKind::token_set, "p"), prefix_ + ":oauth:tokens:p");
    EXPECT_EQ(raw_->run({"GET", key}).rfind("afbin1." + key_.key_id() + ".", 0), 0u);
    EXPECT_EQ(raw_->run({"EXISTS", prefix_ + ":oauth:tokens:p#settings"}), "0");
    EXPECT_EQ(raw_->run({"GET", prefix_ + ":oauth:documents:raw"}), every_byte());
    EXPECT_EQ(store.load_document("p#settings"), (nlohmann::json{{"version", 1}}));
}

TEST_F(RedisStore, RecordsHaveNoTtlUnlessTheCallerGivesOne) {
    RedisTokenStore store{options()};
    auto tokens = full_token_set("a");
    tokens.expires_in = 60; // the seed expired the record with the access token (seed §13 item 11)
    store.save("no-ttl", tokens);
    EXPECT_EQ(raw_->run({"PTTL", prefix_ + ":oauth:tokens:no-ttl"}), "-1");
    store.save("session", tokens, std::chrono::hours{24});
    auto pttl = std::stoll(raw_->run({"PTTL", prefix_ + ":oauth:tokens:session"}));
    EXPECT_GT(pttl, 24LL * 3600 * 1000 - 60000);
    EXPECT_LE(pttl, 24LL * 3600 * 1000);
    // Saving again without a TTL makes the record permanent again.
    store.save("session", tokens);
    EXPECT_EQ(raw_->run({"PTTL", prefix_ + ":oauth:tokens:session"}), "-1");
}

TEST_F(RedisStore, StoreWideRecordTtl) {
    auto opts = options();
    opts.record_ttl = std::chrono::hours{2};
    RedisTokenStore store{opts};
    store.save("k", full_token_set("k"));
    auto pttl = std::stoll(raw_->run({"PTTL", prefix_ + ":oauth:tokens:k"}));
    EXPECT_GT(pttl, 2LL * 3600 * 1000 - 60000);
    EXPECT_LE(pttl, 2LL * 3600 * 1000);
}

TEST_F(RedisStore, TamperedWrongKeyAndSwappedRecordsFailForThatKeyOnly) {
    RedisTokenStore store{options()};
    store.save("alice", full_token_set("alice"));
    store.save("bob", full_token_set("bob"));
    store.save("carol", full_token_set("carol"));
    std::string alice = prefix_ + ":oauth:tokens:alice";
    std::string value = raw_->run({"GET", alice});
    value[value.size() - 25] = value[value.size() - 25] == 'A' ? 'B' : 'A';
    raw_->run({"SET", alice, value});
    EXPECT_EQ(store_error_of([&] { store.load("alice"); }), errc::decrypt_failed);
    // Bob's record moved under Carol's name.
    raw_->run({"SET", prefix_ + ":oauth:tokens:carol",
               raw_->run({"GET", prefix_ + ":oauth:tokens:bob"})});
    EXPECT_EQ(store_error_of([&] { store.load("carol"); }), errc::decrypt_failed);
    // Not JSON, not our format, or not a string at all.
    raw_->run({"SET", prefix_ + ":oauth:tokens:dave", "afenc1.garbage"});
    EXPECT_EQ(store_error_of([&] { store.load("dave"); }), errc::store_corrupt);
    raw_->run({"RPUSH", prefix_ + ":oauth:tokens:erin", "x"});
    EXPECT_EQ(store_error_of([&] { store.load("erin"); }), errc::store_corrupt);
    // A plain JSON record injected where encrypted ones are expected.
    raw_->run({"SET", prefix_ + ":oauth:tokens:frank", full_token_set("frank").to_json_string()});
    EXPECT_EQ(store_error_of([&] { store.load("frank"); }), errc::decrypt_failed);
    // The untouched record is fine.
    EXPECT_EQ(store.load("bob")->access_token, "at-bob");
    // Another key.
    auto other = options();
    other.key = StoreKey::generate();
    RedisTokenStore wrong{other};
    EXPECT_EQ(store_error_of([&] { wrong.load("bob"); }), errc::decrypt_failed);
}

TEST_F(RedisStore, PlaintextOnlyWhenExplicitlyInsecure) {
    auto opts = options();
    opts.key.reset();
    try {
        RedisTokenStore store{opts};
        FAIL();
    } catch (const ConfigError& error) {
        EXPECT_EQ(error.code(), errc::config_missing);
    }
    std::mutex mutex;
    std::vector<std::string> warnings;
    set_log_callback([&](LogLevel level, std::string_view line) {
        std::lock_guard lock(mutex);
        if (level == LogLevel::warning) {
            warnings.emplace_back(line);
        }
    });
    opts.insecure_plaintext_store = true;
    RedisTokenStore store{opts};
    set_log_callback({});
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("insecure_plaintext_store"), std::string::npos);
    store.save("plain", full_token_set("plain"));
    EXPECT_EQ(raw_->run({"GET", prefix_ + ":oauth:tokens:plain"}).front(), '{');
    EXPECT_EQ(store.load("plain")->access_token, "at-plain");
}

TEST_F(RedisStore, ListKeysSeesOnlyItsOwnPrefix) {
    auto glob = options();
    glob.prefix = prefix_ + "*[x]";
    RedisTokenStore globby{glob};
    RedisTokenStore mine{options()};
    auto near = options();
    near.prefix = prefix_ + "-other";
    RedisTokenStore other{near};
    mine.save("a", full_token_set("a"));
    other.save("b", full_token_set("b"));
    globby.save("c", full_token_set("c"));
    // A key that the unescaped glob `<prefix>*[x]:oauth:tokens:*` would match.
    raw_->run({"SET", prefix_ + "ZZx:oauth:tokens:d", "x"});
    EXPECT_EQ(mine.list_keys(), std::vector<std::string>{"a"});
    EXPECT_EQ(other.list_keys(), std::vector<std::string>{"b"});
    EXPECT_EQ(globby.list_keys(), std::vector<std::string>{"c"});
}

TEST_F(RedisStore, ListKeysPagesThroughManyKeys) {
    RedisTokenStore store{options()};
    // Written directly: list_keys does not read values.
    for (int i = 0; i < 3000; ++i) {
        raw_->run({"SET", prefix_ + ":oauth:tokens:k" + std::to_string(i), "v"});
    }
    EXPECT_EQ(store.list_keys().size(), 3000u);
}

TEST_F(RedisStore, DatabasesAreSeparate) {
    auto zero = options();
    auto three = options();
    three.url = shared_server()->url(3);
    RedisTokenStore db0{zero};
    RedisTokenStore db3{three};
    db3.save("k", full_token_set("k"));
    EXPECT_TRUE(db3.exists("k"));
    EXPECT_FALSE(db0.exists("k"));
    EXPECT_EQ(raw_->run({"EXISTS", prefix_ + ":oauth:tokens:k"}), "0");
}

TEST_F(RedisStore, LeaseIsAKeyWithTheHolderAndAnExpiry) {
    RedisTokenStore store{options()};
    auto lease = store.try_acquire("refresh", std::chrono::seconds{30});
    ASSERT_NE(lease, nullptr);
    std::string key = prefix_ + ":oauth:lease:refresh";
    std::string holder = raw_->run({"GET", key});
    EXPECT_GE(holder.size(), 20u);
    auto pttl = std::stoll(raw_->run({"PTTL", key}));
    EXPECT_GT(pttl, 29000);
    EXPECT_LE(pttl, 30000);
    lease->renew(std::chrono::seconds{60});
    EXPECT_GT(std::stoll(raw_->run({"PTTL", key})), 59000);
    // Someone else now holds it (as after an expiry): this holder's release leaves it alone.
    raw_->run({"SET", key, "someone-else", "PX", "30000"});
    EXPECT_EQ(store_error_of([&] { lease->renew(std::chrono::seconds{1}); }), errc::lease_lost);
    EXPECT_FALSE(lease->release());
    EXPECT_EQ(raw_->run({"GET", key}), "someone-else");
}

TEST_F(RedisStore, ThePoolBoundsConnections) {
    auto opts = options();
    opts.pool_size = 2;
    RedisTokenStore store{opts};
    auto clients_before = raw_->run({"CLIENT", "LIST"});
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 12; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 200; ++i) {
                std::string key = "t" + std::to_string(t);
                store.save(key, full_token_set(key));
                auto loaded = store.load(key);
                failures += loaded && loaded->access_token == "at-" + key ? 0 : 1;
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(failures.load(), 0);
    auto count_lines = [](const std::string& text) {
        return std::count(text.begin(), text.end(), '\n');
    };
    EXPECT_LE(count_lines(raw_->run({"CLIENT", "LIST"})) - count_lines(clients_before), 2);
}

TEST_F(RedisStore, PasswordProtectedServer) {
    AUTHFLOW_REQUIRE_SERVICE(RedisServer::available(), "redis-server");
    RedisServer::Options server_options;
    server_options.password = "pw-" + random_token(8);
    RedisServer server{server_options};
    auto opts = options();
    opts.url = server.url();
    RedisTokenStore store{opts};
    store.save("k", full_token_set("k"));
    EXPECT_EQ(store.load("k")->access_token, "at-k");
    opts.url = "redis://:wrong-password@127.0.0.1:" + std::to_string(server.port()) + "/0";
    RedisTokenStore wrong{opts};
    try {
        wrong.load("k");
        FAIL();
    } catch (const StoreError& error) {
        EXPECT_EQ(error.code(), errc::store_unavailable);
        EXPECT_EQ(std::string{error.what()}.find("wrong-password"), std::string::npos);
    }
}

TEST_F(RedisStore, ServerDownIsUnavailableAndTheStoreRecovers) {
    RedisServer::Options server_options;
    server_options.appendonly = true;
    RedisServer server{server_options};
    auto opts = options();
    opts.url = server.url();
    opts.pool_size = 3;
    opts.connect_timeout = std::chrono::milliseconds{500};
    RedisTokenStore store{opts};
    for (int i = 0; i < 50; ++i) {
        store.save("k" + std::to_string(i), full_token_set("k" + std::to_string(i)));
    }
    auto lease = store.try_acquire("lease", std::chrono::seconds{60});
    ASSERT_NE(lease, nullptr);

    // A clean restart: every pooled connection breaks; the next calls reconnect by themselves.
    server.restart();
    for (int i = 0; i < 50; ++i) {
        auto loaded = store.load("k" + std::to_string(i));
        ASSERT_TRUE(loaded.has_value()) << i;
        EXPECT_EQ(loaded->access_token, "at-k" + std::to_string(i));
    }
    EXPECT_EQ(store.list_keys().size(), 50u);
    EXPECT_EQ(store.try_acquire("lease", std::chrono::seconds{60}), nullptr)
        << "the lease survives the restart too";

    // A crash (SIGKILL): with fsync on every write, nothing acknowledged is lost.
    store.save("after-restart", full_token_set("after"));
    server.kill();
    EXPECT_EQ(store_error_of([&] { store.load("k0"); }), errc::store_unavailable);
    EXPECT_EQ(store_error_of([&] { store.save("k0", full_token_set("x")); }),
              errc::store_unavailable);
    server.start();
    EXPECT_EQ(store.load("after-restart")->access_token, "at-after");
    EXPECT_EQ(store.list_keys().size(), 51u);
    EXPECT_TRUE(lease->release());
}

// --- two processes ---------------------------------------------------------------------------

class RedisMultiProcess : public RedisStore {
protected:
    ChildEnv env() const {
        return {{"AUTHFLOW_TEST_REDIS_URL", shared_server()->url()},
                {"AUTHFLOW_TEST_REDIS_PREFIX", prefix_},
                {"AUTHFLOW_STORE_KEY", key_.to_base64()}};
    }
};

TEST_F(RedisMultiProcess, TwoProcessesWriteRecordsAtOnce) {
    expect_two_processes_share_records([&] { return std::make_shared<RedisTokenStore>(options()); },
                                       env());
}

TEST_F(RedisMultiProcess, LeaseSerialisesTwoProcesses) {
    EXPECT_EQ(run_two_process_counter(env(), true, 30), 60);
}

// Proves the test above can fail: without the lease the same increments get lost.
TEST_F(RedisMultiProcess, WithoutTheLeaseUpdatesAreLost) {
    EXPECT_LT(run_two_process_counter(env(), false, 30), 60);
}

TEST_F(RedisMultiProcess, DeadHolderBlocksAtMostTheTtl) {
    RedisTokenStore store{options()};
    expect_dead_holder_blocks_at_most_ttl(store, env(), std::chrono::milliseconds(1000));
}

} // namespace
} // namespace authflow::test

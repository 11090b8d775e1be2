// KeyringTokenStore against a real Secret Service: gnome-keyring in a private D-Bus session
// (this program runs under tests/support/keyring_session.sh). The contract, attributes other
// tools can search, lock files, and two processes sharing records and leases.
#include "integration/store_multiprocess.hpp"
#include "unit/store/record_store_contract.hpp"

#include <authflow/core/random.hpp>
#include <authflow/store/factory.hpp>
#include <authflow/store/keyring_token_store.hpp>
#include <authflow/store/sqlite_token_store.hpp>

#include <cstdlib>

namespace authflow::test {

std::shared_ptr<TokenStore> open_child_store() {
    KeyringTokenStoreOptions options;
    options.service = std::getenv("AUTHFLOW_TEST_KEYRING_SERVICE");
    return std::make_shared<KeyringTokenStore>(options);
}

namespace {

bool keyring_available() {
    static const bool available = [] {
        if (const char* why = std::getenv("AUTHFLOW_KEYRING_UNAVAILABLE")) {
            std::fprintf(stderr, "keyring unavailable: %s\n", why);
            return false;
        }
        return secret_service_available();
    }();
    return available;
}

// Removes every record of a test's service at the end, so keyrings never fill up.
void clear_service(const std::string& service) {
    if (!keyring_available()) {
        return;
    }
    KeyringTokenStoreOptions options;
    options.service = service;
    KeyringTokenStore store{options};
    for (const auto& key : store.list_keys()) {
        store.remove(key);
    }
}

struct KeyringBackend {
    static constexpr const char* name = "Keyring";
    static constexpr bool manual_time = true; // record TTLs and lock-file leases use the Clock
    static constexpr bool shared = true;
    static bool available() { return keyring_available(); }
    std::string service = "authflow-test-" + random_token(6);
    TempDir locks;
    KeyringBackend() = default;
    KeyringBackend(const KeyringBackend&) = delete;
    KeyringBackend& operator=(const KeyringBackend&) = delete;
    ~KeyringBackend() { clear_service(service); }
    std::shared_ptr<TokenStore> make(std::shared_ptr<ManualClock> clock) {
        KeyringTokenStoreOptions options;
        options.service = service;
        options.clock = std::move(clock);
        options.lock_dir = locks.path() / "authflow";
        return std::make_shared<KeyringTokenStore>(options);
    }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Store, TokenStoreContract, ::testing::Types<KeyringBackend>,
                               BackendNames);
INSTANTIATE_TYPED_TEST_SUITE_P(Store, RecordStoreContract, ::testing::Types<KeyringBackend>,
                               BackendNames);

class KeyringStore : public ::testing::Test {
protected:
    void SetUp() override { AUTHFLOW_REQUIRE_SERVICE(keyring_available(), "Secret Service"); }
    void TearDown() override { clear_service(service_); }
    KeyringTokenStoreOptions options() const {
        KeyringTokenStoreOptions options;
        options.service = service_;
        return options;
    }
    std::string service_ = "authflow-test-" + random_token(6);
};

TEST_F(KeyringStore, SecretsCarrySearchableAttributes) {
    KeyringTokenStore store{options()};
    store.save("alice", full_token_set("alice"));
    // Another Secret Service client finds the secret by the documented attributes.
    auto found = run_command({"secret-tool", "lookup", "service", service_, "key", "alice"});
    ASSERT_EQ(found.exit_code, 0) << found.err;
    EXPECT_EQ(found.out.rfind("afkr1;0;{", 0), 0u);
    EXPECT_NE(found.out.find("at-alice"), std::string::npos);
    // secret-tool prints the secret on stdout and the attributes on stderr.
    auto search = run_command({"secret-tool", "search", "--all", "service", service_});
    EXPECT_NE(search.out.find("schema = org.authflow.Token"), std::string::npos) << search.out;
    EXPECT_NE(search.err.find("attribute.key = alice"), std::string::npos) << search.err;
    EXPECT_NE(search.err.find("attribute.service = " + service_), std::string::npos);
}

TEST_F(KeyringStore, DocumentsHaveTheirOwnSchemaAndBytesTravelAsBase64) {
    KeyringTokenStore store{options()};
    store.save_document("p#settings", nlohmann::json{{"version", 1}});
    auto search = run_command({"secret-tool", "search", "--all", "service", service_});
    EXPECT_NE(search.out.find("schema = org.authflow.Document"), std::string::npos) << search.out;
    EXPECT_EQ(search.out.find("schema = org.authflow.Token"), std::string::npos) << search.out;
    auto found = run_command({"secret-tool", "lookup", "service", service_, "key", "p#settings"});
    EXPECT_EQ(found.out.rfind(R"(afkr1;0;{"version":1})", 0), 0u) << found.out;
    // Bytes that are not text (NUL, invalid UTF-8) are kept as base64.
    store.put(RecordKind::document, "raw", every_byte());
    found = run_command({"secret-tool", "lookup", "service", service_, "key", "raw"});
    EXPECT_EQ(found.out.rfind("afkr2;0;", 0), 0u) << found.out;
    EXPECT_EQ(store.get(RecordKind::document, "raw"), every_byte());
}

TEST_F(KeyringStore, ServicesAreSeparate) {
    KeyringTokenStore mine{options()};
    auto other_options = options();
    other_options.service = service_ + "-other";
    KeyringTokenStore other{other_options};
    mine.save("k", full_token_set("mine"));
    other.save("k", full_token_set("other"));
    EXPECT_EQ(mine.load("k")->access_token, "at-mine");
    EXPECT_EQ(other.load("k")->access_token, "at-other");
    EXPECT_EQ(mine.list_keys(), std::vector<std::string>{"k"});
    other.remove("k");
    EXPECT_TRUE(mine.exists("k"));
}

TEST_F(KeyringStore, ForeignSecretIsCorruptForThatKeyOnly) {
    KeyringTokenStore store{options()};
    store.save("good", full_token_set("good"));
    // A secret with our attributes but not written by authflow.
    auto stored = run_command({"secret-tool", "store", "--label=x", "xdg:schema",
                               "org.authflow.Token", "service", service_, "key", "foreign"},
                              {}, "not an authflow record");
    ASSERT_EQ(stored.exit_code, 0) << stored.err;
    EXPECT_EQ(store_error_of([&] { store.load("foreign"); }), errc::store_corrupt);
    EXPECT_EQ(store.load("good")->access_token, "at-good");
    EXPECT_EQ(store.list_keys(), (std::vector<std::string>{"foreign", "good"}));
}

TEST_F(KeyringStore, OptionalEncryption) {
    auto opts = options();
    opts.key = StoreKey::generate();
    KeyringTokenStore store{opts};
    store.save("alice", full_token_set("marker"));
    auto found = run_command({"secret-tool", "lookup", "service", service_, "key", "alice"});
    EXPECT_EQ(found.out.rfind("afkr1;0;afenc1.", 0), 0u) << found.out;
    EXPECT_EQ(found.out.find("marker"), std::string::npos);
    EXPECT_EQ(store.load("alice")->access_token, "at-marker");
}

// An SQLite store chosen through settings, without a configured key: where a keyring answers, a
// new database is encrypted with a data key the keyring keeps; one from before stays plain.
TEST_F(KeyringStore, NewSqliteStoreIsEncryptedWithAKeyTheKeyringKeeps) {
    TempDir dir;
    OAuth2Settings settings;
    settings.token_store_backend = TokenStoreBackend::sqlite;
    settings.token_store_path = dir.path() / "tokens.db";
    auto store = make_token_store("sqlite", token_store_options(settings));
    EXPECT_TRUE(store->encrypts());
    OAuthTokenSet tokens;
    tokens.access_token = "access-token-that-must-not-show-in-the-file";
    store->save("alice", tokens);
    EXPECT_EQ(read_file(settings.token_store_path).find(tokens.access_token), std::string::npos);
    // Another process (here another store object) finds the same key in the keyring.
    EXPECT_EQ(
        make_token_store("sqlite", token_store_options(settings))->load("alice")->access_token,
        tokens.access_token);

    settings.token_store_path = dir.path() / "plain.db";
    {
        SqliteTokenStoreOptions plain;
        plain.path = settings.token_store_path;
        SqliteTokenStore(plain).save("bob", tokens); // made before, without a key
    }
    auto existing = make_token_store("sqlite", token_store_options(settings));
    EXPECT_FALSE(existing->encrypts());
    EXPECT_EQ(existing->load("bob")->access_token, tokens.access_token);

    clear_service("authflow store keys");
}

TEST_F(KeyringStore, LeaseLockFilesLiveUnderXdgRuntimeDir) {
    const char* runtime = std::getenv("XDG_RUNTIME_DIR");
    ASSERT_NE(runtime, nullptr) << "keyring_session.sh sets XDG_RUNTIME_DIR";
    KeyringTokenStore store{options()};
    auto lease = store.try_acquire("refresh", std::chrono::seconds{10});
    ASSERT_NE(lease, nullptr);
    bool found = false;
    for (const auto& entry :
         std::filesystem::directory_iterator(std::filesystem::path{runtime} / "authflow")) {
        found = found || entry.path().filename().string().rfind("refresh-", 0) == 0;
    }
    EXPECT_TRUE(found);
}

// --- two processes ---------------------------------------------------------------------------

class KeyringMultiProcess : public KeyringStore {
protected:
    ChildEnv env() const { return {{"AUTHFLOW_TEST_KEYRING_SERVICE", service_}}; }
};

TEST_F(KeyringMultiProcess, TwoProcessesWriteRecordsAtOnce) {
    expect_two_processes_share_records(
        [&] { return std::make_shared<KeyringTokenStore>(options()); }, env());
}

TEST_F(KeyringMultiProcess, LeaseSerialisesTwoProcesses) {
    EXPECT_EQ(run_two_process_counter(env(), true, 30), 60);
}

// Proves the test above can fail: without the lease the same increments get lost.
TEST_F(KeyringMultiProcess, WithoutTheLeaseUpdatesAreLost) {
    EXPECT_LT(run_two_process_counter(env(), false, 30), 60);
}

TEST_F(KeyringMultiProcess, DeadHolderBlocksAtMostTheTtl) {
    KeyringTokenStore store{options()};
    expect_dead_holder_blocks_at_most_ttl(store, env(), std::chrono::milliseconds(1000));
}

} // namespace
} // namespace authflow::test

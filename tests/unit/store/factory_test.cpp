#include "support/test_env.hpp"
#include "unit/store/store_test_helpers.hpp"

#include <authflow/config.hpp>
#include <authflow/store/factory.hpp>

#include <cstdlib>

namespace authflow::test {
namespace {

class TokenStoreFactory : public ::testing::Test {
protected:
    void SetUp() override {
        reset_token_store();
        ::unsetenv("AUTHFLOW_STORE_KEY");
    }
    void TearDown() override {
        reset_token_store();
        ::unsetenv("AUTHFLOW_STORE_KEY");
    }
    TempDir dir_;
};

TEST_F(TokenStoreFactory, SameBackendAndOptionsGiveTheSameStore) {
    auto one = get_token_store("memory");
    auto two = get_token_store("memory");
    EXPECT_EQ(one.get(), two.get());
    EXPECT_EQ(one->backend(), "memory");
    one->save("k", full_token_set("k"));
    EXPECT_TRUE(two->exists("k"));
}

TEST_F(TokenStoreFactory, DifferentOptionsGiveDifferentStores) {
    TokenStoreOptions with_ttl;
    with_ttl.memory.record_ttl = std::chrono::minutes{5};
    auto plain = get_token_store("memory");
    auto expiring = get_token_store("memory", with_ttl);
    EXPECT_NE(plain.get(), expiring.get());
    EXPECT_EQ(get_token_store("memory", with_ttl).get(), expiring.get());
}

TEST_F(TokenStoreFactory, LaterCallsWithAnotherBackendAreHonoured) {
    auto memory = get_token_store("memory");
#if AUTHFLOW_WITH_SQLITE
    TokenStoreOptions options;
    options.sqlite.path = dir_.path() / "a.db";
    auto sqlite = get_token_store("sqlite", options);
    EXPECT_EQ(sqlite->backend(), "sqlite");
    EXPECT_EQ(dynamic_cast<SqliteTokenStore&>(*sqlite).path(), dir_.path() / "a.db");
    options.sqlite.path = dir_.path() / "b.db";
    auto other = get_token_store("sqlite", options);
    EXPECT_NE(other.get(), sqlite.get());
    EXPECT_EQ(dynamic_cast<SqliteTokenStore&>(*other).path(), dir_.path() / "b.db");
#endif
    EXPECT_EQ(memory->backend(), "memory");
}

TEST_F(TokenStoreFactory, ResetForgetsCachedStores) {
    auto before = get_token_store("memory");
    before->save("k", full_token_set("k"));
    reset_token_store();
    auto after = get_token_store("memory");
    EXPECT_NE(before.get(), after.get());
    EXPECT_FALSE(after->exists("k"));
    EXPECT_TRUE(before->exists("k")) << "a store still referenced lives on";
}

TEST_F(TokenStoreFactory, UnknownBackendIsAConfigErrorAndNothingIsCached) {
    for (const char* name : {"", "Memory", "postgres", "redis "}) {
        try {
            get_token_store(name);
            ADD_FAILURE() << name;
        } catch (const ConfigError& error) {
            EXPECT_EQ(error.code(), errc::config_invalid);
        }
    }
    EXPECT_EQ(store_error_of([] {}), errc::internal);
}

TEST_F(TokenStoreFactory, ListsTheBackendsOfThisBuild) {
    auto names = available_token_store_backends();
    ASSERT_FALSE(names.empty());
    EXPECT_EQ(names.front(), "memory");
    EXPECT_EQ(std::count(names.begin(), names.end(), "sqlite"), AUTHFLOW_WITH_SQLITE);
    EXPECT_EQ(std::count(names.begin(), names.end(), "redis"), AUTHFLOW_WITH_REDIS);
    EXPECT_EQ(std::count(names.begin(), names.end(), "keyring"), AUTHFLOW_WITH_KEYRING);
}

TEST_F(TokenStoreFactory, AutoFallsBackToSqliteWithoutASecretService) {
    // No session bus to reach: no Secret Service.
    ::setenv("DBUS_SESSION_BUS_ADDRESS", ("unix:path=" + (dir_.path() / "no-bus").string()).c_str(),
             1);
    ::unsetenv("DISPLAY");
    EXPECT_FALSE(secret_service_available());
    std::string expected = AUTHFLOW_WITH_SQLITE ? "sqlite" : "memory";
    EXPECT_EQ(resolve_token_store_backend("auto"), expected);
#if AUTHFLOW_WITH_SQLITE
    TokenStoreOptions options;
    options.sqlite.path = dir_.path() / "auto.db";
    EXPECT_EQ(get_token_store("auto", options)->backend(), "sqlite");
#endif
}

TEST_F(TokenStoreFactory, OptionsFromSettings) {
    OAuth2Settings settings;
    settings.token_store_backend = TokenStoreBackend::sqlite;
    settings.token_store_path = (dir_.path() / "tokens.db").string();
    settings.redis_url = "redis://10.1.2.3:6390/4";
    settings.redis_prefix = "myapp";
    settings.keyring_service = "myapp-tokens";
    settings.insecure_plaintext_store = true;
    auto key = StoreKey::generate();
    ::setenv("AUTHFLOW_STORE_KEY", key.to_base64().c_str(), 1);
    auto options = token_store_options(settings);
    EXPECT_EQ(options.sqlite.path, dir_.path() / "tokens.db");
    EXPECT_EQ(options.redis.url, "redis://10.1.2.3:6390/4");
    EXPECT_EQ(options.redis.prefix, "myapp");
    EXPECT_TRUE(options.redis.insecure_plaintext_store);
    EXPECT_EQ(options.keyring.service, "myapp-tokens");
    ASSERT_TRUE(options.sqlite.key.has_value());
    EXPECT_EQ(options.sqlite.key->key_id(), key.key_id());
    ASSERT_TRUE(options.redis.key.has_value());
    EXPECT_EQ(options.redis.key->key_id(), key.key_id());
}

TEST_F(TokenStoreFactory, KeyFileFromSettings) {
    OAuth2Settings settings;
    settings.token_store_backend = TokenStoreBackend::sqlite;
    auto key = StoreKey::generate();
    write_file(dir_.path() / "store.key", key.to_base64() + "\n");
    settings.store_key_file = (dir_.path() / "store.key").string();
    EXPECT_EQ(token_store_options(settings).sqlite.key->key_id(), key.key_id());
    settings.store_key_file = (dir_.path() / "missing.key").string();
    try {
        token_store_options(settings);
        FAIL();
    } catch (const ConfigError& error) {
        EXPECT_EQ(error.code(), errc::config_invalid);
    }
    // A memory store needs no key: a broken key file does not stop it.
    settings.token_store_backend = TokenStoreBackend::memory;
    EXPECT_EQ(get_token_store(settings)->backend(), "memory");
}

#if AUTHFLOW_WITH_SQLITE
TEST_F(TokenStoreFactory, SqliteFromSettingsIsEncryptedWithTheKey) {
    OAuth2Settings settings;
    settings.token_store_backend = TokenStoreBackend::sqlite;
    settings.token_store_path = (dir_.path() / "tokens.db").string();
    ::setenv("AUTHFLOW_STORE_KEY", StoreKey::generate().to_base64().c_str(), 1);
    auto store = get_token_store(settings);
    store->save("k", full_token_set("plain-text-marker"));
    std::string file =
        read_file(dir_.path() / "tokens.db") + read_file(dir_.path().string() + "/tokens.db-wal");
    EXPECT_EQ(file.find("plain-text-marker"), std::string::npos);
    EXPECT_EQ(store->load("k")->access_token, "at-plain-text-marker");
}
#endif

#if AUTHFLOW_WITH_REDIS
TEST_F(TokenStoreFactory, RedisFromSettingsHonoursUrlAndPrefix) {
    // seed §13 item 9: the seed's store ignored the configured Redis URL and prefix.
    OAuth2Settings settings;
    settings.token_store_backend = TokenStoreBackend::redis;
    settings.redis_url = "redis://127.0.0.1:1/2";
    settings.redis_prefix = "tenant-a";
    ::setenv("AUTHFLOW_STORE_KEY", StoreKey::generate().to_base64().c_str(), 1);
    auto store = get_token_store(settings);
    ASSERT_EQ(store->backend(), "redis");
    auto& redis = dynamic_cast<RedisTokenStore&>(*store);
    EXPECT_EQ(redis.record_key("alice"), "tenant-a:oauth:tokens:alice");
    // Port 1 has no server: the store reports that it cannot reach the configured address.
    try {
        redis.ping();
        FAIL();
    } catch (const StoreError& error) {
        EXPECT_EQ(error.code(), errc::store_unavailable);
        EXPECT_NE(std::string{error.what()}.find("127.0.0.1:1/2"), std::string::npos)
            << error.what();
    }
}

TEST_F(TokenStoreFactory, RedisWithoutAKeyRefusesToStart) {
    TokenStoreOptions options;
    options.redis.url = "redis://127.0.0.1:1/0";
    try {
        make_token_store("redis", options);
        FAIL();
    } catch (const ConfigError& error) {
        EXPECT_EQ(error.code(), errc::config_missing);
    }
    options.redis.insecure_plaintext_store = true;
    EXPECT_EQ(make_token_store("redis", options)->backend(), "redis");
}

TEST_F(TokenStoreFactory, RedisOverTlsIsRefused) {
    TokenStoreOptions options;
    options.redis.url = "rediss://cache:6380/0";
    options.redis.key = StoreKey::generate();
    try {
        make_token_store("redis", options);
        FAIL();
    } catch (const ConfigError& error) {
        EXPECT_EQ(error.code(), errc::config_invalid);
    }
}
#endif

} // namespace
} // namespace authflow::test

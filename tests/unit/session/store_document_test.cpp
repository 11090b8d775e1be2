// TokenStore::save_document / load_document: the records where the CLI keeps a profile's
// remembered settings beside its tokens.
#include "support/test_env.hpp"
#include "unit/session/session_test_util.hpp"

#include <authflow/config.hpp>
#include <authflow/store/encryption.hpp>
#include <authflow/store/memory_token_store.hpp>
#include <authflow/store/sqlite_token_store.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace authflow {
namespace {

const nlohmann::json document = {
    {"version", 1},
    {"settings", {{"client_id", "cli"}, {"client_secret", "DOCUMENT-SECRET-42"}}},
    {"identity", {{"subject", "alice"}}}};

void expect_round_trip(TokenStore& store) {
    EXPECT_FALSE(store.load_document("p#settings"));
    store.save_document("p#settings", document);
    EXPECT_EQ(store.load_document("p#settings"), document);
    EXPECT_EQ(store.list_keys(), std::vector<std::string>{"p#settings"});
    // A token record is not a document, and the other way round is harmless.
    OAuthTokenSet tokens;
    tokens.access_token = "at";
    store.save("p", tokens);
    EXPECT_EQ(test::error_code_of([&] { store.load_document("p"); }), errc::store_corrupt);
    EXPECT_TRUE(store.remove("p#settings"));
    EXPECT_FALSE(store.load_document("p#settings"));
}

TEST(StoreDocument, RoundTripInMemory) {
    MemoryTokenStore store;
    expect_round_trip(store);
}

#if AUTHFLOW_WITH_SQLITE
TEST(StoreDocument, RoundTripInSqliteEncrypted) {
    test::TempDir dir;
    SqliteTokenStoreOptions options;
    options.path = dir.path() / "tokens.db";
    options.key = StoreKey::generate();
    {
        SqliteTokenStore store(options);
        expect_round_trip(store);
        store.save_document("q#settings", document);
    }
    // Encrypted at rest like the tokens: the secret is nowhere in the file.
    const std::string file = test::read_file(options.path);
    EXPECT_EQ(file.find("DOCUMENT-SECRET-42"), std::string::npos);
    SqliteTokenStore reopened(options);
    EXPECT_EQ(reopened.load_document("q#settings"), document);
}
#endif

} // namespace
} // namespace authflow

#include "support/test_env.hpp"
#include "unit/store/record_store_contract.hpp"

#include <authflow/core/log.hpp>
#include <authflow/store/sqlite_token_store.hpp>

#include <sqlite3.h>

#include <cstdlib>
#include <mutex>
#include <sys/stat.h>

namespace authflow::test {
namespace {

struct SqliteBackend {
    static constexpr const char* name = "Sqlite";
    static constexpr bool manual_time = true;
    static constexpr bool shared = true;
    TempDir dir;
    std::shared_ptr<TokenStore> make(std::shared_ptr<ManualClock> clock) {
        SqliteTokenStoreOptions options;
        options.path = dir.path() / "tokens.db";
        options.clock = std::move(clock);
        return std::make_shared<SqliteTokenStore>(options);
    }
};

struct EncryptedSqliteBackend {
    static constexpr const char* name = "SqliteEncrypted";
    static constexpr bool manual_time = true;
    static constexpr bool shared = true;
    TempDir dir;
    StoreKey key = StoreKey::generate();
    std::shared_ptr<TokenStore> make(std::shared_ptr<ManualClock> clock) {
        SqliteTokenStoreOptions options;
        options.path = dir.path() / "tokens.db";
        options.clock = std::move(clock);
        options.key = key;
        return std::make_shared<SqliteTokenStore>(options);
    }
};

using SqliteBackends = ::testing::Types<SqliteBackend, EncryptedSqliteBackend>;
INSTANTIATE_TYPED_TEST_SUITE_P(Store, TokenStoreContract, SqliteBackends, BackendNames);
INSTANTIATE_TYPED_TEST_SUITE_P(Store, RecordStoreContract, SqliteBackends, BackendNames);

// Direct access to the database file, to check and to damage what the store wrote.
class RawDb {
public:
    explicit RawDb(const std::filesystem::path& path) {
        if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
            throw std::runtime_error("open failed");
        }
    }
    ~RawDb() { sqlite3_close(db_); }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;

    void exec(const std::string& sql) {
        char* message = nullptr;
        if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
            std::string text = message != nullptr ? message : "?";
            sqlite3_free(message);
            throw std::runtime_error(text);
        }
    }
    std::string text(const std::string& sql) {
        sqlite3_stmt* stmt = nullptr;
        sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr);
        std::string result;
        if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
            result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        }
        sqlite3_finalize(stmt);
        return result;
    }

private:
    sqlite3* db_ = nullptr;
};

mode_t mode_of(const std::filesystem::path& path) {
    struct stat info {};
    EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
    return info.st_mode & 0777;
}

SqliteTokenStoreOptions options_for(const std::filesystem::path& path) {
    SqliteTokenStoreOptions options;
    options.path = path;
    return options;
}

TEST(SqliteTokenStore, CreatesAPrivateFileAndDirectories) {
    TempDir dir;
    auto path = dir.path() / "state" / "authflow" / "tokens.db";
    ::umask(022);
    SqliteTokenStore store{options_for(path)};
    store.save("k", full_token_set("k"));
    EXPECT_EQ(store.path(), path);
    EXPECT_EQ(mode_of(path), 0600u);
    EXPECT_EQ(mode_of(path.parent_path()), 0700u);
    EXPECT_EQ(mode_of(path.parent_path().parent_path()), 0700u);
    // SQLite gives its WAL the database file's mode.
    EXPECT_EQ(mode_of(path.string() + "-wal"), 0600u);
}

TEST(SqliteTokenStore, TightensAFileOthersCanRead) {
    TempDir dir;
    auto path = dir.path() / "tokens.db";
    write_file(path, "");
    ::chmod(path.c_str(), 0644);
    SqliteTokenStore store{options_for(path)};
    EXPECT_EQ(mode_of(path), 0600u);
}

TEST(SqliteTokenStore, UsesWalAndVersionedSchema) {
    TempDir dir;
    auto path = dir.path() / "tokens.db";
    SqliteTokenStore store{options_for(path)};
    RawDb raw{path};
    EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
    EXPECT_EQ(raw.text("PRAGMA user_version"), std::to_string(SqliteTokenStore::schema_version));
}

TEST(SqliteTokenStore, RefusesANewerSchema) {
    TempDir dir;
    auto path = dir.path() / "tokens.db";
    {
        RawDb raw{path};
        raw.exec("PRAGMA user_version=2");
    }
    EXPECT_EQ(store_error_of([&] { SqliteTokenStore store{options_for(path)}; }),
              errc::store_failed);
}

TEST(SqliteTokenStore, AFileThatIsNotADatabaseIsCorrupt) {
    TempDir dir;
    auto path = dir.path() / "tokens.db";
    std::string garbage;
    for (int i = 0; i < 200; ++i) {
        garbage += "this is not an SQLite database. ";
    }
    write_file(path, garbage);
    EXPECT_EQ(store_error_of([&] { SqliteTokenStore store{options_for(path)}; }),
              errc::store_corrupt);
}

TEST(SqliteTokenStore, AnUnwritableLocationIsUnavailable) {
    TempDir dir;
    write_file(dir.path() / "file", "x");
    // A directory cannot be created below a regular file.
    EXPECT_EQ(store_error_of(
                  [&] { SqliteTokenStore store{options_for(dir.path() / "file" / "tokens.db")}; }),
              errc::store_unavailable);
}

TEST(SqliteTokenStore, RecordsPersistAcrossInstances) {
    TempDir dir;
    auto path = dir.path() / "tokens.db";
    {
        SqliteTokenStore store{options_for(path)};
        store.save("persist", full_token_set("persist"));
    }
    SqliteTokenStore reopened{options_for(path)};
    auto loaded = reopened.load("persist");
    ASSERT_TRUE(loaded.has_value());
    expect_same_tokens(full_token_set("persist"), *loaded);
}

TEST(SqliteTokenStore, DefaultPathFollowsXdgStateHome) {
    TempDir dir;
    ::setenv("XDG_STATE_HOME", dir.path().c_str(), 1);
    EXPECT_EQ(default_sqlite_token_store_path(), dir.path() / "authflow" / "tokens.db");
    SqliteTokenStore store;
    EXPECT_EQ(store.path(), dir.path() / "authflow" / "tokens.db");
    EXPECT_EQ(mode_of(dir.path() / "authflow"), 0700u);
    ::unsetenv("XDG_STATE_HOME");
    ::setenv("HOME", dir.path().c_str(), 1);
    EXPECT_EQ(default_sqlite_token_store_path(),
              dir.path() / ".local" / "state" / "authflow" / "tokens.db");
}

TEST(SqliteTokenStore, WaitsForALockedDatabaseOnlyUpToBusyTimeout) {
    TempDir dir;
    auto path = dir.path() / "tokens.db";
    auto options = options_for(path);
    options.busy_timeout = std::chrono::milliseconds{50};
    SqliteTokenStore store{options};
    RawDb other{path};
    other.exec("BEGIN EXCLUSIVE");
    EXPECT_EQ(store_error_of([&] { store.save("k", full_token_set("k")); }),
              errc::store_unavailable);
    other.exec("COMMIT");
    store.save("k", full_token_set("k"));
    EXPECT_TRUE(store.exists("k"));
}

TEST(SqliteTokenStore, SaysOnceThatItIsNotEncrypted) {
    std::mutex mutex;
    std::vector<std::string> lines;
    set_log_level(LogLevel::info);
    set_log_callback([&](LogLevel, std::string_view line) {
        std::lock_guard lock(mutex);
        lines.emplace_back(line);
    });
    TempDir dir;
    auto path = dir.path() / "tokens.db";
    { SqliteTokenStore store{options_for(path)}; }
    { SqliteTokenStore store{options_for(path)}; }
    auto encrypted = options_for(dir.path() / "encrypted.db");
    encrypted.key = StoreKey::generate();
    { SqliteTokenStore store{encrypted}; }
    set_log_callback({});
    set_log_level(LogLevel::warning);
    int said = 0;
    for (const auto& line : lines) {
        said += line.find("not encrypted") != std::string::npos ? 1 : 0;
        EXPECT_EQ(line.find("encrypted.db"), std::string::npos);
    }
    EXPECT_EQ(said, 1);
}

TEST(SqliteTokenStore, PlainRecordsAreJsonWithoutAKey) {
    TempDir dir;
    auto path = dir.path() / "tokens.db";
    SqliteTokenStore store{options_for(path)};
    store.save("k", full_token_set("visible"));
    RawDb raw{path};
    EXPECT_EQ(raw.text("SELECT record FROM tokens WHERE key='k'").front(), '{');
}

// A file written by the earlier layout (schema 1 without the records table), holding a token
// set and a document kept inside a token set: both read, the document moves to its own table.
TEST(SqliteTokenStore, ReadsAFileOfTheEarlierLayout) {
    TempDir dir;
    auto path = dir.path() / "tokens.db";
    OAuthTokenSet carrier;
    carrier.access_token = "authflow-document";
    carrier.token_type = "authflow-document";
    carrier.raw = nlohmann::json{{"authflow-document", {{"version", 1}}}};
    carrier.issued_at = 0;
    {
        RawDb raw{path};
        raw.exec("CREATE TABLE tokens (key TEXT PRIMARY KEY NOT NULL, record TEXT NOT NULL,"
                 " expires_at INTEGER, updated_at INTEGER NOT NULL) WITHOUT ROWID;"
                 "CREATE TABLE leases (name TEXT PRIMARY KEY NOT NULL, holder TEXT NOT NULL,"
                 " expires_at INTEGER NOT NULL) WITHOUT ROWID;"
                 "PRAGMA user_version=1;");
        raw.exec("INSERT INTO tokens VALUES('p', '" + full_token_set("old").to_json_string() +
                 "', NULL, 1)");
        raw.exec("INSERT INTO tokens VALUES('p#settings', '" + carrier.to_json_string() +
                 "', NULL, 1)");
    }
    SqliteTokenStore store{options_for(path)};
    auto tokens = store.load("p");
    ASSERT_TRUE(tokens.has_value());
    expect_same_tokens(full_token_set("old"), *tokens);
    EXPECT_EQ(store.list_keys(), (std::vector<std::string>{"p", "p#settings"}));
    EXPECT_EQ(store.load_document("p#settings"), (nlohmann::json{{"version", 1}}));
    RawDb raw{path};
    EXPECT_EQ(raw.text("PRAGMA user_version"), "1");
    EXPECT_EQ(raw.text("SELECT kind FROM records WHERE key='p#settings'"), "documents");
    EXPECT_EQ(raw.text("SELECT count(*) FROM tokens WHERE key='p#settings'"), "0");
    EXPECT_EQ(raw.text("SELECT record FROM tokens WHERE key='p'").front(), '{');
}

TEST(SqliteTokenStore, DocumentsAreRowsOfTheirKind) {
    TempDir dir;
    auto path = dir.path() / "tokens.db";
    SqliteTokenStore store{options_for(path)};
    store.save_document("p#settings", nlohmann::json{{"client_id", "cli"}});
    store.put(RecordKind::document, "raw", every_byte());
    RawDb raw{path};
    EXPECT_EQ(raw.text("SELECT record FROM records WHERE kind='documents' AND key='p#settings'"),
              R"({"client_id":"cli"})");
    EXPECT_EQ(raw.text("SELECT length(CAST(record AS BLOB)) FROM records WHERE key='raw'"), "256");
    EXPECT_EQ(raw.text("SELECT count(*) FROM tokens"), "0");
}

// --- encryption at rest ----------------------------------------------------------------------

class EncryptedSqlite : public ::testing::Test {
protected:
    SqliteTokenStoreOptions options(std::optional<StoreKey> key) {
        auto result = options_for(path_);
        result.key = std::move(key);
        return result;
    }
    std::string record_of(const std::string& key) {
        RawDb raw{path_};
        return raw.text("SELECT record FROM tokens WHERE key='" + key + "'");
    }
    void set_record(const std::string& key, const std::string& record) {
        RawDb raw{path_};
        raw.exec("UPDATE tokens SET record='" + record + "' WHERE key='" + key + "'");
    }

    TempDir dir_;
    std::filesystem::path path_ = dir_.path() / "tokens.db";
    StoreKey key_ = StoreKey::generate();
};

TEST_F(EncryptedSqlite, RecordsAreEncryptedAtRest) {
    SqliteTokenStore store{options(key_)};
    store.save("alice", full_token_set("secret-value"));
    std::string record = record_of("alice");
    EXPECT_EQ(record.rfind("afenc1." + key_.key_id() + ".", 0), 0u);
    EXPECT_EQ(record.find("secret-value"), std::string::npos);
    std::string file = read_file(path_) + read_file(path_.string() + "-wal");
    EXPECT_EQ(file.find("secret-value"), std::string::npos);
    EXPECT_NE(file.find("alice"), std::string::npos); // the key itself is not secret
}

TEST_F(EncryptedSqlite, TamperedRecordFailsForThatKeyOnly) {
    SqliteTokenStore store{options(key_)};
    store.save("alice", full_token_set("alice"));
    store.save("bob", full_token_set("bob"));
    std::string record = record_of("alice");
    // Flip one character of the ciphertext (the last part), keeping it valid base64url.
    auto& c = record[record.size() - 30];
    c = c == 'A' ? 'B' : 'A';
    set_record("alice", record);
    EXPECT_EQ(store_error_of([&] { store.load("alice"); }), errc::decrypt_failed);
    EXPECT_TRUE(store.exists("alice"));
    ASSERT_TRUE(store.load("bob").has_value());
    EXPECT_EQ(store.load("bob")->access_token, "at-bob");
    // The damaged record can still be removed and saved again.
    EXPECT_TRUE(store.remove("alice"));
    store.save("alice", full_token_set("alice"));
    EXPECT_EQ(store.load("alice")->access_token, "at-alice");
}

TEST_F(EncryptedSqlite, SwappedRecordsFail) {
    SqliteTokenStore store{options(key_)};
    store.save("alice", full_token_set("alice"));
    store.save("mallory", full_token_set("mallory"));
    // Mallory's record under Alice's name: the name is bound as associated data.
    set_record("alice", record_of("mallory"));
    EXPECT_EQ(store_error_of([&] { store.load("alice"); }), errc::decrypt_failed);
    EXPECT_EQ(store.load("mallory")->access_token, "at-mallory");
}

TEST_F(EncryptedSqlite, WrongKeyFailsAndNamesBothKeyIds) {
    { SqliteTokenStore(options(key_)).save("alice", full_token_set("alice")); }
    StoreKey other = StoreKey::generate();
    SqliteTokenStore store{options(other)};
    try {
        store.load("alice");
        FAIL() << "loading with the wrong key must fail";
    } catch (const StoreError& error) {
        EXPECT_EQ(error.code(), errc::decrypt_failed);
        std::string text = error.what();
        EXPECT_NE(text.find(key_.key_id()), std::string::npos) << text;
        EXPECT_NE(text.find(other.key_id()), std::string::npos) << text;
        EXPECT_EQ(text.find(key_.to_base64()), std::string::npos);
        EXPECT_EQ(text.find(other.to_base64()), std::string::npos);
    }
    // Records saved with the new key work beside the old one.
    store.save("bob", full_token_set("bob"));
    EXPECT_EQ(store.load("bob")->access_token, "at-bob");
}

TEST_F(EncryptedSqlite, EncryptedRecordWithoutAKeyFails) {
    { SqliteTokenStore(options(key_)).save("alice", full_token_set("alice")); }
    SqliteTokenStore store{options(std::nullopt)};
    EXPECT_EQ(store_error_of([&] { store.load("alice"); }), errc::decrypt_failed);
}

TEST_F(EncryptedSqlite, PlainRecordIsRefusedWhenAKeyIsConfigured) {
    { SqliteTokenStore(options(std::nullopt)).save("alice", full_token_set("alice")); }
    SqliteTokenStore store{options(key_)};
    EXPECT_EQ(store_error_of([&] { store.load("alice"); }), errc::decrypt_failed);
}

TEST_F(EncryptedSqlite, MalformedRecordsAreCorrupt) {
    SqliteTokenStore store{options(key_)};
    store.save("alice", full_token_set("alice"));
    for (const std::string& bad : std::vector<std::string>{
             "afenc1.", "afenc1.xyz.AAAA.AAAA", "afenc1." + key_.key_id() + ".!!.AA",
             "afenc1." + key_.key_id() + ".AAAAAAAAAAAAAAAA.AAAA",
             "afenc1." + key_.key_id() + ".AAAAAAAAAAAAAAAA"}) {
        set_record("alice", bad);
        EXPECT_EQ(store_error_of([&] { store.load("alice"); }), errc::store_corrupt) << bad;
    }
}

// A store remembers records it decoded; what another writer changes must still show at once,
// and a record damaged after it was read must fail, not come back from memory.
TEST_F(EncryptedSqlite, RememberedRecordsNeverHideChangesOrDamage) {
    SqliteTokenStore writer{options(key_)};
    SqliteTokenStore reader{options(key_)};
    writer.save("alice", full_token_set("v1"));
    EXPECT_EQ(reader.load("alice")->access_token, "at-v1");
    EXPECT_EQ(reader.load("alice")->access_token, "at-v1");
    writer.save("alice", full_token_set("v2"));
    EXPECT_EQ(reader.load("alice")->access_token, "at-v2");
    std::string record = record_of("alice");
    record[record.size() - 30] = record[record.size() - 30] == 'A' ? 'B' : 'A';
    set_record("alice", record);
    EXPECT_EQ(store_error_of([&] { reader.load("alice"); }), errc::decrypt_failed);
    EXPECT_EQ(store_error_of([&] { writer.load("alice"); }), errc::decrypt_failed);
    writer.remove("alice");
    EXPECT_FALSE(reader.load("alice").has_value());
}

TEST_F(EncryptedSqlite, ManyMoreKeysThanTheDecodeCacheHolds) {
    SqliteTokenStore store{options(key_)};
    for (int i = 0; i < 600; ++i) {
        store.save("k" + std::to_string(i), full_token_set("k" + std::to_string(i)));
    }
    for (int round = 0; round < 2; ++round) {
        for (int i = 0; i < 600; ++i) {
            auto loaded = store.load("k" + std::to_string(i));
            ASSERT_TRUE(loaded.has_value()) << i;
            ASSERT_EQ(loaded->access_token, "at-k" + std::to_string(i));
        }
    }
}

TEST_F(EncryptedSqlite, CorruptPlainRecordFailsForThatKeyOnly) {
    SqliteTokenStore store{options(std::nullopt)};
    store.save("alice", full_token_set("alice"));
    store.save("bob", full_token_set("bob"));
    for (const std::string& bad :
         std::vector<std::string>{"{not json", "{}", "[1,2]", R"({"access_token":""})",
                                  R"({"access_token":"x","expires_in":-5})"}) {
        set_record("alice", bad);
        EXPECT_EQ(store_error_of([&] { store.load("alice"); }), errc::store_corrupt) << bad;
    }
    EXPECT_EQ(store.load("bob")->access_token, "at-bob");
}

} // namespace
} // namespace authflow::test

#include "unit/store/record_store_contract.hpp"

#include <authflow/store/memory_token_store.hpp>

#include <map>
#include <utility>

namespace authflow::test {
namespace {

struct MemoryBackend {
    static constexpr const char* name = "Memory";
    static constexpr bool manual_time = true;
    static constexpr bool shared = false;
    std::shared_ptr<TokenStore> make(std::shared_ptr<ManualClock> clock) {
        MemoryTokenStoreOptions options;
        options.clock = std::move(clock);
        return std::make_shared<MemoryTokenStore>(options);
    }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Store, TokenStoreContract, ::testing::Types<MemoryBackend>,
                               BackendNames);
INSTANTIATE_TYPED_TEST_SUITE_P(Store, RecordStoreContract, ::testing::Types<MemoryBackend>,
                               BackendNames);

TEST(MemoryTokenStore, StoreWideRecordTtlAppliesToSavesWithoutTtl) {
    auto clock = std::make_shared<ManualClock>();
    MemoryTokenStoreOptions options;
    options.clock = clock;
    options.record_ttl = std::chrono::minutes{10};
    MemoryTokenStore store{options};
    store.save("default-ttl", full_token_set("a"));
    store.save("own-ttl", full_token_set("b"), std::chrono::hours{1});
    clock->advance(std::chrono::minutes{11});
    EXPECT_FALSE(store.exists("default-ttl"));
    EXPECT_TRUE(store.exists("own-ttl"));
}

// Deploy mode saves one token set per sign-in and may never read it again: a save drops what
// has expired, so the store holds what was saved within one TTL, not every sign-in ever.
TEST(MemoryTokenStore, SavesDropExpiredRecordsNobodyReads) {
    auto clock = std::make_shared<ManualClock>();
    MemoryTokenStoreOptions options;
    options.clock = clock;
    options.record_ttl = std::chrono::minutes{10};
    MemoryTokenStore store{options};
    for (int i = 0; i < 100; ++i) {
        store.save("sign-in-" + std::to_string(i), full_token_set("s"));
        clock->advance(std::chrono::seconds{10});
    }
    EXPECT_EQ(store.record_count(), 60u); // the saves of the last 10 minutes
    clock->advance(std::chrono::minutes{11});
    store.save("later", full_token_set("l"));
    EXPECT_EQ(store.record_count(), 1u);
    EXPECT_TRUE(store.exists("later"));
}

TEST(MemoryTokenStore, CapDropsTheRecordThatExpiresSoonest) {
    auto clock = std::make_shared<ManualClock>();
    MemoryTokenStoreOptions options;
    options.clock = clock;
    options.max_records = 3;
    MemoryTokenStore store{options};
    store.save("kept", full_token_set("k")); // no TTL: never dropped for room
    store.save("soon", full_token_set("a"), std::chrono::minutes{5});
    store.save("late", full_token_set("b"), std::chrono::minutes{50});
    store.save("new", full_token_set("c"), std::chrono::minutes{10});
    EXPECT_EQ(store.record_count(), 3u);
    EXPECT_TRUE(store.exists("kept"));
    EXPECT_FALSE(store.exists("soon"));
    EXPECT_TRUE(store.exists("late"));
    EXPECT_TRUE(store.exists("new"));
    // Saving over a record replaces it without dropping another.
    store.save("new", full_token_set("d"), std::chrono::minutes{1});
    EXPECT_EQ(store.record_count(), 3u);
    EXPECT_TRUE(store.exists("late"));
    options.max_records = 0;
    EXPECT_THROW(MemoryTokenStore{options}, Error);
}

TEST(MemoryTokenStore, SeparateInstancesDoNotShare) {
    MemoryTokenStore one;
    MemoryTokenStore two;
    one.save("k", full_token_set("k"));
    EXPECT_FALSE(two.exists("k"));
    auto lease = one.try_acquire("l", std::chrono::seconds{5});
    EXPECT_NE(two.try_acquire("l", std::chrono::seconds{5}), nullptr);
}

TEST(MemoryTokenStore, LeaseOutlivesItsStore) {
    std::unique_ptr<Lease> lease;
    {
        MemoryTokenStore store;
        lease = store.try_acquire("l", std::chrono::seconds{5});
        ASSERT_NE(lease, nullptr);
    }
    // The lease keeps what it needs alive: releasing after the store is gone is safe.
    EXPECT_TRUE(lease->release());
}

// Records in a map; writing a document fails (a store that became read-only).
class NoNewDocumentsStore final : public TokenStore {
public:
    NoNewDocumentsStore() : TokenStore("memory") {}
    std::string_view backend() const noexcept override { return "memory"; }

protected:
    void do_put(RecordKind kind, const std::string& key, std::string_view value,
                std::optional<std::chrono::milliseconds>) override {
        if (kind == RecordKind::document) {
            throw StoreError(errc::store_unavailable, "memory store: read-only");
        }
        records_[{kind, key}] = std::string{value};
    }
    std::optional<std::string> do_get(RecordKind kind, const std::string& key) override {
        auto it = records_.find({kind, key});
        return it == records_.end() ? std::nullopt : std::optional<std::string>{it->second};
    }
    bool do_erase(RecordKind kind, const std::string& key) override {
        return records_.erase({kind, key}) != 0;
    }
    bool do_contains(RecordKind kind, const std::string& key) override {
        return records_.count({kind, key}) != 0;
    }
    std::vector<std::string> do_keys(RecordKind) override { return {}; }
    std::shared_ptr<detail::LeaseBackend> lease_backend() override { return nullptr; }

private:
    std::map<std::pair<RecordKind, std::string>, std::string> records_;
};

TEST(TokenStoreDocuments, AnEarlierDocumentStaysReadableWhenItCannotBeMoved) {
    NoNewDocumentsStore store;
    OAuthTokenSet carrier;
    carrier.access_token = "authflow-document";
    carrier.token_type = "authflow-document";
    carrier.raw = nlohmann::json{{"authflow-document", {{"version", 1}}}};
    carrier.issued_at = 0;
    store.put(RecordKind::token_set, "p#settings", carrier.to_json_string());
    EXPECT_EQ(store.load_document("p#settings"), (nlohmann::json{{"version", 1}}));
    EXPECT_TRUE(store.contains(RecordKind::token_set, "p#settings"));
    EXPECT_EQ(store.load_document("p#settings"), (nlohmann::json{{"version", 1}}));
    EXPECT_EQ(store_error_of([&] { store.save_document("q", nlohmann::json::object()); }),
              errc::store_unavailable);
}

TEST(MemoryTokenStore, BackendNameIsMemory) {
    MemoryTokenStore store;
    EXPECT_EQ(store.backend(), "memory");
}

} // namespace
} // namespace authflow::test

#include "unit/store/record_store_contract.hpp"

#include <authflow/store/memory_token_store.hpp>

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

TEST(MemoryTokenStore, BackendNameIsMemory) {
    MemoryTokenStore store;
    EXPECT_EQ(store.backend(), "memory");
}

} // namespace
} // namespace authflow::test

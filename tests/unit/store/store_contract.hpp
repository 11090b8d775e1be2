#pragma once
// The TokenStore contract, one typed test suite run against every backend.
//
// A Backend type provides:
//   static constexpr const char* name;  // a C++ identifier: it names the instantiation
//   static bool available();            // optional: false when its service is missing
//   static constexpr bool manual_time;   // record TTLs and leases follow the injected ManualClock;
//                                        // false: the backend keeps time itself (real waits)
//   static constexpr bool shared;        // two stores made by make() share records and leases
//   std::shared_ptr<authflow::TokenStore> make(std::shared_ptr<authflow::ManualClock> clock);
// A Backend object is made per test and isolates that test's data (its own file, prefix or
// service).

#include "support/test_env.hpp"
#include "unit/store/store_test_helpers.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/store/token_store.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace authflow::test {

/// Names each instantiation after its backend (INSTANTIATE_TYPED_TEST_SUITE_P's last argument).
struct BackendNames {
    template <class Backend> static std::string GetName(int) { return Backend::name; }
};

template <class Backend> class TokenStoreContract : public ::testing::Test {
protected:
    void SetUp() override {
        if constexpr (requires { Backend::available(); }) {
            AUTHFLOW_REQUIRE_SERVICE(Backend::available(), Backend::name);
        }
        backend_ = std::make_unique<Backend>();
        store_ = backend_->make(clock_);
    }

    /// Lets `duration` pass for the store: the manual clock moves, or real time passes.
    void pass(std::chrono::milliseconds duration) {
        if constexpr (Backend::manual_time) {
            clock_->advance(duration);
        } else {
            std::this_thread::sleep_for(duration);
        }
    }

    /// A lease or record TTL: long under the manual clock; short and real otherwise, with enough
    /// room that a loaded machine does not miss it.
    static std::chrono::milliseconds ttl() { return Backend::manual_time ? 30s : 500ms; }

    std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>();
    std::unique_ptr<Backend> backend_;
    std::shared_ptr<TokenStore> store_;
};

TYPED_TEST_SUITE_P(TokenStoreContract);

TYPED_TEST_P(TokenStoreContract, RoundTripsEveryField) {
    auto tokens = full_token_set("every-field");
    this->store_->save("alice", tokens);
    auto loaded = this->store_->load("alice");
    ASSERT_TRUE(loaded.has_value());
    expect_same_tokens(tokens, *loaded);
}

TYPED_TEST_P(TokenStoreContract, RoundTripsAbsentOptionalFields) {
    OAuthTokenSet tokens;
    tokens.access_token = "only-access";
    tokens.token_type = "DPoP";
    tokens.issued_at = 1767225600;
    this->store_->save("minimal", tokens);
    auto loaded = this->store_->load("minimal");
    ASSERT_TRUE(loaded.has_value());
    expect_same_tokens(tokens, *loaded);
    EXPECT_FALSE(loaded->refresh_token.has_value());
    EXPECT_FALSE(loaded->id_token.has_value());
    EXPECT_FALSE(loaded->expires_in.has_value());
}

TYPED_TEST_P(TokenStoreContract, RoundTripsTheDpopKey) {
    auto tokens = dpop_token_set("dpop-key-round-trip");
    this->store_->save("bound", tokens);
    auto loaded = this->store_->load("bound");
    ASSERT_TRUE(loaded.has_value());
    expect_same_tokens(tokens, *loaded);
    ASSERT_TRUE(loaded->dpop_key.has_value());
    EXPECT_EQ(loaded->token_type, "DPoP");
    // Saved again after a refresh, the key stays with the tokens.
    loaded->access_token = "at-refreshed";
    this->store_->save("bound", *loaded);
    EXPECT_TRUE(this->store_->load("bound")->dpop_key == tokens.dpop_key);
}

TYPED_TEST_P(TokenStoreContract, RoundTripsUnicode) {
    auto tokens = full_token_set("ünïcødé");
    tokens.access_token = "tök€n-🔑-日本語";
    tokens.scope = "openid prófile";
    tokens.raw["name"] = "Zoë Ødegård 😀";
    std::string key = "användare@例え.jp";
    this->store_->save(key, tokens);
    auto loaded = this->store_->load(key);
    ASSERT_TRUE(loaded.has_value());
    expect_same_tokens(tokens, *loaded);
    EXPECT_EQ(this->store_->list_keys(), std::vector<std::string>{key});
}

TYPED_TEST_P(TokenStoreContract, RoundTrips16KiBTokens) {
    auto tokens = full_token_set("large");
    auto big = [](char seed) {
        std::string text(16 * 1024, 'x');
        for (std::size_t i = 0; i < text.size(); ++i) {
            text[i] = static_cast<char>('A' + (seed + i * 7) % 26);
        }
        return text;
    };
    tokens.access_token = big('a');
    tokens.refresh_token = big('r');
    tokens.id_token = big('i');
    tokens.raw["access_token"] = tokens.access_token;
    this->store_->save("large", tokens);
    auto loaded = this->store_->load("large");
    ASSERT_TRUE(loaded.has_value());
    expect_same_tokens(tokens, *loaded);
}

TYPED_TEST_P(TokenStoreContract, AbsentKeyIsEmpty) {
    EXPECT_FALSE(this->store_->load("nobody").has_value());
    EXPECT_FALSE(this->store_->exists("nobody"));
    EXPECT_FALSE(this->store_->remove("nobody"));
    EXPECT_TRUE(this->store_->list_keys().empty());
}

TYPED_TEST_P(TokenStoreContract, SaveOverwrites) {
    this->store_->save("bob", full_token_set("first"));
    this->store_->save("bob", full_token_set("second"));
    auto loaded = this->store_->load("bob");
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(loaded->access_token, "at-second");
    EXPECT_EQ(this->store_->list_keys(), std::vector<std::string>{"bob"});
}

TYPED_TEST_P(TokenStoreContract, RemoveDeletesOnlyThatKey) {
    this->store_->save("carol", full_token_set("carol"));
    this->store_->save("dave", full_token_set("dave"));
    EXPECT_TRUE(this->store_->exists("carol"));
    EXPECT_TRUE(this->store_->remove("carol"));
    EXPECT_FALSE(this->store_->exists("carol"));
    EXPECT_FALSE(this->store_->load("carol").has_value());
    EXPECT_FALSE(this->store_->remove("carol"));
    ASSERT_TRUE(this->store_->load("dave").has_value());
    EXPECT_EQ(this->store_->load("dave")->access_token, "at-dave");
}

TYPED_TEST_P(TokenStoreContract, ListsEveryKeySorted) {
    std::vector<std::string> keys{"zed", "alice", "user:42", "a b c", "émile", "sha256:ab12"};
    for (const auto& key : keys) {
        this->store_->save(key, full_token_set(key));
    }
    std::sort(keys.begin(), keys.end());
    EXPECT_EQ(this->store_->list_keys(), keys);
    this->store_->remove("user:42");
    keys.erase(std::find(keys.begin(), keys.end(), "user:42"));
    EXPECT_EQ(this->store_->list_keys(), keys);
}

TYPED_TEST_P(TokenStoreContract, LoadReturnsACopy) {
    this->store_->save("copy", full_token_set("copy"));
    auto first = this->store_->load("copy");
    ASSERT_TRUE(first.has_value());
    first->access_token = "changed by the caller";
    first->raw["nested"] = "changed";
    auto second = this->store_->load("copy");
    ASSERT_TRUE(second.has_value());
    expect_same_tokens(full_token_set("copy"), *second);
}

TYPED_TEST_P(TokenStoreContract, RejectsInvalidKeys) {
    auto& store = *this->store_;
    auto tokens = full_token_set("x");
    EXPECT_EQ(store_error_of([&] { store.save("", tokens); }), errc::invalid_argument);
    EXPECT_EQ(store_error_of([&] { store.load(std::string(513, 'k')); }), errc::invalid_argument);
    EXPECT_EQ(store_error_of([&] { store.exists("line\nbreak"); }), errc::invalid_argument);
    EXPECT_EQ(store_error_of([&] { store.remove(std::string("nul\0byte", 8)); }),
              errc::invalid_argument);
    EXPECT_EQ(store_error_of([&] { store.save("\xc3\x28", tokens); }), errc::invalid_argument);
    EXPECT_EQ(store_error_of([&] { store.save("overlong\xc0\xaf", tokens); }),
              errc::invalid_argument);
    EXPECT_EQ(store_error_of([&] { store.save("ok", tokens, 0ms); }), errc::invalid_argument);
    EXPECT_EQ(store_error_of([&] { store.try_acquire("", 1s); }), errc::invalid_argument);
    EXPECT_EQ(store_error_of([&] { store.try_acquire("lease", 0ms); }), errc::invalid_argument);
    EXPECT_EQ(store_error_of([&] { store.try_acquire("lease", -5ms); }), errc::invalid_argument);
    // A key of exactly 512 bytes is fine.
    store.save(std::string(512, 'k'), tokens);
    EXPECT_TRUE(store.exists(std::string(512, 'k')));
    EXPECT_TRUE(store.list_keys().size() == 1);
}

TYPED_TEST_P(TokenStoreContract, EightThreadsThousandOperationsEach) {
    constexpr int threads = 8;
    constexpr int operations = 1000;
    auto& store = *this->store_;
    std::atomic<int> failures{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            std::vector<int> version(10, -1); // what this thread last saved under each own key
            auto own = [t](int k) { return "t" + std::to_string(t) + "-k" + std::to_string(k); };
            try {
                for (int i = 0; i < operations; ++i) {
                    int k = i % 10;
                    std::string key = own(k);
                    switch ((i / 10) % 5) {
                    case 0: // save own key
                        store.save(key, full_token_set(key + "-v" + std::to_string(i)));
                        version[k] = i;
                        break;
                    case 1: { // load own key: exactly what this thread saved
                        auto loaded = store.load(key);
                        bool ok = version[k] < 0 ? !loaded.has_value()
                                                 : loaded && loaded->access_token ==
                                                                 "at-" + key + "-v" +
                                                                     std::to_string(version[k]);
                        failures += ok ? 0 : 1;
                        break;
                    }
                    case 2: // exists
                        failures += store.exists(key) == (version[k] >= 0) ? 0 : 1;
                        break;
                    case 3: { // shared key: every thread writes, any complete value may be read
                        store.save("shared", full_token_set("shared-" + std::to_string(t)));
                        auto loaded = store.load("shared");
                        bool ok = loaded && loaded->access_token.rfind("at-shared-", 0) == 0 &&
                                  loaded->refresh_token == "rt-" + loaded->access_token.substr(3);
                        failures += ok ? 0 : 1;
                        break;
                    }
                    default: // remove own key every other round
                        if ((i / 50) % 2 == 1) {
                            failures += store.remove(key) == (version[k] >= 0) ? 0 : 1;
                            version[k] = -1;
                        }
                        break;
                    }
                }
            } catch (const std::exception& error) {
                ADD_FAILURE() << "thread " << t << ": " << error.what();
                failures += 1000;
            }
            // Afterwards, every own key holds what this thread saved last, or nothing.
            for (int k = 0; k < 10; ++k) {
                auto loaded = store.load(own(k));
                bool ok = version[k] < 0
                              ? !loaded.has_value()
                              : loaded && loaded->access_token ==
                                              "at-" + own(k) + "-v" + std::to_string(version[k]);
                failures += ok ? 0 : 1;
            }
        });
    }
    for (auto& worker : workers) {
        worker.join();
    }
    EXPECT_EQ(failures.load(), 0);
    auto keys = store.list_keys();
    EXPECT_NE(std::find(keys.begin(), keys.end(), "shared"), keys.end());
}

TYPED_TEST_P(TokenStoreContract, RecordTtlExpires) {
    auto ttl = this->ttl();
    this->store_->save("session-bound", full_token_set("ttl"), ttl);
    this->store_->save("forever", full_token_set("forever"));
    EXPECT_TRUE(this->store_->exists("session-bound"));
    this->pass(ttl / 4);
    EXPECT_TRUE(this->store_->load("session-bound").has_value());
    this->pass(ttl + ttl / 2);
    EXPECT_FALSE(this->store_->load("session-bound").has_value());
    EXPECT_FALSE(this->store_->exists("session-bound"));
    EXPECT_EQ(this->store_->list_keys(), std::vector<std::string>{"forever"});
}

TYPED_TEST_P(TokenStoreContract, SaveWithoutTtlClearsAnEarlierTtl) {
    auto ttl = this->ttl();
    this->store_->save("k", full_token_set("one"), ttl);
    this->store_->save("k", full_token_set("two"));
    this->pass(ttl + ttl / 2);
    auto loaded = this->store_->load("k");
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(loaded->access_token, "at-two");
}

TYPED_TEST_P(TokenStoreContract, LeaseIsExclusive) {
    auto& store = *this->store_;
    auto first = store.try_acquire("refresh:alice", this->ttl());
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->name(), "refresh:alice");
    EXPECT_EQ(store.try_acquire("refresh:alice", this->ttl()), nullptr);
    // Another name is independent, and lease names do not collide with token keys.
    store.save("refresh:alice", full_token_set("not-a-lease"));
    auto other = store.try_acquire("refresh:bob", this->ttl());
    EXPECT_NE(other, nullptr);
    if constexpr (TypeParam::shared) {
        auto peer = this->backend_->make(this->clock_);
        EXPECT_EQ(peer->try_acquire("refresh:alice", this->ttl()), nullptr);
        EXPECT_TRUE(first->release());
        EXPECT_NE(peer->try_acquire("refresh:alice", this->ttl()), nullptr);
    }
}

TYPED_TEST_P(TokenStoreContract, ReleasedLeaseCanBeTakenAgain) {
    auto& store = *this->store_;
    auto first = store.try_acquire("l", this->ttl());
    ASSERT_NE(first, nullptr);
    EXPECT_TRUE(first->release());
    EXPECT_TRUE(first->is_released());
    EXPECT_FALSE(first->release());
    EXPECT_EQ(store_error_of([&] { first->renew(this->ttl()); }), errc::lease_lost);
    auto second = store.try_acquire("l", this->ttl());
    ASSERT_NE(second, nullptr);
    // Destroying a lease releases it.
    second.reset();
    EXPECT_NE(store.try_acquire("l", this->ttl()), nullptr);
}

TYPED_TEST_P(TokenStoreContract, LeaseExpiresAndOnlyTheHolderReleases) {
    auto& store = *this->store_;
    auto ttl = this->ttl();
    auto first = store.try_acquire("l", ttl);
    ASSERT_NE(first, nullptr);
    this->pass(ttl + ttl / 2);
    auto second = store.try_acquire("l", ttl);
    ASSERT_NE(second, nullptr) << "an expired lease must be free";
    // The first holder's lease is gone: it can neither renew nor release the second's.
    EXPECT_EQ(store_error_of([&] { first->renew(ttl); }), errc::lease_lost);
    EXPECT_FALSE(first->release());
    EXPECT_EQ(store.try_acquire("l", ttl), nullptr) << "the second holder must keep its lease";
    EXPECT_TRUE(second->release());
}

TYPED_TEST_P(TokenStoreContract, RenewExtendsTheLease) {
    auto& store = *this->store_;
    auto ttl = this->ttl();
    auto lease = store.try_acquire("l", ttl);
    ASSERT_NE(lease, nullptr);
    this->pass(ttl * 6 / 10);
    lease->renew(ttl);
    this->pass(ttl * 6 / 10);
    // 1.2 TTL after the start: held only because of the renewal.
    EXPECT_EQ(store.try_acquire("l", ttl), nullptr);
    lease->renew(ttl);
    this->pass(ttl * 6 / 10);
    EXPECT_EQ(store.try_acquire("l", ttl), nullptr);
    this->pass(ttl);
    EXPECT_NE(store.try_acquire("l", ttl), nullptr);
}

TYPED_TEST_P(TokenStoreContract, LeaseExcludesThreads) {
    auto& store = *this->store_;
    constexpr int threads = 8;
    constexpr int rounds = 50;
    std::atomic<int> inside{0};
    std::atomic<int> overlaps{0};
    std::atomic<int> acquired{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            int mine = 0;
            while (mine < rounds) {
                auto lease = store.try_acquire("critical", 60s);
                if (!lease) {
                    std::this_thread::yield();
                    continue;
                }
                if (inside.fetch_add(1) != 0) {
                    ++overlaps;
                }
                std::this_thread::yield();
                inside.fetch_sub(1);
                lease->release();
                ++mine;
                ++acquired;
            }
        });
    }
    for (auto& worker : workers) {
        worker.join();
    }
    EXPECT_EQ(overlaps.load(), 0);
    EXPECT_EQ(acquired.load(), threads * rounds);
}

REGISTER_TYPED_TEST_SUITE_P(TokenStoreContract, RoundTripsEveryField,
                            RoundTripsAbsentOptionalFields, RoundTripsTheDpopKey, RoundTripsUnicode,
                            RoundTrips16KiBTokens, AbsentKeyIsEmpty, SaveOverwrites,
                            RemoveDeletesOnlyThatKey, ListsEveryKeySorted, LoadReturnsACopy,
                            RejectsInvalidKeys, EightThreadsThousandOperationsEach,
                            RecordTtlExpires, SaveWithoutTtlClearsAnEarlierTtl, LeaseIsExclusive,
                            ReleasedLeaseCanBeTakenAgain, LeaseExpiresAndOnlyTheHolderReleases,
                            RenewExtendsTheLease, LeaseExcludesThreads);

} // namespace authflow::test

#pragma once
// The RecordStore contract (the byte layer under TokenStore), one typed test suite run against
// every backend: bytes stored as given under (kind, key), TTLs, kinds as separate key spaces,
// leases; and the typed layers on top (documents kept apart from token sets, documents of
// earlier versions moved on read).
//
// A Backend type is the one of store_contract.hpp; when it has a member `key` (a StoreKey), the
// stores it makes encrypt with that key.

#include "support/test_env.hpp"
#include "unit/store/store_contract.hpp"
#include "unit/store/store_test_helpers.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/store/encryption.hpp>
#include <authflow/store/record_store.hpp>
#include <authflow/store/token_store.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace authflow::test {

/// Every byte value, NUL and invalid UTF-8 included, `repeat` times over.
inline std::string every_byte(std::size_t repeat = 1) {
    std::string bytes;
    for (std::size_t r = 0; r < repeat; ++r) {
        for (int b = 0; b < 256; ++b) {
            bytes.push_back(static_cast<char>((b + r) % 256));
        }
    }
    return bytes;
}

template <class Backend> class RecordStoreContract : public TokenStoreContract<Backend> {
protected:
    RecordStore& records() { return *this->store_; }

    /// A record as an earlier version's save_document wrote it: a token set carrying the
    /// document, in the token-set records, sealed like them.
    std::string legacy_document_record(std::string_view key, const nlohmann::json& document) {
        OAuthTokenSet carrier;
        carrier.access_token = "authflow-document";
        carrier.token_type = "authflow-document";
        carrier.raw = nlohmann::json{{"authflow-document", document}};
        carrier.issued_at = 0;
        std::string json = carrier.to_json_string();
        if constexpr (requires(Backend backend) { backend.key; }) {
            RecordCipher cipher{this->backend_->key};
            return cipher.encrypt(this->store_->record_name(RecordKind::token_set, key), json);
        } else {
            return json;
        }
    }
};

TYPED_TEST_SUITE_P(RecordStoreContract);

TYPED_TEST_P(RecordStoreContract, KeepsAnyBytesAsGiven) {
    auto& store = this->records();
    const std::string bytes = every_byte(4);
    store.put(RecordKind::token_set, "binary", bytes);
    store.put(RecordKind::document, "binary", "plain text, not sealed");
    store.put(RecordKind::document, "empty", "");
    EXPECT_EQ(store.get(RecordKind::token_set, "binary"), bytes);
    EXPECT_EQ(store.get(RecordKind::document, "binary"), "plain text, not sealed");
    EXPECT_EQ(store.get(RecordKind::document, "empty"), "");
}

TYPED_TEST_P(RecordStoreContract, KeepsLargeValues) {
    auto& store = this->records();
    const std::string bytes = every_byte(1024); // 256 KiB
    store.put(RecordKind::document, "large", bytes);
    auto loaded = store.get(RecordKind::document, "large");
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(loaded->size(), bytes.size());
    EXPECT_TRUE(*loaded == bytes);
}

TYPED_TEST_P(RecordStoreContract, AbsentRecordIsEmpty) {
    auto& store = this->records();
    for (RecordKind kind : record_kinds) {
        EXPECT_FALSE(store.get(kind, "nobody").has_value());
        EXPECT_FALSE(store.contains(kind, "nobody"));
        EXPECT_FALSE(store.erase(kind, "nobody"));
        EXPECT_TRUE(store.keys(kind).empty());
    }
}

TYPED_TEST_P(RecordStoreContract, PutReplacesAndEraseRemovesOneRecord) {
    auto& store = this->records();
    store.put(RecordKind::document, "a", "one");
    store.put(RecordKind::document, "a", "two");
    store.put(RecordKind::document, "b", "bee");
    EXPECT_EQ(store.get(RecordKind::document, "a"), "two");
    EXPECT_TRUE(store.contains(RecordKind::document, "a"));
    EXPECT_TRUE(store.erase(RecordKind::document, "a"));
    EXPECT_FALSE(store.contains(RecordKind::document, "a"));
    EXPECT_FALSE(store.get(RecordKind::document, "a").has_value());
    EXPECT_FALSE(store.erase(RecordKind::document, "a"));
    EXPECT_EQ(store.get(RecordKind::document, "b"), "bee");
}

TYPED_TEST_P(RecordStoreContract, KindsAreSeparateKeySpaces) {
    auto& store = this->records();
    store.put(RecordKind::token_set, "shared-key", "token bytes");
    store.put(RecordKind::document, "shared-key", "document bytes");
    store.put(RecordKind::document, "only-document", "d");
    EXPECT_EQ(store.get(RecordKind::token_set, "shared-key"), "token bytes");
    EXPECT_EQ(store.get(RecordKind::document, "shared-key"), "document bytes");
    EXPECT_EQ(store.keys(RecordKind::token_set), std::vector<std::string>{"shared-key"});
    EXPECT_EQ(store.keys(RecordKind::document),
              (std::vector<std::string>{"only-document", "shared-key"}));
    EXPECT_FALSE(store.contains(RecordKind::token_set, "only-document"));
    EXPECT_TRUE(store.erase(RecordKind::token_set, "shared-key"));
    EXPECT_EQ(store.get(RecordKind::document, "shared-key"), "document bytes");
}

TYPED_TEST_P(RecordStoreContract, KeysAreSortedAndFollowTheRecords) {
    auto& store = this->records();
    std::vector<std::string> keys{"zed", "alice", "user:42", "a b c", "émile", "sha256:ab12"};
    for (const auto& key : keys) {
        store.put(RecordKind::document, key, key);
    }
    std::sort(keys.begin(), keys.end());
    EXPECT_EQ(store.keys(RecordKind::document), keys);
    store.erase(RecordKind::document, "user:42");
    keys.erase(std::find(keys.begin(), keys.end(), "user:42"));
    EXPECT_EQ(store.keys(RecordKind::document), keys);
}

TYPED_TEST_P(RecordStoreContract, TtlEndsTheRecordAndPutWithoutTtlClearsIt) {
    auto& store = this->records();
    auto ttl = this->ttl();
    store.put(RecordKind::document, "short", "s", ttl);
    store.put(RecordKind::document, "made-permanent", "p1", ttl);
    store.put(RecordKind::document, "made-permanent", "p2");
    store.put(RecordKind::token_set, "forever", "f");
    this->pass(ttl / 4);
    EXPECT_EQ(store.get(RecordKind::document, "short"), "s");
    this->pass(ttl + ttl / 2);
    EXPECT_FALSE(store.get(RecordKind::document, "short").has_value());
    EXPECT_FALSE(store.contains(RecordKind::document, "short"));
    EXPECT_FALSE(store.erase(RecordKind::document, "short"));
    EXPECT_EQ(store.get(RecordKind::document, "made-permanent"), "p2");
    EXPECT_EQ(store.keys(RecordKind::document), std::vector<std::string>{"made-permanent"});
    EXPECT_EQ(store.get(RecordKind::token_set, "forever"), "f");
}

TYPED_TEST_P(RecordStoreContract, RejectsInvalidKeysAndTtls) {
    auto& store = this->records();
    EXPECT_EQ(store_error_of([&] { store.put(RecordKind::document, "", "v"); }),
              errc::invalid_argument);
    EXPECT_EQ(store_error_of([&] { store.get(RecordKind::document, std::string(513, 'k')); }),
              errc::invalid_argument);
    EXPECT_EQ(store_error_of([&] { store.contains(RecordKind::document, "line\nbreak"); }),
              errc::invalid_argument);
    EXPECT_EQ(store_error_of([&] { store.erase(RecordKind::token_set, "\xc3\x28"); }),
              errc::invalid_argument);
    EXPECT_EQ(store_error_of([&] { store.put(RecordKind::document, "ok", "v", 0ms); }),
              errc::invalid_argument);
    EXPECT_EQ(store_error_of([&] { store.put(RecordKind::document, "ok", "v", -1ms); }),
              errc::invalid_argument);
    EXPECT_TRUE(store.keys(RecordKind::document).empty());
}

TYPED_TEST_P(RecordStoreContract, StoresOfOnePlaceShareRecordsOrNone) {
    auto peer = this->backend_->make(this->clock_);
    this->records().put(RecordKind::document, "k", every_byte());
    if constexpr (TypeParam::shared) {
        EXPECT_EQ(peer->get(RecordKind::document, "k"), every_byte());
        EXPECT_TRUE(peer->erase(RecordKind::document, "k"));
        EXPECT_FALSE(this->records().contains(RecordKind::document, "k"));
    } else {
        // Records of this backend live in one store object.
        EXPECT_FALSE(peer->contains(RecordKind::document, "k"));
        EXPECT_TRUE(this->records().contains(RecordKind::document, "k"));
    }
}

TYPED_TEST_P(RecordStoreContract, LeaseIsExclusiveUntilReleasedOrExpired) {
    auto& store = this->records();
    auto ttl = this->ttl();
    auto first = store.try_acquire("l", ttl);
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(store.try_acquire("l", ttl), nullptr);
    // Lease names are not record keys.
    EXPECT_FALSE(store.contains(RecordKind::token_set, "l"));
    EXPECT_TRUE(first->release());
    auto second = store.try_acquire("l", ttl);
    ASSERT_NE(second, nullptr);
    this->pass(ttl + ttl / 2);
    EXPECT_NE(store.try_acquire("l", ttl), nullptr) << "an expired lease must be free";
    EXPECT_FALSE(second->release());
}

TYPED_TEST_P(RecordStoreContract, PutIfHeldWritesOnlyWhileTheLeaseIsHeld) {
    auto& store = this->records();
    auto ttl = this->ttl();
    auto first = store.try_acquire("refresh", ttl);
    ASSERT_NE(first, nullptr);
    EXPECT_TRUE(store.put_if_held(*first, RecordKind::document, "k", every_byte()));
    EXPECT_EQ(store.get(RecordKind::document, "k"), every_byte());
    // Expired: refused even while nobody else holds it.
    this->pass(ttl + ttl / 2);
    EXPECT_FALSE(store.put_if_held(*first, RecordKind::document, "k", "late"));
    EXPECT_EQ(store.get(RecordKind::document, "k"), every_byte());
    // Another holder took it (from another store object of the same place, when shared): the
    // first holder's write is refused and the next holder's goes through.
    auto peer = this->backend_->make(this->clock_);
    RecordStore& next_store = TypeParam::shared ? static_cast<RecordStore&>(*peer) : store;
    auto next = next_store.try_acquire("refresh", ttl);
    ASSERT_NE(next, nullptr);
    EXPECT_FALSE(store.put_if_held(*first, RecordKind::document, "k", "stale"));
    EXPECT_TRUE(next_store.put_if_held(*next, RecordKind::document, "k", "next"));
    EXPECT_EQ(store.get(RecordKind::document, "k"), "next");
    // Released: refused.
    EXPECT_TRUE(next->release());
    EXPECT_FALSE(next_store.put_if_held(*next, RecordKind::document, "k", "after release"));
    EXPECT_EQ(store.get(RecordKind::document, "k"), "next");
    EXPECT_FALSE(store.contains(RecordKind::document, "refresh")) << "a lease is no record";
}

TYPED_TEST_P(RecordStoreContract, PutIfHeldFollowsTheTtlRulesOfPut) {
    auto& store = this->records();
    auto ttl = this->ttl();
    auto lease = store.try_acquire("refresh", 4 * ttl);
    ASSERT_NE(lease, nullptr);
    store.put(RecordKind::document, "made-permanent", "p1", ttl);
    EXPECT_TRUE(store.put_if_held(*lease, RecordKind::document, "short", "s", ttl));
    EXPECT_TRUE(store.put_if_held(*lease, RecordKind::document, "made-permanent", "p2"));
    this->pass(ttl + ttl / 2);
    EXPECT_FALSE(store.contains(RecordKind::document, "short"));
    EXPECT_EQ(store.get(RecordKind::document, "made-permanent"), "p2");
    EXPECT_EQ(
        store_error_of([&] { store.put_if_held(*lease, RecordKind::document, "bad", "v", 0ms); }),
        errc::invalid_argument);
    EXPECT_EQ(store_error_of([&] { store.put_if_held(*lease, RecordKind::document, "", "v"); }),
              errc::invalid_argument);
}

TYPED_TEST_P(RecordStoreContract, PutIfHeldRefusesALeaseOfAnotherStoreObject) {
    auto peer = this->backend_->make(this->clock_);
    auto theirs = peer->try_acquire("refresh", this->ttl());
    ASSERT_NE(theirs, nullptr);
    EXPECT_EQ(store_error_of(
                  [&] { this->records().put_if_held(*theirs, RecordKind::document, "k", "v"); }),
              errc::invalid_argument);
    EXPECT_FALSE(this->records().contains(RecordKind::document, "k"));
}

TYPED_TEST_P(RecordStoreContract, SaveIfHeldSealsTokenSetsAsSaveDoes) {
    auto& store = *this->store_;
    auto ttl = this->ttl();
    store.save("alice", full_token_set("old"));
    auto lease = store.try_acquire("refresh:alice", ttl);
    ASSERT_NE(lease, nullptr);
    EXPECT_TRUE(store.save_if_held(*lease, "alice", full_token_set("new")));
    auto loaded = store.load("alice");
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(loaded->access_token, "at-new");
    auto sealed = store.get(RecordKind::token_set, "alice");
    ASSERT_TRUE(sealed.has_value());
    EXPECT_EQ(
        sealed->find("at-new") == std::string::npos, requires(TypeParam backend) { backend.key; })
        << "token sets are sealed exactly when the store has a key";
    EXPECT_TRUE(lease->release());
    EXPECT_FALSE(store.save_if_held(*lease, "alice", full_token_set("late")));
    EXPECT_EQ(store.load("alice")->access_token, "at-new");
}

TYPED_TEST_P(RecordStoreContract, ThreadsKeepTheirOwnRecords) {
    auto& store = this->records();
    std::atomic<int> failures{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < 4; ++t) {
        workers.emplace_back([&, t] {
            try {
                for (int i = 0; i < 100; ++i) {
                    std::string key = "t" + std::to_string(t) + "-k" + std::to_string(i % 5);
                    std::string value = every_byte() + std::to_string(i);
                    store.put(RecordKind::document, key, value);
                    failures += store.get(RecordKind::document, key) == value ? 0 : 1;
                    if (i % 3 == 0) {
                        failures += store.erase(RecordKind::document, key) ? 0 : 1;
                    }
                }
            } catch (const std::exception& error) {
                ADD_FAILURE() << "thread " << t << ": " << error.what();
                failures += 1000;
            }
        });
    }
    for (auto& worker : workers) {
        worker.join();
    }
    EXPECT_EQ(failures.load(), 0);
}

// --- the typed layers on the byte layer ----------------------------------------------------

TYPED_TEST_P(RecordStoreContract, TokenSetsAndDocumentsAreRecordsOfTheirKind) {
    auto& store = *this->store_;
    store.save("profile", full_token_set("typed"));
    store.save_document("profile#settings", nlohmann::json{{"version", 1}});
    EXPECT_EQ(store.keys(RecordKind::token_set), std::vector<std::string>{"profile"});
    EXPECT_EQ(store.keys(RecordKind::document), std::vector<std::string>{"profile#settings"});
    EXPECT_EQ(store.list_keys(), (std::vector<std::string>{"profile", "profile#settings"}));
    auto sealed = store.get(RecordKind::token_set, "profile");
    ASSERT_TRUE(sealed.has_value());
    EXPECT_EQ(
        sealed->find("at-typed") == std::string::npos, requires(TypeParam backend) { backend.key; })
        << "token sets are sealed exactly when the store has a key";
    // A document record moved under a token-set key is no token set.
    auto document_bytes = store.get(RecordKind::document, "profile#settings");
    ASSERT_TRUE(document_bytes.has_value());
    store.put(RecordKind::token_set, "moved", *document_bytes);
    auto code = store_error_of([&] { store.load("moved"); });
    EXPECT_TRUE(code == errc::store_corrupt || code == errc::decrypt_failed);
    EXPECT_TRUE(store.remove("profile#settings"));
    EXPECT_FALSE(store.exists("profile#settings"));
    EXPECT_FALSE(store.remove("profile#settings"));
}

TYPED_TEST_P(RecordStoreContract, TheDpopKeyIsSealedWithTheTokens) {
    auto& store = *this->store_;
    const std::string marker = "DpopKeyMarker0123456789abcdefghijklmnop";
    store.save("bound", dpop_token_set(marker));
    auto sealed = store.get(RecordKind::token_set, "bound");
    ASSERT_TRUE(sealed.has_value());
    EXPECT_EQ(
        sealed->find(marker) == std::string::npos, requires(TypeParam backend) { backend.key; })
        << "the DPoP key is sealed exactly when the store has a key";
    auto loaded = store.load("bound");
    ASSERT_TRUE(loaded.has_value());
    EXPECT_TRUE(loaded->dpop_key == dpop_token_set(marker).dpop_key);
}

TYPED_TEST_P(RecordStoreContract, DocumentsOfEarlierVersionsMoveOnRead) {
    auto& store = *this->store_;
    const nlohmann::json document = {{"version", 1}, {"settings", {{"client_id", "cli"}}}};
    store.put(RecordKind::token_set, "old#settings",
              this->legacy_document_record("old#settings", document));
    EXPECT_EQ(store.list_keys(), std::vector<std::string>{"old#settings"});
    EXPECT_TRUE(store.exists("old#settings"));
    EXPECT_EQ(store.load_document("old#settings"), document);
    // Now a document record, and the old form is gone.
    EXPECT_FALSE(store.contains(RecordKind::token_set, "old#settings"));
    EXPECT_TRUE(store.contains(RecordKind::document, "old#settings"));
    EXPECT_EQ(store.load_document("old#settings"), document);
    EXPECT_EQ(store.list_keys(), std::vector<std::string>{"old#settings"});
    // A real token set is still no document.
    store.save("tokens", full_token_set("t"));
    EXPECT_EQ(store_error_of([&] { store.load_document("tokens"); }), errc::store_corrupt);
    EXPECT_TRUE(store.load("tokens").has_value());
}

REGISTER_TYPED_TEST_SUITE_P(RecordStoreContract, KeepsAnyBytesAsGiven, KeepsLargeValues,
                            AbsentRecordIsEmpty, PutReplacesAndEraseRemovesOneRecord,
                            KindsAreSeparateKeySpaces, KeysAreSortedAndFollowTheRecords,
                            TtlEndsTheRecordAndPutWithoutTtlClearsIt, RejectsInvalidKeysAndTtls,
                            StoresOfOnePlaceShareRecordsOrNone,
                            LeaseIsExclusiveUntilReleasedOrExpired,
                            PutIfHeldWritesOnlyWhileTheLeaseIsHeld,
                            PutIfHeldFollowsTheTtlRulesOfPut,
                            PutIfHeldRefusesALeaseOfAnotherStoreObject,
                            SaveIfHeldSealsTokenSetsAsSaveDoes, ThreadsKeepTheirOwnRecords,
                            TokenSetsAndDocumentsAreRecordsOfTheirKind,
                            TheDpopKeyIsSealedWithTheTokens, DocumentsOfEarlierVersionsMoveOnRead);

} // namespace authflow::test

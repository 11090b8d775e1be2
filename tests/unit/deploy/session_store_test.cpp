// SessionStore (memory): CRUD, expiry, per-user listing, hashed keys; session ids.
#include <authflow/core/clock.hpp>
#include <authflow/core/encoding.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/deploy/session_store.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

namespace authflow {
namespace {

using namespace std::chrono_literals;
using ::testing::UnorderedElementsAre;

UserSession session_for(const Clock& clock, std::string id, std::string user,
                        std::chrono::seconds ttl = 3600s) {
    UserSession session;
    session.session_id = std::move(id);
    session.user_id = std::move(user);
    session.roles = {"viewer"};
    session.created_at = clock.now();
    session.expires_at = clock.now() + ttl;
    session.metadata = {{"provider", "oidc"}, {"user_info", {{"name", "Alice"}}}};
    return session;
}

template <typename F> errc error_code(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    ADD_FAILURE() << "expected an Error";
    return errc::internal;
}

TEST(DeploySessionId, RandomOpaqueAndLongEnough) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const auto id = new_session_id();
        EXPECT_EQ(id.size(), 43u);
        EXPECT_EQ(base64url_decode(id).size(), 32u); // 256 bits
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 1000u);
}

TEST(DeploySessionStore, CreateGetRemove) {
    auto clock = std::make_shared<ManualClock>();
    MemorySessionStore store{100, clock};
    const auto id = new_session_id();
    store.create(session_for(*clock, id, "user-1"));
    const auto got = store.get(id);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->session_id, id);
    EXPECT_EQ(got->session_key, session_key(id));
    EXPECT_EQ(got->user_id, "user-1");
    EXPECT_EQ(got->roles, std::vector<std::string>{"viewer"});
    EXPECT_EQ(got->created_at, clock->now());
    EXPECT_EQ(got->expires_at, clock->now() + 3600s);
    EXPECT_EQ(got->metadata["user_info"]["name"], "Alice");
    EXPECT_FALSE(store.get(new_session_id()).has_value());
    EXPECT_FALSE(store.get("").has_value());

    EXPECT_TRUE(store.remove(id));
    EXPECT_FALSE(store.get(id).has_value());
    EXPECT_FALSE(store.remove(id));
    EXPECT_EQ(store.size(), 0u);
}

TEST(DeploySessionStore, LookupWithoutMetadataLeavesItEmpty) {
    auto clock = std::make_shared<ManualClock>();
    MemorySessionStore store{100, clock};
    const auto id = new_session_id();
    store.create(session_for(*clock, id, "user-1", 60s));
    const auto brief = store.lookup(id, SessionFields::without_metadata);
    ASSERT_TRUE(brief.has_value());
    EXPECT_EQ(brief->session_id, id);
    EXPECT_EQ(brief->session_key, session_key(id));
    EXPECT_EQ(brief->user_id, "user-1");
    EXPECT_EQ(brief->roles, std::vector<std::string>{"viewer"});
    EXPECT_EQ(brief->created_at, clock->now());
    EXPECT_EQ(brief->expires_at, clock->now() + 60s);
    EXPECT_EQ(brief->metadata, nlohmann::json::object());
    const auto full = store.lookup(id, SessionFields::all);
    ASSERT_TRUE(full.has_value());
    EXPECT_EQ(full->metadata["user_info"]["name"], "Alice");
    EXPECT_EQ(full->metadata, store.get(id)->metadata);
    EXPECT_FALSE(store.lookup("", SessionFields::without_metadata).has_value());
    EXPECT_FALSE(store.lookup(new_session_id(), SessionFields::without_metadata).has_value());
    clock->advance(60s);
    EXPECT_FALSE(store.lookup(id, SessionFields::without_metadata).has_value());
    EXPECT_EQ(store.size(), 0u); // the expired session is dropped on the way, as by get()
}

/// A store that implements only get(): the default lookup() must give the same session.
class GetOnlyStore final : public SessionStore {
public:
    void create(const UserSession& session) override { session_ = session; }
    std::optional<UserSession> get(std::string_view session_id) override {
        ++gets;
        if (!session_ || session_->session_id != session_id) {
            return std::nullopt;
        }
        return session_;
    }
    bool touch(std::string_view, std::chrono::seconds) override { return false; }
    bool remove(std::string_view) override { return false; }
    bool remove_by_key(std::string_view) override { return false; }
    std::vector<UserSession> list_user_sessions(std::string_view) override { return {}; }
    std::size_t remove_user_sessions(std::string_view) override { return 0; }

    int gets = 0;

private:
    std::optional<UserSession> session_;
};

TEST(DeploySessionStore, DefaultLookupIsGet) {
    auto clock = std::make_shared<ManualClock>();
    GetOnlyStore store;
    store.create(session_for(*clock, "sid-1", "user-1"));
    SessionStore& base = store;
    const auto brief = base.lookup("sid-1", SessionFields::without_metadata);
    ASSERT_TRUE(brief.has_value());
    EXPECT_EQ(brief->user_id, "user-1");
    EXPECT_EQ(brief->metadata["user_info"]["name"], "Alice"); // may be filled in: it is
    EXPECT_FALSE(base.lookup("sid-2", SessionFields::all).has_value());
    EXPECT_EQ(store.gets, 2);
}

TEST(DeploySessionStore, ExpiresByTheClock) {
    auto clock = std::make_shared<ManualClock>();
    MemorySessionStore store{100, clock};
    store.create(session_for(*clock, "sid-1", "u", 60s));
    clock->advance(59s);
    EXPECT_TRUE(store.get("sid-1").has_value());
    clock->advance(1s);
    EXPECT_FALSE(store.get("sid-1").has_value());
    EXPECT_FALSE(store.touch("sid-1", 3600s));
    EXPECT_FALSE(store.remove("sid-1"));
}

TEST(DeploySessionStore, TouchExtendsNeverShortens) {
    auto clock = std::make_shared<ManualClock>();
    MemorySessionStore store{100, clock};
    store.create(session_for(*clock, "sid-1", "u", 100s));
    clock->advance(90s);
    EXPECT_TRUE(store.touch("sid-1", 100s));
    EXPECT_EQ(store.get("sid-1")->expires_at, clock->now() + 100s);
    EXPECT_TRUE(store.touch("sid-1", 10s)); // would shorten: kept
    EXPECT_EQ(store.get("sid-1")->expires_at, clock->now() + 100s);
    clock->advance(99s);
    EXPECT_TRUE(store.get("sid-1").has_value());
    clock->advance(1s);
    EXPECT_FALSE(store.get("sid-1").has_value());
    EXPECT_FALSE(store.touch("unknown", 10s));
}

TEST(DeploySessionStore, ListAndRemoveUserSessions) {
    auto clock = std::make_shared<ManualClock>();
    MemorySessionStore store{100, clock};
    store.create(session_for(*clock, "a1", "alice"));
    store.create(session_for(*clock, "a2", "alice", 60s));
    store.create(session_for(*clock, "b1", "bob"));
    auto sessions = store.list_user_sessions("alice");
    ASSERT_EQ(sessions.size(), 2u);
    std::vector<std::string> keys;
    for (const auto& session : sessions) {
        EXPECT_TRUE(session.session_id.empty()); // the raw id is not kept
        EXPECT_EQ(session.user_id, "alice");
        keys.push_back(session.session_key);
    }
    EXPECT_THAT(keys, UnorderedElementsAre(session_key("a1"), session_key("a2")));
    EXPECT_TRUE(store.list_user_sessions("carol").empty());

    clock->advance(60s); // a2 expired
    EXPECT_EQ(store.list_user_sessions("alice").size(), 1u);

    EXPECT_TRUE(store.remove_by_key(session_key("a1")));
    EXPECT_TRUE(store.list_user_sessions("alice").empty());
    EXPECT_EQ(store.remove_user_sessions("bob"), 1u);
    EXPECT_FALSE(store.get("b1").has_value());
    EXPECT_EQ(store.remove_user_sessions("bob"), 0u);
}

TEST(DeploySessionStore, KeysAreHashesNotIds) {
    auto clock = std::make_shared<ManualClock>();
    MemorySessionStore store{100, clock};
    const auto id = new_session_id();
    store.create(session_for(*clock, id, "user-1"));
    const auto keys = store.stored_keys();
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_NE(keys.front(), id);
    EXPECT_EQ(keys.front().find(id), std::string::npos);
    EXPECT_EQ(keys.front(), session_key(id));
    EXPECT_EQ(session_key("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // Neither does any listed session carry the id.
    for (const auto& session : store.list_user_sessions("user-1")) {
        EXPECT_EQ(session.session_id.find(id), std::string::npos);
        EXPECT_EQ(session.metadata.dump().find(id), std::string::npos);
    }
}

TEST(DeploySessionStore, RejectsBadSessions) {
    auto clock = std::make_shared<ManualClock>();
    MemorySessionStore store{100, clock};
    EXPECT_EQ(error_code([&] { store.create(session_for(*clock, "", "u")); }),
              errc::invalid_argument);
    EXPECT_EQ(error_code([&] { store.create(session_for(*clock, "s", "")); }),
              errc::invalid_argument);
    auto expired = session_for(*clock, "s", "u");
    expired.expires_at = clock->now();
    EXPECT_EQ(error_code([&] { store.create(expired); }), errc::invalid_argument);
    store.create(session_for(*clock, "s", "u"));
    EXPECT_EQ(error_code([&] { store.create(session_for(*clock, "s", "other")); }),
              errc::invalid_argument);
    EXPECT_EQ(store.get("s")->user_id, "u");
}

TEST(DeploySessionStore, CapacityBoundedExpiredPrunedFirst) {
    auto clock = std::make_shared<ManualClock>();
    MemorySessionStore store{2, clock};
    store.create(session_for(*clock, "s1", "u", 60s));
    store.create(session_for(*clock, "s2", "u", 3600s));
    EXPECT_EQ(error_code([&] { store.create(session_for(*clock, "s3", "u")); }),
              errc::rate_limited);
    EXPECT_TRUE(store.get("s1").has_value()); // nobody was evicted
    clock->advance(60s);
    store.create(session_for(*clock, "s3", "u"));
    EXPECT_EQ(store.size(), 2u);
    EXPECT_EQ(store.list_user_sessions("u").size(), 2u);
}

TEST(DeploySessionStore, ExpiredSessionsDisappearFromIndexes) {
    auto clock = std::make_shared<ManualClock>();
    MemorySessionStore store{100, clock};
    for (int i = 0; i < 20; ++i) {
        store.create(
            session_for(*clock, "s" + std::to_string(i), "user-" + std::to_string(i), 60s));
    }
    clock->advance(61s);
    store.create(session_for(*clock, "new", "user-new"));
    EXPECT_EQ(store.size(), 1u);
    EXPECT_TRUE(store.list_user_sessions("user-3").empty());
}

TEST(DeploySessionStore, ConcurrentUseKeepsIndexesConsistent) {
    auto clock = std::make_shared<ManualClock>();
    MemorySessionStore store{100000, clock};
    std::atomic<int> found{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 200; ++i) {
                const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
                store.create(session_for(*clock, id, "user-" + std::to_string(i % 3)));
                found += store.get(id).has_value() ? 1 : 0;
                (void)store.touch(id, 7200s);
                (void)store.list_user_sessions("user-0");
                if (i % 2 == 0) {
                    EXPECT_TRUE(store.remove(id));
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(found.load(), 800);
    EXPECT_EQ(store.size(), 400u);
    std::size_t listed = 0;
    for (int u = 0; u < 3; ++u) {
        listed += store.list_user_sessions("user-" + std::to_string(u)).size();
    }
    EXPECT_EQ(listed, 400u);
}

} // namespace
} // namespace authflow

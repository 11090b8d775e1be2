// RefreshLease: the refresh lease held for one scope, released on every way out of it.
#include "session/refresh_lease.hpp"
#include "unit/session/session_test_util.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/store/memory_token_store.hpp>

#include <gtest/gtest.h>

#include <stdexcept>

namespace authflow::session_detail {
namespace {

using namespace std::chrono_literals;

class RefreshLeaseTest : public ::testing::Test {
protected:
    bool is_free() { return store_.try_acquire(name_, 1s) != nullptr; }

    std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>();
    test::CountingStore store_{clock_};
    const std::string name_ = RefreshLease::name_for("alice");
};

TEST_F(RefreshLeaseTest, HeldForTheScopeAndReleasedAtItsEnd) {
    {
        RefreshLease scope(store_, name_, 60s, true, *clock_);
        EXPECT_EQ(scope.state(), LeaseState::not_taken);
        EXPECT_EQ(scope.try_take(), LeaseState::held);
        EXPECT_EQ(scope.try_take(), LeaseState::held); // taken once
        EXPECT_EQ(store_.acquisitions(), 1);
        EXPECT_FALSE(store_.try_acquire(name_, 1s)); // nobody else gets it meanwhile
    }
    EXPECT_TRUE(is_free());
}

TEST_F(RefreshLeaseTest, ReleasedWhenTheScopeEndsByAnException) {
    try {
        RefreshLease scope(store_, name_, 60s, true, *clock_);
        ASSERT_EQ(scope.try_take(), LeaseState::held);
        throw std::runtime_error("a failed save");
    } catch (const std::runtime_error&) {
    }
    EXPECT_TRUE(is_free());
}

TEST_F(RefreshLeaseTest, BusyWhileAnotherHolderHasIt) {
    auto theirs = store_.try_acquire(name_, 60s);
    RefreshLease scope(store_, name_, 60s, true, *clock_);
    EXPECT_EQ(scope.try_take(), LeaseState::busy);
    theirs.reset();
    EXPECT_EQ(scope.try_take(), LeaseState::held);
}

TEST_F(RefreshLeaseTest, UnusedWithoutSingleFlightNeverTouchesTheStore) {
    RefreshLease scope(store_, name_, 60s, false, *clock_);
    EXPECT_EQ(scope.state(), LeaseState::unused);
    EXPECT_EQ(scope.try_take(), LeaseState::unused);
    EXPECT_TRUE(scope.take_by(clock_->steady_now(), *clock_, [] {}));
    EXPECT_EQ(store_.acquisitions(), 0);
}

TEST_F(RefreshLeaseTest, TakeByWaitsUntilTheDeadline) {
    auto theirs = store_.try_acquire(name_, 60s);
    RefreshLease scope(store_, name_, 60s, true, *clock_);
    int waits = 0;
    const auto deadline = clock_->steady_now() + 100ms;
    EXPECT_FALSE(scope.take_by(deadline, *clock_, [&] {
        ++waits;
        clock_->advance(25ms);
    }));
    EXPECT_EQ(waits, 4);
    // Released by its holder while this one waits: taken.
    EXPECT_TRUE(scope.take_by(clock_->steady_now() + 100ms, *clock_, [&] { theirs.reset(); }));
    EXPECT_EQ(scope.state(), LeaseState::held);
}

TEST_F(RefreshLeaseTest, TheTokenRequestAndTheSaveGoThroughIt) {
    RefreshLease scope(store_, name_, 60s, true, *clock_);
    ASSERT_EQ(scope.try_take(), LeaseState::held);
    EXPECT_EQ(scope.while_held([] { return 42; }), 42);
    OAuthTokenSet tokens;
    tokens.access_token = "at-2";
    scope.save("alice", tokens);
    EXPECT_EQ(store_.load("alice")->access_token, "at-2");
    EXPECT_EQ(store_.saves, 1);
}

TEST_F(RefreshLeaseTest, RenewalKeepsTheLeaseAliveWhileASlowRequestRuns) {
    RefreshLease scope(store_, name_, 30s, true, *clock_);
    ASSERT_EQ(scope.try_take(), LeaseState::held);
    const int answer = scope.while_held([&] {
        // The request takes 66 s, more than twice the TTL: renewed every 10 s (TTL/3).
        for (int i = 1; i <= 6; ++i) {
            EXPECT_TRUE(test::wait_for_waiters(clock_, 1)); // the renewal waits for its time
            clock_->advance(11s);
            EXPECT_TRUE(test::eventually([&] { return store_.renewals() >= i; }));
            EXPECT_EQ(store_.try_acquire(name_, 1s), nullptr)
                << "still held after " << 11 * i << " s";
        }
        return 42;
    });
    EXPECT_EQ(answer, 42);
    EXPECT_FALSE(scope.has_renewal_failed());
    EXPECT_EQ(clock_->waiters(), 0u) << "the renewal ends with the request";
    OAuthTokenSet tokens;
    tokens.access_token = "at-2";
    EXPECT_TRUE(scope.save("alice", tokens));
    EXPECT_EQ(store_.load("alice")->access_token, "at-2");
}

TEST_F(RefreshLeaseTest, WithoutRenewalTheLeaseRunsOutAndTheSaveIsRefused) {
    RefreshLease scope(store_, name_, 30s, true, *clock_);
    scope.testing_disable_renewal();
    ASSERT_EQ(scope.try_take(), LeaseState::held);
    OAuthTokenSet theirs;
    theirs.access_token = "at-theirs";
    std::unique_ptr<Lease> next;
    scope.while_held([&] {
        EXPECT_EQ(clock_->waiters(), 0u); // nothing renews
        clock_->advance(31s);
        // The lease ran out: another holder takes it and stores what it refreshed.
        next = store_.try_acquire(name_, 30s);
        EXPECT_NE(next, nullptr);
        if (next) {
            EXPECT_TRUE(store_.save_if_held(*next, "alice", theirs));
        }
        return 0;
    });
    OAuthTokenSet mine;
    mine.access_token = "at-mine";
    EXPECT_FALSE(scope.save("alice", mine)) << "the fenced save must refuse a lost lease";
    EXPECT_EQ(store_.load("alice")->access_token, "at-theirs");
    EXPECT_EQ(store_.refused_saves, 1);
}

TEST_F(RefreshLeaseTest, AFailedRenewalIsRememberedAndTheRequestGoesOn) {
    RefreshLease scope(store_, name_, 30s, true, *clock_);
    ASSERT_EQ(scope.try_take(), LeaseState::held);
    const int answer = scope.while_held([&] {
        EXPECT_TRUE(test::wait_for_waiters(clock_, 1));
        clock_->advance(31s); // past the TTL before the first renewal: it finds the lease lost
        EXPECT_TRUE(test::eventually([&] { return store_.renewal_tries() == 1; }));
        // After lease_lost the renewal stops (it cannot bring the lease back).
        EXPECT_TRUE(test::eventually([&] { return clock_->waiters() == 0; }));
        return 7;
    });
    EXPECT_EQ(answer, 7);
    EXPECT_TRUE(scope.has_renewal_failed());
    EXPECT_EQ(store_.renewals(), 0);
    OAuthTokenSet tokens;
    tokens.access_token = "at-2";
    EXPECT_FALSE(scope.save("alice", tokens)); // expired: refused even though nobody took it
    EXPECT_FALSE(store_.load("alice"));
}

TEST_F(RefreshLeaseTest, TheRenewalStopsAsSoonAsTheRequestReturnsOrThrows) {
    // On the system clock a renewal is due only after 10 s; the scope must not wait for it.
    auto store = std::make_shared<MemoryTokenStore>();
    RefreshLease scope(*store, name_, 30s, true, system_clock());
    ASSERT_EQ(scope.try_take(), LeaseState::held);
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(scope.while_held([] { return 1; }), 1);
    EXPECT_THROW(scope.while_held([]() -> int { throw std::runtime_error("request failed"); }),
                 std::runtime_error);
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_LT(took, 500ms) << "the renewal thread held the scope open";
    EXPECT_FALSE(scope.has_renewal_failed());
}

TEST_F(RefreshLeaseTest, WithoutTheLeaseTheSaveIsPlain) {
    RefreshLease scope(store_, name_, 30s, false, *clock_);
    OAuthTokenSet tokens;
    tokens.access_token = "at-2";
    EXPECT_EQ(scope.while_held([] { return 3; }), 3);
    EXPECT_TRUE(scope.save("alice", tokens));
    EXPECT_EQ(store_.load("alice")->access_token, "at-2");
    EXPECT_EQ(store_.acquisitions(), 0);
}

TEST_F(RefreshLeaseTest, LongSessionKeysGiveAHashedName) {
    EXPECT_EQ(RefreshLease::name_for("alice"), "session-refresh:alice");
    const std::string long_key(600, 'k');
    const std::string name = RefreshLease::name_for(long_key);
    EXPECT_EQ(name.size(), std::string{"session-refresh:"}.size() + 64);
    EXPECT_NE(name, RefreshLease::name_for(std::string(600, 'j')));
}

} // namespace
} // namespace authflow::session_detail

// RefreshLease: the refresh lease held for one scope, released on every way out of it.
#include "session/refresh_lease.hpp"
#include "unit/session/session_test_util.hpp"

#include <authflow/core/errors.hpp>

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

TEST_F(RefreshLeaseTest, LongSessionKeysGiveAHashedName) {
    EXPECT_EQ(RefreshLease::name_for("alice"), "session-refresh:alice");
    const std::string long_key(600, 'k');
    const std::string name = RefreshLease::name_for(long_key);
    EXPECT_EQ(name.size(), std::string{"session-refresh:"}.size() + 64);
    EXPECT_NE(name, RefreshLease::name_for(std::string(600, 'j')));
}

} // namespace
} // namespace authflow::session_detail

// LoginRateLimiter: fixed windows per client, bounded memory, the overflow bucket.
#include <authflow/core/clock.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/deploy/rate_limit.hpp>

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace authflow {
namespace {

using namespace std::chrono_literals;

RateLimitOptions small(std::size_t capacity = 1000) {
    RateLimitOptions options;
    options.max_requests = 3;
    options.window = 60s;
    options.max_tracked_keys = capacity;
    options.overflow_max_requests = 5;
    return options;
}

TEST(DeployRateLimit, AllowsUpToTheLimitThenRefuses) {
    auto clock = std::make_shared<ManualClock>();
    MemoryLoginRateLimiter limiter{small(), clock};
    EXPECT_TRUE(limiter.check("198.51.100.1").allowed);
    EXPECT_TRUE(limiter.check("198.51.100.1").allowed);
    EXPECT_TRUE(limiter.check("198.51.100.1").allowed);
    const auto refused = limiter.check("198.51.100.1");
    EXPECT_FALSE(refused.allowed);
    EXPECT_EQ(refused.retry_after, 60s);
    // Another client has its own count.
    EXPECT_TRUE(limiter.check("198.51.100.2").allowed);
}

TEST(DeployRateLimit, WindowEndsWithTheClock) {
    auto clock = std::make_shared<ManualClock>();
    MemoryLoginRateLimiter limiter{small(), clock};
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(limiter.check("k").allowed);
    }
    clock->advance(20s);
    auto decision = limiter.check("k");
    EXPECT_FALSE(decision.allowed);
    EXPECT_EQ(decision.retry_after, 40s);
    clock->advance(39s);
    EXPECT_FALSE(limiter.check("k").allowed);
    clock->advance(1s); // 60 s after the window opened
    EXPECT_TRUE(limiter.check("k").allowed);
}

TEST(DeployRateLimit, RefusedAttemptsDoNotExtendTheWindow) {
    auto clock = std::make_shared<ManualClock>();
    MemoryLoginRateLimiter limiter{small(), clock};
    for (int i = 0; i < 1000; ++i) {
        (void)limiter.check("k");
        clock->advance(10ms);
    }
    clock->advance(50s); // 60 s after the first attempt
    EXPECT_TRUE(limiter.check("k").allowed);
}

TEST(DeployRateLimit, ManyDistinctClientsStayWithinTheCap) {
    auto clock = std::make_shared<ManualClock>();
    MemoryLoginRateLimiter limiter{small(100), clock};
    for (int i = 0; i < 10000; ++i) {
        (void)limiter.check("client-" + std::to_string(i));
    }
    EXPECT_EQ(limiter.tracked_keys(), 100u);
}

TEST(DeployRateLimit, ExpiredEntriesArePruned) {
    auto clock = std::make_shared<ManualClock>();
    MemoryLoginRateLimiter limiter{small(100), clock};
    for (int i = 0; i < 50; ++i) {
        (void)limiter.check("old-" + std::to_string(i));
    }
    EXPECT_EQ(limiter.tracked_keys(), 50u);
    clock->advance(61s);
    (void)limiter.check("new");
    EXPECT_EQ(limiter.tracked_keys(), 1u);
}

TEST(DeployRateLimit, FloodingCannotResetATrackedClient) {
    auto clock = std::make_shared<ManualClock>();
    MemoryLoginRateLimiter limiter{small(10), clock};
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(limiter.check("attacker").allowed);
    }
    ASSERT_FALSE(limiter.check("attacker").allowed);
    // The attacker sprays fresh keys to push its own entry out of the table.
    for (int i = 0; i < 10000; ++i) {
        (void)limiter.check("spray-" + std::to_string(i));
    }
    EXPECT_FALSE(limiter.check("attacker").allowed);
    EXPECT_EQ(limiter.tracked_keys(), 10u);
}

TEST(DeployRateLimit, OverflowBucketLimitsUntrackedClientsTogether) {
    auto clock = std::make_shared<ManualClock>();
    MemoryLoginRateLimiter limiter{small(2), clock};
    EXPECT_TRUE(limiter.check("a").allowed);
    EXPECT_TRUE(limiter.check("b").allowed);
    // Table full: new clients share overflow_max_requests (5) per window.
    int allowed = 0;
    for (int i = 0; i < 20; ++i) {
        allowed += limiter.check("new-" + std::to_string(i)).allowed ? 1 : 0;
    }
    EXPECT_EQ(allowed, 5);
    // Tracked clients keep their own counts meanwhile.
    EXPECT_TRUE(limiter.check("a").allowed);
    clock->advance(60s);
    EXPECT_TRUE(limiter.check("new-0").allowed);
    EXPECT_EQ(limiter.tracked_keys(), 1u);
}

TEST(DeployRateLimit, ResetForgetsEverything) {
    auto clock = std::make_shared<ManualClock>();
    MemoryLoginRateLimiter limiter{small(), clock};
    for (int i = 0; i < 4; ++i) {
        (void)limiter.check("k");
    }
    limiter.reset();
    EXPECT_EQ(limiter.tracked_keys(), 0u);
    EXPECT_TRUE(limiter.check("k").allowed);
}

TEST(DeployRateLimit, DefaultsAreTheSeeds) {
    const RateLimitOptions options;
    EXPECT_EQ(options.max_requests, 10);
    EXPECT_EQ(options.window, 60s);
    auto clock = std::make_shared<ManualClock>();
    MemoryLoginRateLimiter limiter{options, clock};
    for (int i = 0; i < 10; ++i) {
        EXPECT_TRUE(limiter.check("k").allowed);
    }
    EXPECT_FALSE(limiter.check("k").allowed);
}

TEST(DeployRateLimit, RejectsNonsenseOptions) {
    auto clock = std::make_shared<ManualClock>();
    for (auto change : {+[](RateLimitOptions& o) { o.max_requests = 0; },
                        +[](RateLimitOptions& o) { o.window = 0s; },
                        +[](RateLimitOptions& o) { o.max_tracked_keys = 0; },
                        +[](RateLimitOptions& o) { o.overflow_max_requests = -1; }}) {
        RateLimitOptions options;
        change(options);
        try {
            MemoryLoginRateLimiter limiter{options, clock};
            ADD_FAILURE() << "accepted";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), errc::invalid_argument);
        }
    }
}

TEST(DeployRateLimit, KeysGroupIpv6ByNetwork) {
    EXPECT_EQ(rate_limit_key("198.51.100.7"), "198.51.100.7");
    EXPECT_EQ(rate_limit_key("::ffff:198.51.100.7"), "198.51.100.7");
    EXPECT_EQ(rate_limit_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
    EXPECT_EQ(rate_limit_key("2001:db8:1:2::9"), rate_limit_key("2001:db8:1:2:ffff::1"));
    EXPECT_NE(rate_limit_key("2001:db8:1:2::9"), rate_limit_key("2001:db8:1:3::9"));
    EXPECT_EQ(rate_limit_key("unknown"), "unknown");
}

TEST(DeployRateLimit, ConcurrentChecksCountEveryAttempt) {
    auto clock = std::make_shared<ManualClock>();
    RateLimitOptions options;
    options.max_requests = 1000;
    MemoryLoginRateLimiter limiter{options, clock};
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 500; ++i) {
                allowed += limiter.check("shared").allowed ? 1 : 0;
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(allowed.load(), 1000);
}

} // namespace
} // namespace authflow

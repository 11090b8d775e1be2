// Logging: one settable callback, a level threshold, stderr by default.
#include <authflow/core/log.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace authflow {
namespace {

struct Captured {
    std::mutex mutex;
    std::vector<std::pair<LogLevel, std::string>> lines;
};

/// Installs a capturing callback; restores the defaults afterwards.
class LogTest : public ::testing::Test {
protected:
    void SetUp() override {
        set_log_callback([this](LogLevel level, std::string_view message) {
            std::lock_guard guard(captured_.mutex);
            captured_.lines.emplace_back(level, std::string{message});
        });
    }
    void TearDown() override {
        set_log_callback({});
        set_log_level(LogLevel::warning);
    }
    std::vector<std::pair<LogLevel, std::string>> lines() {
        std::lock_guard guard(captured_.mutex);
        return captured_.lines;
    }
    Captured captured_;
};

TEST(Log, DefaultLevelIsWarning) {
    EXPECT_EQ(log_level(), LogLevel::warning);
}

TEST(Log, LevelNames) {
    EXPECT_EQ(to_string(LogLevel::debug), "debug");
    EXPECT_EQ(to_string(LogLevel::info), "info");
    EXPECT_EQ(to_string(LogLevel::warning), "warning");
    EXPECT_EQ(to_string(LogLevel::error), "error");
}

TEST_F(LogTest, CallbackReceivesMessagesAtOrAboveTheLevel) {
    log(LogLevel::debug, "d");
    log(LogLevel::info, "i");
    log(LogLevel::warning, "w");
    log(LogLevel::error, "e");
    const std::vector<std::pair<LogLevel, std::string>> expected = {{LogLevel::warning, "w"},
                                                                    {LogLevel::error, "e"}};
    EXPECT_EQ(lines(), expected);
}

TEST_F(LogTest, LoweringTheLevelLetsDebugThrough) {
    set_log_level(LogLevel::debug);
    EXPECT_EQ(log_level(), LogLevel::debug);
    log(LogLevel::debug, "d");
    log(LogLevel::info, "i");
    ASSERT_EQ(lines().size(), 2u);
    EXPECT_EQ(lines()[0], (std::pair<LogLevel, std::string>{LogLevel::debug, "d"}));
}

TEST_F(LogTest, RaisingTheLevelDropsWarnings) {
    set_log_level(LogLevel::error);
    log(LogLevel::warning, "w");
    log(LogLevel::error, "e");
    ASSERT_EQ(lines().size(), 1u);
    EXPECT_EQ(lines()[0].second, "e");
}

TEST_F(LogTest, CallbackCanBeCalledFromManyThreads) {
    set_log_level(LogLevel::info);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([] {
            for (int i = 0; i < 500; ++i) {
                log(LogLevel::info, "x");
            }
        });
    }
    // Replacing the callback while others log must be safe too.
    std::atomic<int> second{0};
    set_log_callback([&](LogLevel, std::string_view) { ++second; });
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(lines().size() + static_cast<std::size_t>(second.load()), 2000u);
}

TEST(Log, DefaultSinkWritesWarningsToStderr) {
    set_log_callback({});
    set_log_level(LogLevel::warning);
    ::testing::internal::CaptureStderr();
    log(LogLevel::info, "info-line-not-shown");
    log(LogLevel::warning, "warning-line-shown");
    log(LogLevel::error, "error-line-shown");
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(err.find("info-line-not-shown"), std::string::npos) << err;
    EXPECT_NE(err.find("warning-line-shown"), std::string::npos) << err;
    EXPECT_NE(err.find("error-line-shown"), std::string::npos) << err;
}

TEST(Log, EmptyCallbackRestoresTheDefault) {
    int calls = 0;
    set_log_callback([&](LogLevel, std::string_view) { ++calls; });
    log(LogLevel::error, "to callback");
    set_log_callback({});
    ::testing::internal::CaptureStderr();
    log(LogLevel::error, "to-stderr");
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(calls, 1);
    EXPECT_NE(err.find("to-stderr"), std::string::npos);
}

} // namespace
} // namespace authflow

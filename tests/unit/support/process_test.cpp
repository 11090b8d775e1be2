// Child processes started by tests: the environment they get, and a start that never hangs while
// other threads of the test allocate (a forked child that allocates before exec can wait forever
// for an allocator lock another thread held at the fork; GCC 12's AddressSanitizer does not take
// its locks around fork()).
#include "support/process.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace authflow::test {
namespace {

TEST(ChildProcessEnvironment, AddsAndOverridesVariablesAndKeepsTheRest) {
    ::setenv("AUTHFLOW_PROCESS_TEST_KEPT", "kept", 1);
    ::setenv("AUTHFLOW_PROCESS_TEST_OVERRIDDEN", "old", 1);
    const auto result = run_command(
        {"sh", "-c",
         "echo \"$AUTHFLOW_PROCESS_TEST_KEPT $AUTHFLOW_PROCESS_TEST_OVERRIDDEN "
         "$AUTHFLOW_PROCESS_TEST_ADDED\""},
        {{"AUTHFLOW_PROCESS_TEST_OVERRIDDEN", "new"}, {"AUTHFLOW_PROCESS_TEST_ADDED", "added"}});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "kept new added\n");
}

TEST(ChildProcessEnvironment, AProgramThatIsNotThereExitsWith127) {
    ChildProcess child({"authflow-no-such-program"});
    EXPECT_EQ(child.wait(10000), 127);
}

TEST(ChildProcessStart, NeverHangsWhileOtherThreadsAllocate) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> allocators;
    for (int t = 0; t < 2; ++t) {
        allocators.emplace_back([&stop] {
            while (!stop) {
                std::vector<std::string> garbage;
                for (std::size_t i = 0; i < 50; ++i) {
                    garbage.emplace_back(64 + i * 8, 'x');
                }
            }
        });
    }
    // As many variables, of as many sizes, as a test hands its child processes.
    std::map<std::string, std::string> env;
    for (std::size_t i = 0; i < 30; ++i) {
        env["AUTHFLOW_PROCESS_TEST_" + std::to_string(i)] = std::string(16 + i * 40, 'v');
    }
    int hung = 0;
    for (int i = 0; i < 300 && hung == 0; ++i) {
        ChildProcess child({"true"}, env);
        if (child.wait(10000) != 0) {
            ++hung;
            ADD_FAILURE() << "child " << i << ": " << child.describe();
        }
    }
    stop = true;
    for (auto& thread : allocators) {
        thread.join();
    }
    EXPECT_EQ(hung, 0);
}

} // namespace
} // namespace authflow::test

#pragma once
// Test environment helpers shared by every test program.

#include <filesystem>
#include <string>
#include <string_view>

namespace authflow::test {

/// The source tree (AUTHFLOW_SOURCE_DIR, set by ctest).
std::filesystem::path source_dir();
/// The build tree (AUTHFLOW_BINARY_DIR, set by ctest).
std::filesystem::path binary_dir();
/// The `authflow` CLI in this build (AUTHFLOW_CLI, set by ctest).
std::filesystem::path cli_path();
/// True when CI=true: a missing service is then a failure, not a skip.
bool is_ci();

/// A fresh private directory, removed when the object goes.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

/// A TCP port on 127.0.0.1 that was free a moment ago, never the same twice in one process.
int free_port();
/// Waits up to `timeout_ms` for 127.0.0.1:port to accept connections.
bool wait_for_port(int port, int timeout_ms = 10000);
/// Waits up to `timeout_ms` for the file at `path` to contain `text` (a process's log line).
bool wait_for_text(const std::filesystem::path& path, std::string_view text,
                   int timeout_ms = 10000);

/// Writes a whole file (creating parent directories).
void write_file(const std::filesystem::path& path, std::string_view content);
std::string read_file(const std::filesystem::path& path);

} // namespace authflow::test

/// Skips the test when a service is missing, or fails it under CI=true.
#define AUTHFLOW_REQUIRE_SERVICE(available, what)                                                  \
    do {                                                                                           \
        if (!(available)) {                                                                        \
            if (::authflow::test::is_ci()) {                                                       \
                FAIL() << "required service missing under CI: " << (what);                         \
            } else {                                                                               \
                GTEST_SKIP() << "service missing: " << (what);                                     \
            }                                                                                      \
        }                                                                                          \
    } while (false)

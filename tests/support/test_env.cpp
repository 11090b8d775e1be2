#include "support/test_env.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <netinet/in.h>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace authflow::test {
namespace {

std::filesystem::path env_path(const char* name, const char* fallback) {
    const char* value = std::getenv(name);
    return value != nullptr ? std::filesystem::path{value} : std::filesystem::path{fallback};
}

} // namespace

std::filesystem::path source_dir() {
    return env_path("AUTHFLOW_SOURCE_DIR", AUTHFLOW_TEST_SOURCE_DIR);
}
std::filesystem::path binary_dir() {
    return env_path("AUTHFLOW_BINARY_DIR", AUTHFLOW_TEST_BINARY_DIR);
}
std::filesystem::path cli_path() {
    return env_path("AUTHFLOW_CLI", AUTHFLOW_TEST_CLI);
}

bool is_ci() {
    const char* value = std::getenv("CI");
    return value != nullptr &&
           (std::string_view{value} == "true" || std::string_view{value} == "1");
}

TempDir::TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "authflow-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

namespace {

// A port the kernel chose for bind(0) and that was closed again.
int kernel_chosen_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        throw std::runtime_error("socket failed");
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::close(fd);
        throw std::runtime_error("bind failed");
    }
    int port = ntohs(addr.sin_port);
    ::close(fd);
    return port;
}

} // namespace

int free_port() {
    // The kernel may choose a closed port again at once: a test that takes two ports before
    // anything listens on them would get the same one twice.
    static std::mutex mutex;
    static std::set<int> given;
    const std::lock_guard lock(mutex);
    for (;;) {
        const int port = kernel_chosen_port();
        if (given.insert(port).second) {
            return port;
        }
    }
}

bool wait_for_port(int port, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        ::close(fd);
        if (ok) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

bool wait_for_text(const std::filesystem::path& path, std::string_view text, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
        if (std::filesystem::exists(path) && read_file(path).find(text) != std::string::npos) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

void write_file(const std::filesystem::path& path, std::string_view content) {
    if (path.has_parent_path()) {
        std::filesystem::create_directories(path.parent_path());
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) {
        throw std::runtime_error("cannot write " + path.string());
    }
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + path.string());
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace authflow::test

// open_browser with $BROWSER pointing at test scripts that record what they were given.

#include "support/test_env.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/native/browser.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <optional>
#include <signal.h>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace authflow {
namespace {

namespace fs = std::filesystem;

// Saves and restores the environment variables a test changes.
class BrowserTest : public ::testing::Test {
protected:
    void SetUp() override {
        for (const char* name : {"BROWSER", "PATH", "DISPLAY", "WAYLAND_DISPLAY"}) {
            const char* value = std::getenv(name);
            saved_.emplace_back(name, value ? std::optional<std::string>{value} : std::nullopt);
        }
    }
    void TearDown() override {
        for (const auto& [name, value] : saved_) {
            if (value) {
                ::setenv(name.c_str(), value->c_str(), 1);
            } else {
                ::unsetenv(name.c_str());
            }
        }
    }

    // A /bin/sh script in the temp dir; returns its path.
    fs::path script(const std::string& name, const std::string& body) {
        fs::path path = dir_.path() / name;
        test::write_file(path, "#!/bin/sh\n" + body);
        fs::permissions(path, fs::perms::owner_all);
        return path;
    }

    // A script that writes its argument count and each argument (one per line, bracketed) to
    // `out`, atomically.
    fs::path recorder(const std::string& name, const fs::path& out) {
        return script(name, "{ printf '%s\\n' \"$#\"; for a in \"$@\"; do printf '[%s]\\n' \"$a\"; "
                            "done; } > '" +
                                out.string() + ".tmp' && /bin/mv '" + out.string() + ".tmp' '" +
                                out.string() + "'\n");
    }

    test::TempDir dir_;

private:
    std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// The children of this process that still have a /proc entry (running or zombie).
std::vector<std::string> child_processes() {
    std::vector<std::string> children;
    const std::string me = std::to_string(::getpid());
    for (const auto& entry : fs::directory_iterator("/proc")) {
        std::string name = entry.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        std::ifstream stat(entry.path() / "stat");
        std::string line;
        if (!std::getline(stat, line)) {
            continue;
        }
        // pid (comm) state ppid ...; comm may contain spaces, so parse after the last ')'.
        auto close = line.rfind(')');
        if (close == std::string::npos) {
            continue;
        }
        std::istringstream rest(line.substr(close + 1));
        std::string state;
        std::string ppid;
        rest >> state >> ppid;
        if (ppid == me) {
            children.push_back(name + " " + state);
        }
    }
    return children;
}

const std::string tricky_url =
    "https://op.example/authorize?client_id=a%20b&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765"
    "&state=x;y&scope=$HOME&q='single'&d=\"double\"&c=`id`&s=$(id)&p=|cat&r=>out&g=*&h=#frag";

TEST_F(BrowserTest, UrlArrivesAsOneUntouchedArgument) {
    fs::path out = dir_.path() / "argv.txt";
    ::setenv("BROWSER", recorder("browser.sh", out).c_str(), 1);
    ASSERT_TRUE(open_browser(tricky_url));
    ASSERT_TRUE(fs::exists(out)) << "the browser script did not run";
    EXPECT_EQ(test::read_file(out), "1\n[" + tricky_url + "]\n");
    // No shell ran the command line: nothing was expanded or redirected.
    EXPECT_FALSE(fs::exists(fs::current_path() / "out"));
}

TEST_F(BrowserTest, BrowserListIsTriedInOrder) {
    fs::path out = dir_.path() / "argv.txt";
    fs::path failed = dir_.path() / "failed.txt";
    auto failing = script("failing.sh", "echo ran > '" + failed.string() + "'\nexit 3\n");
    auto good = recorder("good.sh", out);
    ::setenv("BROWSER", ("/nonexistent/browser:" + failing.string() + ":" + good.string()).c_str(),
             1);
    auto candidates = browser_candidates();
    ASSERT_GE(candidates.size(), 2u);
    EXPECT_EQ(candidates[0], failing.string());
    EXPECT_EQ(candidates[1], good.string());
    ASSERT_TRUE(open_browser("http://127.0.0.1:8765/x"));
    EXPECT_TRUE(fs::exists(failed)) << "the first program was not tried";
    EXPECT_EQ(test::read_file(out), "1\n[http://127.0.0.1:8765/x]\n");
}

TEST_F(BrowserTest, BrowserEntryIsOneProgramNotACommandLine) {
    fs::path out = dir_.path() / "argv.txt";
    auto good = recorder("good.sh", out);
    // "prog --flag" names a program that does not exist; it is not split into arguments.
    ::setenv("BROWSER", (good.string() + " --new-window").c_str(), 1);
    ::setenv("PATH", dir_.path().c_str(), 1);
    EXPECT_FALSE(open_browser("https://example.com/"));
    EXPECT_FALSE(fs::exists(out));
}

TEST_F(BrowserTest, FallsBackToXdgOpenInPath) {
    fs::path bin = dir_.path() / "bin";
    fs::create_directories(bin);
    fs::path out = dir_.path() / "argv.txt";
    auto xdg = recorder("bin/xdg-open", out);
    ::unsetenv("BROWSER");
    ::setenv("PATH", bin.c_str(), 1);
    ::setenv("DISPLAY", ":0", 1);
    auto candidates = browser_candidates();
    ASSERT_EQ(candidates.size(), 1u);
    EXPECT_EQ(candidates[0], xdg.string());
    ASSERT_TRUE(open_browser("https://example.com/a?b=c&d=e"));
    EXPECT_EQ(test::read_file(out), "1\n[https://example.com/a?b=c&d=e]\n");
}

// Over SSH or in a container xdg-open can only fail, noisily: it is not run at all. $BROWSER
// still is (a text-mode browser, a script).
TEST_F(BrowserTest, WithoutADisplayOnlyBrowserIsTried) {
    fs::path bin = dir_.path() / "bin";
    fs::create_directories(bin);
    fs::path out = dir_.path() / "argv.txt";
    auto xdg = recorder("bin/xdg-open", out);
    ::unsetenv("BROWSER");
    ::setenv("PATH", bin.c_str(), 1);
    ::unsetenv("DISPLAY");
    ::setenv("WAYLAND_DISPLAY", "", 1); // empty counts as unset
    EXPECT_FALSE(has_graphical_display());
    EXPECT_TRUE(browser_candidates().empty());
    EXPECT_FALSE(open_browser("https://example.com/"));
    EXPECT_FALSE(fs::exists(out)); // xdg-open never ran

    ::setenv("WAYLAND_DISPLAY", "wayland-0", 1);
    EXPECT_TRUE(has_graphical_display());
    EXPECT_EQ(browser_candidates(), std::vector<std::string>{xdg.string()});

    ::unsetenv("WAYLAND_DISPLAY");
    auto text_browser = recorder("w3m", out);
    ::setenv("BROWSER", text_browser.c_str(), 1);
    EXPECT_EQ(browser_candidates(), std::vector<std::string>{text_browser.string()});
}

TEST_F(BrowserTest, NothingToStartReturnsFalse) {
    ::setenv("BROWSER", "/nonexistent/browser", 1);
    ::setenv("PATH", dir_.path().c_str(), 1); // holds no xdg-open, open or start
    EXPECT_TRUE(browser_candidates().empty());
    EXPECT_FALSE(open_browser("https://example.com/"));
}

TEST_F(BrowserTest, EveryCandidateFailingReturnsFalse) {
    auto failing = script("failing.sh", "exit 1\n");
    ::setenv("BROWSER", failing.c_str(), 1);
    ::setenv("PATH", dir_.path().c_str(), 1);
    EXPECT_FALSE(open_browser("https://example.com/"));
    EXPECT_TRUE(child_processes().empty());
}

TEST_F(BrowserTest, RefusesWhatIsNotAnHttpUrl) {
    fs::path out = dir_.path() / "argv.txt";
    ::setenv("BROWSER", recorder("browser.sh", out).c_str(), 1);
    for (const char* url :
         {"--remote-debugging-port=9222", "-version", "file:///etc/passwd", "javascript:alert(1)",
          "", "https://example.com/\nsecond", "https://example.com/\x7f", "example.com"}) {
        try {
            open_browser(url);
            ADD_FAILURE() << "accepted " << url;
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), errc::bad_url) << url;
        }
    }
    EXPECT_FALSE(fs::exists(out));
}

TEST_F(BrowserTest, ChildGetsNullStdinAndNoInheritedDescriptors) {
    fs::path report = dir_.path() / "report.txt";
    // A descriptor without close-on-exec, as a careless program might hold.
    int leaky = ::open(dir_.path().c_str(), O_RDONLY | O_DIRECTORY);
    ASSERT_GE(leaky, 3);
    auto inspector = script(
        "inspect.sh", "fd=" + std::to_string(leaky) +
                          "\n{ /bin/readlink /proc/$$/fd/0; /bin/readlink /proc/$$/fd/1;"
                          " if [ -e /proc/$$/fd/$fd ]; then echo inherited; else echo clean; fi; }"
                          " > '" +
                          report.string() + ".tmp' 2>&1 && /bin/mv '" + report.string() +
                          ".tmp' '" + report.string() + "'\n");
    ::setenv("BROWSER", inspector.c_str(), 1);
    bool opened = open_browser("https://example.com/");
    ::close(leaky);
    ASSERT_TRUE(opened);
    // stdout was redirected into the report file by the script itself, so fd 1 is that file.
    std::string text = test::read_file(report);
    EXPECT_EQ(text.substr(0, text.find('\n')), "/dev/null");
    EXPECT_NE(text.find("clean"), std::string::npos) << text;
}

TEST_F(BrowserTest, QuickBrowserLeavesNoZombie) {
    fs::path out = dir_.path() / "argv.txt";
    ::setenv("BROWSER", recorder("browser.sh", out).c_str(), 1);
    ASSERT_TRUE(open_browser("https://example.com/"));
    // open_browser saw the exit, which it can only learn by reaping the child.
    EXPECT_TRUE(child_processes().empty());
}

TEST_F(BrowserTest, LongRunningBrowserIsNotWaitedForAndIsReapedLater) {
    fs::path pid_file = dir_.path() / "pid";
    auto slow = script("slow.sh", "echo $$ > '" + pid_file.string() + ".tmp' && /bin/mv '" +
                                      pid_file.string() + ".tmp' '" + pid_file.string() +
                                      "'\nexec sleep 60\n");
    ::setenv("BROWSER", slow.c_str(), 1);
    BrowserOptions options;
    options.failure_window = std::chrono::milliseconds(200);
    auto began = std::chrono::steady_clock::now();
    ASSERT_TRUE(open_browser("https://example.com/", options));
    EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(5));
    // The "browser" is still running; end it by its pid and see the reaper collect it.
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!fs::exists(pid_file) && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::yield();
    }
    ASSERT_TRUE(fs::exists(pid_file));
    pid_t pid = std::stoi(test::read_file(pid_file));
    ASSERT_EQ(child_processes().size(), 1u);
    ASSERT_EQ(::kill(pid, SIGTERM), 0);
    while (!child_processes().empty() && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::yield();
    }
    EXPECT_TRUE(child_processes().empty()) << "the exited browser was left as a zombie";
}

} // namespace
} // namespace authflow

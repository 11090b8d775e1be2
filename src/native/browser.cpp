// Starting the system browser without a shell (RFC 8252 §4.1 external user-agent).

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/core/url.hpp>
#include <authflow/native/browser.hpp>

#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <mutex>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace authflow {
namespace {

bool is_executable_file(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
}

// A program name as execvp would find it, but resolved here so that a missing entry can be
// skipped. Empty PATH entries (the current directory) are ignored on purpose.
std::string find_program(const std::string& name) {
    if (name.empty()) {
        return {};
    }
    if (name.find('/') != std::string::npos) {
        return is_executable_file(name) ? name : std::string{};
    }
    const char* path = std::getenv("PATH");
    std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
    while (!dirs.empty()) {
        auto colon = dirs.find(':');
        std::string_view dir = dirs.substr(0, colon);
        dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
        if (dir.empty()) {
            continue;
        }
        std::string candidate = std::string{dir} + "/" + name;
        if (is_executable_file(candidate)) {
            return candidate;
        }
    }
    return {};
}

// What the reaper thread learns about one child.
struct ChildExit {
    std::mutex mutex;
    std::condition_variable exited_cv;
    bool exited = false;
    int status = 0;
    bool status_known = true;
};

struct SpawnAttr {
    posix_spawnattr_t attr{};
    bool ok = false;
    SpawnAttr() { ok = ::posix_spawnattr_init(&attr) == 0; }
    ~SpawnAttr() {
        if (ok) {
            ::posix_spawnattr_destroy(&attr);
        }
    }
    SpawnAttr(const SpawnAttr&) = delete;
    SpawnAttr& operator=(const SpawnAttr&) = delete;
};

struct SpawnFileActions {
    posix_spawn_file_actions_t actions{};
    bool ok = false;
    SpawnFileActions() { ok = ::posix_spawn_file_actions_init(&actions) == 0; }
    ~SpawnFileActions() {
        if (ok) {
            ::posix_spawn_file_actions_destroy(&actions);
        }
    }
    SpawnFileActions(const SpawnFileActions&) = delete;
    SpawnFileActions& operator=(const SpawnFileActions&) = delete;
};

// Starts `program url` directly; returns the pid or -1.
pid_t spawn(const std::string& program, const std::string& url) {
    SpawnAttr attr;
    SpawnFileActions files;
    if (!attr.ok || !files.ok) {
        return -1;
    }
    // A new session, so Ctrl-C in our terminal does not reach the browser; default signal
    // dispositions and an empty mask, whatever the calling program set up.
    sigset_t none;
    sigemptyset(&none);
    sigset_t all;
    sigfillset(&all);
    short flags = POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (::posix_spawnattr_setflags(&attr.attr, flags) != 0 ||
        ::posix_spawnattr_setsigmask(&attr.attr, &none) != 0 ||
        ::posix_spawnattr_setsigdefault(&attr.attr, &all) != 0) {
        return -1;
    }
    // stdin and stdout on /dev/null (our stdout belongs to the program's own output); stderr
    // stays for the browser's diagnostics; every other descriptor (sockets, the callback
    // server's listener, files) is closed in the child.
    if (::posix_spawn_file_actions_addopen(&files.actions, 0, "/dev/null", O_RDONLY, 0) != 0 ||
        ::posix_spawn_file_actions_addopen(&files.actions, 1, "/dev/null", O_WRONLY, 0) != 0 ||
        ::posix_spawn_file_actions_addclosefrom_np(&files.actions, 3) != 0) {
        return -1;
    }
    // argv is exactly {program, url}: no shell, so no character of the URL is special.
    std::string arg0 = program;
    std::string arg1 = url;
    char* argv[] = {arg0.data(), arg1.data(), nullptr};
    pid_t pid = -1;
    int rc = ::posix_spawn(&pid, program.c_str(), &files.actions, &attr.attr, argv, environ);
    if (rc != 0) {
        log(LogLevel::debug, "open_browser: cannot start " + program + ": " + std::strerror(rc));
        return -1;
    }
    return pid;
}

// Reaps `pid` in a detached thread (so the browser never becomes a zombie, however long it
// runs) and reports its exit through the returned record.
std::shared_ptr<ChildExit> reap_in_background(pid_t pid) {
    auto record = std::make_shared<ChildExit>();
    std::thread([pid, record] {
        int status = 0;
        pid_t rc = -1;
        do {
            rc = ::waitpid(pid, &status, 0);
        } while (rc < 0 && errno == EINTR);
        std::lock_guard lock(record->mutex);
        record->exited = true;
        record->status = status;
        // ECHILD: the program ignores SIGCHLD or reaps children itself; the status is lost.
        record->status_known = rc == pid;
        record->exited_cv.notify_all();
    }).detach();
    return record;
}

void check_url(std::string_view url) {
    for (char c : url) {
        auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            throw Error(errc::bad_url, "open_browser: the URL contains a control character");
        }
    }
    // An absolute http(s) URL starts with a letter: it can never be taken for an option.
    parse_url(url);
}

} // namespace

bool has_graphical_display() {
#if defined(__APPLE__) || defined(_WIN32)
    return true;
#else
    for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY"}) {
        const char* value = std::getenv(name);
        if (value != nullptr && *value != '\0') {
            return true;
        }
    }
    return false;
#endif
}

std::vector<std::string> browser_candidates() {
    std::vector<std::string> names;
    if (const char* browser = std::getenv("BROWSER"); browser != nullptr) {
        std::string_view list = browser;
        while (!list.empty()) {
            auto colon = list.find(':');
            names.emplace_back(list.substr(0, colon));
            list = colon == std::string_view::npos ? std::string_view{} : list.substr(colon + 1);
        }
    }
    // `start` is a cmd.exe built-in on Windows; it is listed for completeness and found only
    // where a program of that name exists.
    if (has_graphical_display()) {
        for (const char* fallback : {"xdg-open", "open", "start"}) {
            names.emplace_back(fallback);
        }
    }
    std::vector<std::string> found;
    for (const auto& name : names) {
        std::string path = find_program(name);
        if (!path.empty()) {
            found.push_back(std::move(path));
        }
    }
    return found;
}

bool open_browser(std::string_view url, const BrowserOptions& options) {
    check_url(url);
    std::string url_text{url};
    for (const auto& program : browser_candidates()) {
        pid_t pid = spawn(program, url_text);
        if (pid < 0) {
            continue;
        }
        auto record = reap_in_background(pid);
        std::unique_lock lock(record->mutex);
        record->exited_cv.wait_for(lock, options.failure_window, [&] { return record->exited; });
        if (!record->exited || !record->status_known) {
            return true; // still running (a browser), or nothing more to learn
        }
        if (WIFEXITED(record->status) && WEXITSTATUS(record->status) == 0) {
            return true;
        }
        log(LogLevel::info, "open_browser: " + program + " failed; trying the next program");
    }
    log(LogLevel::warning, "open_browser: no browser could be started; open the URL by hand");
    return false;
}

} // namespace authflow

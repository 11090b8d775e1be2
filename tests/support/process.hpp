#pragma once
// A child process started by a test and stopped by its pid.

#include <filesystem>
#include <map>
#include <string>
#include <sys/types.h>
#include <vector>

namespace authflow::test {

/// A program and its environment, prepared before fork(): a test process has threads (servers,
/// log readers), and after fork() the child may only make async-signal-safe calls until exec —
/// a malloc there can wait forever for a lock another thread held at the fork. Not changed
/// after construction: safe to exec from any thread.
class ExecImage {
public:
    /// `argv[0]` is looked up in PATH; `env` is added to (or overrides) this process's environment.
    ExecImage(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env);
    ExecImage(const ExecImage&) = delete; // argv_ and envp_ point into args_ and env_
    ExecImage& operator=(const ExecImage&) = delete;
    /// Replaces the (forked) process; exits with 127 when that fails. Async-signal-safe.
    [[noreturn]] void exec() const;

private:
    std::vector<std::string> args_;
    std::vector<std::string> env_; ///< NAME=value
    std::vector<char*> argv_;
    std::vector<char*> envp_;
};

/// A program the test started. The destructor stops it (SIGTERM, then SIGKILL after 5 s) and
/// reaps it. Not safe to share between threads.
class ChildProcess {
public:
    /// Starts `argv[0]` (looked up in PATH) with extra environment variables; stdout and
    /// stderr go to `log_file` when given.
    ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> env = {},
                 std::filesystem::path log_file = {});
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    bool running();
    /// What the process is doing, for a failure message: its command line and kernel state.
    std::string describe() const;
    /// Sends `signal` and waits for the exit; returns the wait status.
    int stop(int signal = 15);
    /// Waits for the exit (up to timeout_ms; -1 forever); returns the exit code, or -1 on timeout
    /// or when killed by a signal.
    int wait(int timeout_ms = -1);

private:
    pid_t pid_ = -1;
    int status_ = 0;
    bool reaped_ = false;
};

/// Result of running a command to completion.
struct CommandResult {
    int exit_code = -1; ///< -1 when killed by a signal or timed out
    std::string out;
    std::string err;
};

/// Runs a command with extra environment and optional stdin, waiting up to `timeout_ms`.
CommandResult run_command(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env = {},
                          const std::string& input = {}, int timeout_ms = 60000);

/// True if `program` is found in PATH (or is an existing path).
bool have_program(const std::string& program);

} // namespace authflow::test

#include "support/process.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <poll.h>
#include <signal.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace authflow::test {
namespace {

int exit_code_of(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_proc_file(pid_t pid, const char* name) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/" + name, std::ios::binary);
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    std::replace(text.begin(), text.end(), '\0', ' ');
    return text;
}

} // namespace

ExecImage::ExecImage(const std::vector<std::string>& argv,
                     const std::map<std::string, std::string>& env)
    : args_(argv) {
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string_view line{*entry};
        if (!env.contains(std::string{line.substr(0, line.find('='))})) {
            env_.emplace_back(line);
        }
    }
    for (const auto& [name, value] : env) {
        env_.push_back(name + "=" + value);
    }
    for (auto& arg : args_) {
        argv_.push_back(arg.data());
    }
    argv_.push_back(nullptr);
    for (auto& variable : env_) {
        envp_.push_back(variable.data());
    }
    envp_.push_back(nullptr);
}

void ExecImage::exec() const {
    if (argv_.size() > 1) {
        ::execvpe(argv_[0], argv_.data(), envp_.data());
    }
    ::_exit(127);
}

ChildProcess::ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> env,
                           std::filesystem::path log_file) {
    const ExecImage image(argv, env);
    pid_ = ::fork();
    if (pid_ < 0) {
        throw std::runtime_error("fork failed");
    }
    if (pid_ == 0) {
        ::setpgid(0, 0);
        int null_in = ::open("/dev/null", O_RDONLY);
        ::dup2(null_in, 0);
        if (!log_file.empty()) {
            int fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (fd >= 0) {
                ::dup2(fd, 1);
                ::dup2(fd, 2);
            }
        }
        image.exec();
    }
}

ChildProcess::~ChildProcess() {
    if (!reaped_) {
        stop();
    }
}

std::string ChildProcess::describe() const {
    if (reaped_) {
        return "pid " + std::to_string(pid_) + " has exited";
    }
    std::string status = read_proc_file(pid_, "status");
    const auto state = status.find("State:");
    return "pid " + std::to_string(pid_) + ": " + read_proc_file(pid_, "cmdline") + "; " +
           (state == std::string::npos ? ""
                                       : status.substr(state, status.find('\n', state) - state)) +
           "; wchan " + read_proc_file(pid_, "wchan");
}

bool ChildProcess::running() {
    if (reaped_) {
        return false;
    }
    int status = 0;
    pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
        status_ = status;
        reaped_ = true;
        return false;
    }
    return true;
}

int ChildProcess::wait(int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (running()) {
        if (timeout_ms >= 0 && std::chrono::steady_clock::now() >= deadline) {
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return exit_code_of(status_);
}

int ChildProcess::stop(int signal) {
    if (reaped_) {
        return status_;
    }
    ::kill(pid_, signal);
    if (wait(5000) == -1 && !reaped_) {
        ::kill(pid_, SIGKILL);
        wait();
    }
    return status_;
}

CommandResult run_command(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env, const std::string& input,
                          int timeout_ms) {
    std::array<int, 2> in_pipe{}, out_pipe{}, err_pipe{};
    if (::pipe(in_pipe.data()) != 0 || ::pipe(out_pipe.data()) != 0 ||
        ::pipe(err_pipe.data()) != 0) {
        throw std::runtime_error("pipe failed");
    }
    const ExecImage image(argv, env);
    pid_t pid = ::fork();
    if (pid < 0) {
        throw std::runtime_error("fork failed");
    }
    if (pid == 0) {
        ::dup2(in_pipe[0], 0);
        ::dup2(out_pipe[1], 1);
        ::dup2(err_pipe[1], 2);
        for (int fd :
             {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) {
            ::close(fd);
        }
        image.exec();
    }
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    ::signal(SIGPIPE, SIG_IGN);
    if (!input.empty()) {
        [[maybe_unused]] auto written = ::write(in_pipe[1], input.data(), input.size());
    }
    ::close(in_pipe[1]);

    CommandResult result;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    std::array<pollfd, 2> fds{{{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}}};
    int open_fds = 2;
    std::array<char, 4096> buffer{};
    while (open_fds > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            ::kill(pid, SIGKILL);
            break;
        }
        if (::poll(fds.data(), fds.size(), static_cast<int>(left.count())) < 0 && errno != EINTR) {
            break;
        }
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP)) != 0) {
                auto n = ::read(fds[i].fd, buffer.data(), buffer.size());
                if (n <= 0) {
                    ::close(fds[i].fd);
                    fds[i].fd = -1;
                    --open_fds;
                } else {
                    (i == 0 ? result.out : result.err)
                        .append(buffer.data(), static_cast<std::size_t>(n));
                }
            }
        }
    }
    for (auto& fd : fds) {
        if (fd.fd >= 0) {
            ::close(fd.fd);
        }
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.exit_code = exit_code_of(status);
    return result;
}

bool have_program(const std::string& program) {
    if (program.find('/') != std::string::npos) {
        return ::access(program.c_str(), X_OK) == 0;
    }
    const char* path = std::getenv("PATH");
    std::string_view dirs = path != nullptr ? path : "/usr/bin:/bin";
    while (!dirs.empty()) {
        auto colon = dirs.find(':');
        std::string dir{dirs.substr(0, colon)};
        if (::access((dir + "/" + program).c_str(), X_OK) == 0) {
            return true;
        }
        dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
    }
    return false;
}

} // namespace authflow::test

#pragma once
// Runs a child process with its stdout/stderr captured, bounded in time, stopped by PID.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <vector>

extern char** environ;

namespace jim::testing {

class Process {
  public:
    explicit Process(std::vector<std::string> argv, const std::string& stdin_text = {}) {
        int out[2], err[2], in[2];
        if (pipe(out) != 0 || pipe(err) != 0 || pipe(in) != 0) return;
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, in[0], 0);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        posix_spawn_file_actions_adddup2(&fa, err[1], 2);
        for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) {
            posix_spawn_file_actions_addclose(&fa, fd);
        }
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        if (posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ) != 0) pid_ = -1;
        posix_spawn_file_actions_destroy(&fa);
        ::close(in[0]);
        ::close(out[1]);
        ::close(err[1]);
        if (!stdin_text.empty()) {
            [[maybe_unused]] auto n = ::write(in[1], stdin_text.data(), stdin_text.size());
        }
        ::close(in[1]);
        out_fd_ = out[0];
        err_fd_ = err[0];
        fcntl(out_fd_, F_SETFL, O_NONBLOCK);
        fcntl(err_fd_, F_SETFL, O_NONBLOCK);
    }
    ~Process() {
        if (pid_ > 0 && !exited_) {
            ::kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        if (out_fd_ >= 0) ::close(out_fd_);
        if (err_fd_ >= 0) ::close(err_fd_);
    }
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    bool started() const { return pid_ > 0; }
    void signal(int sig) const {
        if (pid_ > 0 && !exited_) ::kill(pid_, sig);
    }

    // Waits until stdout contains `text`; returns whether it did in time.
    bool wait_for_output(const std::string& text, std::chrono::milliseconds limit) {
        const auto end = std::chrono::steady_clock::now() + limit;
        while (stdout_.find(text) == std::string::npos) {
            if (std::chrono::steady_clock::now() >= end || !pump(20)) {
                return stdout_.find(text) != std::string::npos;
            }
        }
        return true;
    }

    // Waits for the exit status (nullopt on timeout).
    std::optional<int> wait(std::chrono::milliseconds limit) {
        const auto end = std::chrono::steady_clock::now() + limit;
        while (true) {
            pump(10);
            int status = 0;
            const pid_t r = waitpid(pid_, &status, WNOHANG);
            if (r == pid_) {
                exited_ = true;
                while (pump(0)) {
                }
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            if (std::chrono::steady_clock::now() >= end) return std::nullopt;
        }
    }

    const std::string& out() const { return stdout_; }
    // The port of jim-server's "listening on HOST:PORT" line on stdout so far, or 0.
    std::uint16_t listening_port() const {
        std::smatch m;
        if (!std::regex_search(stdout_, m, std::regex(R"(listening on [0-9.]+:(\d+))"))) return 0;
        return static_cast<std::uint16_t>(std::stoi(m[1]));
    }
    const std::string& err() const { return stderr_; }

  private:
    // Reads what is available; returns false once both pipes are at EOF.
    bool pump(int timeout_ms) {
        pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
        ::poll(fds, 2, timeout_ms);
        bool open = false;
        char buf[4096];
        for (auto [fd, dst] : {std::pair{out_fd_, &stdout_}, std::pair{err_fd_, &stderr_}}) {
            const ssize_t n = ::read(fd, buf, sizeof(buf));
            if (n > 0) dst->append(buf, static_cast<std::size_t>(n));
            if (n != 0) open = true;
        }
        return open;
    }

    pid_t pid_ = -1;
    bool exited_ = false;
    int out_fd_ = -1;
    int err_fd_ = -1;
    std::string stdout_;
    std::string stderr_;
};

}  // namespace jim::testing

#pragma once
// A throw-away redis-server for tests: its own free loopback port and temporary directory
// (append-only file on, no RDB snapshots), started and stopped by PID, removed on destruction.
// Tests fail (not skip) when redis-server is missing: scripts/install-deps.sh installs it.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>  // mkdtemp
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace jim::testing {

class RedisServer {
  public:
    RedisServer() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/jim-redis-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir_ = pattern;
        port_ = free_port();
        start();
    }
    ~RedisServer() {
        resume();
        kill(SIGKILL);
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    std::uint16_t port() const { return port_; }
    std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
    const std::string& dir() const { return dir_; }
    bool running() const { return pid_ > 0; }

    // Starts redis-server (again, on the same port and directory: the AOF is replayed) and waits
    // until it answers PING.
    void start() {
        if (pid_ > 0) return;
        const std::string port = std::to_string(port_);
        std::vector<std::string> argv = {kBinary,
                                         "--port",
                                         port,
                                         "--bind",
                                         "127.0.0.1",
                                         "--dir",
                                         dir_,
                                         "--save",
                                         "",
                                         "--appendonly",
                                         "yes",
                                         "--appendfsync",
                                         "everysec",
                                         "--daemonize",
                                         "no",
                                         "--logfile",
                                         dir_ + "/redis.log",
                                         "--protected-mode",
                                         "no"};
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        if (::access(kBinary, X_OK) != 0) {
            throw std::runtime_error(std::string("cannot start ") + kBinary +
                                     " (install the redis-server package: "
                                     "scripts/install-deps.sh)");
        }
        // fork + exec rather than posix_spawn: the child must die with the test (a crashed test
        // runs no destructor) and must not hold the test's stdout (ctest would wait for EOF).
        const pid_t parent = ::getpid();
        pid_ = ::fork();
        if (pid_ == 0) {  // only async-signal-safe calls until exec
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) ::_exit(127);
            const int null_fd = ::open("/dev/null", O_RDWR);
            ::dup2(null_fd, 0);
            ::dup2(null_fd, 1);
            ::dup2(null_fd, 2);
            ::execv(kBinary, args.data());
            ::_exit(127);
        }
        if (pid_ < 0) throw std::runtime_error("fork failed");
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!answers_ping()) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                throw std::runtime_error("redis-server exited at start; see " + dir_ +
                                         "/redis.log");
            }
            if (std::chrono::steady_clock::now() > end) {
                throw std::runtime_error("redis-server did not answer PING in time");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));  // poll, bounded above
        }
    }

    // SIGKILL (a crash: the AOF keeps what was written to it) or SIGTERM (a clean stop).
    void kill(int sig = SIGKILL) {
        if (pid_ <= 0) return;
        ::kill(pid_, sig);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

    // SIGSTOP / SIGCONT: a hung server whose sockets stay open.
    void pause() const {
        if (pid_ > 0) ::kill(pid_, SIGSTOP);
    }
    void resume() const {
        if (pid_ > 0) ::kill(pid_, SIGCONT);
    }

    // Sends one inline command and returns the first line of the answer ("" on failure).
    std::string call(const std::string& inline_command) const {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) return {};
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port_);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        timeval tv{2, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        std::string answer;
        if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
            const std::string line = inline_command + "\r\n";
            if (::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size())) {
                char buf[512];
                while (answer.find("\r\n") == std::string::npos) {
                    const ssize_t n = ::read(fd, buf, sizeof buf);
                    if (n <= 0) break;
                    answer.append(buf, static_cast<std::size_t>(n));
                }
            }
        }
        ::close(fd);
        const auto eol = answer.find("\r\n");
        return eol == std::string::npos ? std::string() : answer.substr(0, eol);
    }

  private:
    static constexpr const char* kBinary = "/usr/bin/redis-server";

    bool answers_ping() const { return call("PING") == "+PONG"; }

    static std::uint16_t free_port() {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
            if (fd >= 0) ::close(fd);
            throw std::runtime_error("no free loopback port");
        }
        ::close(fd);
        return ntohs(a.sin_port);
    }

    std::string dir_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace jim::testing

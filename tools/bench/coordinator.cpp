#include "coordinator.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <thread>

namespace jim::bench {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kGoDelay = 50'000'000;  // lets every process see go before it happens
constexpr rlim_t kSpareFds = 64;

bool paired(Scenario s) {
    return s == Scenario::pairs || s == Scenario::latency;
}

void write_all(int fd, const std::string& s) {
    std::size_t at = 0;
    while (at < s.size()) {
        const ssize_t n = ::write(fd, s.data() + at, s.size() - at);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        at += static_cast<std::size_t>(n);
    }
}

// Reads one '\n'-terminated line from a blocking fd (the go line is tiny).
std::string read_line(int fd) {
    std::string line;
    char ch = 0;
    while (true) {
        const ssize_t n = ::read(fd, &ch, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || ch == '\n') return line;
        line += ch;
    }
}

// The in-process uplink: the coordinator is right here. Thread: main thread only.
class LocalUplink final : public Uplink {
  public:
    explicit LocalUplink(Coordinator& c) : c_(c) {}
    void progress(const Progress& p) override { c_.on_progress(0, p); }
    std::int64_t ready(std::int64_t ready_ns) override { return c_.on_ready(ready_ns); }

  private:
    Coordinator& c_;
};

// A child's uplink: "P …" progress and "R <ns>" ready lines up, "G <ns>" down.
// Thread: the child's main thread only.
class PipeUplink final : public Uplink {
  public:
    PipeUplink(int up, int down) : up_(up), down_(down) {}
    void progress(const Progress& p) override {
        const std::int64_t now = mono_ns();
        if (now - last_ < 100'000'000) return;
        last_ = now;
        write_all(up_, "P " + std::to_string(p.logged_in) + ' ' + std::to_string(p.sent) + ' ' +
                           std::to_string(p.received) + ' ' + std::to_string(p.errors) + '\n');
    }
    std::int64_t ready(std::int64_t ready_ns) override {
        write_all(up_, "R " + std::to_string(ready_ns) + '\n');
        const std::string line = read_line(down_);
        if (line.size() < 3 || line[0] != 'G') return 0;
        return std::stoll(line.substr(2));
    }

  private:
    int up_, down_;
    std::int64_t last_ = 0;
};

unsigned affinity_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof set, &set) != 0) return 1;
    return static_cast<unsigned>(std::max(1, CPU_COUNT(&set)));
}

std::string rate_text(double per_s) {
    char buf[32];
    if (per_s >= 1e6) {
        std::snprintf(buf, sizeof buf, "%.2fM/s", per_s / 1e6);
    } else if (per_s >= 1e3) {
        std::snprintf(buf, sizeof buf, "%.1fk/s", per_s / 1e3);
    } else {
        std::snprintf(buf, sizeof buf, "%.0f/s", per_s);
    }
    return buf;
}

}  // namespace

Coordinator::Coordinator(const Options& options, const Protocol& protocol)
    : options_(options), protocol_(protocol), progress_(options.procs) {
    facts_.server_pid = options.server_pid;
    facts_.generator_cpus = affinity_cpus();
}

double Coordinator::server_cpu() const {
    return options_.server_pid > 0 ? proc_cpu_seconds(options_.server_pid) : -1;
}

bool Coordinator::raise_fd_limit(std::string& error) const {
    const std::uint32_t per_proc = (options_.connections + options_.procs - 1) / options_.procs + 1;
    const rlim_t need = per_proc + kSpareFds;
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_cur >= need) return true;
    if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < need) {
        const rlim_t usable = lim.rlim_max > kSpareFds + 1 ? lim.rlim_max - kSpareFds - 1 : 1;
        error = std::to_string(options_.connections) + " connections need " + std::to_string(need) +
                " open files per process but the hard limit is " + std::to_string(lim.rlim_max) +
                ": use --procs " + std::to_string((options_.connections + usable - 1) / usable) +
                " or more";
        return false;
    }
    lim.rlim_cur = need;
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) {
        error = std::string("setrlimit(RLIMIT_NOFILE): ") + std::strerror(errno);
        return false;
    }
    return true;
}

int Coordinator::run() {
    std::string error;
    Result result;
    facts_.start_ns = mono_ns();
    if (options_.server_pid > 0) {
        facts_.rss_before = proc_rss_bytes(options_.server_pid);
        if (facts_.rss_before < 0) {
            std::fprintf(stderr, "jim-bench: cannot read /proc/%d/status; server figures omitted\n",
                         options_.server_pid);
        }
        if (options_.scenario == Scenario::idle) {
            cpu_begin_ = server_cpu();
            cpu_begin_ns_ = mono_ns();
        }
    }
    if (!raise_fd_limit(error)) {
        result.ok = false;
        result.error = error;
    } else {
        result = options_.procs == 1 ? run_in_process() : run_children();
    }
    if (options_.server_pid > 0) {
        if (cpu_end_ < 0 && cpu_begin_ >= 0) {
            cpu_end_ = server_cpu();
            cpu_end_ns_ = mono_ns();
        }
        if (cpu_begin_ >= 0 && cpu_end_ >= 0) {
            facts_.server_cpu_s = cpu_end_ - cpu_begin_;
            facts_.server_wall_s = static_cast<double>(cpu_end_ns_ - cpu_begin_ns_) / 1e9;
        }
        facts_.server_threads = proc_threads(options_.server_pid);
    }
    if (!result.ok) std::fprintf(stderr, "jim-bench: %s\n", result.error.c_str());
    const auto summary = make_summary(options_, result, facts_);
    std::printf("%s\n", json_text(summary).c_str());
    print_table(stdout, summary);
    std::fflush(stdout);
    if (!options_.report.empty() && !write_html(options_.report, summary, result.latency, error)) {
        std::fprintf(stderr, "jim-bench: %s\n", error.c_str());
        return 1;
    }
    return result.ok ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// Phases

void Coordinator::on_progress(std::size_t proc, const Progress& p) {
    if (proc < progress_.size()) progress_[proc] = p;
    tick();
}

std::int64_t Coordinator::on_ready(std::int64_t ready_ns) {
    facts_.ready_ns = ready_ns;
    if (options_.scenario == Scenario::idle) {
        if (cpu_begin_ >= 0) {
            cpu_end_ = server_cpu();
            cpu_end_ns_ = mono_ns();
        }
        std::this_thread::sleep_for(std::chrono::duration<double>(options_.settle_s));
    }
    if (options_.server_pid > 0) facts_.rss_after = proc_rss_bytes(options_.server_pid);
    facts_.go_ns = mono_ns() + (options_.scenario == Scenario::idle ? 0 : kGoDelay);
    if (options_.scenario == Scenario::storm && options_.progress) {
        std::fprintf(stderr, "jim-bench: storm: %u connections drop now\n", options_.connections);
    }
    return facts_.go_ns;
}

// Server CPU at the window edges, and the progress line once a second.
void Coordinator::tick() {
    const std::int64_t now = mono_ns();
    const std::int64_t go = facts_.go_ns;
    if (options_.server_pid > 0 && go != 0) {
        std::int64_t begin = 0, end = 0;
        if (options_.windowed()) {
            begin = go + static_cast<std::int64_t>(options_.warmup_s * 1e9);
            end = begin + static_cast<std::int64_t>(options_.duration_s * 1e9);
        } else if (options_.scenario == Scenario::storm) {
            begin = go;
        }
        if (begin != 0 && cpu_begin_ < 0 && now >= begin) {
            cpu_begin_ = server_cpu();
            cpu_begin_ns_ = mono_ns();
        }
        if (end != 0 && cpu_end_ < 0 && now >= end) {
            cpu_end_ = server_cpu();
            cpu_end_ns_ = mono_ns();
        }
    }
    if (!options_.progress) return;
    if (last_print_ns_ == 0) last_print_ns_ = facts_.start_ns;
    if (now - last_print_ns_ < kSecond) return;
    Progress total;
    for (const auto& p : progress_) total.add(p);
    const double dt = static_cast<double>(now - last_print_ns_) / 1e9;
    const double rx_rate = static_cast<double>(total.received - last_received_) / dt;
    std::string server;
    if (options_.server_pid > 0) {
        const double cpu = server_cpu();
        if (last_server_cpu_ >= 0 && cpu >= 0) {
            char buf[48];
            std::snprintf(buf, sizeof buf, "  server cpu %.0f%%",
                          100 * (cpu - last_server_cpu_) / dt);
            server = buf;
        }
        last_server_cpu_ = cpu;
    }
    if (options_.procs == 1) {
        double user = 0, sys = 0;
        self_cpu(user, sys);
        if (last_self_cpu_ >= 0) {
            char buf[48];
            std::snprintf(buf, sizeof buf, "  bench cpu %.0f%%",
                          100 * (user + sys - last_self_cpu_) / dt);
            server += buf;
        }
        last_self_cpu_ = user + sys;
    }
    std::fprintf(stderr,
                 "[%6.1fs] %s  logged in %llu/%u  sent %llu  received %llu (%s)  errors %llu%s\n",
                 static_cast<double>(now - facts_.start_ns) / 1e9,
                 std::string(scenario_name(options_.scenario)).c_str(),
                 static_cast<unsigned long long>(total.logged_in), options_.connections,
                 static_cast<unsigned long long>(total.sent),
                 static_cast<unsigned long long>(total.received), rate_text(rx_rate).c_str(),
                 static_cast<unsigned long long>(total.errors), server.c_str());
    last_print_ns_ = now;
    last_received_ = total.received;
}

// ---------------------------------------------------------------------------------------------
// Generator processes

Result Coordinator::run_in_process() {
    LocalUplink up(*this);
    return run_process(options_, protocol_, Share{0, options_.connections}, facts_.start_ns,
                       options_.procs * options_.threads, up);
}

namespace {

// The parent's view of one child. Thread: main thread only.
struct Child {
    pid_t pid = -1;
    int up = -1;    // child -> parent lines
    int down = -1;  // parent -> child go line
    std::string buffer;
    bool ready = false;
    bool finished = false;  // result line received or pipe closed
    std::int64_t ready_ns = 0;
    Result result;
};

}  // namespace

Result Coordinator::run_children() {
    const auto shares =
        split_share(Share{0, options_.connections}, options_.procs, paired(options_.scenario));
    std::vector<Child> kids(shares.size());
    std::vector<int> parent_fds;  // closed in every later child
    for (std::size_t i = 0; i < shares.size(); ++i) {
        int up[2], down[2];
        if (::pipe2(up, O_CLOEXEC) != 0 || ::pipe2(down, O_CLOEXEC) != 0) {
            Result r;
            r.ok = false;
            r.error = std::string("pipe: ") + std::strerror(errno);
            return r;
        }
        std::fflush(nullptr);
        const pid_t pid = ::fork();
        if (pid == 0) {
            for (const int fd : parent_fds) ::close(fd);
            ::close(up[0]);
            ::close(down[1]);
            PipeUplink link(up[1], down[0]);
            Result r = run_process(options_, protocol_, shares[i], facts_.start_ns,
                                   options_.procs * options_.threads, link);
            write_all(up[1], "D " + boost::json::serialize(r.to_json()) + '\n');
            std::_Exit(0);
        }
        ::close(up[1]);
        ::close(down[0]);
        kids[i].pid = pid;
        kids[i].up = up[0];
        kids[i].down = down[1];
        parent_fds.push_back(up[0]);
        parent_fds.push_back(down[1]);
        if (pid < 0) {
            kids[i].finished = true;
            kids[i].result.ok = false;
            kids[i].result.error = std::string("fork: ") + std::strerror(errno);
        }
    }

    bool signalled = false;
    const auto send_go = [&](std::int64_t go) {
        signalled = true;
        for (auto& k : kids) write_all(k.down, "G " + std::to_string(go) + '\n');
    };
    while (!std::all_of(kids.begin(), kids.end(), [](const Child& k) { return k.finished; })) {
        std::vector<pollfd> fds;
        for (const auto& k : kids) fds.push_back({k.finished ? -1 : k.up, POLLIN, 0});
        ::poll(fds.data(), fds.size(), 20);
        for (std::size_t i = 0; i < kids.size(); ++i) {
            Child& k = kids[i];
            if (k.finished || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
            char buf[65536];
            const ssize_t n = ::read(k.up, buf, sizeof buf);
            if (n <= 0) {
                if (n < 0 && errno == EINTR) continue;
                k.finished = true;
                if (k.result.cpu.empty()) {
                    k.result.ok = false;
                    k.result.error =
                        "generator process " + std::to_string(i) + " exited without a result";
                }
                continue;
            }
            k.buffer.append(buf, static_cast<std::size_t>(n));
            std::size_t nl = 0;
            while ((nl = k.buffer.find('\n')) != std::string::npos) {
                const std::string line = k.buffer.substr(0, nl);
                k.buffer.erase(0, nl + 1);
                if (line.rfind("P ", 0) == 0) {
                    std::istringstream in(line.substr(2));
                    Progress p;
                    in >> p.logged_in >> p.sent >> p.received >> p.errors;
                    progress_[i] = p;
                } else if (line.rfind("R ", 0) == 0) {
                    k.ready = true;
                    k.ready_ns = std::stoll(line.substr(2));
                } else if (line.rfind("D ", 0) == 0) {
                    boost::system::error_code ec;
                    const auto v = boost::json::parse(line.substr(2), ec);
                    k.result = ec ? Result{} : Result::from_json(v);
                    if (ec) {
                        k.result.ok = false;
                        k.result.error = "unreadable result from generator process";
                    }
                    if (k.result.cpu.empty()) k.result.cpu.push_back({});
                }
            }
        }
        const bool failed = std::any_of(kids.begin(), kids.end(),
                                        [](const Child& k) { return k.finished && !k.result.ok; });
        if (!signalled && failed) send_go(0);
        if (!signalled &&
            std::all_of(kids.begin(), kids.end(), [](const Child& k) { return k.ready; })) {
            std::int64_t last = 0;
            for (const auto& k : kids) last = std::max(last, k.ready_ns);
            send_go(on_ready(last));
        }
        tick();
    }
    Result merged;
    for (auto& k : kids) {
        if (k.pid > 0) ::waitpid(k.pid, nullptr, 0);
        ::close(k.up);
        ::close(k.down);
        merged.merge(k.result);
    }
    return merged;
}

}  // namespace jim::bench

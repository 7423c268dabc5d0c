// Kill -9 durability of the RocksDB engine with sync = "process": a child process appends in a
// loop and reports every acknowledged seq through a pipe; the parent kills it at a random moment,
// reopens the database and checks that every acknowledged message is there, in order, with no
// gap in seq.
//
// The child is this test binary again (fork, then exec with a gtest filter selecting the child
// role), so it starts with a clean address space instead of a fork of a process that may hold
// RocksDB's background threads.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>

#include <chrono>
#include <cstring>
#include <optional>
#include <random>
#include <semaphore>
#include <string>
#include <vector>

#include "store_test_util.hpp"

extern char** environ;

namespace jim::store::test {
namespace {

constexpr const char* kChildEnv = "JIM_STORE_CRASH_CHILD";
constexpr int kAckFd = 3;  // the child writes each acknowledged seq (8 bytes) here
constexpr const char* kChildFilter = "--gtest_filter=RocksDbCrashChild.DISABLED_AppendUntilKilled";
const std::string kConversation = group_conversation("crash");

// The child role. Selected only by the parent (disabled and guarded by the environment).
TEST(RocksDbCrashChild, DISABLED_AppendUntilKilled) {
    const char* path = std::getenv(kChildEnv);
    if (path == nullptr) GTEST_SKIP() << "run by RocksDbCrash only";
    StoreOptions o;
    o.engine = "rocksdb";
    o.path = path;
    o.sync = "process";
    auto s = open_store(o);
    std::counting_semaphore<64> in_flight(32);  // several per commit, like a loaded server
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (std::uint64_t n = 0; std::chrono::steady_clock::now() < give_up; ++n) {
        in_flight.acquire();
        s->append(message(kConversation, "child", R"({"n":)" + std::to_string(n) + "}"),
                  [&in_flight](AppendResult r) {
                      if (r.error != Errc::ok) _exit(3);
                      // An 8-byte write to a pipe is atomic (below PIPE_BUF).
                      if (::write(kAckFd, &r.seq, sizeof r.seq) != sizeof r.seq) _exit(4);
                      in_flight.release();
                  });
    }
    _exit(5);  // never killed: the parent is gone
}

struct ChildRun {
    std::vector<std::uint64_t> acked;
    int status = 0;
};

// Starts the child, reads acknowledgements, and kills it `kill_after` after the first one.
ChildRun run_child(const std::string& db_path, std::chrono::milliseconds kill_after) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    // Everything the child needs is built before fork: after it only dup2 and exec run.
    std::string self = "/proc/self/exe";
    std::string filter = kChildFilter;
    std::string also_disabled = "--gtest_also_run_disabled_tests";
    char* argv[] = {self.data(), filter.data(), also_disabled.data(), nullptr};
    std::string env_entry = std::string(kChildEnv) + "=" + db_path;
    std::vector<char*> envp;
    for (char** e = environ; *e != nullptr; ++e) envp.push_back(*e);
    envp.push_back(env_entry.data());
    envp.push_back(nullptr);

    const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);  // the child's gtest chatter
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::dup2(fds[1], kAckFd);  // dup2 clears close-on-exec on the copy
        if (devnull >= 0) ::dup2(devnull, STDOUT_FILENO);
        ::execve(self.c_str(), argv, envp.data());
        _exit(127);
    }
    ::close(fds[1]);
    if (devnull >= 0) ::close(devnull);

    ChildRun run;
    std::string pending;  // bytes of an acknowledgement split across reads
    const auto read_available = [&]() -> bool {
        char buf[4096];
        const ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n <= 0) return false;
        pending.append(buf, static_cast<std::size_t>(n));
        std::size_t used = 0;
        for (; pending.size() - used >= sizeof(std::uint64_t); used += sizeof(std::uint64_t)) {
            std::uint64_t seq = 0;
            std::memcpy(&seq, pending.data() + used, sizeof seq);
            run.acked.push_back(seq);
        }
        pending.erase(0, used);
        return true;
    };
    using SteadyClock = std::chrono::steady_clock;
    const auto start_deadline = SteadyClock::now() + kTimeout;
    std::optional<SteadyClock::time_point> kill_at;
    for (;;) {
        const auto now = SteadyClock::now();
        if (kill_at && now >= *kill_at) break;
        if (!kill_at && now >= start_deadline) break;  // never started: checked below
        const auto until = kill_at ? *kill_at : start_deadline;
        pollfd p{fds[0], POLLIN, 0};
        const auto wait = std::chrono::ceil<std::chrono::milliseconds>(until - now);
        if (::poll(&p, 1, static_cast<int>(wait.count())) > 0 && !read_available()) break;
        if (!kill_at && !run.acked.empty()) kill_at = SteadyClock::now() + kill_after;
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &run.status, 0);
    while (read_available()) {
    }
    ::close(fds[0]);
    return run;
}

class RocksDbCrash : public ::testing::TestWithParam<int> {};
INSTANTIATE_TEST_SUITE_P(Rounds, RocksDbCrash, ::testing::Range(0, 3));

TEST_P(RocksDbCrash, KillNineLosesNoAcknowledgedMessage) {
    TempDir dir;
    const std::string path = dir.path() + "/db";
    std::random_device rd;
    std::mt19937 rng(rd());
    const auto kill_after = std::chrono::milliseconds(std::uniform_int_distribution(50, 300)(rng));
    const ChildRun run = run_child(path, kill_after);
    SCOPED_TRACE("killed " + std::to_string(kill_after.count()) + " ms after the first ack, " +
                 std::to_string(run.acked.size()) + " acknowledged");
    ASSERT_TRUE(WIFSIGNALED(run.status) && WTERMSIG(run.status) == SIGKILL)
        << "child ended by itself, status " << run.status;
    ASSERT_FALSE(run.acked.empty()) << "the child acknowledged nothing before the kill";
    RecordProperty("acknowledged", static_cast<int>(run.acked.size()));
    RecordProperty("kill_after_ms", static_cast<int>(kill_after.count()));
    // Acknowledgements come in call order: 1, 2, 3, ...
    for (std::size_t i = 0; i < run.acked.size(); ++i) ASSERT_EQ(run.acked[i], i + 1);

    StoreOptions o;
    o.engine = "rocksdb";
    o.path = path;
    auto s = open_store(o);
    const auto stored = history(*s, kConversation);
    ASSERT_GE(stored.size(), run.acked.size());  // more may have been stored, never fewer
    for (std::size_t i = 0; i < stored.size(); ++i) {
        ASSERT_EQ(stored[i].seq, i + 1) << "gap in seq";
        const auto body = boost::json::parse(stored[i].body).as_object();
        ASSERT_EQ(body.at("n").as_int64(), static_cast<std::int64_t>(i));
        ASSERT_EQ(body.at("seq").as_int64(), static_cast<std::int64_t>(i + 1));
    }
    EXPECT_EQ(last_seq(*s, kConversation), stored.size());
    EXPECT_EQ(append(*s, message(kConversation, "parent", "{}")).seq, stored.size() + 1);
}

}  // namespace
}  // namespace jim::store::test

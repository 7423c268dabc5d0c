// Memory held by the server side of an idle TLS connection, measured in process.
//
// Each run makes N socketpairs and forks a client process that holds the client ends (so its
// OpenSSL objects are not counted here). The parent makes the server SSL objects with jim's own
// TlsContext and TlsSession set-up (the same calls the worker makes), completes the handshakes,
// reads one small message and writes a reply on each (as a login does), drains the read side
// until OpenSSL wants more (as the worker's read loop does), and then reads the allocator's
// live bytes. Counters, per connection:
//   heap_B          live heap bytes (jemalloc stats.allocated when linked, else mallinfo2):
//                   OpenSSL's plus jim's ConnExtra, which holds the session
//   openssl_B       bytes OpenSSL itself holds (its allocation hooks, usable sizes)
//   handshake_B     heap right after the handshake, before any application data
// (Sizes are the allocator's usable sizes, i.e. rounded up to jemalloc's size classes.)
// JIM_TLS_MEM_SITES=1 in the environment prints OpenSSL's live bytes per allocation site
// (file:line) after each run: where the bytes of an idle connection are.
//
// Build: part of `make bench` (build/bench/tls_memory_bench). Run alone, e.g.
//   JIM_TLS_MEM_SITES=1 build/bench/tls_memory_bench --benchmark_filter=Idle

#include <benchmark/benchmark.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <fcntl.h>
#include <malloc.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "jim/net/conn_extra.hpp"
#include "jim/net/tls.hpp"

#ifdef JIM_BENCH_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace {

// ---- allocation accounting ----------------------------------------------------------------

std::size_t usable(void* p) {
    return p == nullptr ? 0 : malloc_usable_size(p);
}

struct SiteTable {
    std::mutex mu;
    struct Live {
        long bytes = 0;      // usable sizes (what the allocator charges)
        long requested = 0;  // sizes asked for
        long count = 0;
    };
    struct Block {
        std::string site;  // "file:line"
        long requested = 0;
    };
    std::unordered_map<void*, Block> where;
    std::map<std::string, Live> live;
};

std::atomic<long> g_openssl_live{0};
bool g_track_sites = false;

SiteTable& sites() {
    static auto* t = new SiteTable();  // never freed: OpenSSL may free after exit handlers
    return *t;
}

void note_alloc(void* p, std::size_t requested, const char* file, int line) {
    if (p == nullptr) return;
    const auto n = static_cast<long>(usable(p));
    g_openssl_live += n;
    if (!g_track_sites) return;
    std::string site = std::string(file != nullptr ? file : "?") + ":" + std::to_string(line);
    auto& t = sites();
    const std::lock_guard lock(t.mu);
    auto& s = t.live[site];
    s.bytes += n;
    s.requested += static_cast<long>(requested);
    s.count += 1;
    t.where[p] = {std::move(site), static_cast<long>(requested)};
}

void note_free(void* p) {
    if (p == nullptr) return;
    const auto n = static_cast<long>(usable(p));
    g_openssl_live -= n;
    if (!g_track_sites) return;
    auto& t = sites();
    const std::lock_guard lock(t.mu);
    const auto it = t.where.find(p);
    if (it == t.where.end()) return;
    auto& s = t.live[it->second.site];
    s.bytes -= n;
    s.requested -= it->second.requested;
    s.count -= 1;
    t.where.erase(it);
}

void* hook_malloc(std::size_t n, const char* file, int line) {
    void* p = std::malloc(n);
    note_alloc(p, n, file, line);
    return p;
}

void* hook_realloc(void* old, std::size_t n, const char* file, int line) {
    note_free(old);
    void* p = std::realloc(old, n);
    note_alloc(p != nullptr ? p : (n == 0 ? nullptr : old), n, file, line);
    return p;
}

void hook_free(void* p, const char*, int) {
    note_free(p);
    std::free(p);
}

// Before main, before OpenSSL allocates anything.
const bool g_hooks_installed = [] {
    g_track_sites = std::getenv("JIM_TLS_MEM_SITES") != nullptr;
    return CRYPTO_set_mem_functions(hook_malloc, hook_realloc, hook_free) == 1;
}();

long heap_bytes() {
#ifdef JIM_BENCH_JEMALLOC
    std::uint64_t epoch = 1;
    std::size_t len = sizeof epoch;
    mallctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0);  // cached blocks are free
    mallctl("epoch", &epoch, &len, &epoch, len);
    std::size_t allocated = 0;
    len = sizeof allocated;
    mallctl("stats.allocated", &allocated, &len, nullptr, 0);
    return static_cast<long>(allocated);
#else
    malloc_trim(0);
    return static_cast<long>(mallinfo2().uordblks);
#endif
}

std::map<std::string, SiteTable::Live> site_snapshot() {
    auto& t = sites();
    const std::lock_guard lock(t.mu);
    return t.live;
}

// ---- the connections ------------------------------------------------------------------------

constexpr std::size_t kLoginSize = 120;    // about a J-IM login frame
constexpr std::size_t kReplySize = 300;    // about its reply
constexpr std::size_t kLargeSize = 64000;  // a large message after idling, to check the path

void set_nonblocking(int fd, bool on) {
    const int flags = fcntl(fd, F_GETFL, 0);
    fcntl(fd, F_SETFL, on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK));
}

bool read_exact(SSL* ssl, std::size_t n) {
    std::vector<char> buf(n);
    std::size_t got = 0;
    while (got < n) {
        const int r = SSL_read(ssl, buf.data() + got, static_cast<int>(n - got));
        if (r <= 0) return false;
        got += static_cast<std::size_t>(r);
    }
    return true;
}

bool write_all(SSL* ssl, std::size_t n) {
    const std::string data(n, 'x');
    std::size_t done = 0;
    while (done < n) {
        const int r = SSL_write(ssl, data.data() + done, static_cast<int>(n - done));
        if (r <= 0) return false;
        done += static_cast<std::size_t>(r);
    }
    return true;
}

// The client process: blocking sockets, all handshakes first, then one login each, in the
// order the parent serves them. Waits for the parent to close each socket before it exits.
[[noreturn]] void run_client(const std::vector<int>& fds) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    std::vector<SSL*> ssls;
    for (const int fd : fds) {
        SSL* ssl = SSL_new(ctx);
        SSL_set_fd(ssl, fd);
        if (SSL_connect(ssl) != 1) std::_Exit(2);
        ssls.push_back(ssl);
    }
    for (SSL* ssl : ssls) {  // in the order the parent reads them
        if (!write_all(ssl, kLoginSize) || !read_exact(ssl, kReplySize)) std::_Exit(2);
    }
    for (SSL* ssl : ssls) {  // one large message each once all are idle
        if (!write_all(ssl, kLargeSize)) std::_Exit(3);
    }
    char c = 0;
    for (const int fd : fds) {
        while (::read(fd, &c, 1) > 0) {
        }
    }
    std::_Exit(0);
}

// The server side of one connection: the session lives in the connection's ConnExtra, as in
// the worker (Connection::extra).
struct ServerConn {
    int fd = -1;
    std::unique_ptr<jim::net::ConnExtra> extra;
    SSL* ssl() const { return extra->tls->ssl.get(); }
};

// Reads until OpenSSL wants more bytes (the worker's read loop); returns the plaintext read.
std::size_t drain(ServerConn& c) {
    std::array<char, 64 * 1024> buf{};
    std::size_t total = 0;
    for (;;) {
        const int r = SSL_read(c.ssl(), buf.data(), static_cast<int>(buf.size()));
        if (r > 0) {
            total += static_cast<std::size_t>(r);
            continue;
        }
        const int err = SSL_get_error(c.ssl(), r);
        if (err == SSL_ERROR_WANT_READ) return total;
        std::fprintf(stderr, "tls_memory_bench: SSL_read failed (%d)\n", err);
        std::abort();
    }
}

struct RunResult {
    long heap_per_conn = 0;
    long openssl_per_conn = 0;
    long handshake_per_conn = 0;
    bool large_ok = false;
};

// A throw-away certificate for the whole process, removed at exit.
struct CertDir {
    std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("jim-tls-mem-" + std::to_string(::getpid()));
    std::pair<std::string, std::string> files =
        jim::net::generate_self_signed(dir.string(), "localhost");
    ~CertDir() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

const std::pair<std::string, std::string>& cert_files() {
    static const CertDir certs;
    return certs.files;
}

RunResult run(int n, const char* tls13_suites) {
    const auto& [cert, key] = cert_files();
    jim::net::TlsContext ctx(cert, key);
    if (tls13_suites != nullptr) SSL_CTX_set_ciphersuites(ctx.native(), tls13_suites);

    std::vector<int> server_fds;
    std::vector<int> client_fds;
    for (int i = 0; i < n; ++i) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) std::abort();
        server_fds.push_back(sv[0]);
        client_fds.push_back(sv[1]);
    }
    const pid_t child = fork();
    if (child == 0) {
        for (const int fd : server_fds) ::close(fd);
        run_client(client_fds);
    }
    for (const int fd : client_fds) ::close(fd);

    RunResult r;
    std::vector<ServerConn> conns(static_cast<std::size_t>(n));
    const long heap0 = heap_bytes();
    const long ossl0 = g_openssl_live.load();
    const auto sites0 = site_snapshot();
    for (int i = 0; i < n; ++i) {
        ServerConn& c = conns[static_cast<std::size_t>(i)];
        c.fd = server_fds[static_cast<std::size_t>(i)];
        auto tls = jim::net::new_tls_session(ctx, c.fd);
        if (!tls) std::abort();
        c.extra = std::make_unique<jim::net::ConnExtra>();
        c.extra->tls.emplace(std::move(*tls));
        if (SSL_accept(c.ssl()) != 1) {
            ERR_print_errors_fp(stderr);
            std::abort();
        }
    }
    r.handshake_per_conn = (heap_bytes() - heap0) / n;
    for (auto& c : conns) {
        if (!read_exact(c.ssl(), kLoginSize) || !write_all(c.ssl(), kReplySize)) {
            std::abort();
        }
        set_nonblocking(c.fd, true);
        drain(c);
    }
    r.heap_per_conn = (heap_bytes() - heap0) / n;
    r.openssl_per_conn = (g_openssl_live.load() - ossl0) / n;

    if (g_track_sites) {
        const auto sites1 = site_snapshot();
        std::vector<std::pair<long, std::string>> rows;
        for (const auto& [site, v] : sites1) {
            const auto it = sites0.find(site);
            const SiteTable::Live before = it == sites0.end() ? SiteTable::Live{} : it->second;
            const long bytes = v.bytes - before.bytes;
            if (bytes == 0) continue;
            rows.emplace_back(
                bytes, site + " (" + std::to_string((v.count - before.count) / n) + " allocs, " +
                           std::to_string((v.requested - before.requested) / n) + " B asked)");
        }
        std::sort(rows.rbegin(), rows.rend());
        std::fprintf(stderr, "OpenSSL live bytes per idle connection, by site (%s):\n",
                     tls13_suites != nullptr ? tls13_suites : "jim's suites");
        for (const auto& [bytes, site] : rows) {
            std::fprintf(stderr, "  %7.1f  %s\n", static_cast<double>(bytes) / n, site.c_str());
        }
    }

    // A large message on every idle connection still arrives whole.
    r.large_ok = true;
    for (auto& c : conns) {
        std::size_t got = 0;
        while (got < kLargeSize) {
            got += drain(c);
            if (got < kLargeSize) ::usleep(100);
        }
        r.large_ok = r.large_ok && got == kLargeSize;
    }
    conns.clear();
    for (const int fd : server_fds) ::close(fd);
    int status = 0;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) r.large_ok = false;
    return r;
}

void report(benchmark::State& state, const RunResult& r) {
    state.counters["heap_B"] = static_cast<double>(r.heap_per_conn);
    state.counters["openssl_B"] = static_cast<double>(r.openssl_per_conn);
    state.counters["handshake_B"] = static_cast<double>(r.handshake_per_conn);
    if (!g_hooks_installed) state.SkipWithError("OpenSSL allocation hooks not installed");
    if (!r.large_ok) state.SkipWithError("a large message after idling did not arrive");
}

// Arg: connections. The TLS 1.3 suites as TlsContext configures them; the others force one.
void BM_IdleTls_JimSuites(benchmark::State& state) {
    RunResult r;
    for (auto _ : state) r = run(static_cast<int>(state.range(0)), nullptr);
    report(state, r);
}
BENCHMARK(BM_IdleTls_JimSuites)->Arg(500)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_IdleTls_Aes128Gcm(benchmark::State& state) {
    RunResult r;
    for (auto _ : state) r = run(static_cast<int>(state.range(0)), "TLS_AES_128_GCM_SHA256");
    report(state, r);
}
BENCHMARK(BM_IdleTls_Aes128Gcm)->Arg(500)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_IdleTls_Aes256Gcm(benchmark::State& state) {
    RunResult r;
    for (auto _ : state) r = run(static_cast<int>(state.range(0)), "TLS_AES_256_GCM_SHA384");
    report(state, r);
}
BENCHMARK(BM_IdleTls_Aes256Gcm)->Arg(500)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_IdleTls_Chacha20(benchmark::State& state) {
    RunResult r;
    for (auto _ : state) {
        r = run(static_cast<int>(state.range(0)), "TLS_CHACHA20_POLY1305_SHA256");
    }
    report(state, r);
}
BENCHMARK(BM_IdleTls_Chacha20)->Arg(500)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

#include "stats.hpp"

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace jim::bench {

std::int64_t mono_ns() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

namespace {

// The counter fields in one place, so merge and (de)serialisation cannot drift apart.
template <class F>
void for_each_counter(Counters& c, F&& f) {
    f("logged_in", c.logged_in);
    f("connect_errors", c.connect_errors);
    f("login_errors", c.login_errors);
    f("closed", c.closed);
    f("protocol_errors", c.protocol_errors);
    f("sent", c.sent);
    f("received", c.received);
    f("in_window", c.in_window);
    f("duplicated", c.duplicated);
    f("out_of_order", c.out_of_order);
    f("misrouted", c.misrouted);
    f("lost", c.lost);
    f("acks_ok", c.acks_ok);
    f("acks_offline", c.acks_offline);
    f("acks_error", c.acks_error);
    f("bytes_out", c.bytes_out);
    f("bytes_in", c.bytes_in);
}

std::uint64_t get_u64(const boost::json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr) return 0;
    if (v->is_uint64()) return v->get_uint64();
    if (v->is_int64()) return static_cast<std::uint64_t>(std::max<std::int64_t>(0, v->get_int64()));
    return 0;
}

double get_double(const boost::json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr) return 0;
    if (v->is_double()) return v->get_double();
    if (v->is_int64()) return static_cast<double>(v->get_int64());
    if (v->is_uint64()) return static_cast<double>(v->get_uint64());
    return 0;
}

}  // namespace

void Counters::merge(const Counters& o) noexcept {
    Counters copy = o;
    std::vector<std::uint64_t> theirs;
    for_each_counter(copy, [&](const char*, std::uint64_t& v) { theirs.push_back(v); });
    std::size_t i = 0;
    for_each_counter(*this, [&](const char*, std::uint64_t& v) { v += theirs[i++]; });
}

boost::json::object Counters::to_json() const {
    boost::json::object o;
    Counters copy = *this;
    for_each_counter(copy, [&](const char* key, std::uint64_t& v) { o[key] = v; });
    return o;
}

Counters Counters::from_json(const boost::json::value& v) {
    Counters c;
    if (const auto* o = v.if_object()) {
        for_each_counter(c, [&](const char* key, std::uint64_t& x) { x = get_u64(*o, key); });
    }
    return c;
}

void Result::merge(const Result& o) {
    if (!o.ok) {
        ok = false;
        if (error.empty()) error = o.error;
    }
    counters.merge(o.counters);
    latency.merge(o.latency);
    if (o.first_start_ns != 0 && (first_start_ns == 0 || o.first_start_ns < first_start_ns)) {
        first_start_ns = o.first_start_ns;
    }
    last_done_ns = std::max(last_done_ns, o.last_done_ns);
    cpu.insert(cpu.end(), o.cpu.begin(), o.cpu.end());
}

boost::json::value Result::to_json() const {
    boost::json::array procs;
    for (const auto& p : cpu) {
        procs.push_back(
            boost::json::object{{"user_s", p.user_s}, {"sys_s", p.sys_s}, {"wall_s", p.wall_s}});
    }
    return boost::json::object{{"ok", ok},
                               {"error", error},
                               {"counters", counters.to_json()},
                               {"latency", latency.to_json()},
                               {"first_start_ns", first_start_ns},
                               {"last_done_ns", last_done_ns},
                               {"cpu", std::move(procs)}};
}

Result Result::from_json(const boost::json::value& v) {
    Result r;
    const auto* o = v.if_object();
    if (o == nullptr) {
        r.ok = false;
        r.error = "malformed result from a generator process";
        return r;
    }
    if (const auto* x = o->if_contains("ok")) r.ok = x->is_bool() && x->get_bool();
    if (const auto* x = o->if_contains("error"); x != nullptr && x->is_string()) {
        r.error = std::string(x->get_string());
    }
    if (const auto* x = o->if_contains("counters")) r.counters = Counters::from_json(*x);
    if (const auto* x = o->if_contains("latency")) r.latency = Histogram::from_json(*x);
    r.first_start_ns = static_cast<std::int64_t>(get_u64(*o, "first_start_ns"));
    r.last_done_ns = static_cast<std::int64_t>(get_u64(*o, "last_done_ns"));
    if (const auto* x = o->if_contains("cpu"); x != nullptr && x->is_array()) {
        for (const auto& p : x->get_array()) {
            if (!p.is_object()) continue;
            const auto& po = p.get_object();
            r.cpu.push_back(
                {get_double(po, "user_s"), get_double(po, "sys_s"), get_double(po, "wall_s")});
        }
    }
    return r;
}

void self_cpu(double& user_s, double& sys_s) noexcept {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    user_s =
        static_cast<double>(ru.ru_utime.tv_sec) + static_cast<double>(ru.ru_utime.tv_usec) / 1e6;
    sys_s =
        static_cast<double>(ru.ru_stime.tv_sec) + static_cast<double>(ru.ru_stime.tv_usec) / 1e6;
}

namespace {

// The value of "Key:" in /proc/<pid>/status, or -1.
long long status_field(int pid, const std::string& key) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(key, 0) == 0) {
            std::istringstream fields(line.substr(key.size()));
            long long v = -1;
            fields >> v;
            return v;
        }
    }
    return -1;
}

}  // namespace

std::int64_t proc_rss_bytes(int pid) {
    const long long kb = status_field(pid, "VmRSS:");
    return kb < 0 ? -1 : static_cast<std::int64_t>(kb) * 1024;
}

int proc_threads(int pid) {
    return static_cast<int>(status_field(pid, "Threads:"));
}

double proc_cpu_seconds(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Field 2 (comm) may contain spaces; fields after the last ')' are space separated, starting
    // with field 3 (state). utime and stime are fields 14 and 15.
    const auto close = text.rfind(')');
    if (close == std::string::npos) return -1;
    std::istringstream fields(text.substr(close + 1));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && (fields >> field); ++i) {
        if (i == 14) utime = std::stoull(field);
        if (i == 15) stime = std::stoull(field);
    }
    const long tick = ::sysconf(_SC_CLK_TCK);
    return tick > 0 ? static_cast<double>(utime + stime) / static_cast<double>(tick) : -1;
}

}  // namespace jim::bench

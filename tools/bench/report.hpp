#pragma once
// The outputs of a run: the one machine-readable JSON line, the readable table, and the
// self-contained HTML report (inline SVG, no scripts). All are rendered from the same summary.
// Thread: main thread only (plain functions of their arguments).

#include <boost/json/object.hpp>

#include <cstdint>
#include <cstdio>
#include <string>

#include "histogram.hpp"
#include "options.hpp"
#include "stats.hpp"

namespace jim::bench {

// What the coordinator observed of the server and of the run's phases. Thread: main thread.
struct RunFacts {
    std::int64_t start_ns = 0;  // before the first connect
    std::int64_t ready_ns = 0;  // every user logged in
    std::int64_t go_ns = 0;     // scenario start (pairs: warmup start; storm: the drop)
    int server_pid = 0;
    std::int64_t rss_before = -1;  // bytes, before any connection
    std::int64_t rss_after = -1;   // bytes, with every user logged in (idle: after --settle)
    double server_cpu_s = -1;      // server CPU seconds over the scenario's window
    double server_wall_s = 0;      // that window's length
    int server_threads = -1;
    unsigned generator_cpus = 1;  // CPUs the generator may run on (affinity)
};

boost::json::object make_summary(const Options& o, const Result& r, const RunFacts& f);

// JSON text like boost::json::serialize, but doubles are written plainly ("319.5", "7880")
// rather than in exponent form, so the line stays readable for people too.
std::string json_text(const boost::json::value& v);

// A readable table of the summary (after the JSON line on stdout).
void print_table(std::FILE* out, const boost::json::object& summary);

// Writes the HTML report; returns false and sets `error` when the file cannot be written.
bool write_html(const std::string& path, const boost::json::object& summary,
                const Histogram& distribution, std::string& error);

}  // namespace jim::bench

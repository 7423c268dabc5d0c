#include "report.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>

namespace jim::bench {
namespace {

namespace json = boost::json;

double round_to(double v, int digits) {
    const double f = std::pow(10.0, digits);
    return std::round(v * f) / f;
}

double seconds(std::int64_t ns) {
    return static_cast<double>(ns) / 1e9;
}

// Percentiles of `h` (ns) in `unit_ns` units.
json::object distribution(const Histogram& h, double unit_ns) {
    const auto u = [unit_ns](std::uint64_t ns) {
        return round_to(static_cast<double>(ns) / unit_ns, 1);
    };
    return {{"count", h.count()},         {"min", u(h.min())},
            {"p50", u(h.percentile(50))}, {"p90", u(h.percentile(90))},
            {"p99", u(h.percentile(99))}, {"p999", u(h.percentile(99.9))},
            {"max", u(h.max())},          {"mean", round_to(h.mean() / unit_ns, 1)}};
}

json::object params(const Options& o) {
    return {{"host", o.host},
            {"port", o.port},
            {"port2", o.port2},
            {"transport", o.transport},
            {"tls", o.tls},
            {"connections", o.connections},
            {"group_size", o.members()},
            {"inflight", o.inflight},
            {"msg_rate", o.msg_rate},
            {"duration_s", o.duration_s},
            {"warmup_s", o.warmup_s},
            {"drain_s", o.drain_s},
            {"size", o.size},
            {"rate", o.rate},
            {"max_pending", o.max_pending},
            {"sources", o.sources},
            {"procs", o.procs},
            {"threads", o.threads},
            {"server_pid", o.server_pid},
            {"prefix", o.prefix}};
}

}  // namespace

boost::json::object make_summary(const Options& o, const Result& r, const RunFacts& f) {
    const Counters& k = r.counters;
    json::object res;
    const bool pairs = o.windowed();
    const double connect_s = seconds(std::max<std::int64_t>(0, f.ready_ns - f.start_ns));
    res["connections"] = o.connections;
    res["connect_login_s"] = round_to(connect_s, 3);
    res["connect_login_per_s"] =
        connect_s > 0 ? round_to(static_cast<double>(o.connections) / connect_s, 0) : 0.0;
    if (o.scenario == Scenario::idle) res["connect_login_ms"] = distribution(r.latency, 1e6);
    if (o.scenario == Scenario::storm) {
        const double back_s = seconds(std::max<std::int64_t>(0, r.last_done_ns - f.go_ns));
        res["reconnect_s"] = round_to(back_s, 3);
        res["reconnect_per_s"] =
            back_s > 0 ? round_to(static_cast<double>(o.connections) / back_s, 0) : 0.0;
        res["reconnect_ms"] = distribution(r.latency, 1e6);
    }
    if (pairs) {
        res["delivered"] = k.in_window;
        res["msgs_per_s"] = round_to(static_cast<double>(k.in_window) / o.duration_s, 0);
        res["sent"] = k.sent;
        res["received"] = k.received;
        res["lost"] = k.lost;
        res["duplicated"] = k.duplicated;
        res["out_of_order"] = k.out_of_order;
        res["misrouted"] = k.misrouted;
        res["latency_us"] = distribution(r.latency, 1e3);
        res["acks"] = {{"ok", k.acks_ok}, {"offline", k.acks_offline}, {"error", k.acks_error}};
    }
    if (o.scenario == Scenario::fanout) {
        res["group_members"] = o.members();
        res["online_members"] = o.connections;
        // Deliveries per posted message: every online member but the sender.
        res["fanout"] = o.connections - 1;
    }
    res["errors"] = {{"connect", k.connect_errors},
                     {"login", k.login_errors},
                     {"closed", k.closed},
                     {"protocol", k.protocol_errors}};
    res["bytes_out"] = k.bytes_out;
    res["bytes_in"] = k.bytes_in;

    json::object server{{"pid", f.server_pid}};
    if (f.server_pid > 0) {
        server["rss_before_bytes"] = f.rss_before;
        server["rss_after_bytes"] = f.rss_after;
        if (f.rss_before >= 0 && f.rss_after >= 0) {
            server["rss_per_conn_bytes"] =
                round_to(static_cast<double>(f.rss_after - f.rss_before) / o.connections, 0);
        }
        server["threads"] = f.server_threads;
        if (f.server_cpu_s >= 0) {
            server["cpu_s"] = round_to(f.server_cpu_s, 3);
            server["cpu_pct"] =
                f.server_wall_s > 0 ? round_to(100.0 * f.server_cpu_s / f.server_wall_s, 1) : 0.0;
            if (pairs && k.in_window > 0) {
                server["cpu_us_per_msg"] =
                    round_to(1e6 * f.server_cpu_s / static_cast<double>(k.in_window), 3);
            }
        }
    }

    json::array procs;
    double total_pct = 0;
    double total_cpu_s = 0;
    for (const auto& p : r.cpu) {
        total_pct += p.percent();
        total_cpu_s += p.user_s + p.sys_s;
        procs.push_back({{"cpu_pct", round_to(p.percent(), 1)},
                         {"user_s", round_to(p.user_s, 3)},
                         {"sys_s", round_to(p.sys_s, 3)},
                         {"wall_s", round_to(p.wall_s, 3)}});
    }
    const unsigned usable = std::min(f.generator_cpus, o.procs * o.threads);
    const bool saturated = total_pct >= 90.0 * std::max(1u, usable);
    json::object generator{{"procs", std::move(procs)},
                           {"cpu_pct", round_to(total_pct, 1)},
                           {"usable_cpus", usable},
                           {"saturated", saturated}};
    if (pairs && k.in_window > 0) {
        // What one delivered message costs the generator (send + push + ack); its inverse is
        // roughly the rate at which jim-bench itself would saturate its CPUs.
        generator["cpu_us_per_msg"] =
            round_to(1e6 * total_cpu_s / static_cast<double>(k.in_window), 3);
    }

    return {{"tool", "jim-bench"},
            {"scenario", scenario_name(o.scenario)},
            {"ok", r.ok},
            {"error", r.error},
            {"params", params(o)},
            {"results", std::move(res)},
            {"server", std::move(server)},
            {"generator", std::move(generator)}};
}

std::string json_text(const boost::json::value& v) {
    switch (v.kind()) {
        case json::kind::double_: {
            const double d = v.get_double();
            if (!std::isfinite(d)) return "null";
            char buf[40];
            if (d == std::floor(d) && std::fabs(d) < 1e15) {
                std::snprintf(buf, sizeof buf, "%.0f", d);
            } else {
                std::snprintf(buf, sizeof buf, "%.10g", d);
            }
            return buf;
        }
        case json::kind::object: {
            std::string out = "{";
            for (const auto& kv : v.get_object()) {
                if (out.size() > 1) out += ',';
                out += json::serialize(json::string(kv.key()));
                out += ':';
                out += json_text(kv.value());
            }
            return out + '}';
        }
        case json::kind::array: {
            std::string out = "[";
            for (const auto& e : v.get_array()) {
                if (out.size() > 1) out += ',';
                out += json_text(e);
            }
            return out + ']';
        }
        default:
            return json::serialize(v);
    }
}

// ---------------------------------------------------------------------------------------------
// Readable table

namespace {

std::string text(const json::value& v) {
    if (v.is_string()) return std::string(v.get_string());
    return json_text(v);
}

// Flattens nested objects into "a.b" rows.
void rows(const json::object& o, const std::string& prefix,
          std::vector<std::pair<std::string, std::string>>& out) {
    for (const auto& kv : o) {
        const std::string key = prefix + std::string(kv.key());
        if (kv.value().is_object()) {
            rows(kv.value().get_object(), key + ".", out);
        } else if (kv.value().is_array()) {
            const auto& a = kv.value().get_array();
            for (std::size_t i = 0; i < a.size(); ++i) {
                if (a[i].is_object()) {
                    rows(a[i].get_object(), key + "[" + std::to_string(i) + "].", out);
                } else {
                    out.emplace_back(key + "[" + std::to_string(i) + "]", text(a[i]));
                }
            }
        } else {
            out.emplace_back(key, text(kv.value()));
        }
    }
}

}  // namespace

void print_table(std::FILE* out, const boost::json::object& summary) {
    std::vector<std::pair<std::string, std::string>> all;
    for (const char* section : {"results", "server", "generator"}) {
        if (const auto* v = summary.if_contains(section); v != nullptr && v->is_object()) {
            rows(v->get_object(), std::string(section) + ".", all);
        }
    }
    std::size_t width = 0;
    for (const auto& [k, v] : all) width = std::max(width, k.size());
    const auto* scenario = summary.if_contains("scenario");
    std::fprintf(out, "\njim-bench %s\n", scenario ? text(*scenario).c_str() : "?");
    for (const auto& [k, v] : all) {
        std::fprintf(out, "  %-*s  %s\n", static_cast<int>(width), k.c_str(), v.c_str());
    }
    if (const auto* ok = summary.if_contains("ok");
        ok != nullptr && ok->is_bool() && !ok->get_bool()) {
        std::fprintf(out, "  FAILED: %s\n", text(summary.at("error")).c_str());
    }
}

}  // namespace jim::bench

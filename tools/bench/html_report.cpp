// The HTML report: one self-contained file (inline CSS and SVG, no scripts, no external
// resources) with the parameters, the results and two charts of the run's distribution: a
// histogram on a logarithmic time axis and a percentile spectrum that makes the tail visible.

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

#include "report.hpp"

namespace jim::bench {
namespace {

namespace json = boost::json;

constexpr double kW = 760, kH = 300, kLeft = 64, kRight = 16, kTop = 16, kBottom = 40;

std::string escape(std::string_view s) {
    std::string out;
    for (const char ch : s) {
        switch (ch) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += ch;
        }
    }
    return out;
}

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

std::string label(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

std::string value_text(const json::value& v) {
    if (v.is_string()) return std::string(v.get_string());
    return json_text(v);
}

void table(std::ostringstream& h, const json::object& o, const std::string& prefix = {}) {
    for (const auto& kv : o) {
        const std::string key = prefix + std::string(kv.key());
        if (kv.value().is_object()) {
            table(h, kv.value().get_object(), key + ".");
        } else {
            h << "<tr><th>" << escape(key) << "</th><td>" << escape(value_text(kv.value()))
              << "</td></tr>\n";
        }
    }
}

// Maps a data range onto a pixel range of a chart. Thread: value type.
struct Axis {
    double lo, hi;  // data range (log10 when log)
    double px0, px1;
    double at(double v) const { return px0 + (v - lo) / (hi - lo) * (px1 - px0); }
};

void frame(std::ostringstream& h, const std::string& x_title, const std::string& y_title) {
    h << "<rect x='" << kLeft << "' y='" << kTop << "' width='" << kW - kLeft - kRight
      << "' height='" << kH - kTop - kBottom << "' class='plot'/>\n";
    h << "<text x='" << (kW + kLeft) / 2 << "' y='" << kH - 4 << "' class='title'>"
      << escape(x_title) << "</text>\n";
    h << "<text x='14' y='" << (kH - kBottom) / 2 << "' class='title' transform='rotate(-90 14 "
      << (kH - kBottom) / 2 << ")'>" << escape(y_title) << "</text>\n";
}

// Histogram with a log10 time axis; counts regrouped into 80 display bins.
void histogram_svg(std::ostringstream& h, const Histogram& d, double unit_ns,
                   const std::string& unit) {
    std::size_t first = d.buckets(), last = 0;
    for (std::size_t i = 0; i < d.buckets(); ++i) {
        if (d.count_at(i) == 0) continue;
        first = std::min(first, i);
        last = i;
    }
    double lo = std::log10(std::max<double>(1, static_cast<double>(Histogram::bucket_low(first))));
    double hi = std::log10(static_cast<double>(Histogram::bucket_high(last)) + 1);
    if (hi - lo < 1) {
        lo = std::floor(lo);
        hi = lo + 1;
    }
    constexpr int kBins = 80;
    std::vector<double> bins(kBins, 0);
    for (std::size_t i = first; i <= last; ++i) {
        const double mid = (static_cast<double>(Histogram::bucket_low(i)) +
                            static_cast<double>(Histogram::bucket_high(i))) /
                           2;
        const int b = static_cast<int>((std::log10(std::max(mid, 1.0)) - lo) / (hi - lo) * kBins);
        bins[static_cast<std::size_t>(std::clamp(b, 0, kBins - 1))] +=
            static_cast<double>(d.count_at(i));
    }
    const double top = std::max(1.0, *std::max_element(bins.begin(), bins.end()));
    const Axis x{lo, hi, kLeft, kW - kRight};
    const Axis y{0, top, kH - kBottom, kTop};
    h << "<svg xmlns='http://www.w3.org/2000/svg' width='" << kW << "' height='" << kH << "'>\n";
    frame(h, "time (" + unit + ", log scale)", "samples");
    const double bw = (x.px1 - x.px0) / kBins;
    for (int b = 0; b < kBins; ++b) {
        if (bins[static_cast<std::size_t>(b)] == 0) continue;
        const double py = y.at(bins[static_cast<std::size_t>(b)]);
        h << "<rect class='bar' x='" << num(x.px0 + b * bw) << "' y='" << num(py) << "' width='"
          << num(std::max(1.0, bw - 1)) << "' height='" << num(y.px0 - py) << "'/>\n";
    }
    for (double decade = std::floor(lo); decade <= hi; ++decade) {
        for (const double m : {1.0, 2.0, 5.0}) {
            const double v = std::log10(m) + decade;
            if (v < lo || v > hi) continue;
            const double px = x.at(v);
            h << "<line class='grid' x1='" << num(px) << "' x2='" << num(px) << "' y1='" << kTop
              << "' y2='" << kH - kBottom << "'/><text class='tick' x='" << num(px) << "' y='"
              << kH - kBottom + 14 << "'>" << label(std::pow(10.0, v) / unit_ns) << "</text>\n";
        }
    }
    h << "<text class='tick' x='" << kLeft - 4 << "' y='" << kTop + 10
      << "' style='text-anchor:end'>" << label(top) << "</text></svg>\n";
}

// Latency by percentile: x = log10(1 / (1 - q)), so 90 %, 99 %, 99.9 % are evenly spaced; the
// time axis is logarithmic too, so the median and a tail 1000x longer both stay readable.
void spectrum_svg(std::ostringstream& h, const Histogram& d, double unit_ns,
                  const std::string& unit) {
    const double n = static_cast<double>(d.count());
    const double x_hi = std::min(5.0, std::max(2.0, std::ceil(std::log10(n))));
    const double lo = std::floor(std::log10(std::max(1.0, static_cast<double>(d.min()))));
    const double hi =
        std::max(lo + 1, std::ceil(std::log10(std::max(1.0, static_cast<double>(d.max())))));
    const Axis x{0, x_hi, kLeft, kW - kRight};
    const Axis y{lo, hi, kH - kBottom, kTop};
    h << "<svg xmlns='http://www.w3.org/2000/svg' width='" << kW << "' height='" << kH << "'>\n";
    frame(h, "percentile", unit + " (log scale)");
    for (int k = 0; k <= static_cast<int>(x_hi); ++k) {
        const double px = x.at(k);
        const double pct = 100.0 * (1 - std::pow(10.0, -k));
        const char* anchor = k == 0 ? "start" : (k == static_cast<int>(x_hi) ? "end" : "middle");
        h << "<line class='grid' x1='" << num(px) << "' x2='" << num(px) << "' y1='" << kTop
          << "' y2='" << kH - kBottom << "'/><text class='tick' style='text-anchor:" << anchor
          << "' x='" << num(px) << "' y='" << kH - kBottom + 14 << "'>" << label(pct)
          << "%</text>\n";
    }
    for (double decade = lo; decade <= hi; ++decade) {
        for (const double m : {1.0, 2.0, 5.0}) {
            const double v = std::log10(m) + decade;
            if (v > hi) continue;
            const double py = y.at(v);
            h << "<line class='grid' x1='" << kLeft << "' x2='" << kW - kRight << "' y1='"
              << num(py) << "' y2='" << num(py)
              << "'/><text class='tick' style='text-anchor:end' x='" << kLeft - 4 << "' y='"
              << num(py + 4) << "'>" << label(std::pow(10.0, v) / unit_ns) << "</text>\n";
        }
    }
    h << "<polyline class='line' points='";
    double seen = 0;
    double prev_x = x.px0;
    for (std::size_t i = 0; i < d.buckets(); ++i) {
        if (d.count_at(i) == 0) continue;
        const double v = std::clamp(static_cast<double>(Histogram::bucket_high(i)),
                                    std::max(1.0, static_cast<double>(d.min())),
                                    std::max(1.0, static_cast<double>(d.max())));
        const double py = y.at(std::log10(v));
        h << num(prev_x) << ',' << num(py) << ' ';
        seen += static_cast<double>(d.count_at(i));
        const double q = std::min(seen / n, 1 - std::pow(10.0, -x_hi));
        prev_x = x.at(-std::log10(1 - q));
        h << num(prev_x) << ',' << num(py) << ' ';
    }
    h << "'/></svg>\n";
}

}  // namespace

bool write_html(const std::string& path, const boost::json::object& summary,
                const Histogram& distribution, std::string& error) {
    const std::string scenario = value_text(summary.at("scenario"));
    const bool latency = scenario == "pairs" || scenario == "latency";
    const double unit_ns = latency ? 1e3 : 1e6;
    const std::string unit = latency ? "µs" : "ms";
    const std::string what =
        latency ? "send → receive latency"
                : (scenario == "storm" ? "drop → logged in again" : "connect → login answer");
    std::ostringstream h;
    h << "<!doctype html>\n<html><head><meta charset='utf-8'><title>jim-bench " << escape(scenario)
      << "</title>\n<style>body{font:14px sans-serif;margin:24px;max-width:820px}"
         "table{border-collapse:collapse;margin:8px 0 16px}th,td{border:1px solid #ccc;"
         "padding:2px 8px;text-align:left;font-weight:normal}th{background:#f4f4f4}"
         ".plot{fill:#fff;stroke:#999}.bar{fill:#4a7fb5}.grid{stroke:#ddd}"
         ".line{fill:none;stroke:#c0392b;stroke-width:2}.tick{font-size:11px;text-anchor:middle}"
         ".title{font-size:12px;text-anchor:middle}</style></head><body>\n";
    h << "<h1>jim-bench: " << escape(scenario) << "</h1>\n";
    if (const auto* e = summary.if_contains("error");
        e && e->is_string() && !e->get_string().empty()) {
        h << "<p><b>Run failed:</b> " << escape(e->get_string()) << "</p>\n";
    }
    for (const char* section : {"params", "results", "server", "generator"}) {
        const auto* v = summary.if_contains(section);
        if (v == nullptr || !v->is_object()) continue;
        h << "<h2>" << section << "</h2>\n<table>\n";
        table(h, v->get_object());
        h << "</table>\n";
    }
    h << "<h2>Distribution: " << escape(what) << "</h2>\n";
    if (distribution.count() == 0) {
        h << "<p>No samples.</p>\n";
    } else {
        h << "<p>" << distribution.count() << " samples; buckets are at most 3.1 % wide.</p>\n";
        histogram_svg(h, distribution, unit_ns, unit);
        h << "<h3>By percentile</h3>\n";
        spectrum_svg(h, distribution, unit_ns, unit);
    }
    h << "<p>Machine-readable summary:</p><pre>" << escape(json_text(summary))
      << "</pre>\n</body></html>\n";
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << h.str();
    out.close();
    if (!out) {
        error = "cannot write " + path;
        return false;
    }
    return true;
}

}  // namespace jim::bench

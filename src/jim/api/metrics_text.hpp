#pragma once
// Writes the Prometheus text exposition format (version 0.0.4), the body of GET /metrics:
//
//   # HELP jim_logins_total Successful logins.
//   # TYPE jim_logins_total counter
//   jim_logins_total 42
//   jim_connections_open{protocol="tcp"} 7
//
// A family is declared once (family()), then its samples follow. Label values are escaped;
// names are the caller's constants. Thread: one writer per instance.

#include <cstdint>
#include <string>
#include <string_view>

#include "jim/base/latency_histogram.hpp"

namespace jim::api {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

class MetricsText {
  public:
    // type: "counter" | "gauge" | "histogram".
    void family(std::string_view name, std::string_view type, std::string_view help);
    // One sample; `labels` is empty or `key="value"` pairs joined by commas, as written by
    // label().
    void sample(std::string_view name, std::string_view labels, std::uint64_t value);
    void sample(std::string_view name, std::string_view labels, double value);
    // A whole histogram family in seconds: _bucket{le=...}, _sum and _count.
    void histogram(std::string_view name, std::string_view help,
                   const LatencyHistogram::Snapshot& h);

    // `key="value"` with the value escaped (\\, \", \n).
    static std::string label(std::string_view key, std::string_view value);

    const std::string& text() const noexcept { return out_; }
    std::string take() noexcept { return std::move(out_); }

  private:
    void name_and_labels(std::string_view name, std::string_view labels);
    std::string out_;
};

}  // namespace jim::api

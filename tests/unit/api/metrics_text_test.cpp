// The Prometheus text writer and the latency histogram it renders.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "jim/api/metrics_text.hpp"
#include "jim/base/latency_histogram.hpp"

namespace jim::api {
namespace {

using std::chrono::microseconds;

TEST(MetricsText, FamilyAndSamples) {
    MetricsText m;
    m.family("jim_x_total", "counter", "Things.");
    m.sample("jim_x_total", {}, std::uint64_t{42});
    m.sample("jim_x_total", MetricsText::label("reason", "bad_json"), std::uint64_t{7});
    EXPECT_EQ(m.text(),
              "# HELP jim_x_total Things.\n# TYPE jim_x_total counter\njim_x_total 42\n"
              "jim_x_total{reason=\"bad_json\"} 7\n");
}

TEST(MetricsText, LabelValuesAreEscaped) {
    EXPECT_EQ(MetricsText::label("v", "a\"b\\c\nd"), R"(v="a\"b\\c\nd")");
}

TEST(MetricsText, HistogramBucketsAreCumulativeInSeconds) {
    LatencyHistogram h;
    h.observe(microseconds(40));         // le 5e-05
    h.observe(microseconds(50));         // le 5e-05 (bounds are inclusive)
    h.observe(microseconds(51));         // le 0.0001
    h.observe(microseconds(7'000'000));  // +Inf
    h.observe(microseconds(-3));         // a clock step back counts as 0
    LatencyHistogram::Snapshot s;
    h.add_to(s);
    EXPECT_EQ(s.count, 5u);
    EXPECT_EQ(s.sum_us, 40u + 50u + 51u + 7'000'000u);

    MetricsText m;
    m.histogram("jim_lat_seconds", "Latency.", s);
    const std::string& t = m.text();
    EXPECT_NE(t.find("# TYPE jim_lat_seconds histogram\n"), std::string::npos);
    EXPECT_NE(t.find("jim_lat_seconds_bucket{le=\"5e-05\"} 3\n"), std::string::npos) << t;
    EXPECT_NE(t.find("jim_lat_seconds_bucket{le=\"0.0001\"} 4\n"), std::string::npos) << t;
    EXPECT_NE(t.find("jim_lat_seconds_bucket{le=\"5\"} 4\n"), std::string::npos) << t;
    EXPECT_NE(t.find("jim_lat_seconds_bucket{le=\"+Inf\"} 5\n"), std::string::npos) << t;
    EXPECT_NE(t.find("jim_lat_seconds_sum 7.000141\n"), std::string::npos) << t;
    EXPECT_NE(t.find("jim_lat_seconds_count 5\n"), std::string::npos) << t;
}

TEST(LatencyHistogram, SnapshotsAddUp) {
    LatencyHistogram a;
    LatencyHistogram b;
    a.observe(microseconds(300));
    b.observe(microseconds(300));
    b.observe(microseconds(2'000));
    LatencyHistogram::Snapshot s;
    a.add_to(s);
    b.add_to(s);
    EXPECT_EQ(s.count, 3u);
    EXPECT_EQ(s.counts[3], 2u);  // le 500 µs
    EXPECT_EQ(s.counts[5], 1u);  // le 2500 µs
}

}  // namespace
}  // namespace jim::api

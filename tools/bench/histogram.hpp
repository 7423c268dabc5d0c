#pragma once
// Log-linear histogram of non-negative integer samples (nanoseconds here), HDR style: exact
// below 32, then 32 sub-buckets per power of two, so a bucket is at most 1/32 (3.1 %) wide.
// Values from 2^40 (about 18 minutes in ns) up are clamped into the last bucket; min, max and
// mean are exact. Recording is one index computation and one increment.
// Thread: owning thread only; combine per-thread histograms with merge().

#include <boost/json/value.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace jim::bench {

class Histogram {
  public:
    static constexpr unsigned kSubBits = 5;
    static constexpr unsigned kSub = 1u << kSubBits;
    static constexpr unsigned kMaxBits = 40;
    static constexpr std::size_t kBuckets = kSub + (kMaxBits - kSubBits) * kSub;

    Histogram() : counts_(kBuckets, 0) {}

    void record(std::uint64_t v) noexcept {
        ++counts_[index_of(v)];
        ++total_;
        sum_ += v;
        if (v < min_) min_ = v;
        if (v > max_) max_ = v;
    }
    void merge(const Histogram& o) noexcept;

    std::uint64_t count() const noexcept { return total_; }
    std::uint64_t min() const noexcept { return total_ ? min_ : 0; }
    std::uint64_t max() const noexcept { return max_; }
    double mean() const noexcept {
        return total_ ? static_cast<double>(sum_) / static_cast<double>(total_) : 0.0;
    }
    // The smallest bucket bound at or below which `percent` % of the samples lie (clamped to
    // [min, max]); 0 when empty.
    std::uint64_t percentile(double percent) const noexcept;

    std::size_t buckets() const noexcept { return counts_.size(); }
    std::uint64_t count_at(std::size_t i) const noexcept { return counts_[i]; }
    static std::uint64_t bucket_low(std::size_t i) noexcept;
    static std::uint64_t bucket_high(std::size_t i) noexcept;  // inclusive

    // Sparse form for the pipe between processes: {"n":…,"sum":…,"min":…,"max":…,"b":[[i,c],…]}.
    boost::json::value to_json() const;
    static Histogram from_json(const boost::json::value& v);

    static std::size_t index_of(std::uint64_t v) noexcept {
        constexpr std::uint64_t kMaxValue = (std::uint64_t{1} << kMaxBits) - 1;
        if (v > kMaxValue) v = kMaxValue;
        if (v < kSub) return static_cast<std::size_t>(v);
        const unsigned e = static_cast<unsigned>(std::bit_width(v)) - 1;  // >= kSubBits
        const unsigned shift = e - kSubBits;
        return kSub + shift * kSub + static_cast<std::size_t>((v >> shift) - kSub);
    }

  private:
    std::vector<std::uint64_t> counts_;
    std::uint64_t total_ = 0;
    std::uint64_t sum_ = 0;
    std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t max_ = 0;
};

}  // namespace jim::bench

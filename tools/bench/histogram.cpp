#include "histogram.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>

namespace jim::bench {

void Histogram::merge(const Histogram& o) noexcept {
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += o.counts_[i];
    total_ += o.total_;
    sum_ += o.sum_;
    min_ = std::min(min_, o.min_);
    max_ = std::max(max_, o.max_);
}

std::uint64_t Histogram::bucket_low(std::size_t i) noexcept {
    if (i < kSub) return i;
    const std::size_t shift = (i - kSub) / kSub;
    const std::size_t sub = (i - kSub) % kSub;
    return static_cast<std::uint64_t>(kSub + sub) << shift;
}

std::uint64_t Histogram::bucket_high(std::size_t i) noexcept {
    if (i < kSub) return i;
    const std::size_t shift = (i - kSub) / kSub;
    return bucket_low(i) + (std::uint64_t{1} << shift) - 1;
}

std::uint64_t Histogram::percentile(double percent) const noexcept {
    if (total_ == 0) return 0;
    const double want =
        std::ceil(static_cast<double>(total_) * std::clamp(percent, 0.0, 100.0) / 100.0);
    const auto target = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(want));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        seen += counts_[i];
        if (seen >= target) return std::clamp(bucket_high(i), min(), max_);
    }
    return max_;
}

boost::json::value Histogram::to_json() const {
    boost::json::array b;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        if (counts_[i] != 0) b.push_back(boost::json::array{i, counts_[i]});
    }
    return boost::json::object{
        {"n", total_}, {"sum", sum_}, {"min", min()}, {"max", max_}, {"b", std::move(b)}};
}

Histogram Histogram::from_json(const boost::json::value& v) {
    Histogram h;
    const auto* o = v.if_object();
    if (o == nullptr) return h;
    const auto num = [o](const char* key) -> std::uint64_t {
        const auto* x = o->if_contains(key);
        return x != nullptr ? boost::json::value_to<std::uint64_t>(*x) : 0;
    };
    h.total_ = num("n");
    h.sum_ = num("sum");
    h.min_ = h.total_ ? num("min") : std::numeric_limits<std::uint64_t>::max();
    h.max_ = num("max");
    if (const auto* b = o->if_contains("b"); b != nullptr && b->is_array()) {
        for (const auto& e : b->get_array()) {
            const auto& pair = e.as_array();
            const auto i = boost::json::value_to<std::size_t>(pair.at(0));
            if (i < h.counts_.size())
                h.counts_[i] = boost::json::value_to<std::uint64_t>(pair.at(1));
        }
    }
    return h;
}

}  // namespace jim::bench

#pragma once
// Which sequence numbers of one sender a receiver has seen: a growable bitset, so duplicates,
// late (out-of-order) arrivals and, after the drain, losses are counted exactly.
// Thread: owning Loop only.

#include <cstdint>
#include <vector>

namespace jim::bench {

class SeqTracker {
  public:
    enum class Outcome : std::uint8_t { in_order, out_of_order, duplicate };

    Outcome add(std::uint64_t seq) {
        const std::size_t word = static_cast<std::size_t>(seq >> 6);
        const std::uint64_t bit = std::uint64_t{1} << (seq & 63);
        if (word >= bits_.size()) bits_.resize(word + word / 2 + 8, 0);
        if ((bits_[word] & bit) != 0) return Outcome::duplicate;
        bits_[word] |= bit;
        ++unique_;
        if (seq + 1 >= end_) {
            end_ = seq + 1;
            return Outcome::in_order;
        }
        return Outcome::out_of_order;
    }
    // Distinct sequence numbers received.
    std::uint64_t unique() const noexcept { return unique_; }
    // Highest sequence number seen + 1 (0 when none): end() - unique() are the gaps below it.
    std::uint64_t end() const noexcept { return end_; }

  private:
    std::vector<std::uint64_t> bits_;
    std::uint64_t unique_ = 0;
    std::uint64_t end_ = 0;  // highest sequence number seen + 1
};

}  // namespace jim::bench

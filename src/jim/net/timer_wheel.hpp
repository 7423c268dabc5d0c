#pragma once
// A coarse hashed timer wheel: one per worker instead of a timer object per connection
// (CONVENTIONS: uSockets timeout sweep, muduo idle wheel). Time is counted in ticks.
//
// Entries are (slot, generation, tick) triples. Nothing is ever removed: a connection that is
// closed, or whose deadline moved, simply does not match its entry any more, and the visitor
// drops it. A visitor that finds a live connection whose deadline is still ahead schedules it
// again, so activity on the hot path only stores a timestamp.
// Deadlines beyond the wheel's horizon are clamped to it and looked at again then.
// Thread: owning worker only.

#include <cstdint>
#include <vector>

namespace jim::net {

class TimerWheel {
  public:
    struct Entry {
        std::uint32_t slot;
        std::uint32_t generation;
        std::uint32_t tick;
    };

    explicit TimerWheel(std::uint32_t buckets = 512) : buckets_(buckets) {}

    std::uint32_t now() const noexcept { return now_; }

    // Schedules an entry at `tick` (clamped into (now, now + buckets - 1]); returns the tick used.
    std::uint32_t schedule(std::uint32_t slot, std::uint32_t generation, std::uint32_t tick) {
        if (tick <= now_) tick = now_ + 1;
        const auto horizon = now_ + static_cast<std::uint32_t>(buckets_.size()) - 1;
        if (tick > horizon) tick = horizon;
        buckets_[tick % buckets_.size()].push_back({slot, generation, tick});
        return tick;
    }

    // Moves time forward to `now`, handing every entry of each passed tick to visit(entry).
    // visit may call schedule().
    template <class Visit>
    void advance(std::uint32_t now, Visit&& visit) {
        while (now_ < now) {
            ++now_;
            auto& bucket = buckets_[now_ % buckets_.size()];
            if (bucket.empty()) continue;
            scratch_.clear();
            scratch_.swap(bucket);
            for (const Entry& e : scratch_) visit(e);
        }
    }

  private:
    std::vector<std::vector<Entry>> buckets_;
    std::vector<Entry> scratch_;
    std::uint32_t now_ = 0;
};

}  // namespace jim::net

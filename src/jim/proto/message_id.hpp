#pragma once
// Server message ids: 32 lower-case hex characters like J-IM's UUIDs, but time-ordered and
// unique without coordination:  12 hex ms timestamp | 4 hex generator (worker) | 16 hex counter.
// Thread: one generator per worker (owning worker only).

#include <array>
#include <cstdint>
#include <string_view>

namespace jim::proto {

class MessageIdGenerator {
  public:
    // `generator` distinguishes workers (and later nodes); `seed` randomises the counter start so
    // ids stay unique across restarts within one millisecond.
    MessageIdGenerator(std::uint16_t generator, std::uint64_t seed) noexcept
        : generator_(generator), counter_(seed) {}

    using Id = std::array<char, 32>;
    Id next(std::int64_t now_ms) noexcept;

    static std::string_view view(const Id& id) noexcept { return {id.data(), id.size()}; }

  private:
    std::uint16_t generator_;
    std::uint64_t counter_;
};

}  // namespace jim::proto

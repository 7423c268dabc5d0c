#include "jim/proto/message_id.hpp"

namespace jim::proto {
namespace {

void put_hex(std::uint64_t v, int digits, char* out) noexcept {
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; --i) {
        out[i] = kHex[v & 0xF];
        v >>= 4;
    }
}

}  // namespace

MessageIdGenerator::Id MessageIdGenerator::next(std::int64_t now_ms) noexcept {
    Id id;
    put_hex(static_cast<std::uint64_t>(now_ms) & 0xFFFFFFFFFFFFull, 12, id.data());
    put_hex(generator_, 4, id.data() + 12);
    put_hex(counter_++, 16, id.data() + 16);
    return id;
}

}  // namespace jim::proto

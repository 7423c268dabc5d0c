#pragma once
// Constants shared by the worker's translation units. Not part of the net interface.

#include <cstddef>
#include <cstdint>

namespace jim::net::detail {

inline constexpr std::size_t kReadBufferSize = 64 * 1024;
inline constexpr std::size_t kTlsWriteChunk = 16 * 1024;  // one TLS record's worth of plaintext
inline constexpr int kMaxReadsPerWakeup = 8;              // then yield to other connections
inline constexpr std::size_t kMaxIov = 64;                // entries per sendmsg
inline constexpr std::size_t kMaxHeader = 16;             // largest protocol header (WS: 10)
inline constexpr std::uint32_t kDrainTicks = 50;          // a closing connection gets this long
inline constexpr std::size_t kKeepOutboxCapacity = 16;

}  // namespace jim::net::detail

#pragma once
// J-IM binary TCP frame codec (spec §2).
//
//   offset  size  field
//   0       1     version     must be 0x01
//   1       1     mask        0x20 = synSeq present; every other bit is ignored on input
//   [2      4     synSeq]     int32 big-endian, only when mask & 0x20
//   +0      1     command     signed byte, 0..max_command
//   +1      4     bodyLength  int32 big-endian
//   +5      N     body        UTF-8 JSON (never compressed or encrypted)
//
// The server always emits mask 0x51 and no synSeq (spec §2.2). A frame with synSeq > 0 is an
// "answer to a synchronous request" that the server never sends; the caller drops it (§2.3).
// Pure: no I/O, no clock. Thread: any.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "jim/base/error.hpp"

namespace jim::codec::tcp {

inline constexpr std::uint8_t kVersion = 0x01;
inline constexpr std::uint8_t kMaskSynSeq = 0x20;
inline constexpr std::uint8_t kServerMask = 0x51;
inline constexpr std::size_t kHeaderSize = 7;
inline constexpr std::size_t kHeaderSizeWithSynSeq = 11;

struct Limits {
    std::uint32_t max_body = 2u * 1024 * 1024;  // limits.max_body_bytes
    std::uint8_t max_command = 20;              // highest command code accepted
};

struct Frame {
    std::uint8_t mask = 0;
    bool has_syn_seq = false;
    std::int32_t syn_seq = 0;
    std::uint8_t command = 0;
    std::string_view body;  // points into the decoded buffer
};

enum class Status : std::uint8_t { ok, need_more, error };

struct DecodeResult {
    Status status = Status::need_more;
    std::size_t consumed = 0;  // bytes of the frame when ok
    std::size_t needed = 0;    // when need_more and the header is known: total frame size
    Errc error = Errc::ok;     // when error
    Frame frame;
};

// Decodes the first frame in `in`. A body longer than limits.max_body is an error as soon as
// the header is seen, so the caller never buffers it.
DecodeResult decode(std::span<const char> in, const Limits& limits) noexcept;

// Writes the 7-byte header for a server frame (mask 0x51, no synSeq).
void encode_header(std::uint8_t command, std::uint32_t body_size, char out[kHeaderSize]) noexcept;

// Appends a whole server frame to out.
void encode(std::uint8_t command, std::string_view body, std::string& out);

// Appends a client frame (used by the client library and tests); syn_seq is written when
// has_syn_seq is true.
void encode_client(std::uint8_t command, std::string_view body, std::string& out,
                   std::uint8_t mask = kServerMask, bool has_syn_seq = false,
                   std::int32_t syn_seq = 0);

}  // namespace jim::codec::tcp

#pragma once
// RFC 6455 §5.2 framing as the client needs it, written independently of the server's codec so
// the two check each other in integration tests:
//
//   byte 0   FIN(1) RSV1-3(3) opcode(4)
//   byte 1   MASK(1) len7(7)            len7 126 → 16-bit length follows, 127 → 64-bit
//   [2|8     extended length, big-endian]
//   [4       masking key]                when MASK
//   N        payload (XOR key[i % 4] when masked)
//
// Also the handshake's key helpers (§4.1/§4.2.2). Pure: no I/O. Thread: any.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jim::client::ws {

inline constexpr std::uint8_t kContinuation = 0x0;
inline constexpr std::uint8_t kText = 0x1;
inline constexpr std::uint8_t kBinary = 0x2;
inline constexpr std::uint8_t kClose = 0x8;
inline constexpr std::uint8_t kPing = 0x9;
inline constexpr std::uint8_t kPong = 0xA;

inline constexpr bool is_control(std::uint8_t opcode) {
    return (opcode & 0x8) != 0;
}

using MaskKey = std::array<std::uint8_t, 4>;

struct Frame {
    bool fin = true;
    std::uint8_t rsv = 0;  // the three RSV bits, RSV1 = 0x4
    std::uint8_t opcode = 0;
    bool masked = false;
    std::string payload;  // unmasked
};

enum class Status : std::uint8_t { ok, need_more, error };

struct DecodeResult {
    Status status = Status::need_more;
    std::size_t consumed = 0;  // bytes of the frame when ok
    Frame frame;
};

// Decodes the first frame in `in`. error when the 64-bit length has its top bit set or the
// payload is longer than max_payload (detected from the header alone).
DecodeResult decode(std::string_view in, std::uint64_t max_payload);

// Appends one frame to `out`, with the shortest length encoding. A mask key masks the payload.
void encode(bool fin, std::uint8_t opcode, std::string_view payload,
            const std::optional<MaskKey>& mask, std::uint8_t rsv, std::string& out);

std::string base64(std::string_view bytes);
// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")), the Sec-WebSocket-Accept value.
std::string accept_for(std::string_view key);
// 16 random bytes, base64: a fresh Sec-WebSocket-Key.
std::string random_key();
MaskKey random_mask();

}  // namespace jim::client::ws

#pragma once
// RFC 6455 frame codec (§5.2). Pure: no I/O, no clock. Thread: any.
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-------+-+-------------+-------------------------------+
//   |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//   |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
//   |N|V|V|V|       |S|             |   (if payload len==126/127)   |
//   | |1|2|3|       |K|             |                               |
//   +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
//   |     Extended payload length continued, if payload len == 127  |
//   + - - - - - - - - - - - - - - - +-------------------------------+
//   |                               |Masking-key, if MASK set to 1  |
//   +-------------------------------+-------------------------------+
//   | Masking-key (continued)       |          Payload Data         |
//   +-------------------------------- - - - - - - - - - - - - - - - +
//
// decode() checks one frame header: RSV bits must be 0 (no extension is negotiated), the opcode
// must be defined, control frames must be final and at most 125 bytes, client frames must be
// masked (when required), and the payload must fit `max_frame` -- refused as soon as the header is
// seen. Message-level rules (fragment sequencing, total size, UTF-8 of text) belong to the caller.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "jim/base/error.hpp"

namespace jim::codec::ws {

enum class Opcode : std::uint8_t {
    continuation = 0x0,
    text = 0x1,
    binary = 0x2,
    close = 0x8,
    ping = 0x9,
    pong = 0xA,
};

constexpr bool is_control(Opcode op) noexcept {
    return (static_cast<std::uint8_t>(op) & 0x8) != 0;
}

inline constexpr std::size_t kMaxHeaderSize = 14;        // 2 + 8 + 4 (mask)
inline constexpr std::size_t kMaxServerHeaderSize = 10;  // server frames are unmasked
inline constexpr std::size_t kMaxControlPayload = 125;

struct Limits {
    std::uint64_t max_frame = 2u * 1024 * 1024;
    bool require_mask = true;  // a server requires masked client frames (RFC 6455 §5.1)
};

struct FrameHeader {
    bool fin = false;
    Opcode opcode = Opcode::continuation;
    bool masked = false;
    std::uint8_t mask[4] = {0, 0, 0, 0};
    std::uint64_t payload_size = 0;
    std::size_t header_size = 0;
};

enum class Status : std::uint8_t { ok, need_more, error };

struct DecodeResult {
    Status status = Status::need_more;
    Errc error = Errc::ok;   // ws_protocol or message_too_big
    FrameHeader header;      // when ok: the payload is in[header_size, header_size + payload_size)
    std::size_t needed = 0;  // when need_more and the header is known: the whole frame's size
};

// Decodes the header of the first frame in `in` and reports ok only when its payload is complete.
DecodeResult decode(std::span<const char> in, const Limits& limits) noexcept;

// XORs `data` with the mask key; `offset` is the position of data[0] within the payload.
void unmask(char* data, std::size_t size, const std::uint8_t mask[4],
            std::size_t offset = 0) noexcept;

// Writes an unmasked (server) frame header; returns its size (2, 4 or 10).
std::size_t encode_header(Opcode op, std::uint64_t payload_size, bool fin, char* out) noexcept;

// Appends a whole unmasked frame (server side).
void encode_frame(Opcode op, std::string_view payload, std::string& out, bool fin = true);

// Appends a whole masked frame (client side; tests and tools).
void encode_client_frame(Opcode op, std::string_view payload, const std::uint8_t mask[4],
                         std::string& out, bool fin = true, std::uint8_t rsv = 0);

// A close frame's payload: the 2-byte code then the UTF-8 reason (RFC 6455 §5.5.1).
std::string close_payload(std::uint16_t code, std::string_view reason = {});

// Whether a received close code may appear on the wire (RFC 6455 §7.4).
bool valid_close_code(std::uint16_t code) noexcept;

// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + the RFC 6455 GUID)).
std::string accept_key(std::string_view key);

// Strict UTF-8 validation (no overlongs, no surrogates, at most U+10FFFF).
bool valid_utf8(std::string_view s) noexcept;

}  // namespace jim::codec::ws

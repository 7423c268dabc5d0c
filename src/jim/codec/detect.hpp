#pragma once
// Protocol detection on the shared port (spec §1.2), robust where J-IM is fragile (§11.2 #9):
// the HTTP request head may arrive in many reads and may be up to `max_head` bytes long.
//
//   first byte 0x01                    -> TCP binary protocol
//   first byte 0x16                    -> TLS ClientHello (detection runs again inside TLS)
//   "METHOD SP target SP HTTP/1.x" ... CRLFCRLF
//        with a Sec-WebSocket-Key header -> WebSocket upgrade
//        otherwise                       -> HTTP
//   anything else                      -> error (close, counted)
//
// Pure: no I/O. Thread: any.

#include <cstddef>
#include <span>

#include "jim/base/error.hpp"

namespace jim::codec {

enum class Protocol : std::uint8_t { unknown, tcp, tls, http, websocket };

struct DetectResult {
    enum class Status : std::uint8_t { need_more, done, error } status = Status::need_more;
    Protocol protocol = Protocol::unknown;
    std::size_t head_size = 0;  // http/websocket: bytes up to and including the blank line
    Errc error = Errc::ok;
};

DetectResult detect(std::span<const char> in, std::size_t max_head) noexcept;

const char* protocol_name(Protocol p) noexcept;

}  // namespace jim::codec

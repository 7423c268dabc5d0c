#pragma once
// The transport seam of jim-bench: how J-IM commands are framed on a byte stream. The event
// loop and the scenarios only see this interface, so a WebSocket protocol (hello = the HTTP
// upgrade, text frames with an all-zero mask key so chat templates can still be patched in
// place) or TLS under either (a stream wrapper around read/writev in Loop) can be added
// without touching the scenarios.
// Thread: any (implementations are stateless; per-connection state lives in Conn).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace jim::bench {

// One server message: its command and JSON body (a view into the loop's read buffer, valid
// only during the callback that receives it).
struct InFrame {
    std::uint8_t command = 0;
    std::string_view body;
};

class Protocol {
  public:
    virtual ~Protocol() = default;
    virtual std::string_view name() const noexcept = 0;
    // Bytes a fresh connection sends before its first command (empty for TCP).
    virtual void append_hello(std::string& out) const { (void)out; }
    // Appends one client command carrying `json`.
    virtual void append_command(std::uint8_t command, std::string_view json,
                                std::string& out) const = 0;
    // Decodes the complete messages at the front of `in` into `out` (appending); returns the
    // bytes consumed, or -1 when the stream cannot be decoded.
    virtual std::ptrdiff_t decode(std::string_view in, std::vector<InFrame>& out) const = 0;
};

// "tcp" (the J-IM binary frame); nullptr for an unknown name.
std::unique_ptr<Protocol> make_protocol(std::string_view name);

}  // namespace jim::bench

#pragma once
// The transport seam of jim-bench: how J-IM commands are framed on a byte stream. The event
// loop and the scenarios only see this interface. "tcp" is the J-IM binary frame; "ws" logs in
// with the HTTP upgrade itself (user and password in the query) and then carries J-IM JSON in
// WebSocket text frames. TLS under either is not a Protocol: it is a stream wrapper in Loop
// (Options::tls).
// Thread: any (implementations are stateless; per-connection state lives in Conn and is passed
// in as `state`).

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
    // The first bytes of a fresh connection: whatever logs `user` in (TCP: a login command; WS:
    // the HTTP upgrade carrying the credentials). The server's answer is a login_resp frame.
    virtual void append_login(std::string_view user, std::string_view password,
                              std::string& out) const = 0;
    // Appends one client command carrying `json`.
    virtual void append_command(std::uint8_t command, std::string_view json,
                                std::string& out) const = 0;
    // Decodes the complete messages at the front of `in` into `out` (appending); returns the
    // bytes consumed, or -1 when the stream cannot be decoded. `state` is the connection's
    // decoder state (0 on a fresh connection).
    virtual std::ptrdiff_t decode(std::string_view in, std::uint8_t& state,
                                  std::vector<InFrame>& out) const = 0;
};

// "tcp" or "ws"; nullptr for an unknown name.
std::unique_ptr<Protocol> make_protocol(std::string_view name);

}  // namespace jim::bench

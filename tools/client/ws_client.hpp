#pragma once
// A blocking WebSocket (RFC 6455) client for integration tests and jim-cli, over plain TCP or
// TLS (wss). J-IM over WebSocket (spec §3): the client sends the JSON body of a command as a
// text frame ({"cmd":5,...}); the server answers with one text frame per reply or push, whose
// JSON names the command in "command". Every wait is bounded by a deadline.

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "client/http_head.hpp"
#include "client/json_helpers.hpp"
#include "client/stream.hpp"
#include "client/ws_wire.hpp"

namespace jim::client {

// Why the opening handshake failed (the error category is "websocket handshake").
enum class WsHandshakeError {
    bad_response = 1,  // not an HTTP response head, or too long
    not_switching,     // status other than 101
    bad_upgrade,       // "Upgrade: websocket" or "Connection: upgrade" missing
    bad_accept,        // Sec-WebSocket-Accept does not match the key
    bad_subprotocol,   // the server chose a subprotocol that was not offered
    bad_extensions,    // the server named extensions although none were offered
    closed,            // the connection closed before the head was complete
};
boost::system::error_code make_error_code(WsHandshakeError e);

}  // namespace jim::client

template <>
struct boost::system::is_error_code_enum<jim::client::WsHandshakeError> : std::true_type {};

namespace jim::client {

struct WsOptions {
    ConnectOptions transport;  // tls (wss), source_ip, ca_file, server_name
    // Extra request header fields. A field named like a default one (Host, Upgrade, Connection,
    // Sec-WebSocket-Key, Sec-WebSocket-Version) replaces it; an empty value drops it.
    HttpHeaders headers;
    // Offered in Sec-WebSocket-Protocol, in this order (nothing is sent when empty).
    std::vector<std::string> subprotocols;
};

// One message as read: a whole data message (fragments joined) or one control frame.
struct WsMessage {
    std::uint8_t opcode = 0;  // ws::kText, ws::kBinary, ws::kClose, ws::kPing, ws::kPong, ...
    // Data and ping/pong: the payload. Close: the reason text after the status code.
    std::string payload;
    std::optional<std::uint16_t> close_code;  // close frames with a 2-byte code
    bool masked = false;     // some frame of it came masked (servers must not mask)
    std::uint8_t rsv = 0;    // RSV bits of the first frame
    std::size_t frames = 1;  // frames it was sent in

    bool is_text() const { return opcode == ws::kText; }
    bool is_data() const { return !ws::is_control(opcode); }
};

// One WebSocket connection. Owns the stream (closed by the destructor), a receive buffer holding
// at most one unfinished frame plus what arrived behind it, an unfinished fragmented message,
// and a queue of messages that read_until()/read_text_until()/wait_closed() set aside.
// Client frames are masked with a fresh random key (send_frame_raw can do otherwise). A server
// ping is answered with a pong and a server close with a close echo unless
// set_auto_reply(false); either way the frame is also returned to the reader.
// Thread: one thread at a time (no internal locking); may be moved between threads.
class WsClient {
  public:
    // Connects (see Stream::connect) and performs the opening handshake for
    // `path_and_query` (e.g. "/?username=u1&password=123"), within `timeout`. Fails with a
    // WsHandshakeError code when the response does not complete the handshake; bytes the
    // server sent after the 101 head are kept and read as frames.
    static boost::system::result<WsClient> connect(const std::string& host, std::uint16_t port,
                                                   const std::string& path_and_query,
                                                   std::chrono::milliseconds timeout,
                                                   const WsOptions& options = {});

    WsClient(WsClient&& other) noexcept = default;
    WsClient& operator=(WsClient&& other) noexcept = default;
    WsClient(const WsClient&) = delete;
    WsClient& operator=(const WsClient&) = delete;
    ~WsClient() = default;

    // The handshake response.
    const std::string& status_line() const { return head_.status_line; }
    const HttpHeaders& headers() const { return head_.headers; }
    // The Sec-WebSocket-Protocol the server selected, empty if none.
    const std::string& subprotocol() const { return subprotocol_; }

    // Each send returns false if the connection is closed or the bytes could not be written
    // within the send timeout.
    bool send_text(std::string_view text);
    bool send_binary(std::string_view bytes);
    bool send_ping(std::string_view payload = {});
    bool send_pong(std::string_view payload = {});
    // No code: an empty close payload (J-IM answers that with 10021). With a code: code+reason.
    bool send_close(std::optional<std::uint16_t> code = std::nullopt, std::string_view reason = {});
    // Any frame, for protocol tests: unmasked, bad opcodes, RSV bits, fragments.
    bool send_frame_raw(bool fin, std::uint8_t opcode, std::string_view payload, bool masked = true,
                        std::uint8_t rsv = 0);
    // Arbitrary bytes as they are.
    bool send_raw(std::string_view bytes);

    // The next message: first from the queue, then from the socket. nullopt on timeout, close
    // or a framing error (see peer_closed()/protocol_error()).
    std::optional<WsMessage> read_message(std::chrono::milliseconds timeout);
    // The first message satisfying `pred`, looking in the queue first; others read meanwhile are
    // queued and returned by later reads in arrival order.
    std::optional<WsMessage> read_until(const std::function<bool(const WsMessage&)>& pred,
                                        std::chrono::milliseconds timeout);
    // The payload of the first data message whose payload satisfies `pred` (control frames and
    // other messages are queued).
    std::optional<std::string> read_text_until(const std::function<bool(std::string_view)>& pred,
                                               std::chrono::milliseconds timeout);
    // The payload of the first data message whose JSON has "command" == command.
    std::optional<std::string> read_text_until(std::int64_t command,
                                               std::chrono::milliseconds timeout);
    // True if the server closed the TCP connection (or the framing broke) within timeout.
    // Messages arriving before are queued.
    bool wait_closed(std::chrono::milliseconds timeout);

    // Sends {"cmd":5,"userId":…,"password":…} as a text frame and returns the payload of the
    // reply with "command":6. Remembers `user` as the "from" of later chat() calls.
    std::optional<std::string> login(const std::string& user, const std::string& password,
                                     std::chrono::milliseconds timeout);
    // Sends a private chat (cmd 11, chatType 2, msgType 0) and returns the "command":12 ack.
    std::optional<std::string> chat(const std::string& to, const std::string& content,
                                    std::chrono::milliseconds timeout);

    // Bounds each send (default 10 s).
    void set_send_timeout(std::chrono::milliseconds timeout) { send_timeout_ = timeout; }
    // Answer pings with pongs and echo a server close (default on).
    void set_auto_reply(bool on) { auto_reply_ = on; }

    // True once EOF, a reset, a socket error or a framing error was seen.
    bool peer_closed() const { return io_.closed(); }
    // True if the server's frames broke RFC 6455 framing (e.g. a stray continuation).
    bool protocol_error() const { return protocol_error_; }
    bool close_received() const { return close_received_; }
    bool close_sent() const { return close_sent_; }
    std::size_t queued() const { return queue_.size(); }
    int fd() const { return io_.stream().fd(); }
    bool is_tls() const { return io_.stream().is_tls(); }
    // Closes the connection now (no close frame); idempotent.
    void close() { io_.stream().close(); }

  private:
    explicit WsClient(Stream stream) : io_(std::move(stream)) {}
    using Clock = SteadyClock;

    boost::system::error_code handshake(const std::string& host, std::uint16_t port,
                                        const std::string& target, const WsOptions& options,
                                        Clock::time_point deadline);
    // Decodes the next message from the socket only (not the queue), waiting until `deadline`.
    std::optional<WsMessage> next_from_wire(Clock::time_point deadline);
    // One complete frame from the receive buffer, if there is one; framing errors close.
    std::optional<ws::Frame> take_frame();
    // Turns a frame into a message (nullopt while a fragmented message is unfinished).
    std::optional<WsMessage> on_frame(ws::Frame frame);
    void fail_protocol();

    BufferedStream io_;
    ResponseHead head_;
    std::string subprotocol_;
    std::optional<WsMessage> partial_;  // a fragmented data message being joined
    std::deque<WsMessage> queue_;
    std::string user_;
    std::chrono::milliseconds send_timeout_{10'000};
    bool auto_reply_ = true;
    bool protocol_error_ = false;
    bool close_received_ = false;
    bool close_sent_ = false;
};

}  // namespace jim::client

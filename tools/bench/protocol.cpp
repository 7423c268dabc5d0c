#include "protocol.hpp"

#include <span>

#include "jim/codec/tcp_frame.hpp"
#include "jim/codec/ws_frame.hpp"
#include "jim/proto/command.hpp"

namespace jim::bench {
namespace {

// J-IM TCP frames (spec §2) through the server's own pure codec. Thread: any.
class TcpProtocol final : public Protocol {
  public:
    TcpProtocol() { limits_.max_command = proto::kMaxServerCommand; }

    std::string_view name() const noexcept override { return "tcp"; }

    void append_login(std::string_view user, std::string_view password,
                      std::string& out) const override {
        std::string body = R"({"cmd":5,"userId":")";
        body += user;
        body += R"(","password":")";
        body += password;
        body += "\"}";
        append_command(proto::code(proto::Command::login_req), body, out);
    }

    void append_command(std::uint8_t command, std::string_view json,
                        std::string& out) const override {
        codec::tcp::encode_client(command, json, out);
    }

    std::ptrdiff_t decode(std::string_view in, std::uint8_t& state,
                          std::vector<InFrame>& out) const override {
        (void)state;
        std::size_t at = 0;
        while (at < in.size()) {
            const auto r =
                codec::tcp::decode(std::span<const char>(in.data() + at, in.size() - at), limits_);
            if (r.status == codec::tcp::Status::need_more) break;
            if (r.status == codec::tcp::Status::error) return -1;
            out.push_back({r.frame.command, r.frame.body});
            at += r.consumed;
        }
        return static_cast<std::ptrdiff_t>(at);
    }

  private:
    codec::tcp::Limits limits_;
};

// WebSocket (RFC 6455) as the server speaks it: the upgrade request logs the user in from its
// query; every server message is a text frame with the J-IM JSON, whose "command" field says
// what it is. Client frames are masked with an all-zero key (valid per §5.3, and it keeps the
// payload patchable in place). Thread: any.
class WsProtocol final : public Protocol {
  public:
    // Decoder states: waiting for the end of the HTTP response, then frames.
    static constexpr std::uint8_t kHttp = 0, kFrames = 1;
    static constexpr std::size_t kMaxHttpResponse = 16 * 1024;

    WsProtocol() { limits_.require_mask = false; }

    std::string_view name() const noexcept override { return "ws"; }

    void append_login(std::string_view user, std::string_view password,
                      std::string& out) const override {
        // The key only has to be base64 of 16 bytes; the bench does not check the accept hash.
        out += "GET /?username=";
        out += user;
        out += "&password=";
        out += password;
        out +=
            " HTTP/1.1\r\nHost: jim\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: amltLWJlbmNoLWtleS0wMQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    }

    void append_command(std::uint8_t command, std::string_view json,
                        std::string& out) const override {
        (void)command;  // the JSON carries "cmd"
        constexpr std::uint8_t kZeroMask[4] = {0, 0, 0, 0};
        codec::ws::encode_client_frame(codec::ws::Opcode::text, json, kZeroMask, out);
    }

    std::ptrdiff_t decode(std::string_view in, std::uint8_t& state,
                          std::vector<InFrame>& out) const override {
        std::size_t at = 0;
        if (state == kHttp) {
            const auto end = in.find("\r\n\r\n");
            if (end == std::string_view::npos) {
                return in.size() > kMaxHttpResponse ? -1 : 0;
            }
            if (!in.starts_with("HTTP/1.1 101")) return -1;
            at = end + 4;
            state = kFrames;
        }
        while (at < in.size()) {
            const auto r =
                codec::ws::decode(std::span<const char>(in.data() + at, in.size() - at), limits_);
            if (r.status == codec::ws::Status::need_more) break;
            if (r.status == codec::ws::Status::error) return -1;
            const auto& h = r.header;
            const std::string_view payload(in.data() + at + h.header_size,
                                           static_cast<std::size_t>(h.payload_size));
            at += h.header_size + static_cast<std::size_t>(h.payload_size);
            if (h.opcode == codec::ws::Opcode::close || h.masked || !h.fin) return -1;
            if (h.opcode != codec::ws::Opcode::text) continue;  // ping, pong, binary: ignored
            out.push_back({command_of(payload), payload});
        }
        return static_cast<std::ptrdiff_t>(at);
    }

  private:
    // The value of the first "command" field (0 when there is none or it is out of range).
    static std::uint8_t command_of(std::string_view json) noexcept {
        constexpr std::string_view kKey = "\"command\":";
        auto p = json.find(kKey);
        if (p == std::string_view::npos) return 0;
        p += kKey.size();
        unsigned v = 0;
        std::size_t digits = 0;
        for (; p < json.size() && json[p] >= '0' && json[p] <= '9' && digits < 4; ++p, ++digits) {
            v = v * 10 + static_cast<unsigned>(json[p] - '0');
        }
        return digits == 0 || v > proto::kMaxServerCommand ? 0 : static_cast<std::uint8_t>(v);
    }

    codec::ws::Limits limits_;
};

}  // namespace

std::unique_ptr<Protocol> make_protocol(std::string_view name) {
    if (name == "tcp") return std::make_unique<TcpProtocol>();
    if (name == "ws") return std::make_unique<WsProtocol>();
    return nullptr;
}

}  // namespace jim::bench

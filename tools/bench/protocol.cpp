#include "protocol.hpp"

#include <span>

#include "jim/codec/tcp_frame.hpp"
#include "jim/proto/command.hpp"

namespace jim::bench {
namespace {

// J-IM TCP frames (spec §2) through the server's own pure codec. Thread: any.
class TcpProtocol final : public Protocol {
  public:
    TcpProtocol() { limits_.max_command = proto::kMaxCommand; }

    std::string_view name() const noexcept override { return "tcp"; }

    void append_command(std::uint8_t command, std::string_view json,
                        std::string& out) const override {
        codec::tcp::encode_client(command, json, out);
    }

    std::ptrdiff_t decode(std::string_view in, std::vector<InFrame>& out) const override {
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

}  // namespace

std::unique_ptr<Protocol> make_protocol(std::string_view name) {
    if (name == "tcp") return std::make_unique<TcpProtocol>();
    return nullptr;
}

}  // namespace jim::bench

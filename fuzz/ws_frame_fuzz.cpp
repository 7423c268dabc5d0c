// Fuzzes the WebSocket frame decoder (RFC 6455 §5.2) the way a connection uses it: frames one
// after another (unmasked in place), then the message-level checks (UTF-8, close payloads).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "jim/codec/ws_frame.hpp"

namespace ws = jim::codec::ws;

namespace {

void decode_stream(std::vector<char>& buf, const ws::Limits& limits) {
    std::size_t pos = 0;
    while (pos < buf.size()) {
        const std::span<char> rest(buf.data() + pos, buf.size() - pos);
        const auto r = ws::decode(rest, limits);
        if (r.status != ws::Status::ok) {
            if (r.status == ws::Status::need_more && r.needed != 0) {
                JIM_FUZZ_CHECK(r.needed > rest.size());
            }
            if (r.status == ws::Status::error) {
                JIM_FUZZ_CHECK(r.error == jim::Errc::ws_protocol ||
                               r.error == jim::Errc::message_too_big);
            }
            return;
        }
        const auto& h = r.header;
        JIM_FUZZ_CHECK(h.header_size >= 2 && h.header_size <= ws::kMaxHeaderSize);
        JIM_FUZZ_CHECK(h.header_size + h.payload_size <= rest.size());
        JIM_FUZZ_CHECK(h.payload_size <= limits.max_frame);
        JIM_FUZZ_CHECK(!limits.require_mask || h.masked);
        if (ws::is_control(h.opcode)) {
            JIM_FUZZ_CHECK(h.fin && h.payload_size <= ws::kMaxControlPayload);
        }
        char* payload = rest.data() + h.header_size;
        const auto size = static_cast<std::size_t>(h.payload_size);
        ws::unmask(payload, size, h.mask);
        const std::string_view bytes(payload, size);
        (void)ws::valid_utf8(bytes);
        if (h.opcode == ws::Opcode::close && size >= 2) {
            const auto code =
                static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                           static_cast<unsigned char>(payload[1]));
            (void)ws::valid_close_code(code);
        }
        // Re-encoding an unmasked server frame of the same payload decodes to the same header.
        std::string again;
        ws::encode_frame(h.opcode, bytes, again, h.fin);
        const auto back = ws::decode(std::span<const char>(again.data(), again.size()),
                                     ws::Limits{limits.max_frame, false});
        JIM_FUZZ_CHECK(back.status == ws::Status::ok);
        JIM_FUZZ_CHECK(back.header.payload_size == h.payload_size);
        pos += h.header_size + size;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto* p = reinterpret_cast<const char*>(data);
    for (const ws::Limits limits :
         {ws::Limits{}, ws::Limits{64, true}, ws::Limits{1 << 20, false}}) {
        std::vector<char> buf(p, p + size);
        decode_stream(buf, limits);
    }
    return 0;
}

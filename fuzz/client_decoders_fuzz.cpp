// Fuzzes the client library's decoders (tools/client), which jim-cli, jim-bench and the tests
// run on whatever a server sends: the HTTP/1.1 response parser and the WebSocket frame decoder.
// Checks: nothing crashes; a parsed response or frame never claims more bytes than it was given
// and parses the same when the input is cut right after it; a decoded frame re-encodes (with its
// own mask, RSV bits and fin) to exactly the bytes consumed when the length was encoded in the
// shortest form.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "client/http_client.hpp"
#include "client/ws_wire.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace jim::client;

void http_response(std::string_view in) {
    for (const bool head : {false, true}) {
        for (const bool eof : {false, true}) {
            const auto r = parse_response(in, head, eof, 1 << 20);
            if (r.status != HttpParseStatus::ok) continue;
            JIM_FUZZ_CHECK(r.consumed > 0 && r.consumed <= in.size());
            JIM_FUZZ_CHECK(r.response.status >= 100 && r.response.status <= 999);
            if (r.response.until_close) continue;  // its end is the end of the input
            const auto cut = parse_response(in.substr(0, r.consumed), head, eof, 1 << 20);
            JIM_FUZZ_CHECK(cut.status == HttpParseStatus::ok && cut.consumed == r.consumed);
            JIM_FUZZ_CHECK(cut.response.body == r.response.body);
        }
    }
}

void ws_frames(std::string_view in) {
    while (!in.empty()) {
        const auto r = ws::decode(in, 1 << 20);
        if (r.status != ws::Status::ok) return;
        JIM_FUZZ_CHECK(r.consumed >= 2 && r.consumed <= in.size());
        const auto& f = r.frame;
        std::optional<ws::MaskKey> mask;
        if (f.masked) {
            // The mask key is the 4 bytes before the payload.
            const std::string_view key = in.substr(r.consumed - f.payload.size() - 4, 4);
            ws::MaskKey k{};
            for (std::size_t i = 0; i < 4; ++i) k[i] = static_cast<std::uint8_t>(key[i]);
            mask = k;
        }
        std::string again;
        ws::encode(f.fin, f.opcode, f.payload, mask, f.rsv, again);
        const std::size_t header = r.consumed - f.payload.size();
        const std::size_t shortest = f.payload.size() < 126 ? 2 : f.payload.size() < 65536 ? 4 : 10;
        if (header == shortest + (f.masked ? 4 : 0)) {
            JIM_FUZZ_CHECK(again == in.substr(0, r.consumed));
        } else {
            JIM_FUZZ_CHECK(again.size() < r.consumed);  // a longer length form was used
        }
        in.remove_prefix(r.consumed);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    http_response(in);
    ws_frames(in);
    return 0;
}

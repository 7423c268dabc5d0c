// Fuzzes the TCP frame decoder (spec §2) the way a connection uses it: decode frames one after
// another until need_more or error, under several limits, and checks the result contract.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "fuzz_check.hpp"
#include "jim/codec/tcp_frame.hpp"

namespace {

using jim::codec::tcp::DecodeResult;
using jim::codec::tcp::Limits;
using jim::codec::tcp::Status;

void check_frame(std::span<const char> in, const DecodeResult& r, const Limits& limits) {
    const auto& f = r.frame;
    const std::size_t header =
        f.has_syn_seq ? jim::codec::tcp::kHeaderSizeWithSynSeq : jim::codec::tcp::kHeaderSize;
    JIM_FUZZ_CHECK(r.consumed <= in.size());
    JIM_FUZZ_CHECK(r.consumed == header + f.body.size());
    JIM_FUZZ_CHECK(f.body.data() == in.data() + header);  // body inside the input, after the header
    JIM_FUZZ_CHECK(f.body.size() <= limits.max_body);
    JIM_FUZZ_CHECK(f.command <= limits.max_command);
    JIM_FUZZ_CHECK(f.has_syn_seq == ((f.mask & jim::codec::tcp::kMaskSynSeq) != 0));

    // Re-encoding the decoded fields gives back exactly the bytes consumed.
    std::string again;
    jim::codec::tcp::encode_client(f.command, f.body, again, f.mask, f.has_syn_seq, f.syn_seq);
    JIM_FUZZ_CHECK(again == std::string_view(in.data(), r.consumed));

    // One byte less is an unfinished frame, never an error or a different frame.
    const auto shorter = jim::codec::tcp::decode(in.first(r.consumed - 1), limits);
    JIM_FUZZ_CHECK(shorter.status == Status::need_more);
}

void decode_stream(std::span<const char> in, const Limits& limits) {
    std::size_t pos = 0;
    while (pos < in.size()) {
        const auto rest = in.subspan(pos);
        const auto r = jim::codec::tcp::decode(rest, limits);
        if (r.status == Status::error) {
            JIM_FUZZ_CHECK(r.error != jim::Errc::ok);
            return;
        }
        if (r.status == Status::need_more) {
            JIM_FUZZ_CHECK(r.consumed == 0);
            // When the header is known, the total is more than we have and within the limit.
            JIM_FUZZ_CHECK(r.needed == 0 || r.needed > rest.size());
            JIM_FUZZ_CHECK(r.needed <= jim::codec::tcp::kHeaderSizeWithSynSeq + limits.max_body);
            return;
        }
        check_frame(rest, r, limits);
        pos += r.consumed;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const char> in(reinterpret_cast<const char*>(data), size);
    decode_stream(in, Limits{});
    decode_stream(in, Limits{.max_body = 16, .max_command = 20});
    decode_stream(in, Limits{.max_body = 0, .max_command = 255});
    return 0;
}

// Fuzzes protocol detection (spec §1.2). Detection is a pure function of the bytes received so
// far, so a decision taken on a prefix (done or error) must be the decision on the whole input:
// feeding the input in two pieces agrees with feeding it whole.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "fuzz_check.hpp"
#include "jim/codec/detect.hpp"

namespace {

using jim::codec::DetectResult;
using jim::codec::Protocol;
using S = DetectResult::Status;

bool same(const DetectResult& a, const DetectResult& b) {
    return a.status == b.status && a.protocol == b.protocol && a.head_size == b.head_size &&
           a.error == b.error;
}

void check_result(std::span<const char> in, const DetectResult& r, std::size_t max_head) {
    switch (r.status) {
        case S::need_more:
            JIM_FUZZ_CHECK(r.protocol == Protocol::unknown && r.error == jim::Errc::ok);
            JIM_FUZZ_CHECK(in.size() <= max_head);
            break;
        case S::error:
            JIM_FUZZ_CHECK(r.protocol == Protocol::unknown && r.error != jim::Errc::ok);
            break;
        case S::done:
            JIM_FUZZ_CHECK(r.protocol != Protocol::unknown && r.error == jim::Errc::ok);
            if (r.protocol == Protocol::http || r.protocol == Protocol::websocket) {
                JIM_FUZZ_CHECK(r.head_size >= 4 && r.head_size <= in.size());
                JIM_FUZZ_CHECK(r.head_size <= max_head);
                const std::string_view head(in.data(), r.head_size);
                JIM_FUZZ_CHECK(head.ends_with("\r\n\r\n"));
                JIM_FUZZ_CHECK(head.find("\r\n\r\n") == r.head_size - 4);
            } else {
                JIM_FUZZ_CHECK(r.head_size == 0);
            }
            break;
    }
}

void check_split(std::span<const char> in, const DetectResult& whole, std::size_t cut,
                 std::size_t max_head) {
    const auto part = jim::codec::detect(in.first(cut), max_head);
    if (part.status != S::need_more) JIM_FUZZ_CHECK(same(part, whole));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const char> in(reinterpret_cast<const char*>(data), size);
    for (const std::size_t max_head :
         {std::size_t{0}, std::size_t{20}, std::size_t{64}, std::size_t{2048}, std::size_t{8192}}) {
        const auto whole = jim::codec::detect(in, max_head);
        check_result(in, whole, max_head);
        // Every split point for the production limit; a sample for the others (speed).
        if (max_head == 8192 && size <= 512) {
            for (std::size_t cut = 0; cut < size; ++cut) check_split(in, whole, cut, max_head);
        } else {
            for (std::size_t k = 1; k < 8; ++k) check_split(in, whole, size * k / 8, max_head);
            if (size > 0) check_split(in, whole, size - 1, max_head);
        }
    }
    return 0;
}

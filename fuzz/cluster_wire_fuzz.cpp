// Fuzzes the cluster's pub/sub payloads (src/jim/cluster/wire.hpp): a payload from Redis is
// untrusted bytes. Whatever decodes must re-encode to the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "jim/cluster/wire.hpp"

namespace wire = jim::cluster::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    if (const auto d = wire::decode_deliveries(in)) {
        std::string again;
        for (const auto& r : *d) wire::append_delivery(again, r.kind, r.target, r.code, r.body);
        JIM_FUZZ_CHECK(again == in);
    }
    if (const auto a = wire::decode_announcement(in)) {
        JIM_FUZZ_CHECK(!a->node.empty());
        const std::string again = wire::encode(*a);
        const auto b = wire::decode_announcement(again);
        JIM_FUZZ_CHECK(b.has_value());
        JIM_FUZZ_CHECK(wire::encode(*b) == again);
    }
    return 0;
}

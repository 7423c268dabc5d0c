// Fuzzes the request-target helpers the HTTP API relies on (src/jim/api/query.*): path
// decoding and query parameters on arbitrary targets. Checks: nothing crashes or throws; a
// decoded path starts with '/'; a parameter found in a target is found again when the target
// is rebuilt with that parameter alone, percent-encoded.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "jim/api/query.hpp"

namespace {

std::string percent_encode(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            out += ch;
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view target(reinterpret_cast<const char*>(data), size);
    if (const auto path = jim::api::decoded_path(target)) {
        JIM_FUZZ_CHECK(!path->empty() && (*path)[0] == '/');
    }
    for (const std::string_view name : {"userid", "limit", "username", "password", "token"}) {
        const auto value = jim::api::query_param(target, name);
        if (!value) continue;
        const std::string rebuilt = "/x?" + std::string(name) + "=" + percent_encode(*value);
        const auto again = jim::api::query_param(rebuilt, name);
        JIM_FUZZ_CHECK(again && *again == *value);
    }
    return 0;
}

#include "jim/redis/endpoint.hpp"

#include <charconv>

namespace jim::redis {

std::optional<Endpoint> parse_endpoint(std::string_view url) {
    constexpr std::string_view kScheme = "redis://";
    if (url.substr(0, kScheme.size()) == kScheme) url.remove_prefix(kScheme.size());
    if (!url.empty() && url.back() == '/') url.remove_suffix(1);
    if (url.empty() || url.find_first_of("@/?# ") != std::string_view::npos) return std::nullopt;
    Endpoint e;
    const auto colon = url.rfind(':');
    if (colon == std::string_view::npos) {
        e.host = std::string(url);
        return e;
    }
    const std::string_view port = url.substr(colon + 1);
    unsigned value = 0;
    const auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || p != port.data() + port.size() || value == 0 || value > 65535) {
        return std::nullopt;
    }
    e.host = std::string(url.substr(0, colon));
    if (e.host.empty()) return std::nullopt;
    e.port = static_cast<std::uint16_t>(value);
    return e;
}

}  // namespace jim::redis

#pragma once
// Where a Redis server listens: parsed from "redis://host:port", "host:port" or "host".
// Thread: any (pure).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jim::redis {

struct Endpoint {
    std::string host = "127.0.0.1";
    std::uint16_t port = 6379;

    std::string to_string() const { return "redis://" + host + ":" + std::to_string(port); }
};

// nullopt when the text is not a redis URL this client understands (no user, password, TLS or
// database number yet).
std::optional<Endpoint> parse_endpoint(std::string_view url);

}  // namespace jim::redis

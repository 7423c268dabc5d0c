#pragma once
// The state of a redis::Link, on its own so that health and metrics code (and the store's
// public header) can name it without including Asio or hiredis. Thread: any.

#include <cstdint>
#include <string_view>

namespace jim::redis {

enum class LinkState : std::uint8_t { down, connecting, up };
std::string_view to_string(LinkState state);

}  // namespace jim::redis

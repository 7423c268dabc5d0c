#include "jim/service/events.hpp"

#include <array>

namespace jim::service {
namespace {

constexpr std::array<std::string_view, kEventTypeCount> kNames{
    "user.online", "user.offline", "message.offline", "message", "group.join", "group.leave"};

}  // namespace

std::string_view event_name(EventType type) noexcept {
    return kNames[static_cast<std::size_t>(type)];
}

std::optional<EventType> event_from_name(std::string_view name) noexcept {
    for (std::size_t i = 0; i < kNames.size(); ++i) {
        if (kNames[i] == name) return static_cast<EventType>(i);
    }
    return std::nullopt;
}

}  // namespace jim::service

#pragma once
// Events for the business backend (push notifications, archiving, analytics). The service says
// what happened; an EventSink ships it (hooks::Webhooks POSTs batches to webhook.url).
// Event names and data shapes are listed in docs/webhooks.md.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jim::service {

enum class EventType : std::uint8_t {
    user_online,      // a session logged in: {"userId","terminal","sessions"}
    user_offline,     // a session ended: {"userId","terminal","sessions"} (0: the user is gone)
    offline_message,  // a message was stored for users without a live session
    message,          // every accepted chat message (archiving)
    group_join,       // {"groupId","userId"}
    group_leave,      // {"groupId","userId"}
};

inline constexpr std::size_t kEventTypeCount = 6;

// "user.online", "user.offline", "message.offline", "message", "group.join", "group.leave".
std::string_view event_name(EventType type) noexcept;
std::optional<EventType> event_from_name(std::string_view name) noexcept;

// Thread: any. publish() is on the message path: it must never block or do I/O.
class EventSink {
  public:
    virtual ~EventSink() = default;
    // Cheap filter, so the service builds only the events someone wants.
    virtual bool wants(EventType type) const noexcept = 0;
    // `data_json` is the event's data object.
    virtual void publish(EventType type, std::string data_json) = 0;
};

}  // namespace jim::service

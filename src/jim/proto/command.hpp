#pragma once
// J-IM command codes (spec §5.1). The same code travels as the TCP command byte, the WS/JSON
// member "cmd" in requests and the member "command" in server messages.

#include <cstdint>

namespace jim::proto {

enum class Command : std::uint8_t {
    unknown = 0,
    handshake_req = 1,
    handshake_resp = 2,
    auth_req = 3,
    auth_resp = 4,
    login_req = 5,
    login_resp = 6,
    join_group_req = 7,
    join_group_resp = 8,
    join_group_notify = 9,
    exit_group_notify = 10,
    chat_req = 11,
    chat_resp = 12,
    heartbeat_req = 13,
    close_req = 14,
    cancel_msg_req = 15,
    cancel_msg_resp = 16,
    get_user_req = 17,
    get_user_resp = 18,
    get_message_req = 19,
    get_message_resp = 20,
    // jim extensions (docs/protocol.md); J-IM's codes keep their meaning.
    leave_group_req = 21,
    leave_group_resp = 22,
    delivered_req = 23,   // receiving client: "this message reached me"
    delivered_resp = 24,  // error reply to 23, or the receipt pushed to the sender
    read_req = 25,        // move the read cursor of one conversation
    read_resp = 26,       // reply to 25, or the cursor pushed to other devices and the peer
    recent_req = 27,      // recent conversations with unread counts
    recent_resp = 28,
    // Server push only (a client sending it gets 10017): a friend's presence, or the online
    // count of a large group.
    presence = 29,
};

// Highest command code a client may send; the TCP decoder closes on anything above.
inline constexpr std::uint8_t kMaxCommand = 28;
// Highest command code the server sends (pushes such as 29 go only to clients): what a client's
// decoder must accept.
inline constexpr std::uint8_t kMaxServerCommand = 29;

constexpr std::uint8_t code(Command c) noexcept {
    return static_cast<std::uint8_t>(c);
}

// The command a reply to `request` carries (J-IM pairs requests with request+1, except
// heartbeat and close, which answer with their own code).
constexpr Command reply_command(Command request) noexcept {
    switch (request) {
        case Command::heartbeat_req:
        case Command::close_req:
            return request;
        case Command::handshake_req:
        case Command::auth_req:
        case Command::login_req:
        case Command::join_group_req:
        case Command::chat_req:
        case Command::cancel_msg_req:
        case Command::get_user_req:
        case Command::get_message_req:
        case Command::leave_group_req:
        case Command::delivered_req:
        case Command::read_req:
        case Command::recent_req:
            return static_cast<Command>(code(request) + 1);
        default:
            return Command::unknown;
    }
}

}  // namespace jim::proto

#pragma once
// ChatBody (spec §5.4) validation and server-side completion for command 11.
// The server fixes J-IM's defects (§11.3 #17, #20): `from` is always the session's user, `id` and
// `createTime` always come from the server. Thread: any.

#include <cstdint>
#include <string>
#include <string_view>

#include "jim/base/error.hpp"

namespace jim::proto {

enum class ChatType : std::uint8_t { unknown = 0, group = 1, private_chat = 2 };

struct PreparedChat {
    ChatType type = ChatType::unknown;
    std::string to;             // private: receiver user id
    std::string group_id;       // group: target group
    std::string body;           // the completed ChatBody JSON, ready for {"command":11,"data":…}
    std::string client_msg_id;  // optional "clientMsgId": the sender's idempotency key
    std::string reason;         // on error: a human-readable explanation for the sender
};

// Parses `json`, checks it, and writes the completed body: from = `user`, id, createTime = now.
// On failure returns the error and leaves an explanation in `out.reason`.
Errc prepare_chat(std::string_view json, std::string_view user, std::string_view id,
                  std::int64_t now_ms, PreparedChat& out);

// What a recalled message looks like from then on (history, inboxes, the cmd-16 push): the
// stored ChatBody without "content" and "extras", with "recalled":true. A body that does not
// parse (never written by this server) becomes {"id":…,"recalled":true,"seq":…}.
std::string recalled_chat_body(std::string_view body, std::string_view id, std::uint64_t seq);
// The cmd-16 push that tells a conversation a message was deleted (the admin API): the same
// form with "deleted":true instead of "recalled":true. Nothing of it is stored.
std::string deleted_chat_body(std::string_view body, std::string_view id, std::uint64_t seq);

}  // namespace jim::proto

#pragma once
// Before-send moderation seam: one asynchronous check per chat message, before it is stored.
// hooks::HttpModerator asks the business backend (hook.url); tests use fakes.

#include <cstdint>
#include <functional>
#include <string>

namespace jim::service {

struct ModerationVerdict {
    enum class Action : std::uint8_t { accept, reject, replace };
    Action action = Action::accept;
    std::string content;  // replace: the new "content"
    std::string reason;   // reject: told to the sender
};

// Thread: any. check() returns at once and never blocks; `done` runs exactly once, on any thread
// (the service posts it home to the sender's worker). A moderator that cannot reach its backend
// decides by itself what that means (hook.fail_open).
class Moderator {
  public:
    virtual ~Moderator() = default;
    // `chat_json` is the prepared ChatBody: from, to or groupId, chatType, content, id, createTime.
    virtual void check(const std::string& chat_json,
                       std::function<void(ModerationVerdict)> done) = 0;
};

}  // namespace jim::service

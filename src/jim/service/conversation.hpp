#pragma once
// Which conversation a request names, for the commands that act on one (15, 23, 25): "groupId"
// names a group, else "to" names the other user of a private conversation with the session's
// user. Thread: any (pure functions).

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace jim::service {

struct ConversationRef {
    std::string key;    // store::group_conversation / private_conversation
    std::string group;  // group conversations
    std::string peer;   // private conversations: the other user
};

// nullopt when the body names neither a group nor a peer.
std::optional<ConversationRef> conversation_of(const boost::json::object& o, std::string_view user);

// Appends the members that name the conversation in a notification: "chatType":1,"groupId":…
// or "chatType":2 and, when `to` is given, "to":….
void append_conversation(std::string& out, const ConversationRef& c, std::string_view to);

}  // namespace jim::service

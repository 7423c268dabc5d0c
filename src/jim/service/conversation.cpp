#include "jim/service/conversation.hpp"

#include "jim/proto/json_util.hpp"
#include "jim/store/message_store.hpp"

namespace jim::service {

std::optional<ConversationRef> conversation_of(const boost::json::object& o,
                                               std::string_view user) {
    ConversationRef c;
    if (const auto g = proto::get_string(o, "groupId"); g && !g->empty()) {
        c.group.assign(*g);
        c.key = store::group_conversation(c.group);
        return c;
    }
    if (const auto to = proto::get_string(o, "to"); to && !to->empty()) {
        c.peer.assign(*to);
        c.key = store::private_conversation(user, c.peer);
        return c;
    }
    return std::nullopt;
}

void append_conversation(std::string& out, const ConversationRef& c, std::string_view to) {
    if (!c.group.empty()) {
        out += "\"chatType\":1,\"groupId\":";
        proto::append_json_string(out, c.group);
        return;
    }
    out += "\"chatType\":2";
    if (!to.empty()) {
        out += ",\"to\":";
        proto::append_json_string(out, to);
    }
}

}  // namespace jim::service

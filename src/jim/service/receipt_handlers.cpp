// Receipts (jim extension, docs/protocol.md): delivery acks from receiving clients (cmd 23 ->
// receipt 24 to the sender), read cursors per conversation (cmd 25 -> 26, kept in the store and
// pushed to the reader's other devices and, in private chats, to the peer) and recent
// conversations with unread counts (cmd 27 -> 28).

#include <algorithm>

#include "jim/proto/command.hpp"
#include "jim/proto/json_util.hpp"
#include "jim/proto/replies.hpp"
#include "jim/proto/status.hpp"
#include "jim/service/command_service.hpp"
#include "jim/service/conversation.hpp"

namespace jim::service {

using proto::Command;
namespace status = proto::status;

namespace {

constexpr std::size_t kDefaultRecent = 100;

void refuse(Peer& peer, Command reply, Errc e, std::string_view why) {
    peer.send(proto::code(reply),
              SharedBytes::copy_of(proto::status_reply(reply, error_info(e).status, why)));
}

}  // namespace

// {"cmd":23,"from":sender,"id":…[,"seq":N][,"groupId":g]}: the message from `from` reached
// this user. Nothing is answered on success; `from`'s sessions get
// {"command":24,"data":{"chatType":…,"from":<this
// user>,["groupId":g,]"id":…,["seq":N,]"to":sender}}.
void CommandService::on_delivered(Peer& peer, std::string_view body) {
    const auto fail = [&](Errc e, std::string_view why) {
        refuse(peer, Command::delivered_resp, e, why);
    };
    const auto parsed = proto::parse_object(body);
    if (!parsed) return fail(Errc::bad_json, "body is not a JSON object");
    const auto from = proto::get_string(*parsed, "from");
    const auto id = proto::get_string(*parsed, "id");
    if (!from || from->empty() || !id || id->empty()) {
        return fail(Errc::missing_field, "from (the sender) and id are required");
    }
    ConversationRef c;
    c.group.assign(proto::get_string(*parsed, "groupId").value_or(""));
    if (!c.group.empty() && !groups_.is_member(c.group, peer.user())) {
        return fail(Errc::forbidden, "not a member of this group");
    }
    std::string data = "{";
    append_conversation(data, c, {});
    data += ",\"from\":";
    proto::append_json_string(data, peer.user());
    data += ",\"id\":";
    proto::append_json_string(data, *id);
    if (const auto seq = proto::get_int(*parsed, "seq"); seq && *seq > 0) {
        data += ",\"seq\":" + std::to_string(*seq);
    }
    data += ",\"to\":";
    proto::append_json_string(data, *from);
    data += '}';
    delivery_.send_to_user(*from, proto::code(Command::delivered_resp),
                           SharedBytes::copy_of(proto::push(Command::delivered_resp, data)),
                           peer.ref());
}

// {"cmd":25,"to":peer,"seq":N} or {"cmd":25,"groupId":g,"seq":N}: everything up to seq N is
// read. Reply (and push to the reader's other sessions and a private peer):
// data {"chatType":…,"from":<reader>,["groupId":g,]"seq":<cursor now>[,"to":peer]}.
void CommandService::on_read(Peer& peer, WorkerContext& ctx, std::string_view body) {
    const auto fail = [&](Errc e, std::string_view why) {
        refuse(peer, Command::read_resp, e, why);
    };
    if (store_ == nullptr) return fail(Errc::unsupported, "read cursors need the message store");
    const auto parsed = proto::parse_object(body);
    if (!parsed) return fail(Errc::bad_json, "body is not a JSON object");
    const auto seq = proto::get_int(*parsed, "seq");
    if (!seq || *seq < 0) return fail(Errc::missing_field, "seq (>= 0) is required");
    auto c = conversation_of(*parsed, peer.user());
    if (!c) return fail(Errc::missing_field, "groupId or to is required");
    if (!c->group.empty() && !groups_.is_member(c->group, peer.user())) {
        return fail(Errc::forbidden, "not a member of this group");
    }
    std::string key = c->key;  // before the callback below takes *c
    store_->set_read_cursor(
        std::string(peer.user()), std::move(key), static_cast<std::uint64_t>(*seq),
        [this, post = ctx.post, ref = peer.ref(), user = std::string(peer.user()),
         c = std::move(*c)](Result<std::uint64_t> r) {
            post([this, ref, user, c, r] {
                if (!r) {
                    delivery_.send_to_session(
                        ref, proto::code(Command::read_resp),
                        SharedBytes::copy_of(proto::status_reply(
                            Command::read_resp, error_info(Errc::store_error).status,
                            "the store could not be updated")));
                    return;
                }
                std::string data = "{";
                append_conversation(data, c, {});
                data += ",\"from\":";
                proto::append_json_string(data, user);
                data += ",\"seq\":" + std::to_string(*r);
                if (!c.peer.empty()) {
                    data += ",\"to\":";
                    proto::append_json_string(data, c.peer);
                }
                data += '}';
                const auto code = proto::code(Command::read_resp);
                delivery_.send_to_session(ref, code,
                                          SharedBytes::copy_of(proto::status_reply(
                                              Command::read_resp, status::kOk, {}, data)));
                const auto push = SharedBytes::copy_of(proto::push(Command::read_resp, data));
                delivery_.send_to_user(user, code, push, ref);
                if (!c.peer.empty() && c.peer != user) {
                    delivery_.send_to_user(c.peer, code, push, {});
                }
            });
        });
}

// {"cmd":27[,"count":N]} -> {"code":10000,"command":28,"data":{"conversations":[{"chatType":…,
// ["groupId":g | "to":peer],"lastSeq":…,"message":{…},"readSeq":…,"unread":…},…]},"msg":…}.
void CommandService::on_recent(Peer& peer, WorkerContext& ctx, std::string_view body) {
    const auto fail = [&](Errc e, std::string_view why) {
        refuse(peer, Command::recent_resp, e, why);
    };
    if (store_ == nullptr) {
        return fail(Errc::unsupported, "recent conversations need the message store");
    }
    const auto parsed = proto::parse_object(body);
    if (!parsed) return fail(Errc::bad_json, "body is not a JSON object");
    std::size_t limit = kDefaultRecent;
    if (const auto n = proto::get_int(*parsed, "count"); n && *n > 0) {
        limit = static_cast<std::size_t>(*n);
    }
    limit = std::min(limit, options_.max_messages_per_reply);
    const std::string user(peer.user());
    store_->recent_conversations(
        user, limit,
        [this, post = ctx.post, ref = peer.ref(),
         user](Result<std::vector<store::ConversationSummary>> r) {
            post([this, ref, user, r = std::move(r)] {
                const auto code = proto::code(Command::recent_resp);
                if (!r) {
                    delivery_.send_to_session(
                        ref, code,
                        SharedBytes::copy_of(proto::status_reply(
                            Command::recent_resp, error_info(Errc::store_error).status,
                            "the store could not be read")));
                    return;
                }
                std::string data = "{\"conversations\":[";
                for (std::size_t i = 0; i < r->size(); ++i) {
                    const auto& s = (*r)[i];
                    ConversationRef c;
                    std::string_view a, b;
                    if (const auto g = store::group_of_conversation(s.conversation)) {
                        c.group.assign(*g);
                    } else if (store::users_of_conversation(s.conversation, a, b)) {
                        c.peer.assign(a == user ? b : a);
                    }
                    if (i != 0) data += ',';
                    data += '{';
                    append_conversation(data, c, {});  // members in alphabetical order
                    data += ",\"lastSeq\":" + std::to_string(s.last_seq);
                    data += ",\"message\":" + s.last.body;
                    data += ",\"readSeq\":" + std::to_string(s.read_seq);
                    if (!c.peer.empty()) {
                        data += ",\"to\":";
                        proto::append_json_string(data, c.peer);
                    }
                    data += ",\"unread\":" + std::to_string(s.unread) + '}';
                }
                data += "]}";
                delivery_.send_to_session(ref, code,
                                          SharedBytes::copy_of(proto::status_reply(
                                              Command::recent_resp, status::kOk, {}, data)));
            });
        });
}

}  // namespace jim::service

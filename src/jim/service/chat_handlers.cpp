// Chat (cmd 11, spec §6.6): validate, store (when a store is configured), then deliver and ack.

#include <boost/json/serialize.hpp>

#include <chrono>
#include <utility>

#include "jim/proto/chat.hpp"
#include "jim/proto/command.hpp"
#include "jim/proto/json_util.hpp"
#include "jim/proto/replies.hpp"
#include "jim/proto/status.hpp"
#include "jim/service/command_service.hpp"

namespace jim::service {

using proto::Command;
namespace status = proto::status;

// Where a prepared message goes.
struct CommandService::Route {
    proto::ChatType type = proto::ChatType::unknown;
    std::string sender;
    std::string to;     // private
    std::string group;  // group
};

void CommandService::on_chat(Peer& peer, WorkerContext& ctx, std::string_view body) {
    const auto start = std::chrono::steady_clock::now();
    // The callback runs on this worker, so `ctx` (the worker's own) is alive and ours to write.
    send_chat(
        peer.user(), body, ctx, peer.ref(), [this, &ctx, start, ref = peer.ref()](ChatOutcome out) {
            if (out.error == Errc::ok) {
                ServiceStats::add(ctx.stats.chats);
                ctx.stats.ack_latency.observe(std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - start));
            } else {
                ctx.stats.error(out.error);
            }
            const auto ack = out.error == Errc::ok
                                 ? proto::chat_ack(out.code, out.id, out.create_time, out.seq)
                                 : proto::status_reply(Command::chat_resp, out.code, out.reason);
            delivery_.send_to_session(ref, proto::code(Command::chat_resp),
                                      SharedBytes::copy_of(ack));
        });
}

// The pipeline: prepare (parse once, server id and time) -> store (durable, seq, inboxes for the
// offline) -> deliver and ack on the sender's worker. Without a store the middle step is skipped.
void CommandService::send_chat(std::string_view user, std::string_view body, WorkerContext& ctx,
                               router::SessionRef exclude, std::function<void(ChatOutcome)> done) {
    ChatOutcome out;
    out.create_time = clock_.now_ms();
    const auto id = ctx.ids.next(out.create_time);
    out.id.assign(proto::MessageIdGenerator::view(id));
    proto::PreparedChat chat;
    out.error = proto::prepare_chat(body, user, out.id, out.create_time, chat);
    if (out.error == Errc::ok && chat.type == proto::ChatType::group &&
        !groups_.is_member(chat.group_id, user)) {
        out.error = Errc::forbidden;
        chat.reason = "only members may post to a group";
    }
    if (out.error != Errc::ok) {
        out.code = error_info(out.error).status;
        out.reason = std::move(chat.reason);
        done(std::move(out));
        return;
    }
    Route route{chat.type, std::string(user), std::move(chat.to), std::move(chat.group_id)};
    if (options_.moderator != nullptr) {
        moderate(std::move(route), std::move(chat), std::move(out), ctx, exclude, std::move(done));
        return;
    }
    commit(std::move(route), std::move(chat), std::move(out), ctx, exclude, std::move(done));
}

// Asks the moderator, then continues on this worker: a rejection is reported to the sender
// (nothing is stored or delivered); a replacement swaps "content" before the message is stored.
void CommandService::moderate(Route route, proto::PreparedChat chat, ChatOutcome out,
                              WorkerContext& ctx, router::SessionRef exclude,
                              std::function<void(ChatOutcome)> done) {
    const std::string body = chat.body;
    options_.moderator->check(
        body, [this, &ctx, route = std::move(route), chat = std::move(chat), out, exclude,
               done = std::move(done)](ModerationVerdict v) mutable {
            ctx.post([this, &ctx, route = std::move(route), chat = std::move(chat), out, exclude,
                      done = std::move(done), v = std::move(v)]() mutable {
                if (v.action == ModerationVerdict::Action::reject) {
                    out.error = Errc::rejected;
                    out.code = error_info(Errc::rejected).status;
                    out.reason = v.reason.empty() ? "the message was rejected" : v.reason;
                    done(std::move(out));
                    return;
                }
                if (v.action == ModerationVerdict::Action::replace) {
                    if (auto o = proto::parse_object(chat.body)) {
                        (*o)["content"] = v.content;
                        chat.body = boost::json::serialize(*o);
                    }
                }
                commit(std::move(route), std::move(chat), std::move(out), ctx, exclude,
                       std::move(done));
            });
        });
}

// Store (when there is a store), then deliver and report on the calling worker.
void CommandService::commit(Route route, proto::PreparedChat chat, ChatOutcome out,
                            WorkerContext& ctx, router::SessionRef exclude,
                            std::function<void(ChatOutcome)> done) {
    if (store_ == nullptr) {
        ChatOutcome result = out;
        deliver(route, chat.body, exclude, result);
        publish_message(chat.body, {});
        done(std::move(result));
        return;
    }

    store::AppendRequest req;
    const bool group = route.type == proto::ChatType::group;
    req.conversation = group ? store::group_conversation(route.group)
                             : store::private_conversation(route.sender, route.to);
    req.sender = route.sender;
    req.client_msg_id = std::move(chat.client_msg_id);
    req.id = out.id;
    req.create_time = out.create_time;
    req.body = std::move(chat.body);
    // Whoever has no live session now gets an inbox entry; whoever goes offline between this
    // check and the delivery still finds the message in history (sync by seq).
    if (!group) {
        if (route.to != route.sender && !delivery_.online(route.to)) {
            req.inbox_users.push_back(route.to);
        }
    } else {
        for (auto& m : groups_.members(route.group)) {
            if (m != route.sender && !delivery_.online(m)) req.inbox_users.push_back(std::move(m));
        }
    }
    // Kept for the offline-message event (a push notification) only when someone wants it.
    std::vector<std::string> offline;
    if (wants(EventType::offline_message)) offline = req.inbox_users;
    // Each capture moves along (store thread, then home): no per-message copies of the route,
    // the outcome, `offline` or `done`.
    store_->append(std::move(req), [this, post = ctx.post, route = std::move(route),
                                    out = std::move(out), exclude, offline = std::move(offline),
                                    done = std::move(done)](store::AppendResult r) mutable {
        // On a store thread: go home to the sender's worker before touching sessions.
        post([this, route = std::move(route), out = std::move(out), exclude,
              offline = std::move(offline), done = std::move(done), r = std::move(r)]() mutable {
            if (r.error != Errc::ok) {
                out.error = r.error;
                out.code = error_info(r.error).status;
                out.reason = r.error == Errc::store_full
                                 ? "the server's disk is full: the message was not stored"
                                 : "the message could not be stored";
                done(std::move(out));
                return;
            }
            out.id = std::move(r.id);
            out.create_time = r.create_time;
            out.seq = r.seq;
            out.duplicate = r.duplicate;
            ChatOutcome result = out;
            if (r.duplicate) {
                result.code = status::kOk;  // delivered the first time; not sent again
            } else {
                deliver(route, r.body, exclude, result);
                publish_message(r.body, offline);
            }
            done(std::move(result));
        });
    });
}

// Private chat goes to every session of the receiver and to the sender's other sessions
// (multi-device sync): 10000 when at least one receiver session got it, 10001 when the receiver
// is offline. Group chat goes to every online session of every member except the sending one
// (so the sender's other devices get it too).
void CommandService::deliver(const Route& route, const std::string& body,
                             router::SessionRef exclude, ChatOutcome& result) {
    const SharedBytes push = proto::shared_chat_push(body);
    const auto chat_code = proto::code(Command::chat_req);
    if (route.type == proto::ChatType::group) {
        send_to_group(route.group, chat_code, push, exclude);
        result.code = status::kOk;
        return;
    }
    std::size_t reached = delivery_.send_to_user(route.to, chat_code, push, exclude);
    if (route.to != route.sender) {
        delivery_.send_to_user(route.sender, chat_code, push, exclude);
    } else {
        reached = 1;  // a note to self counts as delivered
    }
    result.code = reached > 0 ? status::kOk : status::kOffline;
}

// message.offline {"message":{…},"userIds":[…]} for a push notification, and message
// {"message":{…}} for archiving; `body` is the stored ChatBody (with id, createTime and seq).
void CommandService::publish_message(const std::string& body,
                                     const std::vector<std::string>& offline_users) {
    if (!offline_users.empty() && wants(EventType::offline_message)) {
        std::string data = "{\"message\":" + body + ",\"userIds\":[";
        for (std::size_t i = 0; i < offline_users.size(); ++i) {
            if (i != 0) data += ',';
            proto::append_json_string(data, offline_users[i]);
        }
        data += "]}";
        options_.events->publish(EventType::offline_message, std::move(data));
    }
    if (wants(EventType::message)) {
        options_.events->publish(EventType::message, "{\"message\":" + body + "}");
    }
}

}  // namespace jim::service

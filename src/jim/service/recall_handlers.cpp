// Recall (cmd 15 -> cmd 16; J-IM defined the codes and never built them, spec §6.11). The
// sender may recall its own message within chat.recall_window; the admin API at any time. The
// store checks and marks the message in one step and replaces its body with the recalled form,
// so history, inboxes and later pushes show it recalled; online sessions of the conversation
// get the same body as a cmd-16 push.

#include "jim/proto/chat.hpp"
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

std::string_view recall_refusal(Errc e) {
    switch (e) {
        case Errc::not_found:
            return "no such message in this conversation (or it has expired)";
        case Errc::forbidden:
            return "only the sender may recall a message";
        case Errc::recall_too_late:
            return "the recall window (chat.recall_window) has passed";
        case Errc::store_full:
            return "the server's disk is full: nothing was changed";
        default:
            return "the store could not be updated";
    }
}

RecallOutcome refused(Errc e, std::string_view reason) {
    RecallOutcome out;
    out.error = e;
    out.code = error_info(e).status;
    out.reason.assign(reason);
    return out;
}

}  // namespace

// {"cmd":15,"id":…,"seq":N,"to":peer} or {"cmd":15,"id":…,"seq":N,"groupId":g}.
void CommandService::on_recall(Peer& peer, WorkerContext& ctx, std::string_view body) {
    const auto fail = [&](Errc e, std::string_view why) {
        reply(peer, proto::code(Command::cancel_msg_resp),
              proto::status_reply(Command::cancel_msg_resp, error_info(e).status, why));
    };
    const auto parsed = proto::parse_object(body);
    if (!parsed) return fail(Errc::bad_json, "body is not a JSON object");
    const auto id = proto::get_string(*parsed, "id");
    const auto seq = proto::get_int(*parsed, "seq");
    if (!id || id->empty() || !seq || *seq <= 0) {
        return fail(Errc::missing_field, "id and seq (> 0) name the message to recall");
    }
    const auto conversation = conversation_of(*parsed, peer.user());
    if (!conversation) return fail(Errc::missing_field, "groupId or to is required");
    RecallTarget target{conversation->key, static_cast<std::uint64_t>(*seq), std::string(*id),
                        std::string(peer.user())};
    recall(std::move(target), ctx, peer.ref(), [this, ref = peer.ref()](RecallOutcome out) {
        const auto answer =
            out.error == Errc::ok
                ? proto::status_reply(Command::cancel_msg_resp, status::kOk, {}, out.body)
                : proto::status_reply(Command::cancel_msg_resp, out.code, out.reason);
        delivery_.send_to_session(ref, proto::code(Command::cancel_msg_resp),
                                  SharedBytes::copy_of(answer));
    });
}

void CommandService::recall(RecallTarget target, WorkerContext& ctx, router::SessionRef exclude,
                            std::function<void(RecallOutcome)> done) {
    if (store_ == nullptr) {
        return done(refused(Errc::unsupported, "recall needs the message store"));
    }
    store::RecallRequest req;
    req.conversation = target.conversation;
    req.seq = target.seq;
    req.id = std::move(target.id);
    req.sender = target.by;
    if (!target.by.empty()) {
        if (options_.recall_window_ms <= 0) {
            return done(refused(Errc::forbidden, "recall is disabled (chat.recall_window = 0)"));
        }
        req.sent_after = clock_.now_ms() - options_.recall_window_ms;
    }
    req.rewrite = [](const store::MessageRecord& m) {
        return proto::recalled_chat_body(m.body, m.id, m.seq);
    };
    store_->recall(std::move(req), [this, post = ctx.post, conversation = target.conversation,
                                    exclude, done = std::move(done)](store::RecallResult r) {
        post([this, conversation, exclude, done, r = std::move(r)] {
            if (r.error != Errc::ok) return done(refused(r.error, recall_refusal(r.error)));
            // Sent once: a repeated recall is answered but not pushed again.
            if (!r.already) {
                send_to_conversation(
                    conversation, proto::code(Command::cancel_msg_resp),
                    SharedBytes::copy_of(proto::push(Command::cancel_msg_resp, r.message.body)),
                    exclude);
            }
            RecallOutcome out;
            out.code = status::kOk;
            out.body = r.message.body;
            out.already = r.already;
            done(std::move(out));
        });
    });
}

void CommandService::send_to_conversation(std::string_view conversation, std::uint8_t command,
                                          const SharedBytes& body, router::SessionRef exclude) {
    if (const auto group = store::group_of_conversation(conversation)) {
        send_to_group(*group, command, body, exclude);
        return;
    }
    std::string_view a, b;
    if (!store::users_of_conversation(conversation, a, b)) return;
    delivery_.send_to_user(a, command, body, exclude);
    if (b != a) delivery_.send_to_user(b, command, body, exclude);
}

}  // namespace jim::service

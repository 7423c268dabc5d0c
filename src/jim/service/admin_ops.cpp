// Operations of the admin HTTP API (issue P8 §3) on users (bans) and messages (delete). The
// group operations are in group_admin.cpp.

#include <future>
#include <memory>
#include <stdexcept>

#include "jim/proto/chat.hpp"
#include "jim/proto/command.hpp"
#include "jim/proto/replies.hpp"
#include "jim/proto/status.hpp"
#include "jim/service/command_service.hpp"

namespace jim::service {

namespace {

// Result<bool> is not built from an error code implicitly (bool would take it too).
Result<bool> failed(Errc e) {
    return Result<bool>(boost::system::in_place_error, make_error_code(e));
}

}  // namespace

// In memory first, so the kick and the refusal of new logins do not wait for the disk; the
// answer waits for it.
void CommandService::ban(std::string user, std::string reason, WorkerContext& ctx,
                         std::function<void(Result<bool>)> done) {
    const bool added = bans_.ban(user, reason);
    delivery_.ban_changed(user, reason, true);
    delivery_.close_user(user, Errc::kicked);
    if (store_ == nullptr) return done(added);
    store_->put_ban(std::move(user), std::move(reason),
                    [post = ctx.post, added, done = std::move(done)](Errc e) {
                        post([e, added, done] {
                            if (e != Errc::ok) return done(failed(e));
                            done(added);
                        });
                    });
}

void CommandService::unban(std::string user, WorkerContext& ctx,
                           std::function<void(Result<bool>)> done) {
    const bool removed = bans_.unban(user);
    if (removed) delivery_.ban_changed(user, {}, false);
    if (store_ == nullptr || !removed) return done(removed);
    store_->remove_ban(std::move(user), [post = ctx.post, done = std::move(done)](Errc e) {
        post([e, done] {
            if (e != Errc::ok) return done(failed(e));
            done(true);
        });
    });
}

void CommandService::apply_ban(std::string_view user, std::string_view reason, bool banned) {
    if (banned) {
        bans_.ban(user, reason);
    } else {
        bans_.unban(user);
    }
}

void CommandService::refresh_bans() {
    if (store_ == nullptr) return;
    store_->bans([this](Result<std::vector<store::Ban>> bans) {
        if (!bans) return;  // asked again at the next reconnect
        for (const auto& b : *bans) bans_.ban(b.user, b.reason);
    });
}

void CommandService::load_bans() {
    if (store_ == nullptr) return;
    auto loaded = std::make_shared<std::promise<Result<std::vector<store::Ban>>>>();
    auto future = loaded->get_future();
    store_->bans([loaded](Result<std::vector<store::Ban>> r) { loaded->set_value(std::move(r)); });
    const auto bans = future.get();
    if (!bans) {
        throw std::runtime_error("store: cannot read the bans (" + bans.error().message() +
                                 "): refusing to start without them");
    }
    for (const auto& b : *bans) bans_.ban(b.user, b.reason);
}

void CommandService::delete_message(RecallTarget target, WorkerContext& ctx,
                                    std::function<void(RecallOutcome)> done) {
    const auto refused = [](Errc e, std::string_view reason) {
        RecallOutcome out;
        out.error = e;
        out.code = error_info(e).status;
        out.reason.assign(reason);
        return out;
    };
    if (store_ == nullptr)
        return done(refused(Errc::unsupported, "delete needs the message store"));
    store::DeleteRequest req{target.conversation, target.seq, std::move(target.id)};
    store_->delete_message(std::move(req), [this, post = ctx.post, refused,
                                            done = std::move(done)](store::DeleteResult r) {
        post([this, refused, done, r = std::move(r)] {
            if (r.error == Errc::not_found) {
                return done(refused(r.error, "no such message in this conversation"));
            }
            if (r.error == Errc::store_full) {
                return done(refused(r.error, "the server's disk is full: nothing was changed"));
            }
            if (r.error != Errc::ok)
                return done(refused(r.error, "the store could not be updated"));
            RecallOutcome out;
            out.code = proto::status::kOk;
            out.already = r.already;
            if (!r.already) {
                out.body = proto::deleted_chat_body(r.message.body, r.message.id, r.message.seq);
                send_to_conversation(
                    r.message.conversation, proto::code(proto::Command::cancel_msg_resp),
                    SharedBytes::copy_of(proto::push(proto::Command::cancel_msg_resp, out.body)),
                    {});
            }
            done(std::move(out));
        });
    });
}

}  // namespace jim::service

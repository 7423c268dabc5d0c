// Operations of the admin HTTP API (issue P8 §3) that change users and groups. They go through
// the same paths as client commands, so members hear of changes (cmd 9/10), memberships are
// written to the store and webhooks see group.join/group.leave.

#include "jim/proto/chat.hpp"
#include "jim/proto/command.hpp"
#include "jim/proto/replies.hpp"
#include "jim/proto/status.hpp"
#include "jim/service/command_service.hpp"

namespace jim::service {

bool CommandService::ban(std::string_view user, std::string_view reason) {
    const bool added = bans_.ban(user, reason);
    delivery_.close_user(user, Errc::kicked);
    return added;
}

bool CommandService::unban(std::string_view user) {
    return bans_.unban(user);
}

bool CommandService::create_group(std::string_view group, std::string_view name,
                                  std::string_view owner, const std::vector<std::string>& members) {
    if (groups_.exists(group)) return false;
    if (!name.empty()) groups_.set_name(group, name);
    if (!owner.empty()) groups_.set_owner(group, owner);
    if (!owner.empty()) add_member(group, owner);
    for (const auto& m : members) add_member(group, m);
    return true;
}

bool CommandService::update_group(std::string_view group, const std::optional<std::string>& name,
                                  const std::optional<std::string>& owner) {
    if (!groups_.exists(group)) return false;
    if (name) groups_.set_name(group, *name);
    if (owner) {
        groups_.set_owner(group, *owner);
        add_member(group, *owner);  // an owner is a member
    }
    return true;
}

bool CommandService::add_member(std::string_view group, std::string_view user) {
    if (groups_.is_member(group, user)) return false;
    join_group(group, user);
    // Like a join command: the members (the user's online sessions included) hear of it.
    if (delivery_.online(user)) notify_presence(user, true, group);
    return true;
}

bool CommandService::remove_member(std::string_view group, std::string_view user) {
    if (!groups_.is_member(group, user)) return false;
    notify_presence(user, false, group);  // before leaving, so the user hears it too
    leave_group(group, user);
    return true;
}

std::size_t CommandService::dissolve_group(std::string_view group) {
    std::size_t removed = 0;
    for (const auto& m : groups_.members(group)) removed += remove_member(group, m) ? 1 : 0;
    groups_.forget(group);
    return removed;
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

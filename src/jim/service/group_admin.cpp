// The admin API's groups (issue P8 §3): create, read, rename, hand over, add and remove members,
// dissolve. Membership changes go through the same paths as client commands, so members hear of
// them (cmd 9/10), they are written to the store and webhooks see group.join/group.leave.
//
// A group's info (name, owner) lives in the store when there is one (store::put_group_info, a
// JSON object like a profile) and is read from it on every use, never cached: every node of a
// cluster reads the same store, so a rename on one node is what the next read on any node sees,
// with no invalidation to get wrong. Without a store it lives in router::Groups.

#include <algorithm>
#include <memory>

#include "jim/proto/json_util.hpp"
#include "jim/service/command_service.hpp"
#include "jim/service/read_each.hpp"

namespace jim::service {

namespace {

// {"name":…,"owner":…}, empty members omitted: the store's group info value.
std::string info_json(const GroupInfo& info) {
    return proto::string_members_object({{"name", info.name}, {"owner", info.owner}});
}

GroupInfo parse_info(std::string_view json) {
    GroupInfo info;
    if (const auto o = proto::parse_object(json)) {
        info.name.assign(proto::get_string(*o, "name").value_or(""));
        info.owner.assign(proto::get_string(*o, "owner").value_or(""));
    }
    return info;
}

// Result<T> is not built from an error code implicitly when T could take it too.
template <class T>
Result<T> failed(boost::system::error_code ec) {
    return Result<T>(boost::system::in_place_error, ec);
}
template <class T>
Result<T> failed(Errc e) {
    return failed<T>(make_error_code(e));
}

// A store write's completion: on the worker behind `post`, answers `value` once the write is
// durable, or the write's error.
template <class T>
std::function<void(Errc)> answer_when_stored(std::function<void(std::function<void()>)> post,
                                             T value,
                                             std::function<void(Result<std::optional<T>>)> done) {
    return [post = std::move(post), value = std::move(value), done = std::move(done)](Errc e) {
        post([e, value, done] {
            if (e != Errc::ok) return done(failed<std::optional<T>>(e));
            done(Result<std::optional<T>>(std::optional<T>(value)));
        });
    };
}

void add_sorted(std::vector<std::string>& v, const std::string& s) {
    const auto it = std::lower_bound(v.begin(), v.end(), s);
    if (it == v.end() || *it != s) v.insert(it, s);
}

}  // namespace

void CommandService::read_group(std::string group, WorkerContext& ctx,
                                std::function<void(Result<GroupView>)> done) {
    if (store_ == nullptr) {
        GroupView view;
        view.exists = groups_.exists(group);
        view.info = GroupInfo{groups_.name(group), groups_.owner(group)};
        if (view.info.name == group) view.info.name.clear();  // Groups' default
        view.members = groups_.members(group);
        return done(std::move(view));
    }
    // Two calls back to back: their callbacks run in call order on the store thread, so the
    // second one finds the first one's answer.
    struct Pending {
        Result<std::optional<std::string>> info = std::optional<std::string>();
    };
    auto pending = std::make_shared<Pending>();
    store_->get_group_info(
        group, [pending](Result<std::optional<std::string>> r) { pending->info = std::move(r); });
    store_->members(group, [this, pending, group, post = ctx.post,
                            done = std::move(done)](Result<std::vector<std::string>> ms) {
        post([this, pending, group, done, ms = std::move(ms)] {
            if (!pending->info) return done(failed<GroupView>(pending->info.error()));
            if (!ms) return done(failed<GroupView>(ms.error()));
            GroupView view;
            view.exists = pending->info->has_value() || !ms->empty();
            if (*pending->info) view.info = parse_info(**pending->info);
            view.members = std::move(*ms);
            // Like a member's login (load_memberships): from now on this process knows the
            // group's members, so adding and removing them below works after a restart.
            for (const auto& m : view.members) groups_.join(group, m);
            done(std::move(view));
        });
    });
}

void CommandService::create_group(std::string group, GroupInfo info,
                                  std::vector<std::string> members, WorkerContext& ctx,
                                  std::function<void(Result<std::optional<GroupView>>)> done) {
    using Out = Result<std::optional<GroupView>>;
    read_group(group, ctx,
               [this, &ctx, group, info = std::move(info), members = std::move(members),
                done = std::move(done)](Result<GroupView> before) {
                   if (!before) return done(failed<std::optional<GroupView>>(before.error()));
                   if (before->exists) return done(Out(std::optional<GroupView>()));
                   GroupView view{true, info, {}};
                   if (!info.owner.empty())
                       add_sorted(view.members, info.owner);  // an owner is a member
                   for (const auto& m : members) add_sorted(view.members, m);
                   for (const auto& m : view.members) add_member(group, m);
                   if (store_ == nullptr) {
                       if (!info.name.empty()) groups_.set_name(group, info.name);
                       if (!info.owner.empty()) groups_.set_owner(group, info.owner);
                       return done(Out(std::move(view)));
                   }
                   // Queued after the memberships: when it is durable, they are done too (call
                   // order).
                   store_->put_group_info(group, info_json(info),
                                          answer_when_stored(ctx.post, std::move(view), done));
               });
}

void CommandService::update_group(std::string group, std::optional<std::string> name,
                                  std::optional<std::string> owner, WorkerContext& ctx,
                                  std::function<void(Result<std::optional<GroupView>>)> done) {
    using Out = Result<std::optional<GroupView>>;
    read_group(group, ctx,
               [this, &ctx, group, name = std::move(name), owner = std::move(owner),
                done = std::move(done)](Result<GroupView> before) {
                   if (!before) return done(failed<std::optional<GroupView>>(before.error()));
                   if (!before->exists) return done(Out(std::optional<GroupView>()));
                   GroupView view = std::move(*before);
                   if (name) view.info.name = *name;
                   if (owner) {
                       view.info.owner = *owner;
                       add_member(group, *owner);  // an owner is a member
                       add_sorted(view.members, *owner);
                   }
                   if (store_ == nullptr) {
                       if (name) groups_.set_name(group, *name);
                       if (owner) groups_.set_owner(group, *owner);
                       return done(Out(std::move(view)));
                   }
                   const std::string json = info_json(view.info);
                   store_->put_group_info(group, json,
                                          answer_when_stored(ctx.post, std::move(view), done));
               });
}

void CommandService::dissolve_group(std::string group, WorkerContext& ctx,
                                    std::function<void(Result<std::optional<std::size_t>>)> done) {
    using Out = Result<std::optional<std::size_t>>;
    read_group(group, ctx, [this, &ctx, group, done = std::move(done)](Result<GroupView> before) {
        if (!before) return done(failed<std::optional<std::size_t>>(before.error()));
        if (!before->exists) return done(Out(std::optional<std::size_t>()));
        std::size_t removed = 0;
        // read_group made memory know every stored member.
        for (const auto& m : groups_.members(group)) removed += remove_member(group, m) ? 1 : 0;
        groups_.forget(group);
        if (store_ == nullptr) return done(Out(removed));
        store_->remove_group_info(group, answer_when_stored(ctx.post, removed, done));
    });
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

void CommandService::group_names(std::vector<std::string> groups, WorkerContext& ctx,
                                 std::function<void(std::map<std::string, std::string>)> then) {
    std::map<std::string, std::string> names;
    if (store_ == nullptr || groups.empty()) {
        for (auto& g : groups) {
            std::string name = groups_.name(g);
            names.emplace(std::move(g), std::move(name));
        }
        return then(std::move(names));
    }
    read_each(*store_, &store::MessageStore::get_group_info, std::move(groups), ctx.post,
              [then](const std::vector<std::string>& keys,
                     std::vector<std::optional<std::string>>& values) {
                  std::map<std::string, std::string> out;
                  for (std::size_t i = 0; i < keys.size(); ++i) {
                      std::string name = values[i] ? parse_info(*values[i]).name : std::string();
                      out.emplace(keys[i], name.empty() ? keys[i] : std::move(name));
                  }
                  then(std::move(out));
              });
}

}  // namespace jim::service

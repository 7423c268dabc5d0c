// Profiles (nick, avatar, sign) and contact lists: what the HTTP API and the auth backend set,
// written through to the store and cached in router::Groups for notifications and get-user.
//
// The profile cache holds only users with a profile: at a million users a cached default
// (nick = user id) would cost ~100 bytes each for nothing. A user without one is looked up in
// the store when a reply needs it (one point read, batched with the others of that reply).

#include <algorithm>

#include "jim/proto/json_util.hpp"
#include "jim/service/command_service.hpp"
#include "jim/service/read_each.hpp"

namespace jim::service {

namespace {

// {"avatar":…,"nick":…,"sign":…}, empty members omitted: the store's profile value.
std::string profile_json(const router::Profile& p) {
    return proto::string_members_object({{"avatar", p.avatar}, {"nick", p.nick}, {"sign", p.sign}});
}

std::optional<router::Profile> parse_profile(std::string_view json) {
    const auto o = proto::parse_object(json);
    if (!o) return std::nullopt;
    return router::Profile{std::string(proto::get_string(*o, "nick").value_or("")),
                           std::string(proto::get_string(*o, "avatar").value_or("")),
                           std::string(proto::get_string(*o, "sign").value_or(""))};
}

// Runs `done(value)` on the worker behind `post`.
template <class T>
auto posting(std::function<void(std::function<void()>)> post, std::function<void(T)> done) {
    return [post = std::move(post), done = std::move(done)](T value) mutable {
        post([done = std::move(done), value = std::move(value)]() mutable {
            done(std::move(value));
        });
    };
}

}  // namespace

void CommandService::remember_login_profile(const proto::User& user) {
    if (user.nick == user.user_id && user.avatar.empty() && user.sign.empty()) return;
    router::Profile p{user.nick, user.avatar, user.sign};
    if (groups_.profile(user.user_id) == p) return;
    if (store_ != nullptr) store_->put_profile(user.user_id, profile_json(p), {});
    groups_.set_profile(user.user_id, std::move(p));
}

void CommandService::load_profiles(std::vector<std::string> users, WorkerContext& ctx,
                                   std::function<void()> then) {
    if (store_ != nullptr) {
        std::sort(users.begin(), users.end());
        users.erase(std::unique(users.begin(), users.end()), users.end());
        std::erase_if(users,
                      [this](const std::string& u) { return groups_.profile(u).has_value(); });
    }
    if (store_ == nullptr || users.empty()) {
        then();
        return;
    }
    read_each(*store_, &store::MessageStore::get_profile, std::move(users), ctx.post,
              [this, then](const std::vector<std::string>& ids,
                           std::vector<std::optional<std::string>>& values) {
                  for (std::size_t i = 0; i < ids.size(); ++i) {
                      if (!values[i]) continue;
                      if (auto p = parse_profile(*values[i])) {
                          groups_.fill_profile(ids[i], std::move(*p));
                      }
                  }
                  then();
              });
}

void CommandService::set_profile(std::string user, router::Profile profile, WorkerContext& ctx,
                                 std::function<void(Errc)> done) {
    if (store_ == nullptr) {
        groups_.set_profile(user, std::move(profile));
        done(Errc::ok);
        return;
    }
    const std::string json = profile_json(profile);
    // The cache follows the store: it changes only once the profile is durable.
    store_->put_profile(user, json,
                        posting<Errc>(ctx.post, [this, user, profile = std::move(profile),
                                                 done = std::move(done)](Errc e) mutable {
                            if (e == Errc::ok) groups_.set_profile(user, std::move(profile));
                            done(e);
                        }));
}

void CommandService::get_profile(std::string user, WorkerContext& ctx,
                                 std::function<void(Result<std::optional<router::Profile>>)> done) {
    if (auto cached = groups_.profile(user); cached || store_ == nullptr) {
        done(std::move(cached));
        return;
    }
    using Stored = Result<std::optional<std::string>>;
    store_->get_profile(user,
                        posting<Stored>(ctx.post, [this, user, done = std::move(done)](Stored r) {
                            if (!r) return done(r.error());
                            if (!*r) return done(std::optional<router::Profile>{});
                            auto p = parse_profile(**r);
                            if (p) groups_.fill_profile(user, *p);
                            done(std::move(p));
                        }));
}

void CommandService::add_friend(std::string user, std::string friend_id, std::string category,
                                WorkerContext& ctx, std::function<void(Errc)> done) {
    if (store_ == nullptr) return done(Errc::unsupported);
    store_->add_friend(std::move(user), std::move(friend_id), std::move(category),
                       posting<Errc>(ctx.post, std::move(done)));
}

void CommandService::remove_friend(std::string user, std::string friend_id, WorkerContext& ctx,
                                   std::function<void(Errc)> done) {
    if (store_ == nullptr) return done(Errc::unsupported);
    store_->remove_friend(std::move(user), std::move(friend_id),
                          posting<Errc>(ctx.post, std::move(done)));
}

void CommandService::friends(std::string user, WorkerContext& ctx,
                             std::function<void(Result<std::vector<store::Friend>>)> done) {
    if (store_ == nullptr) return done(make_error_code(Errc::unsupported));
    store_->friends(std::move(user),
                    posting<Result<std::vector<store::Friend>>>(ctx.post, std::move(done)));
}

}  // namespace jim::service

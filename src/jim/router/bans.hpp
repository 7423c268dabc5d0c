#pragma once
// Users banned by the admin API: a banned user cannot log in. The in-memory copy logins check;
// CommandService writes every change through to the store and loads the stored bans at
// start-up (service/admin_ops.cpp). Thread: any (one mutex; only logins and the admin API touch
// it).

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jim::router {

class Bans {
  public:
    // Returns false if the user was banned already (the reason is updated).
    bool ban(std::string_view user, std::string_view reason) {
        std::lock_guard lock(mu_);
        auto [it, added] = banned_.try_emplace(std::string(user));
        it->second.assign(reason);
        return added;
    }
    bool unban(std::string_view user) {
        std::lock_guard lock(mu_);
        const auto it = banned_.find(user);
        if (it == banned_.end()) return false;
        banned_.erase(it);
        return true;
    }
    // The ban's reason if `user` is banned.
    std::optional<std::string> reason(std::string_view user) const {
        std::lock_guard lock(mu_);
        const auto it = banned_.find(user);
        if (it == banned_.end()) return std::nullopt;
        return it->second;
    }
    std::vector<std::pair<std::string, std::string>> list() const {
        std::lock_guard lock(mu_);
        return {banned_.begin(), banned_.end()};
    }

  private:
    mutable std::mutex mu_;
    std::map<std::string, std::string, std::less<>> banned_;  // user -> reason
};

}  // namespace jim::router

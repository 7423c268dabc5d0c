#include "jim/service/presence_throttle.hpp"

namespace jim::service {

bool PresenceThrottle::changed(std::string_view group, std::int64_t now_ms) {
    std::lock_guard lock(mu_);
    auto it = groups_.find(group);
    if (it == groups_.end()) {
        groups_.emplace(std::string(group), State{now_ms, false});
        return true;
    }
    State& s = it->second;
    if (now_ms - s.last_sent_ms >= interval_ms_) {
        s.last_sent_ms = now_ms;
        s.pending = false;
        return true;
    }
    s.pending = true;
    return false;
}

std::vector<std::string> PresenceThrottle::take_due(std::int64_t now_ms) {
    std::vector<std::string> due;
    std::lock_guard lock(mu_);
    for (auto it = groups_.begin(); it != groups_.end();) {
        State& s = it->second;
        const bool interval_passed = now_ms - s.last_sent_ms >= interval_ms_;
        if (s.pending && interval_passed) {
            due.push_back(it->first);
            s.pending = false;
            s.last_sent_ms = now_ms;
            ++it;
        } else if (!s.pending && interval_passed) {
            it = groups_.erase(it);  // quiet: the next change may send at once
        } else {
            ++it;
        }
    }
    return due;
}

std::size_t PresenceThrottle::tracked() const {
    std::lock_guard lock(mu_);
    return groups_.size();
}

}  // namespace jim::service

#pragma once
// The rate limit of presence counts for large groups (cmd 29, docs/protocol.md). A group above
// presence.max_group_list does not hear every member come and go (that is O(members) messages
// per change, O(members²) when everyone logs in); it hears its online count, at most once per
// interval. A change either sends at once (nothing sent within the interval) or marks the group
// pending, and tick() sends it once the interval has passed, so the last change is never lost.
//
// Owner: CommandService. Thread: any (one mutex, held only for the map operation).

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "jim/router/string_hash.hpp"

namespace jim::service {

class PresenceThrottle {
  public:
    explicit PresenceThrottle(std::int64_t interval_ms) : interval_ms_(interval_ms) {}

    // A presence change in `group` at `now_ms`: true when its count should be sent now (and it
    // counts as sent); false when it is left pending for take_due().
    bool changed(std::string_view group, std::int64_t now_ms);
    // The pending groups whose interval has passed at `now_ms` (they count as sent now). Also
    // forgets groups that have been quiet for a whole interval, so the map stays small.
    std::vector<std::string> take_due(std::int64_t now_ms);
    std::size_t tracked() const;

  private:
    struct State {
        std::int64_t last_sent_ms = 0;
        bool pending = false;
    };
    const std::int64_t interval_ms_;
    mutable std::mutex mu_;
    std::unordered_map<std::string, State, router::StringHash, std::equal_to<>> groups_;
};

}  // namespace jim::service

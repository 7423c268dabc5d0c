#pragma once
// read_each: one point read per key from the store (profiles, group info), all queued at once so
// they share one store run, answered once: only the last completion posts `then` back to the
// caller's worker, so a 1,000-key reply costs one hand-off, not 1,000.
// Thread: call on a worker; `then` runs on the worker behind `post`.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "jim/store/message_store.hpp"

namespace jim::service {

// A MessageStore call that reads one key's value (get_profile, get_group_info).
using PointRead = void (store::MessageStore::*)(
    std::string, store::MessageStore::Done<std::optional<std::string>>);

// `then(keys, values)`: values[i] is keys[i]'s value, nullopt when absent or unreadable.
void read_each(store::MessageStore& store, PointRead read, std::vector<std::string> keys,
               std::function<void(std::function<void()>)> post,
               std::function<void(const std::vector<std::string>& keys,
                                  std::vector<std::optional<std::string>>& values)>
                   then);

}  // namespace jim::service

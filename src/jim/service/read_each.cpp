#include "jim/service/read_each.hpp"

#include <atomic>
#include <memory>

namespace jim::service {

void read_each(store::MessageStore& store, PointRead read, std::vector<std::string> keys,
               std::function<void(std::function<void()>)> post,
               std::function<void(const std::vector<std::string>& keys,
                                  std::vector<std::optional<std::string>>& values)>
                   then) {
    struct Pending {
        std::vector<std::string> keys;
        std::vector<std::optional<std::string>> values;
        std::atomic<std::size_t> left;
    };
    if (keys.empty()) {
        post([then] {
            std::vector<std::optional<std::string>> none;
            then({}, none);
        });
        return;
    }
    auto state = std::make_shared<Pending>();
    state->values.resize(keys.size());
    state->left = keys.size();
    state->keys = std::move(keys);
    for (std::size_t i = 0; i < state->keys.size(); ++i) {
        (store.*read)(state->keys[i], [state, i, post, then](Result<std::optional<std::string>> r) {
            if (r && *r) state->values[i] = std::move(**r);
            if (state->left.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
            post([state, then] { then(state->keys, state->values); });
        });
    }
}

}  // namespace jim::service

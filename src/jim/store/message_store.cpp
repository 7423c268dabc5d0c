#include "jim/store/message_store.hpp"

#include <stdexcept>

#include "jim/store/memory_store.hpp"
#include "jim/store/redis_store.hpp"
#include "jim/store/rocksdb_store.hpp"

namespace jim::store {
namespace {
constexpr char kUnitSeparator = '\x1f';
}  // namespace

// "u" and "g" keep private and group conversations apart even when a group id looks like a pair
// of user ids; the pair is sorted so both directions name the same conversation.
std::string private_conversation(std::string_view user_a, std::string_view user_b) {
    if (user_b < user_a) std::swap(user_a, user_b);
    std::string key;
    key.reserve(2 + user_a.size() + user_b.size());
    key.push_back('u');
    key.append(user_a);
    key.push_back(kUnitSeparator);
    key.append(user_b);
    return key;
}

std::string group_conversation(std::string_view group_id) {
    std::string key;
    key.reserve(1 + group_id.size());
    key.push_back('g');
    key.append(group_id);
    return key;
}

std::optional<std::string_view> group_of_conversation(std::string_view conversation) {
    if (conversation.empty() || conversation.front() != 'g') return std::nullopt;
    return conversation.substr(1);
}

bool users_of_conversation(std::string_view conversation, std::string_view& a,
                           std::string_view& b) {
    if (conversation.empty() || conversation.front() != 'u') return false;
    conversation.remove_prefix(1);
    const auto sep = conversation.find(kUnitSeparator);
    if (sep == std::string_view::npos) return false;
    a = conversation.substr(0, sep);
    b = conversation.substr(sep + 1);
    return true;
}

std::unique_ptr<MessageStore> open_store(const StoreOptions& options) {
    if (options.sync != "process" && options.sync != "machine") {
        throw std::runtime_error("store: sync must be \"process\" or \"machine\", not \"" +
                                 options.sync + "\"");
    }
    if (options.history_ttl_s < 0) throw std::runtime_error("store: history_ttl_s must be >= 0");
    if (options.engine == "rocksdb") return open_rocksdb_store(options);
    if (options.engine == "memory") return make_memory_store(options);
    if (options.engine == "redis") return open_redis_store(options);
    throw std::runtime_error("store: unknown engine \"" + options.engine +
                             "\" (expected \"rocksdb\", \"memory\" or \"redis\")");
}

}  // namespace jim::store

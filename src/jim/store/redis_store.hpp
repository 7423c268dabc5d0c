#pragma once
// The redis engine: the MessageStore on a Redis 7 server, shared by every node of a cluster.
// One thread runs an io_context with one redis::Link; each call becomes one pipelined command
// (a Lua script where a contract spans several keys; the appends of a pass share one script
// call), so a burst of calls costs one write and one read, not a round trip each. Contracts:
// message_store.hpp; key layout and scripts: docs/storage.md, "Redis engine". Redis and hiredis
// headers stay out of this header.

#include <memory>
#include <optional>

#include "jim/redis/link_state.hpp"
#include "jim/store/message_store.hpp"

namespace jim::store {

// Throws std::runtime_error at start-up for a bad options.redis URL, or when the server answers
// but is not configured for the durability options.sync asks for (appendonly yes; with
// "machine" also appendfsync always). A server that is not reachable yet is not an error: the
// store starts degraded (calls fail with store_error) and connects when it can.
std::unique_ptr<MessageStore> open_redis_store(const StoreOptions& options);

// The link state of a redis-engine store (for health and metrics); nullopt for other engines.
std::optional<redis::LinkState> redis_link_state(const MessageStore& store);

}  // namespace jim::store

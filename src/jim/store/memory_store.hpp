#pragma once
// The memory engine: KvStore over an ordered std::map. Same logic, same worker thread and same
// contracts as the RocksDB engine, minus durability (everything is lost with the process). Used
// by tests, by `store.engine = "memory"`, and as the baseline in bench/store_bench.cpp.

#include <memory>

#include "jim/store/message_store.hpp"

namespace jim::store {

std::unique_ptr<MessageStore> make_memory_store(const StoreOptions& options);

}  // namespace jim::store

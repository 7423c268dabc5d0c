#pragma once
// The RocksDB engine: KvStore over one RocksDB database (default column family) at
// options.path. RocksDB headers stay inside rocksdb_store.cpp; this header is all others see.
// Key layout, group commit and durability modes: docs/storage.md.

#include <memory>

#include "jim/store/message_store.hpp"

namespace jim::store {

// Throws std::runtime_error naming the path and RocksDB's reason when the database cannot be
// opened (start-up only).
std::unique_ptr<MessageStore> open_rocksdb_store(const StoreOptions& options);

}  // namespace jim::store

#pragma once
// The small ordered key-value interface KvStore runs on. An engine only stores bytes: ordered
// iteration, point reads and atomic, durable batches. Everything J-IM specific (seq, inboxes,
// idempotency, expiry) lives once in KvStore, so the memory and RocksDB engines cannot drift.
//
// Contracts:
// - write() applies the whole batch or nothing, in mutation order, and returns only once it is
//   durable per the engine's sync mode.
// - get() and iterators see every batch whose write() has returned.
// Thread: an engine is used by its KvStore's worker thread only.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jim/base/error.hpp"
#include "jim/store/message_store.hpp"

namespace jim::store::detail {

// Mutations collected during one group commit.
// Owner: the KvStore worker building the batch. Thread: that worker only.
class KvBatch {
  public:
    enum class Kind : std::uint8_t { put, del, del_range };
    struct Mutation {
        Kind kind;
        std::string key;
        std::string value;  // del_range: the exclusive end key
    };

    void put(std::string key, std::string value) {
        bytes_ += key.size() + value.size();
        mutations_.push_back({Kind::put, std::move(key), std::move(value)});
    }
    void del(std::string key) {
        bytes_ += key.size();
        mutations_.push_back({Kind::del, std::move(key), {}});
    }
    // Deletes every key in [begin, end).
    void del_range(std::string begin, std::string end) {
        bytes_ += begin.size() + end.size();
        mutations_.push_back({Kind::del_range, std::move(begin), std::move(end)});
    }

    const std::vector<Mutation>& mutations() const { return mutations_; }
    bool empty() const { return mutations_.empty(); }
    std::size_t bytes() const { return bytes_; }

  private:
    std::vector<Mutation> mutations_;
    std::size_t bytes_ = 0;
};

// A cursor over committed keys in byte order. It sees the state of when it was created (the
// RocksDB engine) or the live state (memory engine); KvStore never writes while one is open.
// Owner: the KvStore function that opened it. Thread: the KvStore worker only.
class KvIterator {
  public:
    virtual ~KvIterator() = default;
    virtual void seek(std::string_view key) = 0;           // first key >= key
    virtual void seek_for_prev(std::string_view key) = 0;  // last key <= key
    virtual bool valid() const = 0;
    virtual void next() = 0;
    virtual std::string_view key() const = 0;
    virtual std::string_view value() const = 0;
    // Errc::ok, or the read error that made valid() false.
    virtual Errc status() const = 0;
};

// Role: ordered bytes storage behind KvStore. Owner: its KvStore.
// Thread: the KvStore worker only, except memory() (any thread: metrics scrapes).
class KvEngine {
  public:
    virtual ~KvEngine() = default;
    virtual Result<std::optional<std::string>> get(std::string_view key) = 0;
    virtual std::unique_ptr<KvIterator> iterator() = 0;
    virtual Errc write(const KvBatch& batch) = 0;
    // The engine's own memory figures; empty when it keeps none (the memory engine).
    virtual std::optional<EngineMemory> memory() const { return std::nullopt; }
};

// The memory engine's bytes (memory_store.cpp), for tests that wrap an engine.
std::unique_ptr<KvEngine> make_memory_kv();

}  // namespace jim::store::detail

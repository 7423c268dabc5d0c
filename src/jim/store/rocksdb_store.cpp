// The only file that includes RocksDB headers (CONVENTIONS: a backend's headers stay in its own
// target, and inside it in one translation unit).
#include "jim/store/rocksdb_store.hpp"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "jim/store/encoding.hpp"
#include "jim/store/kv.hpp"
#include "jim/store/kv_store.hpp"

namespace jim::store {
namespace {

using detail::KvBatch;

// RocksDB keeps table files open; the server also needs descriptors for up to ~20,000 sockets
// under the machine's hard limit, so the table cache is bounded (docs/storage.md).
constexpr int kMaxOpenFiles = 512;
constexpr double kBloomBitsPerKey = 10;  // client-id lookups are mostly misses

Errc to_errc(const rocksdb::Status& s) {
    if (s.ok()) return Errc::ok;
    return s.IsNoSpace() ? Errc::store_full : Errc::store_error;
}

rocksdb::Slice slice(std::string_view s) {
    return {s.data(), s.size()};
}

// Cursor over a RocksDB snapshot taken at creation. Owner: the KvStore function that opened it.
// Thread: the KvStore worker only.
class RocksIterator final : public detail::KvIterator {
  public:
    explicit RocksIterator(rocksdb::Iterator* it) : it_(it) {}

    void seek(std::string_view key) override { it_->Seek(slice(key)); }
    void seek_for_prev(std::string_view key) override { it_->SeekForPrev(slice(key)); }
    bool valid() const override { return it_->Valid(); }
    void next() override { it_->Next(); }
    std::string_view key() const override {
        const rocksdb::Slice k = it_->key();
        return {k.data(), k.size()};
    }
    std::string_view value() const override {
        const rocksdb::Slice v = it_->value();
        return {v.data(), v.size()};
    }
    Errc status() const override { return to_errc(it_->status()); }

  private:
    std::unique_ptr<rocksdb::Iterator> it_;
};

// Role: one RocksDB database as ordered bytes. Owner: its KvStore.
// Thread: the KvStore worker only (RocksDB itself would allow more).
class RocksKv final : public detail::KvEngine {
  public:
    RocksKv(std::unique_ptr<rocksdb::DB> db, bool sync) : db_(std::move(db)) {
        // The write-ahead log is always on: "process" durability means the batch reached the
        // log file (the kernel's page cache) before any callback runs, which survives kill -9;
        // "machine" adds an fsync of the log per group commit.
        write_options_.sync = sync;
        write_options_.disableWAL = false;
    }

    Result<std::optional<std::string>> get(std::string_view key) override {
        std::string value;
        const rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), slice(key), &value);
        if (s.IsNotFound()) return std::optional<std::string>{};
        if (!s.ok()) return make_error_code(to_errc(s));
        return std::optional<std::string>{std::move(value)};
    }

    std::unique_ptr<detail::KvIterator> iterator() override {
        return std::make_unique<RocksIterator>(db_->NewIterator(rocksdb::ReadOptions()));
    }

    // One WriteBatch reused for every commit (write() runs only on the store worker): a fresh
    // one per commit allocated and freed a buffer of the whole batch each time, and freeing
    // chunks that large makes glibc consolidate its heap (malloc_consolidate was a top cost in
    // the profile of bench/RESULTS.md).
    Errc write(const KvBatch& batch) override {
        rocksdb::WriteBatch& wb = batch_;
        wb.Clear();
        for (const auto& m : batch.mutations()) {
            rocksdb::Status s;
            switch (m.kind) {
                case KvBatch::Kind::put:
                    s = wb.Put(slice(m.key), slice(m.value));
                    break;
                case KvBatch::Kind::del:
                    s = wb.Delete(slice(m.key));
                    break;
                case KvBatch::Kind::del_range:
                    s = wb.DeleteRange(slice(m.key), slice(m.value));
                    break;
            }
            if (!s.ok()) return to_errc(s);
        }
        return to_errc(db_->Write(write_options_, &wb));
    }

    // RocksDB's properties are safe to read from any thread. A property it cannot give reads 0.
    std::optional<EngineMemory> memory() const override {
        EngineMemory m;
        m.block_cache = property(rocksdb::DB::Properties::kBlockCacheUsage);
        m.block_cache_pinned = property(rocksdb::DB::Properties::kBlockCachePinnedUsage);
        m.memtables = property(rocksdb::DB::Properties::kCurSizeAllMemTables);
        m.table_readers = property(rocksdb::DB::Properties::kEstimateTableReadersMem);
        return m;
    }

  private:
    std::uint64_t property(const std::string& name) const {
        std::uint64_t value = 0;
        return db_->GetIntProperty(name, &value) ? value : 0;
    }

    std::unique_ptr<rocksdb::DB> db_;
    rocksdb::WriteOptions write_options_;
    rocksdb::WriteBatch batch_;  // reused by write(); store worker only
};

// The conversation part of m and t keys: the tag and the length-prefixed id (encoding.hpp).
// Given to the memtable as an insert hint: within one conversation new keys land right after
// the previous one (seq increases), so the skiplist insert starts where the last one ended
// instead of searching from the top (about 2x the appends/s here, docs/storage.md).
// Inbox (i) keys stay OUTSIDE the domain: RocksDB 7.8 keeps one hint per prefix for both the
// point table and the range-deletion table, and inbox acks use DeleteRange; a hint from one
// table used in the other breaks the skiplist (an assertion in Debian's build). Never use
// DeleteRange on m or t keys.
// Owner: the RocksDB options (shared). Thread: any (stateless).
class IdPrefix final : public rocksdb::SliceTransform {
  public:
    const char* Name() const override { return "jim.IdPrefix"; }
    rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
        return {key.data(), prefix_size(key)};
    }
    bool InDomain(const rocksdb::Slice& key) const override { return prefix_size(key) != 0; }

  private:
    static std::size_t prefix_size(const rocksdb::Slice& key) {
        if (key.empty() || (key[0] != 'm' && key[0] != 't')) return 0;
        std::string_view rest(key.data() + 1, key.size() - 1);
        std::string_view id;
        if (!detail::take_str(rest, id)) return 0;
        return key.size() - rest.size();
    }
};

rocksdb::Options make_options(const StoreOptions& options) {
    rocksdb::Options o;
    o.create_if_missing = true;
    o.max_open_files = kMaxOpenFiles;
    o.memtable_insert_with_hint_prefix_extractor = std::make_shared<IdPrefix>();
    // Client-id lookups mostly miss; a memtable bloom filter answers a miss without a skiplist
    // search (the table files have their own filters, below).
    o.memtable_whole_key_filtering = true;
    o.memtable_prefix_bloom_size_ratio = 0.02;
    rocksdb::BlockBasedTableOptions table;
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(kBloomBitsPerKey));
    table.block_cache = rocksdb::NewLRUCache(options.rocksdb_cache_bytes);
    // Index and filter blocks live in the block cache too, so the table files' memory stays
    // within the cache's capacity however much history accumulates (outside it, every open
    // table file holds its whole filter). High priority and L0 pinning keep the hot ones there.
    table.cache_index_and_filter_blocks = true;
    table.cache_index_and_filter_blocks_with_high_priority = true;
    table.pin_l0_filter_and_index_blocks_in_cache = true;
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    // Memtables: one filling and at most one being flushed (RocksDB's default count).
    o.write_buffer_size = options.rocksdb_write_buffer_bytes;
    o.max_write_buffer_number = 2;
    // A torn last log record (crash during a write) is dropped and recovery continues: nothing in
    // that record was acknowledged, since callbacks run only after write() returns.
    o.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
    return o;
}

}  // namespace

std::unique_ptr<MessageStore> open_rocksdb_store(const StoreOptions& options) {
    if (options.path.empty()) throw std::runtime_error("store: rocksdb engine needs a path");
    std::error_code ec;
    std::filesystem::create_directories(options.path, ec);
    if (ec) {
        throw std::runtime_error("store: cannot create directory " + options.path + ": " +
                                 ec.message());
    }
    rocksdb::DB* raw = nullptr;
    const rocksdb::Status s = rocksdb::DB::Open(make_options(options), options.path, &raw);
    if (!s.ok()) {
        throw std::runtime_error("store: cannot open RocksDB at " + options.path + ": " +
                                 s.ToString());
    }
    auto kv =
        std::make_unique<RocksKv>(std::unique_ptr<rocksdb::DB>(raw), options.sync == "machine");
    return std::make_unique<detail::KvStore>(std::move(kv), options);
}

}  // namespace jim::store

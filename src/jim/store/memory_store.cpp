#include "jim/store/memory_store.hpp"

#include <functional>
#include <map>

#include "jim/store/kv.hpp"
#include "jim/store/kv_store.hpp"

namespace jim::store {
namespace {

using detail::KvBatch;
using Map = std::map<std::string, std::string, std::less<>>;

// Cursor over the live map. KvStore never writes while a cursor is open, so it stays valid.
// Owner: the KvStore function that opened it. Thread: the KvStore worker only.
class MemoryIterator final : public detail::KvIterator {
  public:
    explicit MemoryIterator(const Map& map) : map_(map), it_(map.end()) {}

    void seek(std::string_view key) override { it_ = map_.lower_bound(key); }
    void seek_for_prev(std::string_view key) override {
        it_ = map_.upper_bound(key);
        it_ = it_ == map_.begin() ? map_.end() : std::prev(it_);
    }
    bool valid() const override { return it_ != map_.end(); }
    void next() override { ++it_; }
    std::string_view key() const override { return it_->first; }
    std::string_view value() const override { return it_->second; }
    Errc status() const override { return Errc::ok; }

  private:
    const Map& map_;
    Map::const_iterator it_;
};

// Role: the memory engine's bytes. Owner: its KvStore. Thread: the KvStore worker only.
class MemoryKv final : public detail::KvEngine {
  public:
    Result<std::optional<std::string>> get(std::string_view key) override {
        const auto it = map_.find(key);
        if (it == map_.end()) return std::optional<std::string>{};
        return std::optional<std::string>{it->second};
    }

    std::unique_ptr<detail::KvIterator> iterator() override {
        return std::make_unique<MemoryIterator>(map_);
    }

    Errc write(const KvBatch& batch) override {
        // Mutations cannot fail here, so applying them one by one is still all-or-nothing.
        for (const auto& m : batch.mutations()) {
            switch (m.kind) {
                case KvBatch::Kind::put:
                    map_.insert_or_assign(m.key, m.value);
                    break;
                case KvBatch::Kind::del: {
                    const auto it = map_.find(m.key);
                    if (it != map_.end()) map_.erase(it);
                    break;
                }
                case KvBatch::Kind::del_range:
                    map_.erase(map_.lower_bound(m.key), map_.lower_bound(m.value));
                    break;
            }
        }
        return Errc::ok;
    }

  private:
    Map map_;
};

}  // namespace

namespace detail {
std::unique_ptr<KvEngine> make_memory_kv() {
    return std::make_unique<MemoryKv>();
}
}  // namespace detail

std::unique_ptr<MessageStore> make_memory_store(const StoreOptions& options) {
    return std::make_unique<detail::KvStore>(detail::make_memory_kv(), options);
}

}  // namespace jim::store

#pragma once
// Immutable, reference-counted bytes in one allocation: a message body encoded once and shared by
// every connection it is queued on, on any worker (fan-out never copies the payload).
// Thread: any (the count is atomic; the bytes never change after make()).

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <new>
#include <string_view>
#include <utility>

namespace jim {

class SharedBytes {
  public:
    SharedBytes() = default;
    static SharedBytes copy_of(std::string_view bytes) {
        SharedBytes b;
        b.block_ = Block::make(bytes.size());
        if (!bytes.empty()) std::memcpy(b.block_->data(), bytes.data(), bytes.size());
        return b;
    }
    // The pieces joined, in one allocation (a push is built straight into its shared buffer).
    static SharedBytes concat(std::initializer_list<std::string_view> parts) {
        std::size_t n = 0;
        for (auto p : parts) n += p.size();
        SharedBytes b;
        b.block_ = Block::make(n);
        char* out = b.block_->data();
        for (auto p : parts) {
            if (!p.empty()) std::memcpy(out, p.data(), p.size());
            out += p.size();
        }
        return b;
    }
    SharedBytes(const SharedBytes& o) noexcept : block_(o.block_) {
        if (block_) block_->refs.fetch_add(1, std::memory_order_relaxed);
    }
    SharedBytes(SharedBytes&& o) noexcept : block_(std::exchange(o.block_, nullptr)) {}
    SharedBytes& operator=(SharedBytes o) noexcept {
        std::swap(block_, o.block_);
        return *this;
    }
    ~SharedBytes() { release(); }

    std::string_view view() const noexcept {
        return block_ ? std::string_view(block_->data(), block_->size) : std::string_view();
    }
    std::size_t size() const noexcept { return block_ ? block_->size : 0; }
    const char* data() const noexcept { return block_ ? block_->data() : nullptr; }
    explicit operator bool() const noexcept { return block_ != nullptr; }
    long use_count() const noexcept {
        return block_ ? block_->refs.load(std::memory_order_relaxed) : 0;
    }

  private:
    struct Block {
        std::atomic<long> refs{1};
        std::size_t size = 0;
        char* data() noexcept { return reinterpret_cast<char*>(this + 1); }
        static Block* make(std::size_t n) {
            void* p = std::malloc(sizeof(Block) + n);
            if (p == nullptr) throw std::bad_alloc();
            auto* b = new (p) Block();
            b->size = n;
            return b;
        }
    };
    void release() noexcept {
        if (block_ && block_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            block_->~Block();
            std::free(block_);
        }
        block_ = nullptr;
    }
    Block* block_ = nullptr;
};

}  // namespace jim

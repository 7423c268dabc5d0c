#pragma once
// Names one live session anywhere in the process: the worker that owns it, its slot in that
// worker's connection table and the slot's generation (a reused slot gets a new generation, so a
// stale reference never reaches the wrong connection). Thread: any (a value type).

#include <cstdint>
#include <functional>

namespace jim::router {

struct SessionRef {
    std::uint16_t worker = 0;
    std::uint32_t slot = 0;
    std::uint32_t generation = 0;  // 0 = no session

    explicit operator bool() const noexcept { return generation != 0; }
    friend bool operator==(const SessionRef&, const SessionRef&) = default;
};

}  // namespace jim::router

#pragma once
// Transparent string hash for the router's maps, so a std::string_view finds a std::string key
// without building one. Thread: any.

#include <cstddef>
#include <functional>
#include <string_view>

namespace jim::router {

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

}  // namespace jim::router

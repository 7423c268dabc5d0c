#pragma once
// session.kick_policy: what a new login does to the user's older sessions. Thread: any.

#include <cstdint>
#include <optional>
#include <string_view>

namespace jim::service {

enum class KickPolicy : std::uint8_t {
    none,           // J-IM: any number of sessions per user
    same_terminal,  // a new login closes the user's older sessions of the same terminal (tcp, ws)
    single,         // a new login closes every older session of the user
};

constexpr std::optional<KickPolicy> parse_kick_policy(std::string_view s) noexcept {
    if (s == "none") return KickPolicy::none;
    if (s == "same_terminal") return KickPolicy::same_terminal;
    if (s == "single") return KickPolicy::single;
    return std::nullopt;
}

constexpr std::string_view kick_policy_name(KickPolicy p) noexcept {
    switch (p) {
        case KickPolicy::same_terminal:
            return "same_terminal";
        case KickPolicy::single:
            return "single";
        default:
            return "none";
    }
}

}  // namespace jim::service

#pragma once
// The cluster's messages between nodes, as Redis pub/sub payloads: pure functions of bytes.
//
// Every string is a 4-byte little-endian length and its bytes; integers are little-endian.
//
// A node channel (`<prefix>:cluster:node:<id>`) carries deliveries for that node only, any
// number of them in one payload (a node batches everything bound for one peer during a pass of
// its loop into one PUBLISH):
//
//   | byte | kind: 'U' deliver to a user, 'G' deliver to a group's members, 'C' close a user |
//   | str  | target: the user id or the group id                                            |
//   | byte | code: the J-IM command of the body ('U', 'G'), or the close reason (Errc, 'C')   |
//   | str  | body (empty for 'C')                                                            |
//
// The broadcast channel (`<prefix>:cluster:all`) carries one announcement per payload:
//
//   | byte | kind: 'P' presence, 'H' heartbeat, 'R' reset, 'B' bye, 'M' membership changes, |
//   |      | 'K' bans                                                                      |
//   | str  | the announcing node's id                                                     |
//   | u64  | its incarnation (random per process start)                                   |
//   | u64  | its directory version after this announcement ('P', 'R'), or the current one  |
//   | u32  | entries: 'P' (str user, u32 sessions on that node; 0 = gone),                  |
//   |      | 'M' (str group, str user, byte 1 joined / 0 left), 'K' (str user, str reason,  |
//   |      | byte 1 banned / 0 lifted); none for 'H', 'R', 'B'                             |
//
// Decoders never trust a length: a truncated or overlong payload is refused as a whole.
// Thread: any (pure).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jim::cluster::wire {

enum class DeliveryKind : std::uint8_t { user = 'U', group = 'G', close = 'C' };

struct Delivery {
    DeliveryKind kind = DeliveryKind::user;
    std::string_view target;
    std::uint8_t code = 0;
    std::string_view body;  // a view into the payload
};

void append_delivery(std::string& out, DeliveryKind kind, std::string_view target,
                     std::uint8_t code, std::string_view body);
// Every delivery of a payload, or nullopt if any byte of it is malformed.
std::optional<std::vector<Delivery>> decode_deliveries(std::string_view payload);

enum class AnnouncementKind : std::uint8_t {
    presence = 'P',
    heartbeat = 'H',
    reset = 'R',
    bye = 'B',
    membership = 'M',
    bans = 'K'
};

struct PresenceEntry {
    std::string user;
    std::uint32_t sessions = 0;
};

struct MembershipEntry {
    std::string group;
    std::string user;
    bool joined = false;
};

struct BanEntry {
    std::string user;
    std::string reason;
    bool banned = false;
};

struct Announcement {
    AnnouncementKind kind = AnnouncementKind::heartbeat;
    std::string node;
    std::uint64_t incarnation = 0;
    std::uint64_t version = 0;
    std::vector<PresenceEntry> presence;      // 'P'
    std::vector<MembershipEntry> membership;  // 'M'
    std::vector<BanEntry> bans;               // 'K'
};

std::string encode(const Announcement& a);
std::optional<Announcement> decode_announcement(std::string_view payload);

}  // namespace jim::cluster::wire

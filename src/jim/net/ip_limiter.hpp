#pragma once
// Per-IP admission: how many connections one address may hold at once, and how many new ones
// it may open per second (a token bucket, against reconnect storms). Kept in one shared table
// rather than in each Connection: a connection holds only its 4-byte entry id.
//
// Entries live while an address has connections, or while its bucket is refilling; idle ones
// are swept at most once a second during admit(). IPv4 and IPv4-mapped IPv6 are one address.
// Thread: any (one mutex; admit() runs on the acceptor's worker, release() on any worker).

#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "jim/base/error.hpp"

namespace jim::net {

struct IpLimits {
    std::uint32_t max_connections = 0;  // per address at once; 0: no limit
    std::uint32_t new_per_s = 0;        // new connections per address per second; 0: no limit
};

class IpLimiter {
  public:
    explicit IpLimiter(IpLimits limits) : limits_(limits) {}

    bool enabled() const noexcept { return limits_.max_connections != 0 || limits_.new_per_s != 0; }

    struct Admission {
        Errc error = Errc::ok;    // ok, too_many_connections or connection_rate
        std::uint32_t entry = 0;  // when ok: pass to release() when the connection ends
    };
    // Admits a new connection from `address` at `now_ms` (any monotonic milliseconds).
    // With both limits off it admits without tracking (entry 0).
    Admission admit(const boost::asio::ip::address& address, std::int64_t now_ms);
    // The connection admitted as `entry` has ended. Entry 0 is ignored.
    void release(std::uint32_t entry);

    // Addresses currently tracked (for tests and metrics).
    std::size_t tracked() const;

  private:
    struct Entry {
        std::string key;  // 16 address bytes; empty: free
        std::uint32_t connections = 0;
        double tokens = 0;  // new connections still allowed now
        std::int64_t refilled_ms = 0;
    };
    void refill(Entry& e, std::int64_t now_ms) const noexcept;
    void sweep(std::int64_t now_ms);
    void free_entry(std::uint32_t id);

    const IpLimits limits_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::uint32_t> by_address_;
    std::vector<Entry> entries_ = std::vector<Entry>(1);  // entry 0 means "none"
    std::vector<std::uint32_t> free_;
    std::int64_t last_sweep_ms_ = 0;
};

}  // namespace jim::net

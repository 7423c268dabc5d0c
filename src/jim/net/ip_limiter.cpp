#include "jim/net/ip_limiter.hpp"

#include <algorithm>

namespace jim::net {
namespace {

std::string key_of(const boost::asio::ip::address& a) {
    const auto v6 = a.is_v4()
                        ? boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, a.to_v4())
                        : a.to_v6();
    const auto bytes = v6.to_bytes();
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

constexpr std::int64_t kSweepEveryMs = 1000;

}  // namespace

void IpLimiter::refill(Entry& e, std::int64_t now_ms) const noexcept {
    if (limits_.new_per_s == 0 || now_ms <= e.refilled_ms) return;
    const double burst = limits_.new_per_s;  // one second's worth
    e.tokens =
        std::min(burst, e.tokens + static_cast<double>(now_ms - e.refilled_ms) * burst / 1000.0);
    e.refilled_ms = now_ms;
}

IpLimiter::Admission IpLimiter::admit(const boost::asio::ip::address& address,
                                      std::int64_t now_ms) {
    if (!enabled()) return {};
    const std::lock_guard lock(mutex_);
    if (now_ms - last_sweep_ms_ >= kSweepEveryMs) sweep(now_ms);
    std::string key = key_of(address);
    auto it = by_address_.find(key);
    if (it == by_address_.end()) {
        std::uint32_t id = 0;
        if (!free_.empty()) {
            id = free_.back();
            free_.pop_back();
        } else {
            id = static_cast<std::uint32_t>(entries_.size());
            entries_.emplace_back();
        }
        Entry& e = entries_[id];
        e.key = key;
        e.connections = 0;
        e.tokens = limits_.new_per_s;
        e.refilled_ms = now_ms;
        it = by_address_.emplace(std::move(key), id).first;
    }
    const std::uint32_t id = it->second;
    Entry& e = entries_[id];
    refill(e, now_ms);
    Admission result;
    if (limits_.max_connections != 0 && e.connections >= limits_.max_connections) {
        result.error = Errc::too_many_connections;
    } else if (limits_.new_per_s != 0 && e.tokens < 1.0) {
        result.error = Errc::connection_rate;
    } else {
        if (limits_.new_per_s != 0) e.tokens -= 1.0;
        ++e.connections;
        result.entry = id;
    }
    if (e.connections == 0 && limits_.new_per_s == 0) free_entry(id);  // nothing to remember
    return result;
}

void IpLimiter::release(std::uint32_t entry) {
    if (entry == 0) return;
    const std::lock_guard lock(mutex_);
    Entry& e = entries_[entry];
    if (e.connections > 0) --e.connections;
    // With a rate limit the bucket must outlive the connection (or a storm of short connections
    // would start full every time); the sweep frees it once it has refilled.
    if (e.connections == 0 && limits_.new_per_s == 0) free_entry(entry);
}

void IpLimiter::sweep(std::int64_t now_ms) {
    last_sweep_ms_ = now_ms;
    for (std::uint32_t id = 1; id < entries_.size(); ++id) {
        Entry& e = entries_[id];
        if (e.key.empty() || e.connections != 0) continue;
        refill(e, now_ms);
        if (e.tokens >= static_cast<double>(limits_.new_per_s)) free_entry(id);
    }
}

void IpLimiter::free_entry(std::uint32_t id) {
    Entry& e = entries_[id];
    by_address_.erase(e.key);
    e.key.clear();
    free_.push_back(id);
}

std::size_t IpLimiter::tracked() const {
    const std::lock_guard lock(mutex_);
    return by_address_.size();
}

}  // namespace jim::net

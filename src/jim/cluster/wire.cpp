#include "jim/cluster/wire.hpp"

namespace jim::cluster::wire {
namespace {

void put_u32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_str(std::string& out, std::string_view s) {
    put_u32(out, static_cast<std::uint32_t>(s.size()));
    out.append(s);
}

// Reads fields off the front of a payload; any read past the end fails the reader for good.
class Reader {
  public:
    explicit Reader(std::string_view in) : in_(in) {}
    bool ok() const { return ok_; }
    bool done() const { return in_.empty(); }

    std::uint8_t byte() {
        if (!need(1)) return 0;
        const auto v = static_cast<std::uint8_t>(in_[0]);
        in_.remove_prefix(1);
        return v;
    }
    std::uint32_t u32() { return static_cast<std::uint32_t>(little(4)); }
    std::uint64_t u64() { return little(8); }
    std::string_view str() {
        const std::uint32_t n = u32();
        if (!need(n)) return {};
        const auto s = in_.substr(0, n);
        in_.remove_prefix(n);
        return s;
    }

  private:
    bool need(std::size_t n) {
        if (ok_ && in_.size() >= n) return true;
        ok_ = false;
        return false;
    }
    std::uint64_t little(std::size_t n) {
        if (!need(n)) return 0;
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i) {
            v |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(in_[i])) << (8 * i);
        }
        in_.remove_prefix(n);
        return v;
    }

    std::string_view in_;
    bool ok_ = true;
};

bool known(DeliveryKind k) {
    return k == DeliveryKind::user || k == DeliveryKind::group || k == DeliveryKind::close;
}
bool known(AnnouncementKind k) {
    switch (k) {
        case AnnouncementKind::presence:
        case AnnouncementKind::heartbeat:
        case AnnouncementKind::reset:
        case AnnouncementKind::bye:
        case AnnouncementKind::membership:
        case AnnouncementKind::bans:
            return true;
    }
    return false;
}

}  // namespace

void append_delivery(std::string& out, DeliveryKind kind, std::string_view target,
                     std::uint8_t code, std::string_view body) {
    out.push_back(static_cast<char>(kind));
    put_str(out, target);
    out.push_back(static_cast<char>(code));
    put_str(out, body);
}

std::optional<std::vector<Delivery>> decode_deliveries(std::string_view payload) {
    std::vector<Delivery> out;
    Reader r(payload);
    while (r.ok() && !r.done()) {
        Delivery d;
        d.kind = static_cast<DeliveryKind>(r.byte());
        d.target = r.str();
        d.code = r.byte();
        d.body = r.str();
        if (!r.ok() || !known(d.kind)) return std::nullopt;
        out.push_back(d);
    }
    if (!r.ok()) return std::nullopt;
    return out;
}

std::string encode(const Announcement& a) {
    std::string out;
    out.push_back(static_cast<char>(a.kind));
    put_str(out, a.node);
    put_u64(out, a.incarnation);
    put_u64(out, a.version);
    if (a.kind == AnnouncementKind::presence) {
        put_u32(out, static_cast<std::uint32_t>(a.presence.size()));
        for (const auto& e : a.presence) {
            put_str(out, e.user);
            put_u32(out, e.sessions);
        }
    } else if (a.kind == AnnouncementKind::membership) {
        put_u32(out, static_cast<std::uint32_t>(a.membership.size()));
        for (const auto& e : a.membership) {
            put_str(out, e.group);
            put_str(out, e.user);
            out.push_back(e.joined ? '\1' : '\0');
        }
    } else if (a.kind == AnnouncementKind::bans) {
        put_u32(out, static_cast<std::uint32_t>(a.bans.size()));
        for (const auto& e : a.bans) {
            put_str(out, e.user);
            put_str(out, e.reason);
            out.push_back(e.banned ? '\1' : '\0');
        }
    } else {
        put_u32(out, 0);
    }
    return out;
}

std::optional<Announcement> decode_announcement(std::string_view payload) {
    Reader r(payload);
    Announcement a;
    a.kind = static_cast<AnnouncementKind>(r.byte());
    a.node = r.str();
    a.incarnation = r.u64();
    a.version = r.u64();
    const std::uint32_t n = r.u32();
    if (!r.ok() || !known(a.kind) || a.node.empty()) return std::nullopt;
    const bool has_entries = a.kind == AnnouncementKind::presence ||
                             a.kind == AnnouncementKind::membership ||
                             a.kind == AnnouncementKind::bans;
    if (!has_entries && n != 0) return std::nullopt;
    // Each entry takes at least 8 bytes ('P') or 9 ('M', 'K'): a count the payload cannot hold is
    // refused before anything is reserved.
    if (n > payload.size() / 8) return std::nullopt;
    for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
        if (a.kind == AnnouncementKind::presence) {
            PresenceEntry e;
            e.user = r.str();
            e.sessions = r.u32();
            a.presence.push_back(std::move(e));
        } else if (a.kind == AnnouncementKind::membership) {
            MembershipEntry e;
            e.group = r.str();
            e.user = r.str();
            const std::uint8_t joined = r.byte();
            if (joined > 1) return std::nullopt;
            e.joined = joined == 1;
            a.membership.push_back(std::move(e));
        } else {
            BanEntry e;
            e.user = r.str();
            e.reason = r.str();
            const std::uint8_t banned = r.byte();
            if (banned > 1) return std::nullopt;
            e.banned = banned == 1;
            a.bans.push_back(std::move(e));
        }
    }
    if (!r.ok() || !r.done()) return std::nullopt;
    return a;
}

}  // namespace jim::cluster::wire

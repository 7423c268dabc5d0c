#include "jim/proto/chat.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serializer.hpp>

#include "jim/proto/json_util.hpp"

namespace jim::proto {
namespace {

void serialize_into(const boost::json::value& v, std::string& out) {
    boost::json::serializer sr;
    sr.reset(&v);
    while (!sr.done()) {
        const std::size_t old = out.size();
        out.resize(old + 256);
        const auto written = sr.read(out.data() + old, 256);
        out.resize(old + written.size());
    }
}

Errc fail(PreparedChat& out, Errc e, std::string_view reason) {
    out.reason.assign(reason);
    return e;
}

}  // namespace

Errc prepare_chat(std::string_view json, std::string_view user, std::string_view id,
                  std::int64_t now_ms, PreparedChat& out) {
    unsigned char scratch[4096];
    boost::json::monotonic_resource mr(scratch, sizeof(scratch));
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(json, ec, &mr);
    if (ec || !v.is_object()) return fail(out, Errc::bad_json, "body is not a JSON object");
    if (!all_numbers_finite(v)) return fail(out, Errc::bad_json, "number out of range");
    auto& o = v.get_object();

    const auto chat_type = get_int(o, "chatType");
    if (!chat_type) return fail(out, Errc::missing_field, "chatType is required");
    if (*chat_type == static_cast<int>(ChatType::private_chat)) {
        const auto to = get_string(o, "to");
        if (!to || to->empty()) return fail(out, Errc::missing_field, "to is required");
        out.type = ChatType::private_chat;
        out.to.assign(*to);
    } else if (*chat_type == static_cast<int>(ChatType::group)) {
        const auto group = get_string(o, "groupId");
        if (!group || group->empty()) return fail(out, Errc::missing_field, "groupId is required");
        out.type = ChatType::group;
        out.group_id.assign(*group);
    } else {
        return fail(out, Errc::bad_chat_type, "chatType must be 1 (group) or 2 (private)");
    }
    if (const auto* from = o.if_contains("from"); from != nullptr && !from->is_null()) {
        const auto s = get_string(o, "from");
        if (!s || (!s->empty() && *s != user)) {
            return fail(out, Errc::impersonation, "from must be the logged-in user");
        }
    }
    if (const auto* cid = o.if_contains("clientMsgId"); cid != nullptr && !cid->is_null()) {
        const auto s = get_string(o, "clientMsgId");
        if (!s || s->empty() || s->size() > 64) {
            return fail(out, Errc::missing_field, "clientMsgId must be a string of 1-64 bytes");
        }
        out.client_msg_id.assign(*s);
    }
    // Normalise the numeric members a lenient client may send as strings (spec §2.6).
    o["chatType"] = *chat_type;
    if (const auto msg_type = get_int(o, "msgType")) o["msgType"] = *msg_type;
    o["from"] = user;
    o["id"] = id;
    o["createTime"] = now_ms;
    out.body.clear();
    serialize_into(v, out.body);
    return Errc::ok;
}

}  // namespace jim::proto

// prepare_chat against a reference: the straightforward implementation over a Boost.JSON
// document (what prepare_chat was before it became a streaming hot path). Over every
// combination of interesting member values, both must agree on the error, the routing fields and
// the completed body (compared as JSON values, so verbatim copies and re-serialised ones match).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "jim/proto/chat.hpp"
#include "jim/proto/json_util.hpp"

namespace jim::proto {
namespace {

constexpr std::string_view kId = "0123456789abcdef0123456789abcdef";
constexpr std::int64_t kNow = 1700000000123;

Errc reference_fail(PreparedChat& out, Errc e, std::string_view reason) {
    out.reason.assign(reason);
    return e;
}

Errc reference_prepare(std::string_view json, std::string_view user, PreparedChat& out) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(json, ec);
    if (ec || !v.is_object()) return reference_fail(out, Errc::bad_json, "not an object");
    if (!all_numbers_finite(v)) return reference_fail(out, Errc::bad_json, "number");
    auto& o = v.get_object();
    const auto chat_type = get_int(o, "chatType");
    if (!chat_type) return reference_fail(out, Errc::missing_field, "chatType");
    if (*chat_type == 2) {
        const auto to = get_string(o, "to");
        if (!to || to->empty()) return reference_fail(out, Errc::missing_field, "to");
        out.type = ChatType::private_chat;
        out.to.assign(*to);
    } else if (*chat_type == 1) {
        const auto group = get_string(o, "groupId");
        if (!group || group->empty()) return reference_fail(out, Errc::missing_field, "groupId");
        out.type = ChatType::group;
        out.group_id.assign(*group);
    } else {
        return reference_fail(out, Errc::bad_chat_type, "chatType");
    }
    if (const auto* from = o.if_contains("from"); from != nullptr && !from->is_null()) {
        const auto s = get_string(o, "from");
        if (!s || (!s->empty() && *s != user)) {
            return reference_fail(out, Errc::impersonation, "from");
        }
    }
    if (const auto* cid = o.if_contains("clientMsgId"); cid != nullptr && !cid->is_null()) {
        const auto s = get_string(o, "clientMsgId");
        if (!s || s->empty() || s->size() > 64) {
            return reference_fail(out, Errc::missing_field, "clientMsgId");
        }
        out.client_msg_id.assign(*s);
    }
    o["chatType"] = *chat_type;
    if (const auto msg_type = get_int(o, "msgType")) o["msgType"] = *msg_type;
    o["from"] = user;
    o["id"] = kId;
    o["createTime"] = kNow;
    out.body = boost::json::serialize(v);
    return Errc::ok;
}

// Member texts to combine; "" leaves the member out.
const std::vector<std::vector<std::string>> kVariants = {
    {"", R"("chatType":1)", R"("chatType":2)", R"("chatType":"2")", R"("chatType":2.0)",
     R"("chatType":null)", R"("chatType":3)", R"("chatType":"x")", R"("chatType":[2])"},
    {"", R"("to":"u2")", R"("to":"")", R"("to":7)", R"("to":null)", R"("to" : {"a":"b"})",
     R"("to":"\u0075\"2")"},
    {"", R"("groupId":"100")", R"("groupId":"")", R"("groupId":true)"},
    {"", R"("from":"u1")", R"("from":"u3")", R"("from":null)", R"("from":"")",
     R"("\u0066rom":"u3")"},
    {"", R"("msgType":0)", R"("msgType":"3")", R"("msgType":1e300)", R"("msgType":"x")"},
    {"", R"("clientMsgId":"c1")", R"("clientMsgId":"")", R"("clientMsgId":5)",
     R"("clientMsgId":")" + std::string(65, 'c') + "\""},
    {"", R"("id":"client")", R"("createTime":1)"},
    {"", "\n\t\"extras\" :\r {\"k\": [1, {\"s\":\"a\\\"}b\"}, -2.5e3, true, null],\"e\":{}}",
     R"("content":"\u4f60\n\"}")"},
};

void combine(std::size_t i, std::vector<std::string>& parts, std::vector<std::string>& out) {
    if (i == kVariants.size()) {
        std::string json = "{";
        for (const auto& p : parts) {
            if (p.empty()) continue;
            if (json.size() > 1) json += ", ";
            json += p;
        }
        json += "} ";
        out.push_back(std::move(json));
        return;
    }
    for (const auto& v : kVariants[i]) {
        parts.push_back(v);
        combine(i + 1, parts, out);
        parts.pop_back();
    }
}

TEST(PrepareChatReference, AgreesOnEveryCombination) {
    std::vector<std::string> bodies;
    std::vector<std::string> parts;
    combine(0, parts, bodies);
    ASSERT_GT(bodies.size(), 100000u);
    std::size_t accepted = 0;
    for (const auto& json : bodies) {
        PreparedChat got;
        PreparedChat want;
        const Errc e = prepare_chat(json, "u1", kId, kNow, got);
        const Errc w = reference_prepare(json, "u1", want);
        ASSERT_EQ(e, w) << json << "\n" << got.reason;
        if (e != Errc::ok) continue;
        ++accepted;
        ASSERT_EQ(got.type, want.type) << json;
        ASSERT_EQ(got.to, want.to) << json;
        ASSERT_EQ(got.group_id, want.group_id) << json;
        ASSERT_EQ(got.client_msg_id, want.client_msg_id) << json;
        boost::system::error_code ec;
        const auto got_value = boost::json::parse(got.body, ec);
        ASSERT_FALSE(ec) << json << "\n" << got.body;
        ASSERT_EQ(got_value, boost::json::parse(want.body)) << json << "\n" << got.body;
    }
    EXPECT_GT(accepted, 1000u);  // the comparison covered accepted bodies, not only errors
}

// Where the two differ on purpose: a member the server reads, given twice, is refused (the
// document would keep one of the two, and a receiver's parser might pick the other).
TEST(PrepareChatReference, InterpretedMemberGivenTwiceIsRefused) {
    for (std::string_view json :
         {R"({"chatType":2,"to":"u2","to":"u3"})",
          R"({"chatType":2,"chatType":1,"to":"u2","groupId":"g"})",
          R"({"chatType":2,"to":"u2","from":"u1","\u0066rom":"u3"})",
          R"({"chatType":2,"to":"u2","clientMsgId":"a","clientMsgId":"b"})"}) {
        PreparedChat out;
        EXPECT_EQ(prepare_chat(json, "u1", kId, kNow, out), Errc::bad_json) << json;
        EXPECT_FALSE(out.reason.empty());
    }
    // Other members may repeat; they are passed on as sent.
    PreparedChat out;
    EXPECT_EQ(prepare_chat(R"({"chatType":2,"to":"u2","x":1,"x":2})", "u1", kId, kNow, out),
              Errc::ok);
}

}  // namespace
}  // namespace jim::proto

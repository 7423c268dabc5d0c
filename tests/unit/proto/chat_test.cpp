// prepare_chat (spec §5.4, §6.6, defects §11.3) and MessageIdGenerator.
#include "jim/proto/chat.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <string_view>

#include "jim/proto/message_id.hpp"

namespace jim::proto {
namespace {

constexpr std::string_view kUser = "u1";
constexpr std::string_view kId = "0123456789abcdef0123456789abcdef";
constexpr std::int64_t kNow = 1700000000123;

struct Prepared {
    Errc errc;
    PreparedChat chat;
    boost::json::object body;  // the parsed output body when ok
};

Prepared prepare(std::string_view json, std::string_view user = kUser) {
    Prepared p;
    p.errc = prepare_chat(json, user, kId, kNow, p.chat);
    if (p.errc == Errc::ok) {
        boost::system::error_code ec;
        auto v = boost::json::parse(p.chat.body, ec);
        EXPECT_FALSE(ec) << p.chat.body;
        if (!ec && v.is_object()) p.body = v.as_object();
    }
    return p;
}

TEST(PrepareChat, PrivateChatIsCompletedByTheServer) {
    const auto p =
        prepare(R"({"cmd":11,"from":"u1","to":"u2","chatType":2,"msgType":0,"content":"hi",)"
                R"("createTime":1588300000000,"id":"client-id","extras":{"k":[1,2]}})");
    ASSERT_EQ(p.errc, Errc::ok) << p.chat.reason;
    EXPECT_EQ(p.chat.type, ChatType::private_chat);
    EXPECT_EQ(p.chat.to, "u2");
    EXPECT_TRUE(p.chat.group_id.empty());
    EXPECT_EQ(p.body.at("from").as_string(), "u1");
    EXPECT_EQ(p.body.at("to").as_string(), "u2");
    // Client-supplied id and createTime are replaced by the server's (spec §11.3).
    EXPECT_EQ(p.body.at("id").as_string(), kId);
    EXPECT_EQ(p.body.at("createTime").as_int64(), kNow);
    EXPECT_EQ(p.body.at("chatType").as_int64(), 2);
    EXPECT_EQ(p.body.at("msgType").as_int64(), 0);
    EXPECT_EQ(p.body.at("content").as_string(), "hi");
    EXPECT_EQ(p.body.at("cmd").as_int64(), 11);
    // Unknown members pass through.
    EXPECT_EQ(boost::json::serialize(p.body.at("extras")), R"({"k":[1,2]})");
}

TEST(PrepareChat, ServerFillsMissingIdentityFields) {
    const auto p = prepare(R"({"to":"u2","chatType":2,"content":"hi"})");
    ASSERT_EQ(p.errc, Errc::ok) << p.chat.reason;
    EXPECT_EQ(p.body.at("from").as_string(), "u1");
    EXPECT_EQ(p.body.at("id").as_string(), kId);
    EXPECT_EQ(p.body.at("createTime").as_int64(), kNow);
}

TEST(PrepareChat, ChatTypeAndMsgTypeAsStringsAreNormalised) {
    const auto p = prepare(R"({"to":"u2","chatType":"2","msgType":"3","content":"hi"})");
    ASSERT_EQ(p.errc, Errc::ok) << p.chat.reason;
    EXPECT_EQ(p.chat.type, ChatType::private_chat);
    EXPECT_EQ(p.body.at("chatType").as_int64(), 2);
    EXPECT_EQ(p.body.at("msgType").as_int64(), 3);
}

TEST(PrepareChat, GroupChat) {
    const auto p =
        prepare(R"({"cmd":11,"from":"u1","groupId":"100","chatType":1,"content":"all"})");
    ASSERT_EQ(p.errc, Errc::ok) << p.chat.reason;
    EXPECT_EQ(p.chat.type, ChatType::group);
    EXPECT_EQ(p.chat.group_id, "100");
    EXPECT_TRUE(p.chat.to.empty());
    EXPECT_EQ(p.body.at("groupId").as_string(), "100");
}

TEST(PrepareChat, GroupWithoutGroupIdIsMissingField) {
    for (std::string_view json : {R"({"chatType":1,"to":"u2"})", R"({"chatType":1,"groupId":""})",
                                  R"({"chatType":1,"groupId":100})"}) {
        const auto p = prepare(json);
        EXPECT_EQ(p.errc, Errc::missing_field) << json;
        EXPECT_FALSE(p.chat.reason.empty()) << json;
    }
}

TEST(PrepareChat, MissingChatTypeIsMissingField) {
    const auto p = prepare(R"({"to":"u2","content":"hi"})");
    EXPECT_EQ(p.errc, Errc::missing_field);
    EXPECT_NE(p.chat.reason.find("chatType"), std::string::npos) << p.chat.reason;
}

TEST(PrepareChat, ChatTypeOtherThanOneOrTwoIsRejected) {
    for (std::string_view json : {R"({"to":"u2","chatType":0})", R"({"to":"u2","chatType":3})",
                                  R"({"to":"u2","chatType":-1})", R"({"to":"u2","chatType":"0"})",
                                  R"({"to":"u2","chatType":4294967298})"}) {
        const auto p = prepare(json);
        EXPECT_EQ(p.errc, Errc::bad_chat_type) << json;
        EXPECT_NE(p.chat.reason.find("chatType"), std::string::npos) << json;
    }
}

TEST(PrepareChat, UnreadableChatTypeIsMissing) {
    for (std::string_view json :
         {R"({"to":"u2","chatType":null})", R"({"to":"u2","chatType":"x"})",
          R"({"to":"u2","chatType":true})", R"({"to":"u2","chatType":2.5})",
          R"({"to":"u2","chatType":1e300})", R"({"to":"u2","chatType":-1e300})"}) {
        const auto p = prepare(json);
        EXPECT_EQ(p.errc, Errc::missing_field) << json;
        EXPECT_FALSE(p.chat.reason.empty()) << json;
    }
}

TEST(PrepareChat, HugeNumbersAreHandled) {
    // Regression (found by fuzz_chat_json): huge doubles in numeric members were converted to
    // int64 before their range was checked (undefined behaviour).
    EXPECT_EQ(
        prepare(R"({"chatType":44444444444444444444444444444444444444444444449990,"to":""})").errc,
        Errc::missing_field);
    const auto p = prepare(R"({"chatType":2,"to":"u2","msgType":1e300})");
    ASSERT_EQ(p.errc, Errc::ok);
    EXPECT_TRUE(p.body.at("msgType").is_double());
}

TEST(PrepareChat, OverflowingNumbersAreBadJson) {
    // Regression (found by fuzz_chat_json): 1e999 parses as an infinite double, which Boost.JSON
    // serializes as `Infinity`; the server then pushed and stored a body that is not JSON.
    for (std::string_view json : {R"({"chatType":2,"to":"u2","x":4444e444444})",
                                  R"({"chatType":2,"to":"u2","extras":{"a":[1,{"b":-1e400}]}})",
                                  R"({"chatType":1e999,"to":"u2"})"}) {
        const auto p = prepare(json);
        EXPECT_EQ(p.errc, Errc::bad_json) << json;
        EXPECT_FALSE(p.chat.reason.empty()) << json;
    }
    EXPECT_EQ(prepare(R"({"chatType":2,"to":"u2","x":1.7976931348623157e308})").errc, Errc::ok);
}

TEST(PrepareChat, PrivateWithoutToIsMissingField) {
    for (std::string_view json :
         {R"({"chatType":2,"content":"hi"})", R"({"chatType":2,"to":""})",
          R"({"chatType":2,"to":7})", R"({"chatType":2,"groupId":"100"})"}) {
        const auto p = prepare(json);
        EXPECT_EQ(p.errc, Errc::missing_field) << json;
        EXPECT_NE(p.chat.reason.find("to"), std::string::npos) << json;
    }
}

TEST(PrepareChat, FromOfAnotherUserIsImpersonation) {
    for (std::string_view json :
         {R"({"chatType":2,"to":"u2","from":"u3"})", R"({"chatType":2,"to":"u2","from":"U1"})",
          R"({"chatType":2,"to":"u2","from":1})"}) {
        const auto p = prepare(json);
        EXPECT_EQ(p.errc, Errc::impersonation) << json;
        EXPECT_FALSE(p.chat.reason.empty()) << json;
    }
}

TEST(PrepareChat, EmptyOrNullFromIsAcceptedAndFilled) {
    for (std::string_view json :
         {R"({"chatType":2,"to":"u2","from":""})", R"({"chatType":2,"to":"u2","from":null})"}) {
        const auto p = prepare(json);
        ASSERT_EQ(p.errc, Errc::ok) << json << ": " << p.chat.reason;
        EXPECT_EQ(p.body.at("from").as_string(), "u1") << json;
    }
}

TEST(PrepareChat, NonObjectOrBrokenJsonIsBadJson) {
    for (std::string_view json : {"", "null", "[]", "[1,2]", "2", "\"chat\"", "{",
                                  "{\"chatType\":2,", "{}}", "{'chatType':2}", "\x80"}) {
        const auto p = prepare(json);
        EXPECT_EQ(p.errc, Errc::bad_json) << testing::PrintToString(std::string(json));
        EXPECT_FALSE(p.chat.reason.empty());
    }
}

TEST(PrepareChat, InvalidUtf8IsBadJson) {
    for (std::string_view json : {
             std::string_view("{\"chatType\":2,\"to\":\"u2\",\"content\":\"\xff\"}"),
             std::string_view("{\"chatType\":2,\"to\":\"u2\",\"content\":\"\xc3\x28\"}"),
             std::string_view("{\"chatType\":2,\"to\":\"\xed\xa0\x80\"}"),  // surrogate
             std::string_view("{\"chatType\":2,\"to\":\"u2\",\"content\":\"\xe4\xb8\"}"),
         }) {
        const auto p = prepare(json);
        EXPECT_EQ(p.errc, Errc::bad_json) << testing::PrintToString(std::string(json));
    }
    // Valid multi-byte UTF-8 is fine.
    const auto ok = prepare(R"({"chatType":2,"to":"张三","content":"你好"})");
    ASSERT_EQ(ok.errc, Errc::ok);
    EXPECT_EQ(ok.chat.to, "张三");
}

TEST(PrepareChat, LargeBodyIsHandled) {
    std::string json = R"({"chatType":2,"to":"u2","content":")";
    json += std::string(100000, 'x');
    json += "\"}";
    const auto p = prepare(json);
    ASSERT_EQ(p.errc, Errc::ok);
    EXPECT_EQ(p.body.at("content").as_string().size(), 100000u);
}

TEST(PrepareChat, DeepNestingIsRejectedNotCrashing) {
    std::string json = R"({"chatType":2,"to":"u2","extras":)";
    json += std::string(10000, '[');
    json += std::string(10000, ']');
    json += "}";
    EXPECT_EQ(prepare(json).errc, Errc::bad_json);
}

// ---- MessageIdGenerator --------------------------------------------------------------------

bool is_lower_hex(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

TEST(MessageId, ThirtyTwoLowercaseHex) {
    MessageIdGenerator gen(0xBEEF, 0xFFFFFFFFFFFFFFF0ull);
    const auto id = gen.next(kNow);
    const auto s = MessageIdGenerator::view(id);
    ASSERT_EQ(s.size(), 32u);
    EXPECT_TRUE(is_lower_hex(s)) << s;
    EXPECT_EQ(s.substr(12, 4), "beef");
}

TEST(MessageId, UniqueWithinOneMillisecond) {
    MessageIdGenerator gen(1, 12345);
    std::set<std::string> seen;
    for (int i = 0; i < 10000; ++i) {
        const auto id = gen.next(kNow);
        EXPECT_TRUE(seen.emplace(MessageIdGenerator::view(id)).second);
    }
}

TEST(MessageId, IncreasingForIncreasingTime) {
    MessageIdGenerator gen(7, 0xFFFFFFFFFFFFFFFEull);  // the counter wraps on the way
    std::string prev;
    for (std::int64_t t = kNow; t < kNow + 1000; t += 3) {
        const std::string s(MessageIdGenerator::view(gen.next(t)));
        EXPECT_TRUE(is_lower_hex(s));
        EXPECT_GT(s, prev) << t;
        prev = s;
    }
}

TEST(MessageId, GeneratorsNeverCollide) {
    MessageIdGenerator a(1, 0);
    MessageIdGenerator b(2, 0);
    EXPECT_NE(MessageIdGenerator::view(a.next(kNow)), MessageIdGenerator::view(b.next(kNow)));
}

}  // namespace
}  // namespace jim::proto

namespace jim::proto {
namespace {

TEST(RecalledChatBody, DropsContentAndExtrasAndKeepsTheRest) {
    const std::string body =
        R"({"chatType":2,"content":"secret","extras":{"k":1},"from":"a","id":"i1","msgType":0,)"
        R"("to":"b","createTime":5,"seq":3})";
    EXPECT_EQ(recalled_chat_body(body, "i1", 3),
              R"({"chatType":2,"from":"a","id":"i1","msgType":0,"to":"b","createTime":5,)"
              R"("seq":3,"recalled":true})");
}

TEST(RecalledChatBody, AnUnparsableBodyBecomesAMinimalOne) {
    EXPECT_EQ(recalled_chat_body("not json", "i\"1", 7),
              R"({"id":"i\"1","recalled":true,"seq":7})");
    EXPECT_EQ(recalled_chat_body("", "i", 1), R"({"id":"i","recalled":true,"seq":1})");
}

TEST(DeletedChatBody, IsTheRecalledFormMarkedDeleted) {
    const std::string body = R"({"chatType":1,"content":"secret","groupId":"g","id":"i2","seq":4})";
    EXPECT_EQ(deleted_chat_body(body, "i2", 4),
              R"({"chatType":1,"groupId":"g","id":"i2","seq":4,"deleted":true})");
    EXPECT_EQ(deleted_chat_body("", "i", 2), R"({"id":"i","deleted":true,"seq":2})");
}

}  // namespace
}  // namespace jim::proto

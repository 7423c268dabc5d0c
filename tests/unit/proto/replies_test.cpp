// Reply builders and the status table (spec §5.2, §5.6, §5.7): exact JSON text, byte for byte.
#include "jim/proto/replies.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <string>
#include <string_view>

#include "jim/proto/json_util.hpp"
#include "jim/proto/status.hpp"

namespace jim::proto {
namespace {

// ---- Status table (spec §5.7) --------------------------------------------------------------

TEST(StatusMsg, EveryCodeHasTheSpecText) {
    // description + " " + text, copied from the spec table.
    const std::pair<int, std::string_view> table[] = {
        {10000, "ok 发送成功"},
        {10001, "offline 用户不在线"},
        {10002,
         "send failed 消息发送失败,数据格式不正确,请参考:{'from':来源ID,'to':目标ID,"
         "'cmd':'消息命令码','createTime':消息创建时间(Long型),'msgType':Integer消息类型,"
         "'content':内容}"},
        {10003, "ok 获取用户信息成功!"},
        {10004, "get user failed ! 获取用户信息失败!"},
        {10005, "ok 获取所有在线用户信息成功!"},
        {10006, "ok 获取所有离线用户信息成功!"},
        {10007, "ok 登录成功!"},
        {10008, "login failed ! 登录失败!"},
        {10009, "ok 鉴权成功!"},
        {10010, "auth failed! 鉴权失败!"},
        {10011, "join group ok! 加入群组成功!"},
        {10012, "join group failed! 加入群组失败!"},
        {10013, "Protocol version number does not match 协议版本号不匹配!"},
        {10014, "unsupported cmd command 不支持的cmd命令!"},
        {10015, "get user message failed! 获取用户消息失败!"},
        {10016, "get user message ok! 获取离线消息成功!"},
        {10017, "cmd failed! 未知的cmd命令!"},
        {10018, "get user message ok! 获取历史消息成功!"},
        {10019, "online 用户在线"},
        {10020, "Invalid verification! 不合法校验"},
        {10021, "close ok! 关闭成功"},
    };
    ASSERT_EQ(std::size(table), 22u);
    for (const auto& [code, msg] : table) EXPECT_EQ(status_msg(code), msg) << code;
}

TEST(StatusMsg, NamedConstantsMatchCodes) {
    EXPECT_EQ(status::kOk, 10000);
    EXPECT_EQ(status::kLoginOk, 10007);
    EXPECT_EQ(status::kUnknownCmd, 10017);
    EXPECT_EQ(status::kCloseOk, 10021);
    EXPECT_EQ(status_msg(status::kLoginOk), "ok 登录成功!");
    EXPECT_EQ(status_msg(status::kUnknownCmd), "cmd failed! 未知的cmd命令!");
    EXPECT_EQ(status_msg(status::kCloseOk), "close ok! 关闭成功");
}

TEST(StatusMsg, UnknownCodesAreEmpty) {
    for (int code : {0, -1, 200, 9999, 10022, 20000, INT32_MIN, INT32_MAX}) {
        EXPECT_TRUE(status_msg(code).empty()) << code;
    }
}

// ---- status_reply --------------------------------------------------------------------------

TEST(StatusReply, ChatAckMatchesSpecByteForByte) {
    EXPECT_EQ(status_reply(Command::chat_resp, status::kOk),
              R"({"code":10000,"command":12,"msg":"ok 发送成功"})");
    EXPECT_EQ(status_reply(Command::chat_resp, status::kOffline),
              R"({"code":10001,"command":12,"msg":"offline 用户不在线"})");
}

TEST(StatusReply, UnknownCommandReply) {
    EXPECT_EQ(status_reply(Command::unknown, status::kUnknownCmd),
              R"({"code":10017,"command":0,"msg":"cmd failed! 未知的cmd命令!"})");
}

TEST(StatusReply, DataIsSplicedBeforeMsgAndReasonAfter) {
    EXPECT_EQ(
        status_reply(Command::get_user_resp, status::kGetOnlineUserOk, {}, R"({"userId":"u1"})"),
        R"({"code":10005,"command":18,"data":{"userId":"u1"},"msg":"ok 获取所有在线用户信息成功!"})");
    EXPECT_EQ(
        status_reply(Command::close_req, status::kInvalidVerification, "bad \"json\"\n"),
        R"({"code":10020,"command":14,"msg":"Invalid verification! 不合法校验","reason":"bad \"json\"\n"})");
}

TEST(StatusReply, SendFailedTextIsValidJson) {
    const auto text = status_reply(Command::chat_resp, status::kSendFailed, "chatType is required");
    boost::system::error_code ec;
    const auto v = boost::json::parse(text, ec);
    ASSERT_FALSE(ec) << text;
    EXPECT_EQ(v.at("code").as_int64(), 10002);
    EXPECT_EQ(v.at("msg").as_string(), status_msg(status::kSendFailed));
    EXPECT_EQ(v.at("reason").as_string(), "chatType is required");
}

// ---- Fixed replies (spec §5.6) -------------------------------------------------------------

TEST(FixedReplies, HeartbeatAndHandshake) {
    EXPECT_EQ(heartbeat_reply(), R"({"command":13,"data":{"hbbyte":-128}})");
    EXPECT_EQ(handshake_reply(), R"({"command":2,"data":{"hbyte":-127}})");
}

// ---- Users and login -----------------------------------------------------------------------

TEST(UserJson, AllMembersAlphabeticalEmptyOmitted) {
    std::string out;
    append_user_json(out, User{"u1", "张三丰", "http://a/b.png", "hi"}, "online", "tcp");
    EXPECT_EQ(out, R"({"avatar":"http://a/b.png","nick":"张三丰","sign":"hi","status":"online",)"
                   R"("terminal":"tcp","userId":"u1"})");

    out.clear();
    append_user_json(out, User{"u1", "张三丰", "", ""}, "offline", "");
    EXPECT_EQ(out, R"({"nick":"张三丰","status":"offline","userId":"u1"})");

    out = "x";
    append_user_json(out, User{}, "", "");
    EXPECT_EQ(out, "x{}");
}

TEST(UserJson, StringsAreEscaped) {
    std::string out;
    append_user_json(out, User{"a\"b", "n\\\x01", "", ""}, "", "");
    EXPECT_EQ(out, R"({"nick":"n\\\u0001","userId":"a\"b"})");
}

TEST(LoginReply, OkWithUser) {
    EXPECT_EQ(login_ok_reply(User{"u1", "u1nick", "", ""}, "ws"),
              R"({"code":10007,"command":6,"msg":"ok 登录成功!",)"
              R"("user":{"nick":"u1nick","status":"online","terminal":"ws","userId":"u1"}})");
}

// ---- Chat push and ack ---------------------------------------------------------------------

TEST(ChatReplies, PushWrapsBodyVerbatim) {
    constexpr std::string_view body =
        R"({"chatType":2,"cmd":11,"content":"hi","createTime":1588300000000,"from":"u1",)"
        R"("id":"0123456789abcdef0123456789abcdef","msgType":0,"to":"u2"})";
    EXPECT_EQ(chat_push(body), std::string(R"({"command":11,"data":)") + std::string(body) + "}");
}

TEST(ChatReplies, AckCarriesCreateTimeAndId) {
    EXPECT_EQ(chat_ack(status::kOk, "0123456789abcdef0123456789abcdef", 1588300000000),
              R"({"code":10000,"command":12,"data":{"createTime":1588300000000,)"
              R"("id":"0123456789abcdef0123456789abcdef"},"msg":"ok 发送成功"})");
    EXPECT_EQ(chat_ack(status::kOffline, "x", 0),
              R"({"code":10001,"command":12,"data":{"createTime":0,"id":"x"},)"
              R"("msg":"offline 用户不在线"})");
}

// ---- json_util -----------------------------------------------------------------------------

TEST(JsonUtil, AppendJsonString) {
    std::string out;
    append_json_string(out, std::string_view("a\"\\\n\r\t\x1f\x7f中", 11));
    EXPECT_EQ(out, "\"a\\\"\\\\\\n\\r\\t\\u001f\x7f中\"");
}

TEST(JsonUtil, LenientGetters) {
    const auto v = boost::json::parse(
        R"({"i":2,"s":"2","neg":"-3","d":2.0,"f":2.5,"bad":"2x","empty":"","big":18446744073709551615,"str":"x","n":null})");
    const auto& o = v.as_object();
    EXPECT_EQ(get_int(o, "i"), 2);
    EXPECT_EQ(get_int(o, "s"), 2);
    EXPECT_EQ(get_int(o, "neg"), -3);
    EXPECT_EQ(get_int(o, "d"), 2);
    EXPECT_EQ(get_int(o, "f"), std::nullopt);
    EXPECT_EQ(get_int(o, "bad"), std::nullopt);
    EXPECT_EQ(get_int(o, "empty"), std::nullopt);
    EXPECT_EQ(get_int(o, "big"), std::nullopt);
    EXPECT_EQ(get_int(o, "n"), std::nullopt);
    EXPECT_EQ(get_int(o, "missing"), std::nullopt);
    EXPECT_EQ(get_string(o, "str"), "x");
}

TEST(JsonUtil, OutOfRangeDoublesAreNotIntegers) {
    // Regression (found by fuzz_chat_json): the double was cast before its range was checked.
    const auto v = boost::json::parse(
        R"({"a":1e300,"b":-1e300,"c":44444444444444444444444444444444444444444444449990,)"
        R"("d":9.2233720368547758e18,"e":-9.3e18,"f":1e18})");
    const auto& o = v.as_object();
    for (const char* key : {"a", "b", "c", "d", "e"})
        EXPECT_EQ(get_int(o, key), std::nullopt) << key;
    EXPECT_EQ(get_int(o, "f"), 1000000000000000000);
    EXPECT_EQ(get_string(o, "i"), std::nullopt);
    EXPECT_EQ(get_string(o, "n"), std::nullopt);
}

}  // namespace
}  // namespace jim::proto

namespace jim::proto {
namespace {

TEST(Commands, RepliesPairWithTheirRequestsAndTheRangeCoversEveryCode) {
    EXPECT_EQ(reply_command(Command::cancel_msg_req), Command::cancel_msg_resp);
    EXPECT_EQ(reply_command(Command::delivered_req), Command::delivered_resp);
    EXPECT_EQ(reply_command(Command::read_req), Command::read_resp);
    EXPECT_EQ(reply_command(Command::recent_req), Command::recent_resp);
    EXPECT_EQ(reply_command(Command::recent_resp), Command::unknown);
    EXPECT_EQ(kMaxCommand, code(Command::recent_resp));
}

TEST(Push, HasNoStatus) {
    EXPECT_EQ(push(Command::read_resp, R"({"seq":1})"), R"({"command":26,"data":{"seq":1}})");
}

}  // namespace
}  // namespace jim::proto

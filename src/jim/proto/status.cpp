#include "jim/proto/status.hpp"

#include <array>

namespace jim::proto {
namespace {

// msg strings exactly as J-IM 3.0 sends them (spec §5.7: description + space + text).
constexpr std::array<std::string_view, 22> kMsgs{{
    "ok 发送成功",
    "offline 用户不在线",
    "send failed 消息发送失败,数据格式不正确,请参考:{'from':来源ID,'to':目标ID,'cmd':'消息命令码',"
    "'createTime':消息创建时间(Long型),'msgType':Integer消息类型,'content':内容}",
    "ok 获取用户信息成功!",
    "get user failed ! 获取用户信息失败!",
    "ok 获取所有在线用户信息成功!",
    "ok 获取所有离线用户信息成功!",
    "ok 登录成功!",
    "login failed ! 登录失败!",
    "ok 鉴权成功!",
    "auth failed! 鉴权失败!",
    "join group ok! 加入群组成功!",
    "join group failed! 加入群组失败!",
    "Protocol version number does not match 协议版本号不匹配!",
    "unsupported cmd command 不支持的cmd命令!",
    "get user message failed! 获取用户消息失败!",
    "get user message ok! 获取离线消息成功!",
    "cmd failed! 未知的cmd命令!",
    "get user message ok! 获取历史消息成功!",
    "online 用户在线",
    "Invalid verification! 不合法校验",
    "close ok! 关闭成功",
}};
static_assert(kMsgs.size() == status::kCloseOk - status::kOk + 1, "one msg per status code");

}  // namespace

std::string_view status_msg(int code) noexcept {
    // Compare before subtracting: code - kOk overflows for codes near INT_MIN.
    if (code < status::kOk || code > status::kCloseOk) return {};
    return kMsgs[static_cast<std::size_t>(code - status::kOk)];
}

}  // namespace jim::proto

#pragma once
// J-IM ImStatus codes (spec §5.7). On the wire "msg" = description + " " + text.
// Thread: any (immutable table).

#include <string_view>

namespace jim::proto {

namespace status {
inline constexpr int kOk = 10000;
inline constexpr int kOffline = 10001;
inline constexpr int kSendFailed = 10002;
inline constexpr int kGetUserOk = 10003;
inline constexpr int kGetUserFailed = 10004;
inline constexpr int kGetOnlineUserOk = 10005;
inline constexpr int kGetOfflineUserOk = 10006;
inline constexpr int kLoginOk = 10007;
inline constexpr int kLoginFailed = 10008;
inline constexpr int kAuthOk = 10009;
inline constexpr int kAuthFailed = 10010;
inline constexpr int kJoinGroupOk = 10011;
inline constexpr int kJoinGroupFailed = 10012;
inline constexpr int kBadVersion = 10013;
inline constexpr int kUnsupportedCmd = 10014;
inline constexpr int kGetMessageFailed = 10015;
inline constexpr int kGetOfflineMessageOk = 10016;
inline constexpr int kUnknownCmd = 10017;
inline constexpr int kGetHistoryOk = 10018;
inline constexpr int kOnline = 10019;
inline constexpr int kInvalidVerification = 10020;
inline constexpr int kCloseOk = 10021;
}  // namespace status

// "description text" for a known code, empty for an unknown one.
std::string_view status_msg(int code) noexcept;

}  // namespace jim::proto

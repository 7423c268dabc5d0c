#pragma once
// Builders for the JSON bodies the server sends (spec §5.2, §5.6). Members are written in
// alphabetical order like fastjson, and null members are omitted, so J-IM clients see the same
// text. Extensions (documented in docs/protocol.md) only add members. Thread: any.

#include <cstdint>
#include <string>
#include <string_view>

#include "jim/base/shared_bytes.hpp"
#include "jim/proto/command.hpp"

namespace jim::proto {

struct User {
    std::string user_id;
    std::string nick;
    std::string avatar;
    std::string sign;
};

// {"code":C,"command":X[,"data":D],"msg":"…"[,"reason":"…"]}. `data_json` is spliced verbatim.
std::string status_reply(Command command, int code, std::string_view reason = {},
                         std::string_view data_json = {});

// {"command":13,"data":{"hbbyte":-128}}
std::string_view heartbeat_reply() noexcept;
// {"command":2,"data":{"hbyte":-127}}
std::string_view handshake_reply() noexcept;

// User JSON: {"avatar":…,"nick":…,"sign":…,"status":…,"terminal":…,"userId":…}; empty strings
// are omitted like nulls.
void append_user_json(std::string& out, const User& user, std::string_view status,
                      std::string_view terminal);

// Login success: {"code":10007,"command":6,"msg":"ok 登录成功!","user":{…}}. J-IM declares the
// `user` member but never filled it; we do.
std::string login_ok_reply(const User& user, std::string_view terminal);

// A push without a status: {"command":X,"data":<data_json>} (J-IM's shape for notifications).
std::string push(Command command, std::string_view data_json);

// Chat push to receivers: {"command":11,"data":<chat body>}.
std::string chat_push(std::string_view chat_body_json);
// The same, built straight into the buffer every receiver shares (one allocation, no copy).
SharedBytes shared_chat_push(std::string_view chat_body_json);

// Chat ack to the sender: status 10000/10001 plus data {"createTime":…,"id":…[,"seq":…]}; seq is
// the message's place in its conversation (0: not stored, omitted).
std::string chat_ack(int code, std::string_view id, std::int64_t create_time,
                     std::uint64_t seq = 0);

}  // namespace jim::proto

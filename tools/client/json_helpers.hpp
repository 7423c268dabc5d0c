#pragma once
// Lenient JSON readers for test assertions and the CLI: they never throw and treat anything
// unexpected as "absent". Thread: any.

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jim::client {

// Parses `json` as a JSON object; nullopt for invalid JSON or any other JSON value. Never throws.
std::optional<boost::json::object> parse_object(std::string_view json);
// An integer member of a JSON object text (also accepts a string holding a number, as J-IM does).
std::optional<std::int64_t> int_member(std::string_view json, std::string_view key);
// A string member of a JSON object text.
std::optional<std::string> string_member(std::string_view json, std::string_view key);
// The ImStatus "code" of a reply body (spec §5.2); nullopt for pushes without a code.
inline std::optional<std::int64_t> status_code(std::string_view json) {
    return int_member(json, "code");
}

// The login request body {"cmd":5,"userId":user,"password":password} (spec §5.4).
std::string login_request(const std::string& user, const std::string& password);
// A private chat body {"cmd":11,["from":from,]"to":to,"chatType":2,"msgType":0,"content":…};
// "from" is left out when empty.
std::string chat_request(const std::string& from, const std::string& to,
                         const std::string& content);

}  // namespace jim::client

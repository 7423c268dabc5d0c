#pragma once
// Small helpers for reading untrusted JSON leniently (spec §2.6: numbers may arrive as strings,
// as fastjson accepts) and for writing JSON text by hand on hot paths. Never throws on input.
// Thread: any.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace jim::proto {

// A request body as a JSON object: nullopt when it is not one (or holds a number that would not
// serialize back, see all_numbers_finite). An empty body counts as {}: J-IM clients send
// bodiless commands.
std::optional<boost::json::object> parse_object(std::string_view body);

// Appends `s` as a quoted JSON string.
void append_json_string(std::string& out, std::string_view s);

// {"name":"value",...} from string members in the given order, leaving out empty values (the
// stored profile and group info values).
std::string string_members_object(
    std::initializer_list<std::pair<std::string_view, std::string_view>> members);

// The member as a string: JSON strings as is; numbers are not strings (nullopt).
std::optional<std::string_view> get_string(const boost::json::object& o, std::string_view key);

// The member as an integer: an integral JSON number, or a string holding one ("2").
std::optional<std::int64_t> get_int(const boost::json::object& o, std::string_view key);

// The integer a double or a string holds exactly ("2", 2.0), as get_int reads them; the
// streaming readers (prepare_chat, peek_command) use the same rules.
std::optional<std::int64_t> int_from_double(double d) noexcept;
std::optional<std::int64_t> int_from_string(std::string_view s) noexcept;

// The top-level "cmd" of a WebSocket message, read as get_int would, without building a
// document: parsing stops once "cmd" is read, so the rest is validated by the command's handler
// (which parses the body anyway). nullopt when the text before it is not a JSON object or
// there is no usable "cmd".
std::optional<std::int64_t> peek_command(std::string_view json);

// False if any number in `v` is infinite or NaN. Boost.JSON parses an overflowing number such as
// 1e999 as an infinite double and would serialize it back as `Infinity`, which is not JSON; such
// a body must never be re-serialised to anyone. Recursion is bounded by the parser's depth limit.
bool all_numbers_finite(const boost::json::value& v) noexcept;

}  // namespace jim::proto

#include "client/json_helpers.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <utility>

#include "jim/proto/command.hpp"
#include "jim/proto/json_util.hpp"

namespace jim::client {

std::optional<boost::json::object> parse_object(std::string_view json) {
    boost::system::error_code ec;
    auto v = boost::json::parse(json, ec);
    if (ec || !v.is_object()) return std::nullopt;
    return std::move(v.get_object());
}

std::optional<std::int64_t> int_member(std::string_view json, std::string_view key) {
    const auto o = parse_object(json);
    if (!o) return std::nullopt;
    return proto::get_int(*o, key);
}

std::optional<std::string> string_member(std::string_view json, std::string_view key) {
    const auto o = parse_object(json);
    if (!o) return std::nullopt;
    const auto s = proto::get_string(*o, key);
    if (!s) return std::nullopt;
    return std::string(*s);
}

std::string login_request(const std::string& user, const std::string& password) {
    const boost::json::object req{
        {"cmd", proto::code(proto::Command::login_req)}, {"userId", user}, {"password", password}};
    return boost::json::serialize(req);
}

std::string chat_request(const std::string& from, const std::string& to,
                         const std::string& content) {
    boost::json::object req{{"cmd", proto::code(proto::Command::chat_req)}};
    if (!from.empty()) req["from"] = from;
    req["to"] = to;
    req["chatType"] = 2;
    req["msgType"] = 0;
    req["content"] = content;
    return boost::json::serialize(req);
}

}  // namespace jim::client

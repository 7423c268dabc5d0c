// peek_command: the WebSocket layer's "cmd" reader (it must agree with get_int on a document).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "jim/proto/json_util.hpp"

namespace jim::proto {
namespace {

std::optional<std::int64_t> via_document(std::string_view json) {
    boost::system::error_code ec;
    const auto v = boost::json::parse(json, ec);
    if (ec || !v.is_object()) return std::nullopt;
    return get_int(v.get_object(), "cmd");
}

TEST(PeekCommand, AgreesWithTheDocumentOnWellFormedBodies) {
    for (std::string_view json : {
             R"({"cmd":11,"chatType":2,"to":"u2"})",
             R"({"to":"u2","content":"{\"cmd\":5}","cmd":13})",
             R"({"extras":{"cmd":7,"a":[{"cmd":9}]},"cmd":"19"})",
             R"({ "cmd" : 2.0 })",
             R"({"\u0063md":17})",
             R"({"cmd":2.5})",
             R"({"cmd":"x"})",
             R"({"cmd":null})",
             R"({"cmd":true})",
             R"({"cmd":[11]})",
             R"({"cmd":{"v":11}})",
             R"({"cmd":-3})",
             R"({"cmd":18446744073709551615})",
             R"({"cmd":1e300})",
             R"({"content":"hi"})",
             R"({})",
             R"([{"cmd":11}])",
             R"("cmd")",
             R"(11)",
         }) {
        EXPECT_EQ(peek_command(json), via_document(json)) << json;
    }
}

TEST(PeekCommand, ReadsCmdFromAPrefixAndLeavesTheRestToTheHandler) {
    // Parsing stops at "cmd": what follows is the handler's to refuse (with its own status).
    EXPECT_EQ(peek_command(R"({"cmd":11,"content":)"), 11);
    EXPECT_EQ(peek_command(R"({"cmd":11} trailing)"), 11);
    // Before "cmd", the text must be JSON.
    EXPECT_EQ(peek_command(R"({"to":,"cmd":11})"), std::nullopt);
    EXPECT_EQ(peek_command(""), std::nullopt);
    EXPECT_EQ(peek_command("\xff"), std::nullopt);
}

TEST(IntFrom, DoublesAndStringsHoldingIntegers) {
    EXPECT_EQ(int_from_double(2.0), 2);
    EXPECT_EQ(int_from_double(2.5), std::nullopt);
    EXPECT_EQ(int_from_double(1e300), std::nullopt);
    EXPECT_EQ(int_from_double(-1e300), std::nullopt);
    EXPECT_EQ(int_from_string("19"), 19);
    EXPECT_EQ(int_from_string("-4"), -4);
    EXPECT_EQ(int_from_string(""), std::nullopt);
    EXPECT_EQ(int_from_string("1x"), std::nullopt);
    EXPECT_EQ(int_from_string("99999999999999999999"), std::nullopt);
}

TEST(StringMembersObject, KeepsOrderLeavesOutEmptyValuesAndEscapes) {
    EXPECT_EQ(string_members_object({}), "{}");
    EXPECT_EQ(string_members_object({{"a", ""}, {"b", ""}}), "{}");
    EXPECT_EQ(string_members_object({{"name", "x"}, {"owner", ""}, {"nick", "q\"\n"}}),
              R"({"name":"x","nick":"q\"\n"})");
    const auto round = parse_object(string_members_object({{"z", "1"}, {"a", "\u00e9"}}));
    ASSERT_TRUE(round);
    EXPECT_EQ(get_string(*round, "a"), "\u00e9");
}

}  // namespace
}  // namespace jim::proto

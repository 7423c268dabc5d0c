// Key and record encoding: byte order equals numeric order, keys of different ids never share a
// prefix, records round-trip and refuse corrupt bytes, and the seq splice.
#include "jim/store/encoding.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace jim::store::detail {
namespace {

TEST(Encoding, Be64OrdersLikeNumbers) {
    const std::uint64_t values[] = {0,
                                    1,
                                    255,
                                    256,
                                    65535,
                                    1ull << 32,
                                    (1ull << 63) + 5,
                                    std::numeric_limits<std::uint64_t>::max()};
    for (std::size_t i = 1; i < std::size(values); ++i) {
        EXPECT_LT(be64(values[i - 1]), be64(values[i])) << values[i];
        EXPECT_EQ(be64_value(be64(values[i])), values[i]);
    }
    EXPECT_LT(message_key("c", 9), message_key("c", 10));
    EXPECT_LT(message_key("c", 255), message_key("c", 256));
}

TEST(Encoding, TimeBitsOrderSignedTimes) {
    const std::int64_t times[] = {
        std::numeric_limits<std::int64_t>::min(), -1000, -1, 0, 1, 1'700'000'000'000,
        std::numeric_limits<std::int64_t>::max()};
    for (std::size_t i = 1; i < std::size(times); ++i) {
        EXPECT_LT(time_key("c", times[i - 1], 0), time_key("c", times[i], 0));
        EXPECT_EQ(time_from_bits(time_bits(times[i])), times[i]);
    }
}

TEST(Encoding, StringsRoundTripAtEveryLengthBoundary) {
    for (const std::size_t n : {0, 1, 127, 128, 16383, 16384, 70000}) {
        std::string encoded;
        put_str(encoded, std::string(n, 'x'));
        encoded += "tail";
        std::string_view in = encoded;
        std::string_view out;
        ASSERT_TRUE(take_str(in, out)) << n;
        EXPECT_EQ(out.size(), n);
        EXPECT_EQ(in, "tail");
    }
    std::string_view truncated =
        "\x05"
        "abc";
    std::string_view out;
    EXPECT_FALSE(take_str(truncated, out));
    std::string_view endless = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff";
    EXPECT_FALSE(take_str(endless, out));
}

TEST(Encoding, KeysOfDifferentIdsNeverShareAPrefix) {
    // Without length prefixes "ab" + seq would start with "a" + something.
    const std::string a = message_prefix("a");
    const std::string ab = message_key("ab", 1);
    EXPECT_NE(ab.compare(0, a.size(), a), 0);
    EXPECT_NE(member_key("g", "1x").compare(0, member_prefix("g1").size(), member_prefix("g1")), 0);
    // Ids with bytes that look like separators or lengths stay apart.
    EXPECT_NE(inbox_prefix(std::string("a\0b", 3)), inbox_prefix("a"));
    EXPECT_NE(client_id_key("ab", "c"), client_id_key("a", "bc"));
    // Every key of a conversation sorts before the kAfterAll bound of its prefix.
    EXPECT_LT(message_key("c", std::numeric_limits<std::uint64_t>::max()),
              message_prefix("c") + std::string(kAfterAll));
    std::string conv;
    ASSERT_TRUE(conversation_of_message_key(message_key("u\x1f"
                                                        "x",
                                                        3),
                                            conv));
    EXPECT_EQ(conv,
              "u\x1f"
              "x");
    EXPECT_FALSE(conversation_of_message_key(inbox_key("u", 1), conv));
}

TEST(Encoding, MessageRecordRoundTripsAndRefusesCorruption) {
    AppendRequest r;
    r.id = "0123456789abcdef";
    r.sender = "alice";
    r.client_msg_id = "cm-7";
    r.create_time = -42;
    const std::string v = encode_message(r, R"({"seq":1})");
    MessageRecord m;
    std::string cmid;
    ASSERT_TRUE(decode_message(v, m, &cmid));
    EXPECT_EQ(m.id, r.id);
    EXPECT_EQ(m.sender, "alice");
    EXPECT_EQ(m.create_time, -42);
    EXPECT_EQ(m.body, R"({"seq":1})");
    EXPECT_FALSE(m.recalled);
    EXPECT_EQ(cmid, "cm-7");
    for (std::size_t cut = 0; cut < v.size() - 9; ++cut) {
        EXPECT_FALSE(decode_message(v.substr(0, cut), m, nullptr)) << cut;
    }
    std::string wrong_version = v;
    wrong_version[0] = 9;
    EXPECT_FALSE(decode_message(wrong_version, m, nullptr));

    std::string conv;
    std::uint64_t seq = 0;
    ASSERT_TRUE(parse_message_ref(message_ref("g1", 77), conv, seq));
    EXPECT_EQ(conv, "g1");
    EXPECT_EQ(seq, 77u);
    EXPECT_FALSE(parse_message_ref(message_ref("g1", 77) + "x", conv, seq));
    EXPECT_FALSE(parse_message_ref("\x02g", conv, seq));
}

TEST(Encoding, SpliceSeq) {
    std::string out;
    ASSERT_TRUE(splice_seq(R"({"a":1})", 7, out));
    EXPECT_EQ(out, R"({"a":1,"seq":7})");
    ASSERT_TRUE(splice_seq("{}", 1, out));
    EXPECT_EQ(out, R"({"seq":1})");
    ASSERT_TRUE(splice_seq(" {\n} ", 1, out));
    EXPECT_EQ(out, R"({"seq":1})");
    ASSERT_TRUE(splice_seq("{\"a\":\"}\" }\r\n", 18446744073709551615ull, out));
    EXPECT_EQ(out, R"({"a":"}","seq":18446744073709551615})");
    for (const char* bad : {"", " ", "{", "}", "[]", "null", "{\"a\":1", "\"{}\"", "x{}"}) {
        EXPECT_FALSE(splice_seq(bad, 1, out)) << bad;
    }
}

}  // namespace
}  // namespace jim::store::detail

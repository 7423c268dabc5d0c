// Fuzzes the store's byte layouts (src/jim/store/encoding.*, docs/storage.md) as a database that
// was damaged or written by another version would feed them: message records, message refs,
// message keys, and the seq splice into a stored body. Checks: nothing crashes; whatever
// decodes re-encodes and decodes to the same fields; a splice into a JSON object without "seq"
// yields a JSON object whose "seq" is the number spliced.
#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "jim/store/encoding.hpp"

namespace {

using namespace jim::store;
using namespace jim::store::detail;

void message_record(std::string_view in) {
    MessageRecord rec;
    std::string cmid;
    if (!decode_message(in, rec, &cmid)) return;
    AppendRequest req;
    req.id = rec.id;
    req.sender = rec.sender;
    req.client_msg_id = cmid;
    req.create_time = rec.create_time;
    MessageRecord again;
    std::string cmid_again;
    JIM_FUZZ_CHECK(decode_message(encode_message(req, rec.body), again, &cmid_again));
    JIM_FUZZ_CHECK(again.id == rec.id && again.sender == rec.sender && cmid_again == cmid &&
                   again.create_time == rec.create_time && again.body == rec.body &&
                   !again.recalled);
}

void message_ref(std::string_view in) {
    std::string conv;
    std::uint64_t seq = 0;
    if (!parse_message_ref(in, conv, seq)) return;
    std::string conv2;
    std::uint64_t seq2 = 0;
    JIM_FUZZ_CHECK(parse_message_ref(detail::message_ref(conv, seq), conv2, seq2));
    JIM_FUZZ_CHECK(conv2 == conv && seq2 == seq);
}

void message_key_of(std::string_view in) {
    std::string conv;
    if (!conversation_of_message_key(in, conv)) return;
    std::string conv2;
    const std::string key = message_key(conv, 7);
    JIM_FUZZ_CHECK(key.starts_with(message_prefix(conv)));
    JIM_FUZZ_CHECK(conversation_of_message_key(key, conv2) && conv2 == conv);
}

void splice(std::string_view in, std::uint64_t seq) {
    std::string out;
    if (!splice_seq(in, seq, out)) return;
    boost::system::error_code ec;
    const auto before = boost::json::parse(in, ec);
    if (ec || !before.is_object() || before.get_object().contains("seq")) return;
    const auto after = boost::json::parse(out, ec);
    JIM_FUZZ_CHECK(!ec && after.is_object());
    const auto* s = after.get_object().if_contains("seq");
    JIM_FUZZ_CHECK(s != nullptr && s->to_number<std::uint64_t>() == seq);
    JIM_FUZZ_CHECK(after.get_object().size() == before.get_object().size() + 1);
}

// Fields cut from the input by 0xff bytes: encode, decode, compare.
void round_trip(std::string_view in) {
    std::string_view parts[4];
    for (auto& p : parts) {
        const auto cut = in.find('\xff');
        p = in.substr(0, cut);
        in = cut == std::string_view::npos ? std::string_view() : in.substr(cut + 1);
    }
    AppendRequest req;
    req.id = parts[0];
    req.sender = parts[1];
    req.client_msg_id = parts[2];
    req.create_time = static_cast<std::int64_t>(parts[3].size()) * -977 + 1700000000000;
    MessageRecord rec;
    std::string cmid;
    JIM_FUZZ_CHECK(decode_message(encode_message(req, in), rec, &cmid));
    JIM_FUZZ_CHECK(rec.id == req.id && rec.sender == req.sender && cmid == req.client_msg_id &&
                   rec.create_time == req.create_time && rec.body == in);
    std::string conv;
    std::uint64_t seq = 0;
    JIM_FUZZ_CHECK(parse_message_ref(detail::message_ref(parts[0], 99), conv, seq));
    JIM_FUZZ_CHECK(conv == parts[0] && seq == 99);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    message_record(in);
    message_ref(in);
    message_key_of(in);
    std::uint64_t seq = 0;
    for (std::size_t i = 0; i < 8 && i < size; ++i) seq = (seq << 8) | data[i];
    splice(in, seq);
    round_trip(in);
    return 0;
}

// Fuzzes chat body preparation (spec §5.4, §6.6) with arbitrary bytes as the JSON body: it never
// crashes or throws, and a body it accepts is a JSON object the server vouches for.
#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "jim/proto/chat.hpp"

namespace {

constexpr std::string_view kId = "0123456789abcdef0123456789abcdef";
constexpr std::int64_t kNow = 1700000000123;

void check(std::string_view json, std::string_view user) {
    jim::proto::PreparedChat out;
    const auto e = jim::proto::prepare_chat(json, user, kId, kNow, out);
    if (e != jim::Errc::ok) {
        JIM_FUZZ_CHECK(!out.reason.empty());
        return;
    }
    boost::system::error_code ec;
    const auto v = boost::json::parse(out.body, ec);
    JIM_FUZZ_CHECK(!ec && v.is_object());
    const auto& o = v.get_object();
    const auto* from = o.if_contains("from");
    JIM_FUZZ_CHECK(from != nullptr && from->is_string() && from->get_string() == user);
    const auto* id = o.if_contains("id");
    JIM_FUZZ_CHECK(id != nullptr && id->is_string() && id->get_string() == kId);
    const auto* created = o.if_contains("createTime");
    JIM_FUZZ_CHECK(created != nullptr && created->is_int64() && created->get_int64() == kNow);
    const auto* chat_type = o.if_contains("chatType");
    JIM_FUZZ_CHECK(chat_type != nullptr && chat_type->is_int64());
    if (out.type == jim::proto::ChatType::private_chat) {
        JIM_FUZZ_CHECK(chat_type->get_int64() == 2 && !out.to.empty());
        const auto* to = o.if_contains("to");
        JIM_FUZZ_CHECK(to != nullptr && to->is_string() && to->get_string() == out.to);
    } else {
        JIM_FUZZ_CHECK(out.type == jim::proto::ChatType::group);
        JIM_FUZZ_CHECK(chat_type->get_int64() == 1 && !out.group_id.empty());
        const auto* group = o.if_contains("groupId");
        JIM_FUZZ_CHECK(group != nullptr && group->is_string() &&
                       group->get_string() == out.group_id);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view json(reinterpret_cast<const char*>(data), size);
    check(json, "u1");
    check(json, "张三丰");
    return 0;
}

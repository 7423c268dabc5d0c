// Group join policies (issue P5 §1): groups.max_members refuses a join with JoinGroupResult 3
// (GROUP_FULL), groups.join = "invite" leaves membership to the admin API (result 2 for a group
// without members, 0 for one with members). Both count the durable membership (the store).

#include "client/http_client.hpp"
#include "server_fixture.hpp"

namespace jim::testing {
namespace {

using client::HttpClient;
using client::parse_object;

std::optional<boost::json::object> join(TcpClient& c, const std::string& group) {
    EXPECT_TRUE(c.send(7, R"({"cmd":7,"groupId":")" + group + R"("})"));
    const auto reply = c.read_until(8, kWait);
    if (!reply) return std::nullopt;
    return parse_object(reply->body);
}

TEST_F(ServerTest, AFullGroupRefusesTheJoinWithResult3) {
    net::ServerOptions o;
    o.group_max_members = 2;
    start(o);
    TcpClient alice = login("alice");
    TcpClient bob = login("bob");
    TcpClient carol = login("carol");
    for (auto* c : {&alice, &bob}) {
        const auto ok = join(*c, "pair");
        ASSERT_TRUE(ok);
        EXPECT_EQ(ok->at("result").as_int64(), 1) << *ok;
    }
    const auto full = join(carol, "pair");
    ASSERT_TRUE(full);
    EXPECT_EQ(full->at("code").as_int64(), 10012) << *full;
    EXPECT_EQ(full->at("result").as_int64(), 3) << *full;
    EXPECT_EQ(full->at("group").as_string(), "pair");
    // Refused means not a member: carol may not post there.
    ASSERT_TRUE(carol.send(11, R"({"cmd":11,"chatType":1,"groupId":"pair","content":"hi"})"));
    const auto ack = carol.read_until(12, kWait);
    ASSERT_TRUE(ack);
    EXPECT_EQ(client::status_code(ack->body), 10010) << ack->body;
    // A member joining again is still answered with 1, full or not.
    const auto again = join(alice, "pair");
    ASSERT_TRUE(again);
    EXPECT_EQ(again->at("result").as_int64(), 1) << *again;
}

TEST_F(ServerTest, InvitationOnlyGroupsAreJoinedThroughTheAdminApi) {
    net::ServerOptions o;
    o.groups_by_invitation = true;
    start(o);
    TcpClient alice = login("alice");
    TcpClient bob = login("bob");
    const auto missing = join(alice, "team");
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->at("result").as_int64(), 2) << *missing;  // NOT_EXIST

    // The admin adds alice (loopback, no api.key): she is told like any joiner (cmd 9).
    auto http = HttpClient::connect("127.0.0.1", server().port(), kWait);
    ASSERT_TRUE(http.has_value());
    const auto r =
        http->request("POST", "/api/groups", {}, R"({"groupId":"team","members":["alice"]})");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201) << r->body;
    ASSERT_TRUE(alice.read_until(9, kWait));

    const auto refused = join(bob, "team");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->at("code").as_int64(), 10012) << *refused;
    EXPECT_EQ(refused->at("result").as_int64(), 0) << *refused;
    // alice, a member, is confirmed.
    const auto member = join(alice, "team");
    ASSERT_TRUE(member);
    EXPECT_EQ(member->at("result").as_int64(), 1) << *member;
}

}  // namespace
}  // namespace jim::testing

// The admin HTTP API (issue P8 §3): one or more calls per resource (users, groups, messages,
// sessions, statistics), through a real HTTP connection, with the API key.

#include <stdlib.h>  // mkdtemp

#include <boost/json/parse.hpp>
#include <filesystem>

#include "client/http_client.hpp"
#include "server_fixture.hpp"

namespace jim::testing {
namespace {

using client::HttpClient;
using client::HttpResponse;

constexpr const char* kKey = "admin-key";

class AdminApiTest : public ServerTest {
  protected:
    void SetUp() override { start(options()); }
    void TearDown() override {
        ServerTest::TearDown();
        if (!disk_.empty()) std::filesystem::remove_all(disk_);
    }
    static net::ServerOptions options() {
        net::ServerOptions o;
        o.api_key = kKey;
        return o;
    }
    // (Re)starts the server on a RocksDB store in this test's own directory: each call closes
    // the database and opens it again, as a new process would, with nothing in memory.
    void restart_on_disk() {
        if (disk_.empty()) {
            char tmpl[] = "/tmp/jim-admin-XXXXXX";
            disk_ = mkdtemp(tmpl);
        }
        use_store("rocksdb", disk_ + "/db");
        start(options());
    }
    HttpResponse call(const std::string& method, const std::string& target,
                      const std::string& body = {}) {
        auto c = HttpClient::connect("127.0.0.1", server().port(), kWait);
        EXPECT_TRUE(c.has_value());
        auto r = c->request(method, target, {{"Authorization", std::string("Bearer ") + kKey}},
                            body, kWait);
        EXPECT_TRUE(r.has_value()) << method << ' ' << target;
        return r.value_or(HttpResponse{});
    }
    static boost::json::value json(const HttpResponse& r) { return boost::json::parse(r.body); }

  private:
    std::string disk_;  // restart_on_disk()'s directory, removed after the test
};

TEST_F(AdminApiTest, ABanKicksTheSessionsAndRefusesLoginsUntilLifted) {
    TcpClient alice = login("alice");
    auto r = call("POST", "/api/users/alice/ban", R"({"reason":"spam"})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json(r).at("closed").as_int64(), 1);
    EXPECT_TRUE(alice.wait_closed(kWait));

    TcpClient again = connect();
    const auto refused = again.login("alice", "x", kWait);
    ASSERT_TRUE(refused);
    EXPECT_EQ(client::status_code(*refused), 10008);
    EXPECT_NE(refused->find("banned: spam"), std::string::npos) << *refused;

    r = call("GET", "/api/users/banned");
    EXPECT_EQ(json(r).at("users").at(0).at("userId").as_string(), "alice");
    r = call("DELETE", "/api/users/alice/ban");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(call("DELETE", "/api/users/alice/ban").status, 404);  // not banned any more
    login("alice");  // accepted again (login() checks 10007)
}

TEST_F(AdminApiTest, BansSurviveARestartOnTheSameDataDir) {
    restart_on_disk();
    ASSERT_EQ(call("POST", "/api/users/mallory/ban", R"({"reason":"spam"})").status, 200);
    ASSERT_EQ(call("POST", "/api/users/eve/ban").status, 200);
    ASSERT_EQ(call("DELETE", "/api/users/eve/ban").status, 200);

    restart_on_disk();
    TcpClient again = connect();
    const auto refused = again.login("mallory", "x", kWait);
    ASSERT_TRUE(refused);
    EXPECT_EQ(client::status_code(*refused), 10008);
    EXPECT_NE(refused->find("banned: spam"), std::string::npos) << *refused;
    const auto r = call("GET", "/api/users/banned");
    ASSERT_EQ(json(r).at("users").as_array().size(), 1u) << r.body;
    login("eve");  // the lifted ban stayed lifted
}

TEST_F(AdminApiTest, SessionsAreListedAndKicked) {
    TcpClient a1 = login("alice");
    TcpClient a2 = login("alice");
    auto r = call("GET", "/api/users/alice/sessions");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(json(r).at("sessions").as_array().size(), 2u);
    r = call("DELETE", "/api/users/alice/sessions");
    EXPECT_EQ(json(r).at("closed").as_int64(), 2);
    EXPECT_TRUE(a1.wait_closed(kWait));
    EXPECT_TRUE(a2.wait_closed(kWait));
    ASSERT_TRUE(eventually([&] { return !server().online("alice"); }));
}

TEST_F(AdminApiTest, GroupsAreCreatedRenamedHandedOverChangedAndDissolved) {
    TcpClient bob = login("bob");
    auto r = call("POST", "/api/groups",
                  R"({"groupId":"team","name":"Team","owner":"alice","members":["bob"]})");
    ASSERT_EQ(r.status, 201) << r.body;
    auto g = json(r);
    EXPECT_EQ(g.at("name").as_string(), "Team");
    EXPECT_EQ(g.at("owner").as_string(), "alice");
    EXPECT_EQ(g.at("members").as_array().size(), 2u);
    EXPECT_EQ(g.at("online").as_int64(), 1);
    EXPECT_EQ(call("POST", "/api/groups", R"({"groupId":"team"})").status, 409);
    EXPECT_EQ(call("POST", "/api/groups", R"({"name":"no id"})").status, 400);

    r = call("PATCH", "/api/groups/team", R"({"name":"The Team","owner":"carol"})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json(r).at("name").as_string(), "The Team");
    EXPECT_EQ(json(r).at("owner").as_string(), "carol");
    EXPECT_EQ(json(r).at("members").as_array().size(), 3u);  // the owner became a member

    r = call("POST", "/api/groups/team/members", R"({"userIds":["dave","bob"]})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json(r).at("added").as_int64(), 1);  // bob was a member already

    // Removing bob is told to him too (cmd 10).
    r = call("DELETE", "/api/groups/team/members/bob");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(bob.read_until(10, kWait));
    EXPECT_EQ(call("DELETE", "/api/groups/team/members/bob").status, 404);
    EXPECT_FALSE(server().groups().is_member("team", "bob"));

    r = call("GET", "/api/groups/team");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(json(r).at("members").as_array().size(), 3u);  // alice, carol, dave
    r = call("DELETE", "/api/groups/team");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(json(r).at("removed").as_int64(), 3);
    EXPECT_EQ(call("GET", "/api/groups/team").status, 404);
}

// A group's name and owner are stored: a restart on the same data dir (a new process's memory)
// still shows them, over the API and in get-user (cmd 17), and keeps them apart from a group
// that was dissolved before the restart.
TEST_F(AdminApiTest, GroupNameAndOwnerSurviveARestartOnTheSameDataDir) {
    restart_on_disk();
    ASSERT_EQ(call("POST", "/api/groups",
                   R"({"groupId":"team","name":"Team","owner":"alice","members":["bob"]})")
                  .status,
              201);
    auto r = call("PATCH", "/api/groups/team", R"({"name":"The A Team"})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json(r).at("owner").as_string(), "alice");  // kept: only the name was sent
    ASSERT_EQ(
        call("POST", "/api/groups", R"({"groupId":"gone","name":"Gone","owner":"eve"})").status,
        201);
    ASSERT_EQ(call("DELETE", "/api/groups/gone").status, 200);

    restart_on_disk();  // memory is new
    r = call("GET", "/api/groups/team");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json(r).at("name").as_string(), "The A Team");
    EXPECT_EQ(json(r).at("owner").as_string(), "alice");
    EXPECT_EQ(json(r).at("members"), boost::json::parse(R"(["alice","bob"])"));
    EXPECT_EQ(call("GET", "/api/groups/gone").status, 404);
    EXPECT_EQ(call("POST", "/api/groups", R"({"groupId":"team"})").status, 409);

    // get-user lists the group under its stored name.
    TcpClient bob = login("bob");
    ASSERT_TRUE(bob.send(17, R"({"cmd":17,"type":2,"userId":"bob"})"));
    const auto user = bob.read_until(18, kWait);
    ASSERT_TRUE(user);
    const auto groups = boost::json::parse(user->body).at("data").at("groups");
    ASSERT_EQ(groups.as_array().size(), 1u) << user->body;
    EXPECT_EQ(groups.at(0).at("groupId").as_string(), "team");
    EXPECT_EQ(groups.at(0).at("name").as_string(), "The A Team") << user->body;

    // After the restart the stored members can be changed, and a hand-over is stored too.
    r = call("DELETE", "/api/groups/team/members/bob");
    ASSERT_EQ(r.status, 200) << r.body;
    r = call("PATCH", "/api/groups/team", R"({"owner":"carol"})");
    ASSERT_EQ(r.status, 200) << r.body;
    restart_on_disk();
    r = call("GET", "/api/groups/team");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json(r).at("name").as_string(), "The A Team");
    EXPECT_EQ(json(r).at("owner").as_string(), "carol");
    EXPECT_EQ(json(r).at("members"), boost::json::parse(R"(["alice","carol"])"));
    r = call("DELETE", "/api/groups/team");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json(r).at("removed").as_int64(), 2);  // members only the store knew
    EXPECT_EQ(call("GET", "/api/groups/team").status, 404);
}

// Without a store (store.engine = "none") names and owners are kept in memory.
TEST_F(AdminApiTest, GroupNameAndOwnerWithoutAStore) {
    use_store("none");
    start(options());
    ASSERT_EQ(
        call("POST", "/api/groups", R"({"groupId":"team","name":"Team","owner":"alice"})").status,
        201);
    EXPECT_EQ(call("POST", "/api/groups", R"({"groupId":"team"})").status, 409);
    ASSERT_EQ(call("PATCH", "/api/groups/team", R"({"owner":"bob"})").status, 200);
    auto r = call("GET", "/api/groups/team");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json(r).at("name").as_string(), "Team");
    EXPECT_EQ(json(r).at("owner").as_string(), "bob");
    EXPECT_EQ(json(r).at("members"), boost::json::parse(R"(["alice","bob"])"));
    ASSERT_EQ(call("DELETE", "/api/groups/team").status, 200);
    EXPECT_EQ(call("GET", "/api/groups/team").status, 404);
    EXPECT_EQ(call("PATCH", "/api/groups/team", R"({"name":"x"})").status, 404);
}

TEST_F(AdminApiTest, MessageHistoryOfAPrivateConversationAndAGroup) {
    TcpClient alice = login("alice");
    ASSERT_TRUE(alice.chat("bob", "one", kWait));
    ASSERT_TRUE(alice.chat("bob", "two", kWait));
    auto r = call("GET", "/api/messages?userId=bob&peerId=alice");
    ASSERT_EQ(r.status, 200) << r.body;
    auto msgs = json(r).at("messages").as_array();
    ASSERT_EQ(msgs.size(), 2u);
    EXPECT_EQ(msgs[0].at("content").as_string(), "one");
    EXPECT_EQ(msgs[1].at("seq").as_int64(), 2);
    r = call("GET", "/api/messages?userId=bob&peerId=alice&afterSeq=1");
    EXPECT_EQ(json(r).at("messages").as_array().size(), 1u);

    ASSERT_EQ(call("POST", "/api/groups", R"({"groupId":"g","members":["alice"]})").status, 201);
    ASSERT_TRUE(alice.send(11, R"({"cmd":11,"chatType":1,"groupId":"g","content":"hi all"})"));
    ASSERT_TRUE(alice.read_until(12, kWait));
    r = call("GET", "/api/messages?groupId=g");
    ASSERT_EQ(json(r).at("messages").as_array().size(), 1u);
    EXPECT_EQ(call("GET", "/api/messages").status, 400);
    EXPECT_EQ(call("GET", "/api/messages?groupId=g&limit=x").status, 400);
}

TEST_F(AdminApiTest, DeletingAMessageRemovesItAndTellsTheConversation) {
    TcpClient alice = login("alice");
    TcpClient bob = login("bob");
    ASSERT_TRUE(alice.chat("bob", "one", kWait));
    ASSERT_TRUE(alice.chat("bob", "secret", kWait));
    ASSERT_TRUE(alice.chat("bob", "three", kWait));
    auto msgs =
        json(call("GET", "/api/messages?userId=bob&peerId=alice")).at("messages").as_array();
    ASSERT_EQ(msgs.size(), 3u);
    const std::string id(msgs[1].at("id").as_string());
    const std::string target = "/api/messages/2?userId=alice&peerId=bob&id=" + id;

    EXPECT_EQ(call("DELETE", "/api/messages/2?userId=alice&peerId=bob&id=wrong").status, 404);
    EXPECT_EQ(call("DELETE", "/api/messages/9?userId=alice&peerId=bob&id=" + id).status, 404);
    EXPECT_EQ(call("DELETE", "/api/messages/2?userId=alice&peerId=bob").status, 400);
    EXPECT_EQ(call("DELETE", "/api/messages/2?id=" + id).status, 400);
    EXPECT_EQ(call("DELETE", "/api/messages/x?groupId=g&id=" + id).status, 400);

    auto r = call("DELETE", target);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_FALSE(json(r).at("already").as_bool());
    // Both online sides hear of it (cmd 16 push: no code), without the content.
    for (TcpClient* c : {&alice, &bob}) {
        const auto f = c->read_until(16, kWait);
        ASSERT_TRUE(f.has_value());
        const auto o = client::parse_object(f->body);
        ASSERT_TRUE(o.has_value()) << f->body;
        EXPECT_FALSE(o->contains("code"));
        const auto& d = o->at("data").as_object();
        EXPECT_TRUE(d.at("deleted").as_bool());
        EXPECT_EQ(d.at("id").as_string(), id);
        EXPECT_EQ(d.at("seq").as_int64(), 2);
        EXPECT_FALSE(d.contains("content"));
        EXPECT_EQ(f->body.find("secret"), std::string::npos);
    }
    msgs = json(call("GET", "/api/messages?userId=bob&peerId=alice")).at("messages").as_array();
    ASSERT_EQ(msgs.size(), 2u);
    EXPECT_EQ(msgs[0].at("seq").as_int64(), 1);
    EXPECT_EQ(msgs[1].at("seq").as_int64(), 3);

    // Again: answered, nothing pushed. The seq is not reused.
    r = call("DELETE", target);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(json(r).at("already").as_bool());
    EXPECT_FALSE(bob.read_until(16, kQuiet).has_value());
    ASSERT_TRUE(alice.chat("bob", "four", kWait));
    msgs = json(call("GET", "/api/messages?userId=bob&peerId=alice&afterSeq=3"))
               .at("messages")
               .as_array();
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(msgs[0].at("seq").as_int64(), 4);
}

TEST_F(AdminApiTest, StatisticsCountConnectionsAndStore) {
    TcpClient alice = login("alice");
    ASSERT_TRUE(alice.chat("bob", "x", kWait));
    const auto r = call("GET", "/api/stats");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto s = json(r);
    EXPECT_GE(s.at("connections").at("open").as_int64(), 1);
    EXPECT_EQ(s.at("online").at("users").as_int64(), 1);
    EXPECT_EQ(s.at("store").at("appends").as_int64(), 1);
    EXPECT_EQ(s.at("workers").as_int64(), 2);
}

TEST_F(AdminApiTest, WrongMethodsAndUnknownRoutes) {
    auto r = call("PUT", "/api/groups/team");
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(r.header("Allow").value_or(""), "GET, PATCH, DELETE");
    EXPECT_EQ(call("GET", "/api/nothing/here").status, 404);
    // Without the key nothing answers.
    auto c = HttpClient::connect("127.0.0.1", server().port(), kWait);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->request("GET", "/api/stats", {}, {}, kWait)->status, 401);
}

}  // namespace
}  // namespace jim::testing

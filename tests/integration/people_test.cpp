// Users and presence (issues P4 #8, P5 #3): profiles set through the API or by the auth backend
// that survive a restart and show in get-user (cmd 17), contact lists managed through the API
// (cmd 17 friend categories, spec §5.4/§6.7), and presence to friends and to large groups
// (cmd 29, docs/protocol.md), over TCP and WebSocket.

#include <filesystem>

#include "client/http_client.hpp"
#include "client/ws_client.hpp"
#include "server_fixture.hpp"

namespace jim::testing {
namespace {

using client::HttpClient;
using client::HttpResponse;
using client::parse_object;
using client::status_code;
using client::WsClient;

constexpr std::string_view kKey = "people-key";

class PeopleTest : public ServerTest {
  protected:
    void SetUp() override { start(options()); }
    net::ServerOptions options() {
        net::ServerOptions o;
        o.api_key = std::string(kKey);
        return o;
    }
    HttpResponse api(const std::string& method, const std::string& target,
                     const std::string& body = {}) {
        auto c = HttpClient::connect("127.0.0.1", server().port(), kWait);
        EXPECT_TRUE(c.has_value());
        if (!c) return {};
        auto r = c->request(method, target, {{"Authorization", "Bearer " + std::string(kKey)}},
                            body, kWait);
        EXPECT_TRUE(r.has_value()) << method << " " << target;
        return r.value_or(HttpResponse{});
    }
    // cmd 17's data for `user` as `asker` sees it over TCP.
    static boost::json::object get_user(TcpClient& asker, const std::string& user, int type) {
        EXPECT_TRUE(asker.send(
            17, R"({"cmd":17,"type":)" + std::to_string(type) + R"(,"userId":")" + user + "\"}"));
        const auto f = asker.read_until(18, kWait);
        EXPECT_TRUE(f.has_value());
        if (!f) return {};
        const auto o = parse_object(f->body);
        EXPECT_TRUE(o && o->contains("data")) << f->body;
        return o && o->contains("data") ? o->at("data").as_object() : boost::json::object{};
    }
};

// The user ids (and statuses) listed in one friend category of a cmd 17 reply.
std::vector<std::string> category_users(const boost::json::object& data, std::string_view name) {
    std::vector<std::string> out;
    if (!data.contains("friends")) return out;
    for (const auto& c : data.at("friends").as_array()) {
        if (c.at("name").as_string() != name) continue;
        for (const auto& u : c.at("users").as_array()) {
            out.push_back(std::string(u.at("userId").as_string()) + ":" +
                          std::string(u.at("status").as_string()));
        }
    }
    return out;
}

TEST_F(PeopleTest, ProfileSetThroughTheApiSurvivesARestartAndShowsInGetUser) {
    char tmpl[] = "/tmp/jim-people-XXXXXX";
    const std::string dir = mkdtemp(tmpl);
    use_store("rocksdb", dir + "/db");
    start(options());
    const std::string profile = R"({"nick":"Alice A.","avatar":"https://x/a.png","sign":"hi"})";
    const auto put = api("PUT", "/api/user/profile?userid=alice", profile);
    EXPECT_EQ(put.status, 200) << put.body;
    EXPECT_EQ(put.body,
              R"({"avatar":"https://x/a.png","nick":"Alice A.","sign":"hi","userId":"alice"})");
    EXPECT_EQ(api("GET", "/api/user/profile?userid=nobody").status, 404);
    {
        TcpClient bob = login("bob");
        const auto alice = get_user(bob, "alice", 2);  // alice has never logged in
        EXPECT_EQ(alice.at("nick").as_string(), "Alice A.");
        EXPECT_EQ(alice.at("status").as_string(), "offline");
    }

    use_store("rocksdb", dir + "/db");  // closes the database; a new server starts on it
    start(options());
    EXPECT_EQ(api("GET", "/api/user/profile?userid=alice").body, put.body);
    TcpClient bob = login("bob");
    auto alice = get_user(bob, "alice", 1);  // offline, after the restart
    EXPECT_EQ(alice.at("nick").as_string(), "Alice A.");
    EXPECT_EQ(alice.at("avatar").as_string(), "https://x/a.png");
    EXPECT_EQ(alice.at("sign").as_string(), "hi");
    // Online too, and its group notification (cmd 9) carries the stored nick.
    ASSERT_TRUE(bob.send(7, R"({"cmd":7,"groupId":"club"})"));
    ASSERT_TRUE(bob.read_until(8, kWait));
    WsClient ws = ws_login("alice");
    ASSERT_TRUE(ws.send_text(R"({"cmd":7,"groupId":"club"})"));
    ASSERT_TRUE(bob.read_until(9, kWait));  // its own join (J-IM tells the joiner too)
    const auto joined = bob.read_until(9, kWait);
    ASSERT_TRUE(joined);
    EXPECT_EQ(parse_object(joined->body)->at("user").at("nick").as_string(), "Alice A.");
    alice = get_user(bob, "alice", 0);
    EXPECT_EQ(alice.at("status").as_string(), "online");
    EXPECT_EQ(alice.at("nick").as_string(), "Alice A.");
    stop();
    std::filesystem::remove_all(dir);
}

TEST_F(PeopleTest, ProfileRequestsAreChecked) {
    EXPECT_EQ(api("PUT", "/api/user/profile?userid=alice", "[1]").status, 400);
    EXPECT_EQ(api("PUT", "/api/user/profile?userid=alice", R"({"nick":5})").status, 400);
    EXPECT_EQ(api("PUT", "/api/user/profile", R"({"nick":"x"})").status, 400);
    EXPECT_EQ(api("DELETE", "/api/user/profile?userid=alice").status, 405);
    auto c = HttpClient::connect("127.0.0.1", server().port(), kWait);
    ASSERT_TRUE(c);
    const auto anonymous = c->request("PUT", "/api/user/profile?userid=a", {}, R"({})", kWait);
    ASSERT_TRUE(anonymous);
    EXPECT_EQ(anonymous->status, 401);
}

// A profile the auth backend hands over at login is written through, so get-user shows it for
// the offline user after a restart.
class NickAuth final : public auth::Authenticator {
  public:
    auth::AuthResult authenticate(const auth::Credentials& c) const override {
        auth::AuthResult r;
        r.user.user_id = c.user_id;
        r.user.nick = "Nick of " + c.user_id;
        r.user.sign = "from the backend";
        return r;
    }
    std::string_view mode() const noexcept override { return "test"; }
};

TEST_F(PeopleTest, AuthBackendProfilePersists) {
    char tmpl[] = "/tmp/jim-people-XXXXXX";
    const std::string dir = mkdtemp(tmpl);
    use_authenticator(std::make_unique<NickAuth>());
    use_store("rocksdb", dir + "/db");
    start(options());
    { TcpClient carol = login("carol"); }
    use_authenticator(auth::make_open_authenticator());
    use_store("rocksdb", dir + "/db");
    start(options());
    TcpClient bob = login("bob");
    const auto carol = get_user(bob, "carol", 2);
    EXPECT_EQ(carol.at("nick").as_string(), "Nick of carol");
    EXPECT_EQ(carol.at("sign").as_string(), "from the backend");
    stop();
    std::filesystem::remove_all(dir);
}

TEST_F(PeopleTest, FriendsFromTheApiFillGetUserCategoriesByType) {
    const auto add = [&](const std::string& user, const std::string& body) {
        return api("POST", "/api/user/friends?userid=" + user, body);
    };
    EXPECT_EQ(add("alice", R"({"friendId":"bob","category":"work"})").status, 200);
    EXPECT_EQ(add("alice", R"({"friendId":"carol"})").status, 200);
    const auto listed = add("alice", R"({"friendId":"dave","category":"work"})");
    EXPECT_EQ(
        listed.body,
        R"({"friends":[{"category":"work","status":"offline","userId":"bob"},{"category":"friends","status":"offline","userId":"carol"},{"category":"work","status":"offline","userId":"dave"}],"userId":"alice"})");
    EXPECT_EQ(add("alice", R"({"friendId":"alice"})").status, 400);  // not oneself
    EXPECT_EQ(add("alice", R"({"category":"x"})").status, 400);

    TcpClient bob = login("bob");
    WsClient alice = ws_login("alice");
    const auto ask = [&](int type) {
        EXPECT_TRUE(alice.send_text(R"({"cmd":17,"type":)" + std::to_string(type) +
                                    R"(,"userId":"alice"})"));
        const auto text = alice.read_text_until(18, kWait);
        EXPECT_TRUE(text);
        const auto o = parse_object(text.value_or("{}"));
        EXPECT_TRUE(o && o->contains("data")) << text.value_or("");
        return o && o->contains("data") ? o->at("data").as_object() : boost::json::object{};
    };
    using V = std::vector<std::string>;
    auto online = ask(0);
    EXPECT_EQ(category_users(online, "work"), (V{"bob:online"}));
    EXPECT_EQ(category_users(online, "friends"), V{});
    auto offline = ask(1);  // crashes J-IM
    EXPECT_EQ(category_users(offline, "work"), (V{"dave:offline"}));
    EXPECT_EQ(category_users(offline, "friends"), (V{"carol:offline"}));
    const auto all = ask(2);
    EXPECT_EQ(category_users(all, "work"), (V{"bob:online", "dave:offline"}));
    ASSERT_EQ(all.at("friends").as_array().size(), 2u);
    EXPECT_EQ(all.at("friends").as_array()[0].at("online").as_int64(), 0);  // "friends"
    EXPECT_EQ(all.at("friends").as_array()[1].at("online").as_int64(), 1);  // "work"

    const auto removed = api("DELETE", "/api/user/friends?userid=alice&friendid=bob");
    EXPECT_EQ(removed.status, 200);
    EXPECT_EQ(removed.body.find("\"bob\""), std::string::npos) << removed.body;
    EXPECT_EQ(category_users(get_user(bob, "alice", 2), "work"), (V{"dave:offline"}));
    // Lists are one-way: bob's own list is empty, so its reply has no "friends".
    EXPECT_FALSE(get_user(bob, "bob", 2).contains("friends"));
}

TEST_F(PeopleTest, FriendsNeedAStore) {
    use_store("none");
    start(options());
    EXPECT_EQ(api("POST", "/api/user/friends?userid=a", R"({"friendId":"b"})").status, 501);
    EXPECT_EQ(api("GET", "/api/user/friends?userid=a").status, 501);
}

// cmd 29 {"command":29,"data":{"user":{…}}} reaches the users who list the one coming or going,
// over TCP and WS, once per user (not per device), and nobody else.
TEST_F(PeopleTest, FriendsHearPresenceOverTcpAndWs) {
    api("POST", "/api/user/friends?userid=alice", R"({"friendId":"bob"})");
    api("POST", "/api/user/friends?userid=carol", R"({"friendId":"bob"})");
    WsClient alice = ws_login("alice");
    TcpClient carol = login("carol");
    TcpClient dave = login("dave");  // does not list bob

    TcpClient bob = login("bob");
    const auto ws_online = alice.read_text_until(29, kWait);
    ASSERT_TRUE(ws_online);
    EXPECT_EQ(*ws_online,
              R"({"command":29,"data":{"user":{"nick":"bob","status":"online","userId":"bob"}}})");
    const auto tcp_online = carol.read_until(29, kWait);
    ASSERT_TRUE(tcp_online);
    EXPECT_EQ(tcp_online->body, *ws_online);

    TcpClient bob2 = login("bob");  // a second device: no second notice
    bob2.close();                   // and its leaving is not bob going offline
    bob.close();                    // the last device leaves
    const auto offline = carol.read_until(29, kWait);
    ASSERT_TRUE(offline);
    EXPECT_EQ(parse_object(offline->body)->at("data").at("user").at("status").as_string(),
              "offline");
    const auto ws_offline = alice.read_text_until(29, kWait);
    ASSERT_TRUE(ws_offline);
    EXPECT_NE(ws_offline->find(R"("status":"offline")"), std::string::npos) << *ws_offline;
    EXPECT_FALSE(dave.read_until(29, kQuiet));
    EXPECT_FALSE(carol.read_until(29, kQuiet));  // exactly one online and one offline notice
}

// Above presence.max_group_list a group hears counts (cmd 29 with "group"), not one cmd 9 per
// member, and at most one per interval: a burst of joins gives one count at once and one, the
// final count, when the interval has passed.
TEST_F(PeopleTest, LargeGroupsHearRateLimitedCounts) {
    auto o = options();
    o.presence_max_group_list = 2;
    o.presence_count_interval_ms = 3000;
    start(o);
    TcpClient first = login("m0");
    ASSERT_TRUE(first.send(7, R"({"cmd":7,"groupId":"big"})"));
    ASSERT_TRUE(first.read_until(8, kWait));
    std::vector<TcpClient> members;
    std::vector<WsClient> ws_members;
    for (int i = 1; i <= 5; ++i) {
        const std::string user = "m" + std::to_string(i);
        if (i % 2 == 0) {
            ws_members.push_back(ws_login(user));
            ASSERT_TRUE(ws_members.back().send_text(R"({"cmd":7,"groupId":"big"})"));
            ASSERT_TRUE(ws_members.back().read_text_until(8, kWait));
        } else {
            members.push_back(login(user));
            ASSERT_TRUE(members.back().send(7, R"({"cmd":7,"groupId":"big"})"));
            ASSERT_TRUE(members.back().read_until(8, kWait));
        }
    }
    // m0 saw itself and m1 join the small group as cmd 9 (2 members); m2 made it large.
    ASSERT_TRUE(first.read_until(9, kWait));
    const auto nine = first.read_until(9, kWait);
    ASSERT_TRUE(nine);
    EXPECT_NE(nine->body.find(R"("userId":"m1")"), std::string::npos) << nine->body;
    EXPECT_FALSE(first.read_until(9, kQuiet));

    std::vector<std::string> counts;
    while (counts.empty() || counts.back().find(R"("online":6,"total":6)") == std::string::npos) {
        const auto f = first.read_until(29, std::chrono::milliseconds(6000));
        if (!f) break;
        counts.push_back(f->body);
    }
    ASSERT_FALSE(counts.empty());
    EXPECT_EQ(counts.back(), R"({"command":29,"data":{"group":"big","online":6,"total":6}})");
    // Four changes (m2..m5 joining) within far less than the interval: one count at once, the
    // rest folded into one later count.
    EXPECT_LE(counts.size(), 2u);
    // The WS members get the same counts.
    const auto ws_count = ws_members.back().read_text_until(
        [](std::string_view t) { return t.find(R"("total":6)") != std::string_view::npos; },
        std::chrono::milliseconds(6000));
    ASSERT_TRUE(ws_count);
    EXPECT_EQ(*ws_count, counts.back());
}

}  // namespace
}  // namespace jim::testing

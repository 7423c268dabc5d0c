// Three jim-server processes as one cluster (cluster.enabled, one Redis for the store and the
// cluster): users on different nodes chat 1:1 and in a group spread over all three; a SIGKILLed
// node's users go offline within the lease and find every acknowledged message after
// reconnecting to another node; a Redis restart under load crashes nothing and traffic resumes.

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <set>

#include "client/client.hpp"
#include "node.hpp"

namespace jim::testing {
namespace {

using client::parse_object;
using client::status_code;
using client::TcpClient;

constexpr auto kLease = 1500ms;

std::vector<std::string> cluster_args(const RedisServer& redis, const std::string& id) {
    return {"cluster.enabled=true", "cluster.redis=" + redis.url(), "cluster.node_id=" + id,
            "cluster.lease_ms=" + std::to_string(kLease.count())};
}

// Whether `node` reports `user` online (HTTP /api/user/online: 10019 online, 10001 not).
bool online_at(const Node& node, const std::string& user) {
    const auto [status, body] = node.get("/api/user/online?userid=" + user);
    return status == 200 && status_code(body) == 10019;
}

// Every chat push (cmd 11) `c` receives until it has been quiet for `quiet`, as contents.
std::vector<std::string> drain_pushes(TcpClient& c, std::chrono::milliseconds quiet = 400ms) {
    std::vector<std::string> out;
    while (auto f = c.read_until(11, quiet)) {
        const auto o = parse_object(f->body);
        if (o && o->contains("data")) out.emplace_back(o->at("data").at("content").as_string());
    }
    return out;
}

int ack_code(TcpClient& c) {
    const auto ack = c.read_until(12, 5s);
    return ack ? static_cast<int>(status_code(ack->body).value_or(-1)) : -1;
}

class ClusterTest : public ::testing::Test {
  protected:
    // Three cluster nodes a, b and c on this test's Redis, under key prefix `prefix`.
    struct Trio {
        Node a, b, c;
        Trio(const RedisServer& redis, const std::string& prefix)
            : a(redis, prefix, cluster_args(redis, "a")),
              b(redis, prefix, cluster_args(redis, "b")),
              c(redis, prefix, cluster_args(redis, "c")) {}
        bool started() const { return a.port() != 0 && b.port() != 0 && c.port() != 0; }
    };

    RedisServer redis;
};

TEST_F(ClusterTest, PrivateAndGroupChatAcrossThreeNodes) {
    Trio nodes(redis, "c1");
    ASSERT_TRUE(nodes.started());
    auto& [a, b, c] = nodes;
    TcpClient alice = a.login("alice");
    TcpClient dave = a.login("dave");  // a second member on alice's node
    TcpClient bob = b.login("bob");
    TcpClient carol = c.login("carol");
    TcpClient carol_phone = b.login("carol");  // carol has a second device on node b
    // Presence spreads: every node sees every user.
    for (const Node* n : {&a, &b, &c}) {
        for (const char* u : {"alice", "bob", "carol", "dave"}) {
            ASSERT_TRUE(eventually([&] { return online_at(*n, u); })) << u;
        }
    }

    // 1:1 across nodes: delivered live, acknowledged as delivered (10000, not offline 10001).
    ASSERT_TRUE(alice.send(11, chat("bob", "a->b")));
    EXPECT_EQ(ack_code(alice), 10000);
    EXPECT_EQ(drain_pushes(bob), std::vector<std::string>{"a->b"});
    ASSERT_TRUE(bob.send(11, chat("carol", "b->c")));
    EXPECT_EQ(ack_code(bob), 10000);
    EXPECT_EQ(drain_pushes(carol), std::vector<std::string>{"b->c"});
    EXPECT_EQ(drain_pushes(carol_phone), std::vector<std::string>{"b->c"});  // same node as bob

    // A group spread over all three nodes, joined on each member's own node.
    for (TcpClient* m : {&alice, &dave, &bob, &carol}) {
        ASSERT_TRUE(m->send(7, R"({"cmd":7,"groupId":"g"})"));
        ASSERT_TRUE(m->read_until(8, 5s));
    }
    // Join notices (cmd 9) are not what this test counts: let them pass.
    for (TcpClient* m : {&alice, &dave, &bob, &carol, &carol_phone}) {
        while (m->read_until(9, 300ms)) {
        }
    }
    const std::string group_chat = R"({"cmd":11,"chatType":1,"groupId":"g","content":"to all"})";
    const long long b_in = b.metric("jim_cluster_deliveries_in_total");
    const long long c_in = c.metric("jim_cluster_deliveries_in_total");
    ASSERT_TRUE(alice.send(11, group_chat));
    EXPECT_EQ(ack_code(alice), 10000);
    // Every member's session gets it exactly once, wherever it is; the sender none.
    EXPECT_EQ(drain_pushes(dave), std::vector<std::string>{"to all"});
    EXPECT_EQ(drain_pushes(bob), std::vector<std::string>{"to all"});
    EXPECT_EQ(drain_pushes(carol), std::vector<std::string>{"to all"});
    EXPECT_EQ(drain_pushes(carol_phone), std::vector<std::string>{"to all"});
    EXPECT_TRUE(drain_pushes(alice, 200ms).empty());

    // A group message goes once to each node holding members, not once per member: node b
    // holds bob and carol's phone, yet it received one delivery; so did c.
    EXPECT_EQ(b.metric("jim_cluster_deliveries_in_total"), b_in + 1);
    EXPECT_EQ(c.metric("jim_cluster_deliveries_in_total"), c_in + 1);
    EXPECT_EQ(a.metric("jim_cluster_nodes"), 2);
}

// A ban made through one node's admin API closes the user's sessions on every node and is
// refused at login on every node; lifting it anywhere lets the user in everywhere.
TEST_F(ClusterTest, ABanOnOneNodeHoldsOnEveryNode) {
    Trio nodes(redis, "c4");
    ASSERT_TRUE(nodes.started());
    auto& [a, b, c] = nodes;
    for (const Node* n : {&a, &b, &c}) {  // every node hears the others
        ASSERT_TRUE(eventually([&] { return n->metric("jim_cluster_nodes") == 2; }));
    }
    TcpClient mallory = b.login("mallory");
    ASSERT_TRUE(eventually([&] { return online_at(a, "mallory"); }));
    const auto post = [](const Node& n, const std::string& method, const std::string& path) {
        auto http = client::HttpClient::connect("127.0.0.1", n.port(), 5s);
        if (!http) return -1;
        const auto res = http->request(method, path, {}, R"({"reason":"spam"})");
        return res ? res->status : -1;
    };
    ASSERT_EQ(post(a, "POST", "/api/users/mallory/ban"), 200);
    // Her session on node b is closed.
    EXPECT_TRUE(mallory.wait_closed(10s));
    // Logins on every node are refused.
    const auto login_code = [](const Node& n, const std::string& user) {
        auto conn = client::TcpClient::connect("127.0.0.1", n.port(), 5s);
        if (!conn) return std::int64_t{-1};
        return status_code(conn->login(user, "pw", 5s).value_or("")).value_or(-1);
    };
    for (const Node* n : {&a, &b, &c}) {
        EXPECT_TRUE(eventually([&] { return login_code(*n, "mallory") == 10008; })) << n->port();
    }
    ASSERT_EQ(post(c, "DELETE", "/api/users/mallory/ban"), 200);
    for (const Node* n : {&a, &b, &c}) {
        EXPECT_TRUE(eventually([&] { return login_code(*n, "mallory") == 10007; })) << n->port();
    }
}

// A group created and renamed through node a's admin API is read with its name and owner on
// node b (API) and c (get-user, cmd 17); a hand-over on b is what a reads next. Nothing is
// cached on a node: every read goes to the shared store.
TEST_F(ClusterTest, GroupInfoChangedOnOneNodeIsReadOnEveryNode) {
    Trio nodes(redis, "c5");
    ASSERT_TRUE(nodes.started());
    auto& [a, b, c] = nodes;
    const auto call = [](const Node& n, const std::string& method, const std::string& path,
                         const std::string& body) {
        auto http = client::HttpClient::connect("127.0.0.1", n.port(), 5s);
        if (!http) return std::pair<int, std::string>{-1, {}};
        const auto res = http->request(method, path, {}, body);
        if (!res) return std::pair<int, std::string>{-1, {}};
        return std::pair<int, std::string>{res->status, res->body};
    };
    const auto field = [](const std::string& body, const char* name) {
        const auto o = parse_object(body);
        return o && o->contains(name) ? std::string(o->at(name).as_string()) : std::string();
    };
    ASSERT_EQ(call(a, "POST", "/api/groups",
                   R"({"groupId":"g","name":"First","owner":"alice","members":["carol"]})")
                  .first,
              201);
    EXPECT_EQ(call(b, "POST", "/api/groups", R"({"groupId":"g"})").first, 409);  // exists
    ASSERT_EQ(call(a, "GET", "/api/groups/g", {}).first, 200);  // a has read it now
    ASSERT_EQ(call(a, "PATCH", "/api/groups/g", R"({"name":"Renamed"})").first, 200);

    auto got = call(b, "GET", "/api/groups/g", {});
    ASSERT_EQ(got.first, 200) << got.second;
    EXPECT_EQ(field(got.second, "name"), "Renamed");
    EXPECT_EQ(field(got.second, "owner"), "alice");

    TcpClient carol = c.login("carol");
    ASSERT_TRUE(carol.send(17, R"({"cmd":17,"type":2,"userId":"carol"})"));
    const auto user = carol.read_until(18, 5s);
    ASSERT_TRUE(user);
    const auto o = parse_object(user->body);
    ASSERT_TRUE(o && o->contains("data")) << user->body;
    const auto& groups = o->at("data").at("groups").as_array();
    ASSERT_EQ(groups.size(), 1u) << user->body;
    EXPECT_EQ(groups.at(0).at("name").as_string(), "Renamed") << user->body;

    ASSERT_EQ(call(b, "PATCH", "/api/groups/g", R"({"owner":"bob","name":"Again"})").first, 200);
    got = call(a, "GET", "/api/groups/g", {});
    ASSERT_EQ(got.first, 200) << got.second;
    EXPECT_EQ(field(got.second, "name"), "Again");
    EXPECT_EQ(field(got.second, "owner"), "bob");
    ASSERT_EQ(call(c, "DELETE", "/api/groups/g", {}).first, 200);
    EXPECT_EQ(call(a, "GET", "/api/groups/g", {}).first, 404);
}

// Node b is SIGKILLed while alice (on a) streams to bob (on b). Within the lease bob is offline
// everywhere, so what alice sends next lands in his inbox; bob reconnects to node c and finds
// every message alice got an ack for: the offline ones pushed, all of them in history by seq.
TEST_F(ClusterTest, SigkilledNodesUsersGoOfflineAndFindEverythingElsewhere) {
    Node a(redis, "c2", cluster_args(redis, "a"));
    auto b = std::make_unique<Node>(redis, "c2", cluster_args(redis, "b"));
    Node c(redis, "c2", cluster_args(redis, "c"));
    ASSERT_NE(a.port(), 0) << a.process().err();
    ASSERT_NE(b->port(), 0) << b->process().err();
    ASSERT_NE(c.port(), 0) << c.process().err();
    TcpClient alice = a.login("alice");
    TcpClient bob = b->login("bob");
    ASSERT_TRUE(eventually([&] { return online_at(a, "bob") && online_at(c, "bob"); }));

    std::map<std::int64_t, std::string> acked;  // seq -> content
    std::deque<std::string> in_flight;
    int sent = 0;
    const auto pump = [&](std::size_t until) {
        while (acked.size() < until) {
            while (in_flight.size() < 16) {
                const std::string content = "k" + std::to_string(sent++);
                if (!alice.send(11, chat("bob", content))) return false;
                in_flight.push_back(content);
            }
            const auto ack = alice.read_until(12, 5s);
            if (!ack) return false;
            const auto o = parse_object(ack->body);
            if (!o || !o->contains("data")) return false;
            acked[o->at("data").at("seq").as_int64()] = in_flight.front();
            in_flight.pop_front();
        }
        return true;
    };
    ASSERT_TRUE(pump(300));
    b->process().signal(SIGKILL);
    const auto killed = std::chrono::steady_clock::now();
    // Both other nodes notice within the lease (plus one check period of theirs).
    ASSERT_TRUE(
        eventually([&] { return !online_at(a, "bob") && !online_at(c, "bob"); }, 3 * kLease));
    const auto noticed = std::chrono::steady_clock::now() - killed;
    EXPECT_LT(noticed, 2 * kLease);  // the lease plus at most one check period (lease / 3)
    // Now alice's messages are acknowledged as offline (10001): they wait in bob's inbox.
    ASSERT_TRUE(alice.send(11, chat("bob", "after")));
    for (;;) {  // the in-flight ones first
        const auto ack = alice.read_until(12, 5s);
        ASSERT_TRUE(ack);
        const auto o = parse_object(ack->body);
        ASSERT_TRUE(o && o->contains("data"));
        const std::string content = in_flight.empty() ? "after" : in_flight.front();
        acked[o->at("data").at("seq").as_int64()] = content;
        if (in_flight.empty()) {
            EXPECT_EQ(status_code(ack->body), 10001);
            break;
        }
        in_flight.pop_front();
    }
    b.reset();

    TcpClient bob2 = c.login("bob");
    EXPECT_EQ(drain_pushes(bob2), std::vector<std::string>{"after"});  // the inbox
    const std::string req =
        R"({"cmd":19,"type":1,"userId":"bob","fromUserId":"alice","count":100000})";
    ASSERT_TRUE(bob2.send(19, req));
    const auto f = bob2.read_until(20, 10s);
    ASSERT_TRUE(f);
    const auto o = parse_object(f->body);
    ASSERT_TRUE(o && o->contains("data")) << f->body;
    const auto& msgs = o->at("data").at("friends").at("alice").as_array();
    ASSERT_EQ(msgs.size(), acked.size());
    std::int64_t expect_seq = 1;
    for (const auto& m : msgs) {
        const auto seq = m.at("seq").as_int64();
        ASSERT_EQ(seq, expect_seq++);
        EXPECT_EQ(m.at("content").as_string(), acked.at(seq));
    }
}

// Redis is killed under cross-node load and started again: no node crashes, /healthz and
// /metrics report the degradation, and messages flow between the nodes again afterwards.
TEST_F(ClusterTest, RedisRestartUnderLoadNoCrashAndTrafficResumes) {
    Trio nodes(redis, "c3");
    ASSERT_TRUE(nodes.started());
    auto& [a, b, c] = nodes;
    TcpClient alice = a.login("alice");
    TcpClient bob = b.login("bob");
    TcpClient carol = c.login("carol");
    ASSERT_TRUE(eventually([&] { return online_at(a, "bob") && online_at(a, "carol"); }));
    int i = 0;
    const auto send_batch = [&](int n) {
        int ok = 0;
        for (int k = 0; k < n; ++k, ++i) {
            if (!alice.send(11, chat("bob", "x" + std::to_string(i)))) return -1;
            const int code = ack_code(alice);
            if (code < 0) return -1;  // no answer at all: the node hangs
            if (code == 10000) ++ok;
        }
        return ok;
    };
    EXPECT_EQ(send_batch(100), 100);
    redis.kill(SIGKILL);
    EXPECT_GE(send_batch(50), 0) << "node a stopped answering";
    EXPECT_TRUE(eventually([&] { return a.metric("jim_cluster_link_up") == 0; }));
    EXPECT_NE(a.get("/healthz").second.find("degraded"), std::string::npos);
    redis.start();
    EXPECT_TRUE(eventually([&] {
        return a.metric("jim_cluster_link_up") == 1 && b.metric("jim_cluster_link_up") == 1 &&
               c.metric("jim_cluster_link_up") == 1;
    }));
    EXPECT_EQ(a.get("/healthz").second.find("degraded"), std::string::npos);
    // bob and carol are known on node a again (their nodes rewrote their presence), and live
    // delivery resumes in both directions.
    ASSERT_TRUE(eventually([&] { return online_at(a, "bob") && online_at(a, "carol"); }));
    drain_pushes(bob, 300ms);
    ASSERT_TRUE(alice.send(11, chat("bob", "back")));
    EXPECT_EQ(ack_code(alice), 10000);
    EXPECT_EQ(drain_pushes(bob), std::vector<std::string>{"back"});
    ASSERT_TRUE(carol.send(11, chat("alice", "hi from c")));
    EXPECT_EQ(ack_code(carol), 10000);
    EXPECT_EQ(drain_pushes(alice), std::vector<std::string>{"hi from c"});
    for (Node* n : {&a, &b, &c}) {
        EXPECT_FALSE(n->process().wait(0ms).has_value()) << "a node exited: " << n->process().err();
    }
}

}  // namespace
}  // namespace jim::testing

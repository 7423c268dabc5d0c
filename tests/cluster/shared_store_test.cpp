// Several jim-server processes on one Redis store (store.engine = "redis"): what one node
// acknowledged, every node serves (offline inboxes, history, seq), a SIGKILLed node loses no
// acknowledged message, and a Redis restart under load neither crashes a node nor stops it for
// good (and /metrics shows the link going down and up); recalls and read cursors made through
// one node show through another. Live routing between nodes: cluster_test.cpp.

#include <gtest/gtest.h>

#include <deque>
#include <filesystem>
#include <map>
#include <regex>
#include <thread>

#include "client/client.hpp"
#include "node.hpp"

namespace jim::testing {
namespace {

using namespace std::chrono_literals;
using client::parse_object;
using client::status_code;
using client::TcpClient;

// The node's jim_redis_link_up gauge from /metrics, or -1.
int redis_link_up(const Node& node) {
    return static_cast<int>(node.metric("jim_redis_link_up"));
}

// Polls until the gauge reads `want` (the link notices a dead Redis within its PING watchdog).
bool redis_link_becomes(const Node& node, int want) {
    return eventually([&] { return redis_link_up(node) == want; });
}

// cmd 19 type 1: bob's history with alice, as contents in order.
std::vector<std::string> history(TcpClient& c, const std::string& user, const std::string& peer) {
    const std::string req = R"({"cmd":19,"type":1,"userId":")" + user + R"(","fromUserId":")" +
                            peer + R"(","count":100000})";
    EXPECT_TRUE(c.send(19, req));
    const auto f = c.read_until(20, 10s);
    std::vector<std::string> out;
    if (!f) return out;
    const auto o = parse_object(f->body);
    if (!o || !o->contains("data")) return out;
    const auto& friends = o->at("data").at("friends").as_object();
    if (!friends.contains(peer)) return out;
    for (const auto& m : friends.at(peer).as_array()) out.emplace_back(m.at("content").as_string());
    return out;
}

TEST(SharedStore, OfflineMessagesAndHistoryFromAnotherNode) {
    RedisServer redis;
    Node a(redis, "s1");
    Node b(redis, "s1");
    ASSERT_NE(a.port(), 0) << a.process().err();
    ASSERT_NE(b.port(), 0) << b.process().err();
    TcpClient alice = a.login("alice");
    for (int i = 1; i <= 3; ++i) {
        ASSERT_TRUE(alice.send(11, chat("bob", "m" + std::to_string(i))));
        const auto ack = alice.read_until(12, 5s);
        ASSERT_TRUE(ack);
        EXPECT_EQ(parse_object(ack->body)->at("data").at("seq").as_int64(), i) << ack->body;
    }
    TcpClient bob = b.login("bob");  // on the other node: the inbox is in Redis
    for (int i = 1; i <= 3; ++i) {
        const auto push = bob.read_until(11, 5s);
        ASSERT_TRUE(push) << i;
        EXPECT_EQ(parse_object(push->body)->at("data").at("content").as_string(),
                  "m" + std::to_string(i));
    }
    EXPECT_EQ(history(bob, "bob", "alice"), (std::vector<std::string>{"m1", "m2", "m3"}));
    // Seq continues across nodes: bob's answer from node B is seq 4 of the same conversation.
    ASSERT_TRUE(bob.send(11, chat("alice", "r")));
    const auto ack = bob.read_until(12, 5s);
    ASSERT_TRUE(ack);
    EXPECT_EQ(parse_object(ack->body)->at("data").at("seq").as_int64(), 4) << ack->body;
}

// A node is SIGKILLed while alice streams to bob; bob, logging in on another node, finds every
// message alice got an ack for, in order.
TEST(SharedStore, SigkilledNodeLosesNoAckedMessage) {
    RedisServer redis;
    Node a(redis, "s2");
    Node b(redis, "s2");
    ASSERT_NE(a.port(), 0) << a.process().err();
    ASSERT_NE(b.port(), 0) << b.process().err();
    TcpClient alice = a.login("alice");
    std::map<std::int64_t, std::string> acked;  // seq -> content
    std::deque<std::string> in_flight;
    int sent = 0;
    while (acked.size() < 900) {  // history answers at most 1000: acked + in flight fit
        while (in_flight.size() < 32) {
            const std::string content = "k" + std::to_string(sent++);
            ASSERT_TRUE(alice.send(11, chat("bob", content)));
            in_flight.push_back(content);
        }
        const auto ack = alice.read_until(12, 5s);
        ASSERT_TRUE(ack) << "no ack after " << acked.size();
        const auto o = parse_object(ack->body);
        ASSERT_TRUE(o && o->contains("data")) << ack->body;
        acked[o->at("data").at("seq").as_int64()] = in_flight.front();
        in_flight.pop_front();
    }
    a.process().signal(SIGKILL);  // with 32 messages still in flight
    TcpClient bob = b.login("bob");
    const auto got = history(bob, "bob", "alice");
    ASSERT_GE(got.size(), acked.size());
    std::size_t i = 0;
    for (const auto& [seq, content] : acked) {
        ASSERT_EQ(static_cast<std::size_t>(seq), ++i);
        ASSERT_EQ(got[i - 1], content) << "seq " << seq;
    }
}

// Redis goes away under load and comes back: the node neither crashes nor hangs, refuses to
// acknowledge what it could not store, and acknowledges again once Redis is back.
TEST(SharedStore, RedisRestartUnderLoadNoCrashAndTrafficResumes) {
    RedisServer redis;
    Node a(redis, "s3");
    ASSERT_NE(a.port(), 0) << a.process().err();
    TcpClient alice = a.login("alice");
    TcpClient carol = a.login("carol");
    int ok = 0;
    int refused = 0;
    const auto send_one = [&](int i) {
        if (!alice.send(11, chat("carol", "x" + std::to_string(i)))) return false;
        const auto ack = alice.read_until(12, 10s);
        if (!ack) return false;
        (status_code(ack->body) == 10002 ? refused : ok) += 1;
        return true;
    };
    int i = 0;
    for (; i < 200; ++i) ASSERT_TRUE(send_one(i));
    EXPECT_EQ(redis_link_up(a), 1);  // /metrics reports the store's link
    redis.kill(SIGKILL);
    for (int k = 0; k < 50; ++k, ++i) ASSERT_TRUE(send_one(i)) << "the node stopped answering";
    EXPECT_GT(refused, 0);
    EXPECT_TRUE(redis_link_becomes(a, 0)) << "the degradation does not show on /metrics";
    redis.start();
    EXPECT_TRUE(redis_link_becomes(a, 1));
    const int ok_before = ok;
    const auto end = std::chrono::steady_clock::now() + 20s;
    while (ok < ok_before + 100 && std::chrono::steady_clock::now() < end) {
        ASSERT_TRUE(send_one(i++));
    }
    EXPECT_GE(ok, ok_before + 100);
    EXPECT_FALSE(a.process().wait(0ms).has_value()) << "the node exited: " << a.process().err();
    // Carol's live session got every acknowledged message (she was online on this node).
    int pushed = 0;
    while (carol.read_until(11, 500ms)) ++pushed;
    EXPECT_GE(pushed, ok);
}

// The P5 calls on the shared store: a recall made through one node shows in what another
// serves, and read cursors set through one node are the unread counts another reports.
TEST(SharedStore, RecallAndReadCursorsFromAnotherNode) {
    RedisServer redis;
    Node a(redis, "s4");
    Node b(redis, "s4");
    ASSERT_NE(a.port(), 0) << a.process().err();
    ASSERT_NE(b.port(), 0) << b.process().err();
    TcpClient alice = a.login("alice");
    std::vector<std::pair<std::string, std::int64_t>> sent;  // id, seq
    for (const char* content : {"oops", "m2", "m3"}) {
        ASSERT_TRUE(alice.send(11, chat("bob", content)));
        const auto ack = alice.read_until(12, 5s);
        ASSERT_TRUE(ack);
        const auto o = parse_object(ack->body);
        ASSERT_TRUE(o && o->contains("data")) << ack->body;
        const auto& d = o->at("data");
        sent.emplace_back(std::string(d.at("id").as_string()), d.at("seq").as_int64());
    }
    ASSERT_TRUE(alice.send(15, R"({"cmd":15,"id":")" + sent[0].first + R"(","seq":1,"to":"bob"})"));
    const auto recalled = alice.read_until(16, 5s);
    ASSERT_TRUE(recalled);
    EXPECT_EQ(status_code(recalled->body), 10000) << recalled->body;

    TcpClient bob = b.login("bob");  // offline until now: the inbox, recalled form included
    const auto first = bob.read_until(11, 5s);
    ASSERT_TRUE(first);
    const auto pushed = parse_object(first->body);
    ASSERT_TRUE(pushed && pushed->contains("data")) << first->body;
    const auto& m = pushed->at("data").as_object();
    EXPECT_TRUE(m.contains("recalled") && m.at("recalled").as_bool()) << first->body;
    EXPECT_FALSE(m.contains("content")) << first->body;
    ASSERT_TRUE(bob.read_until(11, 5s));
    ASSERT_TRUE(bob.read_until(11, 5s));

    ASSERT_TRUE(bob.send(25, R"({"cmd":25,"to":"alice","seq":2})"));
    const auto cursor = bob.read_until(26, 5s);
    ASSERT_TRUE(cursor);
    EXPECT_EQ(status_code(cursor->body), 10000) << cursor->body;

    // Through node A: bob's unread count is what node B stored; alice has read her own.
    const auto recent = [](TcpClient& c) {
        EXPECT_TRUE(c.send(27, R"({"cmd":27})"));
        const auto f = c.read_until(28, 5s);
        const auto o = parse_object(f ? f->body : "{}");
        EXPECT_TRUE(o && o->contains("data")) << (f ? f->body : "no answer");
        return o && o->contains("data") ? o->at("data").at("conversations").as_array()
                                        : boost::json::array{};
    };
    TcpClient bob_on_a = a.login("bob");
    const auto bobs = recent(bob_on_a);
    ASSERT_EQ(bobs.size(), 1u);
    EXPECT_EQ(bobs[0].at("lastSeq").as_int64(), 3);
    EXPECT_EQ(bobs[0].at("readSeq").as_int64(), 2);
    EXPECT_EQ(bobs[0].at("unread").as_int64(), 1);
    const auto alices = recent(alice);
    ASSERT_EQ(alices.size(), 1u);
    EXPECT_EQ(alices[0].at("unread").as_int64(), 0);
}

}  // namespace
}  // namespace jim::testing

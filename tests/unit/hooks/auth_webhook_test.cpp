#include "jim/hooks/auth_webhook.hpp"

#include <gtest/gtest.h>

namespace jim::hooks {
namespace {

TEST(ParseAuthReply, AcceptsWithTheProfile) {
    const auto r = parse_auth_reply("alice", 200, R"({"ok":true,"nick":"Al","avatar":"a.png"})");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->error, Errc::ok);
    EXPECT_EQ(r->user.user_id, "alice");
    EXPECT_EQ(r->user.nick, "Al");
    EXPECT_EQ(r->user.avatar, "a.png");
    EXPECT_EQ(parse_auth_reply("bob", 200, R"({"ok":true})")->user.nick, "bob");
}

TEST(ParseAuthReply, RefusesWithTheReason) {
    const auto r = parse_auth_reply("alice", 200, R"({"ok":false,"reason":"banned"})");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->error, Errc::login_failed);
    EXPECT_EQ(r->reason, "banned");
    EXPECT_EQ(parse_auth_reply("alice", 401, "")->error, Errc::login_failed);
    EXPECT_EQ(parse_auth_reply("alice", 403, R"({"reason":"no"})")->reason, "no");
}

TEST(ParseAuthReply, AnythingElseIsNoAnswer) {
    EXPECT_FALSE(parse_auth_reply("alice", 500, R"({"ok":true})"));
    EXPECT_FALSE(parse_auth_reply("alice", 200, "not json"));
    EXPECT_FALSE(parse_auth_reply("alice", 200, R"({"ok":"yes"})"));
    EXPECT_FALSE(parse_auth_reply("alice", 200, "{}"));
}

}  // namespace
}  // namespace jim::hooks

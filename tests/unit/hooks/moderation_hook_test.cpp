#include "jim/hooks/moderation_hook.hpp"

#include <gtest/gtest.h>

namespace jim::hooks {
namespace {

using Action = service::ModerationVerdict::Action;

TEST(ParseVerdict, ReadsTheThreeAnswers) {
    EXPECT_EQ(parse_verdict(R"({"action":"accept"})")->action, Action::accept);
    const auto r = parse_verdict(R"({"action":"reject","reason":"spam"})");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->action, Action::reject);
    EXPECT_EQ(r->reason, "spam");
    const auto p = parse_verdict(R"({"action":"replace","content":"***"})");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->action, Action::replace);
    EXPECT_EQ(p->content, "***");
}

TEST(ParseVerdict, RefusesAnythingElse) {
    EXPECT_FALSE(parse_verdict(""));
    EXPECT_FALSE(parse_verdict("[]"));
    EXPECT_FALSE(parse_verdict("{}"));
    EXPECT_FALSE(parse_verdict(R"({"action":"maybe"})"));
    EXPECT_FALSE(parse_verdict(R"({"action":"replace"})"));  // replace needs content
    EXPECT_FALSE(parse_verdict(R"({"action":1})"));
}

}  // namespace
}  // namespace jim::hooks

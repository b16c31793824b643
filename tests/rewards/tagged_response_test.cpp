#include <gtest/gtest.h>

#include "rewards/tagged_response.h"

using namespace r1::rewards;

TEST(FormatReward, AcceptsOnlyThinkThenAnswer) {
  EXPECT_EQ(format_reward("<think>a</think><answer>1</answer>"), 1.0);
  EXPECT_EQ(format_reward(" <think>a b</think>\n<answer> 1 </answer>\n"), 1.0);
  EXPECT_EQ(format_reward("<answer>1</answer>"), 0.0);                        // no thinking
  EXPECT_EQ(format_reward("<think>a</think>"), 0.0);                          // no answer
  EXPECT_EQ(format_reward("<think>a</think><answer>1</answer>extra"), 0.0);   // trailing text
  EXPECT_EQ(format_reward("<think>a<think>b</think><answer>1</answer>"), 0.0);
  EXPECT_EQ(format_reward("<think>a</think><answer>1</answer><answer>2</answer>"), 0.0);
  EXPECT_EQ(format_reward("<think>a</think><answer>1"), 0.0);
  EXPECT_EQ(format_reward(""), 0.0);
}

TEST(TaggedResponse, ExtractsTheLastAnswer) {
  auto r = parse_tagged_response("<think>x</think><answer>1</answer><answer>2</answer>");
  EXPECT_TRUE(r.thinks);
  EXPECT_EQ(r.think, "x");
  ASSERT_TRUE(r.answer.has_value());
  EXPECT_EQ(*r.answer, "2");
  EXPECT_FALSE(parse_tagged_response("no tags").answer.has_value());
}

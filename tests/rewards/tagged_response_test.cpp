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

// The answer is read after the reasoning only (open-r1's reasoning_accuracy_reward rule).
TEST(TaggedResponse, AnswerOnlyAfterTheReasoning) {
  // An answer inside a think block that never closes is not an answer: the reasoning never ended.
  EXPECT_FALSE(parse_tagged_response("<think>so it is <answer>7</answer> I think").answer.has_value());
  // Inside a closed think block it is a draft; the answer after the block counts.
  auto r = parse_tagged_response("<think>maybe <answer>3</answer>? no</think> <answer>7</answer>");
  ASSERT_TRUE(r.answer.has_value());
  EXPECT_EQ(*r.answer, "7");
  EXPECT_FALSE(parse_tagged_response("<think>it is <answer>3</answer></think> done").answer.has_value());
  // The last </think> ends the reasoning, as open-r1 splits on it.
  EXPECT_FALSE(parse_tagged_response("<think>a</think><answer>1</answer></think>").answer.has_value());
  // A closing tag without the opening one still ends the reasoning (R1's template opens it).
  r = parse_tagged_response("reasoning</think><answer>5</answer>");
  ASSERT_TRUE(r.answer.has_value());
  EXPECT_EQ(*r.answer, "5");
  EXPECT_FALSE(r.thinks);
  // No think tag at all: a direct answer (R1-Zero's second mode), read whole.
  r = parse_tagged_response("<answer>9</answer>");
  ASSERT_TRUE(r.answer.has_value());
  EXPECT_EQ(*r.answer, "9");
  // The chain of thought of an unclosed block is everything after <think>.
  EXPECT_EQ(parse_tagged_response("<think>we add 3").think, "we add 3");
}

TEST(FormatReward, AngleBracketsInsideAnAnswerAreContent) {
  EXPECT_EQ(format_reward("<think>x is small</think><answer>x<3</answer>"), 1.0);
  EXPECT_EQ(format_reward("<think>compare a<b and b>c</think><answer>a <= c</answer>"), 1.0);
  EXPECT_EQ(format_reward("<think>a</think><answer>1<answer>2</answer>"), 0.0);  // a tag is not content
  EXPECT_EQ(format_reward("<think>a</think><answer><think>b</answer>"), 0.0);
  EXPECT_TRUE(contains_format_tag("x</think>"));
  EXPECT_FALSE(contains_format_tag("x<3 and y>2 <b>bold</b>"));
}

// Each task family's generator, solution writer and verifier on right, wrong and malformed answers.
#include <gtest/gtest.h>

#include "core/error.h"
#include "tasks/countdown.h"
#include "tasks/datasets/dataset_task.h"
#include "tasks/running_sum.h"
#include "tasks/task.h"

using namespace r1::tasks;

TEST(RunningSum, WrittenSolutionsVerifyAndTraceIsArithmetic) {
  auto task = make_task("running_sum");
  Rng rng(1);
  for (int i = 0; i < 200; ++i) {
    Problem p = task->sample(rng);
    auto xs = p.data["terms"].get<std::vector<int>>();
    int total = 0;
    for (int x : xs) total += x;
    EXPECT_EQ(p.answer, std::to_string(total % 10)) << p.question;  // independent recomputation
    for (bool think : {false, true}) {
      auto s = task->score(p, task->write_solution(p, think, rng));
      EXPECT_TRUE(s.correct) << p.question;
      EXPECT_EQ(s.thinks, think);
      EXPECT_EQ(s.well_formed, think);
    }
  }
  Problem p = task->sample(rng);
  p.data["terms"] = {3, 5, 2, 7};
  p.answer = "7";
  EXPECT_EQ(task->write_solution(p, true, rng), "<think>3+5=8 8+2=0 0+7=7</think><answer>7</answer>");
}

TEST(RunningSum, RejectsWrongAndMalformedAnswers) {
  RunningSum task({4, 9, 10});
  Problem p{"running_sum", "3+5+2+7 mod 10", "7"};
  EXPECT_TRUE(task.check_answer(p, " 7 "));
  EXPECT_FALSE(task.check_answer(p, "8"));
  EXPECT_FALSE(task.check_answer(p, "07x"));
  EXPECT_FALSE(task.check_answer(p, ""));
  EXPECT_FALSE(task.check_answer(p, "99999999999999999999999"));
  EXPECT_FALSE(task.score(p, "<think>3+5=8</think>7").correct);  // no answer block
  EXPECT_FALSE(task.score(p, "<answer>7").correct);              // unclosed
  EXPECT_TRUE(task.score(p, "<answer>7</answer>").correct);
}

TEST(Countdown, WrittenSolutionsVerify) {
  auto task = make_task("countdown", {{"numbers", 3}, {"max_number", 9}});
  Rng rng(2);
  for (int i = 0; i < 200; ++i) {
    Problem p = task->sample(rng);
    EXPECT_TRUE(task->check_answer(p, p.answer)) << p.question << " " << p.answer;
    for (bool think : {false, true}) {
      std::string r = task->write_solution(p, think, rng);
      auto s = task->score(p, r);
      EXPECT_TRUE(s.correct) << p.question << " -> " << r;
      EXPECT_EQ(s.well_formed, think) << r;
    }
  }
}

TEST(Countdown, VerifierChecksNumbersAndValueExactly) {
  Countdown task({3, 9, 99, 2});
  Problem p{"countdown", "use 3 4 2 to make 14", "(3+4)*2"};
  p.data["numbers"] = {3, 4, 2};
  p.data["target"] = 14;
  EXPECT_TRUE(task.check_answer(p, "(3+4)*2"));
  EXPECT_TRUE(task.check_answer(p, "2*(4+3)"));
  EXPECT_FALSE(task.check_answer(p, "3+4*2"));        // 11: precedence respected
  EXPECT_FALSE(task.check_answer(p, "(3+4)*2+0"));    // extra number
  EXPECT_FALSE(task.check_answer(p, "7*2"));          // wrong numbers
  EXPECT_FALSE(task.check_answer(p, "(3+4)*2)"));     // unbalanced
  EXPECT_FALSE(task.check_answer(p, "(3+4)**2"));     // malformed
  EXPECT_FALSE(task.check_answer(p, "import os"));    // not arithmetic
  EXPECT_FALSE(task.check_answer(p, "3/(4-4)*2"));    // division by zero
  p.data["numbers"] = {3, 4, 6};
  p.data["target"] = 2;
  EXPECT_TRUE(task.check_answer(p, "(6-4)*3/3") == false);  // uses 3 twice
  EXPECT_TRUE(task.check_answer(p, "6/(4-3)") == false);    // = 6
  EXPECT_TRUE(task.check_answer(p, "(6+4)/3") == false);    // 10/3 is not 2
  EXPECT_TRUE(task.check_answer(p, "6/3*4/4") == false);
  long long n, d;
  std::vector<long long> used;
  ASSERT_TRUE(evaluate_equation("7/2+1/2", n, d, used));
  EXPECT_EQ(n, 4);
  EXPECT_EQ(d, 1);
}

TEST(Tasks, UnknownFamilyOrOptionIsAnError) {
  EXPECT_THROW(make_task("sudoku"), r1::Error);
  try {
    make_task("countdown", {{"numbrs", 3}});
    FAIL();
  } catch (const r1::Error& e) {
    EXPECT_NE(std::string(e.what()).find("numbrs"), std::string::npos);
  }
}

TEST(Tasks, RuleRewardIsCorrectness) {
  // Score.reward is the graded reward GRPO reads; for every rule-based family it is correct as 1/0.
  auto check_family = [](const Task& task, const Problem& p, const std::vector<std::string>& responses) {
    for (const auto& r : responses) {
      auto s = task.score(p, r);
      EXPECT_EQ(s.reward, s.correct ? 1.0 : 0.0) << task.name() << ": " << r;
    }
  };
  Rng rng(4);
  for (const char* family : {"running_sum", "countdown", "greeting"}) {
    auto task = make_task(family);
    for (int i = 0; i < 20; ++i) {
      Problem p = task->sample(rng);
      check_family(*task, p,
                   {task->write_solution(p, true, rng), task->write_solution(p, false, rng), "", "<answer>x</answer>",
                    "<think>", "<answer>" + p.answer + "</answer>"});
    }
  }
  Problem math{"case", "1/2 + 1/2 = ?", "1"};
  MathDatasetTask math_task("case", {math});
  check_family(math_task, math,
               {"<think>\n1\n</think>\n\nThe final answer is \\boxed{1}.", "<think>x</think> \\boxed{2}",
                "\\boxed{1}", "<think>never closed \\boxed{1}", ""});
  EXPECT_EQ(math_task.score(math, "<think>x</think> \\boxed{1}").reward, 1.0);
  Problem cd{"countdown_cd3", "use 3 4 2 to make 14", "(3+4)*2"};
  cd.data["numbers"] = {3, 4, 2};
  cd.data["target"] = 14;
  CountdownDatasetTask cd_task("countdown_cd3", {cd});
  check_family(cd_task, cd,
               {"<think>x</think><answer>(3+4)*2</answer>", "<think>x</think><answer>3+4*2</answer>",
                "<think>never closed", "<answer>(3+4)*2</answer>", ""});
  EXPECT_EQ(cd_task.score(cd, "<think>x</think><answer>(3+4)*2</answer>").reward, 1.0);
}

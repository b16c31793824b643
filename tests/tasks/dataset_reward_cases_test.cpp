// The RL accuracy reward of dataset tasks on TRL/open-r1's reward-function test cases
// (data/r1_reward_fn_cases.jsonl): accuracy_reward and reasoning_accuracy_reward cases
// through MathDatasetTask::score, format_reward cases through rewards::format_reward.
// tag_count_reward (partial credit 0.25 per tag) has no counterpart here: R1-Zero's format reward
// is all-or-nothing, so those cases are counted as not applicable.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "rewards/math/verify.h"
#include "rewards/tagged_response.h"
#include "tasks/datasets/dataset_task.h"

using namespace r1::tasks;

TEST(DatasetRewardCases, MatchTrlAndOpenR1) {
  std::ifstream in(std::string(R1_SOURCE_DATA_DIR) + "/r1_reward_fn_cases.jsonl");
  ASSERT_TRUE(in.good());
  std::string line;
  int accuracy = 0, reasoning = 0, format = 0, not_applicable = 0, ungradable = 0;
  while (std::getline(in, line)) {
    auto c = nlohmann::json::parse(line);
    const std::string fn = c["reward_fn"], completion = c["completion"];
    const auto& expected = c["expected_reward"];
    if (fn == "accuracy_reward" || fn == "reasoning_accuracy_reward") {
      DatasetTaskOptions opt;
      // accuracy_reward grades the whole completion; reasoning_accuracy_reward only after the
      // reasoning delimiter, and nothing when it is missing.
      opt.require_think_close = fn == "reasoning_accuracy_reward";
      if (c["note"].get<std::string>().find("</REASONING_END>") != std::string::npos) opt.think_close = "</REASONING_END>";
      Problem p{"case", "q", c["solution"].get<std::string>()};
      MathDatasetTask task("case", {p}, opt);
      auto s = task.score(p, completion);
      if (expected.is_null()) {
        // open-r1 returns None (sample skipped) for a gold that does not parse; a task reward can't
        // be None, so it is 0 and the verifier reports the gold as ungradable.
        EXPECT_FALSE(s.correct) << completion;
        r1::rewards::math::VerifyOptions vo;
        vo.pred_extract.require_think_close = opt.require_think_close;
        EXPECT_FALSE(r1::rewards::math::verify(p.answer, completion, vo).gold_found) << p.answer;
        ++ungradable;
      } else {
        EXPECT_EQ(s.correct ? 1.0 : 0.0, expected.get<double>()) << fn << ": " << completion << " vs " << p.answer;
      }
      (fn == "accuracy_reward" ? accuracy : reasoning)++;
    } else if (fn == "format_reward") {
      EXPECT_EQ(r1::rewards::format_reward(completion), expected.get<double>()) << completion;
      ++format;
    } else {
      ++not_applicable;
    }
  }
  EXPECT_EQ(accuracy, 12);
  EXPECT_EQ(reasoning, 9);
  EXPECT_EQ(format, 7);
  EXPECT_EQ(not_applicable, 6);  // tag_count_reward
  EXPECT_EQ(ungradable, 3);
}

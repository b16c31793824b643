// The verifier behind open-r1 / TRL's accuracy rewards (data/r1_reward_fn_cases.jsonl):
// reward 1.0 <-> correct, 0.0 <-> not correct, None <-> the gold yields no answer (gold_found
// false). reasoning_accuracy_reward grades only the text after the reasoning's closing tag and
// gives 0 when there is none.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "rewards/math/verify.h"

namespace m = r1::rewards::math;

TEST(MathOpenR1Cases, AccuracyRewards) {
  std::ifstream in(std::string(R1_SOURCE_DATA_DIR) + "/r1_reward_fn_cases.jsonl");
  ASSERT_TRUE(in.good());
  std::string line;
  size_t checked = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto c = nlohmann::json::parse(line);
    std::string fn = c.at("reward_fn");
    if (fn != "accuracy_reward" && fn != "reasoning_accuracy_reward") continue;
    std::string completion = c.at("completion"), solution = c.at("solution"), note = c.at("note");
    m::VerifyOptions opt;
    if (fn == "reasoning_accuracy_reward") {
      opt.pred_extract.require_think_close = true;
      if (note.find("</REASONING_END>") != std::string::npos) opt.pred_extract.think_close = "</REASONING_END>";
    }
    m::VerifyResult r = m::verify(solution, completion, opt);
    SCOPED_TRACE(fn + ": " + completion + " | gold " + solution + " | " + note + " | reason " + r.reason);
    const auto& expected = c.at("expected_reward");
    if (expected.is_null()) {
      EXPECT_FALSE(r.gold_found);
    } else {
      EXPECT_TRUE(r.gold_found);
      EXPECT_EQ(r.correct, expected.get<double>() == 1.0);
    }
    ++checked;
  }
  EXPECT_EQ(checked, 21u);
}

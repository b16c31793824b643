// Task evaluation's quantities on scripted responses: decode() stands in for the tokenizer, so the
// rollout runs for real while the responses are known. cons@k votes over answer-equivalent groups
// (lighteval's maj@k with Math-Verify equivalence), not over identical strings; response length is
// the sampled tokens, a forced prefix not counted.
#include "eval/task_eval.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "common/tiny_model.h"
#include "tasks/datasets/dataset_task.h"

namespace r1::eval {
namespace {

TEST(TaskEval, ConsAtKVotesOverEquivalentAnswers) {
  auto m = test::tiny_qwen2(16, 64, 5);
  tasks::Problem half{"toy", "one half?", "1/2"};
  tasks::MathDatasetTask task("toy", {half});
  // k = 5: "3" twice, then 1/2 three ways. By string equality "3" wins (wrong); by value 1/2 wins.
  const std::vector<std::string> script = {"x</think> \\boxed{3}", "y</think> \\boxed{3}", "z</think> \\boxed{1/2}",
                                           "w</think> \\boxed{0.5}", "v</think> \\boxed{\\frac{1}{2}}"};
  size_t calls = 0;
  text::TextCodec codec;
  codec.encode = [](const std::string& s) { return std::vector<int32_t>(s.size() % 7 + 1, 3); };
  codec.decode = [&](const std::vector<int32_t>&) { return script[calls++ % script.size()]; };
  codec.bos_id = 1;
  codec.eos_id = -1;  // no stop token: every response is max_new_tokens long
  TaskEvalConfig cfg;
  cfg.k = 5;
  cfg.sampling.max_new_tokens = 4;
  auto r = evaluate_task(*m, task, {half, half}, codec, cfg);
  EXPECT_EQ(calls, 10u);
  EXPECT_DOUBLE_EQ(r.pass1, 3.0 / 5.0);
  EXPECT_DOUBLE_EQ(r.cons_at_k, 1.0);
  EXPECT_EQ(r.correct, (std::vector<int64_t>{3, 3}));
  EXPECT_DOUBLE_EQ(r.response_length, 4.0);
  // The R1 chat prompt's forced "<think>\n" is scored (the format now holds) but not counted.
  auto chat = text::ChatTemplate::builtin(text::ChatFamily::Qwen25);
  cfg.chat = &chat;
  r = evaluate_task(*m, task, {half}, codec, cfg);
  EXPECT_DOUBLE_EQ(r.think_rate, 1.0);
  EXPECT_DOUBLE_EQ(r.response_length, 4.0);
}

}  // namespace
}  // namespace r1::eval

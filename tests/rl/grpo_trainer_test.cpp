// The GRPO loop end to end on a tiny byte-level policy: the reward is composed as configured
// (accuracy + format + language consistency), a benchmark-file task's rollouts are rewarded by the
// math verifier on the forced response prefix + the completion, and a run interrupted after k steps
// and resumed from its checkpoint ends bitwise equal to the straight run.
#include "rl/grpo_trainer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/tiny_model.h"
#include "model/causal_lm.h"
#include "tasks/datasets/dataset_task.h"
#include "tasks/prompt_template.h"
#include "tasks/task.h"

namespace r1::rl {
namespace {

namespace fs = std::filesystem;

constexpr int32_t kEos = 256;  // byte ids 0..255, then EOS

model::CausalLM tiny_policy(uint64_t seed) { return test::tiny_qwen2(257, 128, seed); }

std::vector<int32_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

std::string text_of(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids)
    if (id < 256) s += static_cast<char>(id);
  return s;
}

struct Fixture {
  std::unique_ptr<tasks::Task> task = tasks::make_task("running_sum");
  GrpoEnvironment env;
  GrpoConfig cfg;
  Fixture() {
    cfg.steps = 4;
    cfg.prompts_per_step = 2;
    cfg.group_size = 4;
    cfg.max_new_tokens = 12;
    cfg.lr = 1e-3;
    cfg.seed = 3;
    // A random policy never verifies nor formats, but its bytes hold Latin letter runs: scoring
    // them as non-Chinese gives the groups reward variance, hence gradients.
    cfg.language = "zh";
    cfg.language_weight = 1.0;
    env.eos_id = kEos;
    env.pad_id = kEos;
    env.decode = text_of;
    env.prompts = [this](int64_t step) {
      tasks::Rng rng(100 + step);
      std::vector<RolloutPrompt> out;
      for (int i = 0; i < cfg.prompts_per_step; ++i) {
        RolloutPrompt p;
        p.problem = task->sample(rng);
        p.task = task.get();
        p.ids = bytes_of(tasks::r1zero_prompt(p.problem));
        out.push_back(std::move(p));
      }
      return out;
    };
  }
};

TEST(GrpoTrainer, RewardIsTheConfiguredSumOfAccuracyFormatAndLanguage) {
  Fixture f;
  f.cfg.accuracy_weight = 1.0;
  f.cfg.format_weight = 0.3;
  f.cfg.language_weight = 0.5;
  f.cfg.steps = 2;
  auto policy = tiny_policy(1);
  std::vector<GrpoStepStats> seen;
  train_grpo(*policy, f.env, f.cfg, nullptr, [&](int64_t, const GrpoStepStats& s) { seen.push_back(s); });
  ASSERT_EQ(seen.size(), 2u);
  for (const auto& s : seen) {
    // Random bytes have few words: language consistency is 1 when there are none, so the mean is
    // in (0, 1]; every term is a per-sample mean, so the means add up like the rewards do.
    EXPECT_GT(s.language, 0.0);
    EXPECT_LE(s.language, 1.0);
    EXPECT_NEAR(s.reward, 1.0 * s.accuracy + 0.3 * s.format + 0.5 * s.language, 1e-5);
  }
}

// One GRPO step on one prompt (G = 4) whose completions all decode to `sampled`: decode() stands in
// for a tokenizer, so the rewards are known exactly while the rest of the step (rollout, grouping,
// loss, update) runs for real.
GrpoStepStats one_step(const tasks::Task& task, const tasks::Problem& problem, const std::string& prefix,
                       const std::string& sampled) {
  auto policy = tiny_policy(3);
  GrpoConfig cfg;
  cfg.steps = 1;
  cfg.prompts_per_step = 1;
  cfg.group_size = 4;
  cfg.max_new_tokens = 3;
  cfg.warmup_steps = 0;
  cfg.accuracy_weight = 1.0;
  cfg.format_weight = 0.25;
  GrpoEnvironment env;
  env.eos_id = -1;  // no stop token: every completion is max_new_tokens long
  env.pad_id = kEos;
  int decoded = 0;
  env.decode = [&](const std::vector<int32_t>& ids) {
    EXPECT_EQ(ids.size(), 3u);  // the sampled tokens only: the prefix is in the prompt, not here
    ++decoded;
    return sampled;
  };
  env.prompts = [&](int64_t) {
    RolloutPrompt p;
    p.ids = bytes_of(tasks::r1zero_prompt(problem) + prefix);
    p.problem = problem;
    p.task = &task;
    p.response_prefix = prefix;
    return std::vector<RolloutPrompt>{p};
  };
  GrpoStepStats stats;
  int steps = 0;
  train_grpo(*policy, env, cfg, nullptr, [&](int64_t, const GrpoStepStats& st) {
    stats = st;
    ++steps;
  });
  EXPECT_EQ(steps, 1);
  EXPECT_EQ(decoded, 4);
  return stats;
}

TEST(GrpoTrainer, DatasetTaskRolloutsAreRewardedByTheMathVerifier) {
  tasks::Problem half{"toy", "What is one half as a decimal?", "0.5"};
  tasks::MathDatasetTask task("toy", {half});
  const std::string think = "<think>\n";  // the R1 chat prompt's forced prefix

  // \boxed{1/2} after the reasoning verifies against gold 0.5; with the prefix the response opens
  // with a complete think block, so the format reward is earned too.
  auto st = one_step(task, half, think, "half of one is 0.5</think> The answer is \\boxed{1/2}.");
  EXPECT_DOUBLE_EQ(st.accuracy, 1.0);
  EXPECT_DOUBLE_EQ(st.format, 1.0);
  EXPECT_DOUBLE_EQ(st.think_rate, 1.0);
  EXPECT_NEAR(st.reward, 1.25, 1e-6);
  EXPECT_DOUBLE_EQ(st.zero_std_groups, 1.0);  // every sample earned the same
  EXPECT_DOUBLE_EQ(st.response_length, 3.0);  // sampled tokens; the forced prefix is not counted

  st = one_step(task, half, think, "so</think> \\boxed{\\frac{1}{2}}");  // equivalent LaTeX
  EXPECT_DOUBLE_EQ(st.accuracy, 1.0);
  EXPECT_NEAR(st.reward, 1.25, 1e-6);

  // A wrong answer keeps only the format reward.
  st = one_step(task, half, think, "half is 1/3</think> \\boxed{1/3}");
  EXPECT_DOUBLE_EQ(st.accuracy, 0.0);
  EXPECT_DOUBLE_EQ(st.format, 1.0);
  EXPECT_NEAR(st.reward, 0.25, 1e-6);

  // Reasoning that never closes has no answer, even with the right box inside it.
  st = one_step(task, half, think, "it is \\boxed{0.5}");
  EXPECT_DOUBLE_EQ(st.accuracy, 0.0);
  EXPECT_DOUBLE_EQ(st.think_rate, 0.0);
  EXPECT_NEAR(st.reward, 0.0, 1e-6);

  // Without the forced prefix the same completion is right but does not open with <think>: the
  // prefix is what the format reward sees, so it must be scored with the completion.
  st = one_step(task, half, "", "half of one is 0.5</think> The answer is \\boxed{1/2}.");
  EXPECT_DOUBLE_EQ(st.accuracy, 1.0);
  EXPECT_DOUBLE_EQ(st.format, 0.0);
  EXPECT_NEAR(st.reward, 1.0, 1e-6);
}

TEST(GrpoTrainer, ResumedRunEqualsTheStraightRunBitwise) {
  const fs::path dir = fs::temp_directory_path() / ("r1_grpo_resume_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  for (double beta : {0.0, 0.05}) {  // with a KL reference too: it is saved and restored
    Fixture f;
    f.cfg.beta = beta;
    auto straight = tiny_policy(7);
    EXPECT_EQ(train_grpo(*straight, f.env, f.cfg, nullptr), 4);

    auto resumed = tiny_policy(7);
    GrpoRun run;
    run.checkpoint_dir = (dir / ("b" + std::to_string(beta))).string();
    run.checkpoint_every = 1;
    run.stop_after = 2;
    EXPECT_EQ(train_grpo(*resumed, f.env, f.cfg, nullptr, {}, run), 2);  // "killed" after 2 steps
    auto fresh = tiny_policy(99);  // a new process: different weights until the checkpoint loads
    run.stop_after = 0;
    EXPECT_EQ(train_grpo(*fresh, f.env, f.cfg, nullptr, {}, run), 4);

    auto a = straight->named_parameters(), b = fresh->named_parameters();
    ASSERT_EQ(a.size(), b.size());
    for (const auto& p : a) EXPECT_TRUE(torch::equal(p.value(), b[p.key()])) << p.key() << " beta " << beta;
    EXPECT_FALSE(torch::equal(straight->named_parameters()[0].value(), tiny_policy(7)->named_parameters()[0].value()))
        << "training changed nothing";
  }
  fs::remove_all(dir);
}

TEST(GrpoTrainer, ResumeRefusesAnotherConfiguration) {
  const fs::path dir = fs::temp_directory_path() / ("r1_grpo_refuse_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  Fixture f;
  auto policy = tiny_policy(7);
  GrpoRun run;
  run.checkpoint_dir = dir.string();
  run.stop_after = 1;
  train_grpo(*policy, f.env, f.cfg, nullptr, {}, run);
  f.cfg.steps = 10;
  try {
    train_grpo(*policy, f.env, f.cfg, nullptr, {}, run);
    ADD_FAILURE() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("trainer_state.json"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace r1::rl

// The GRPO loop end to end on tiny policies: the reward is the weighted sum of its terms (values
// worked out by hand), a benchmark-file task's rollouts are rewarded by the math verifier on the
// forced prefix + the completion, the loss's log-probs are those the engine sampled with (at
// T = 0.7), GRPO learns a problem a tiny policy can learn, a non-finite run stops with its last good
// checkpoint, and a run interrupted after k steps resumes — refusing another configuration, never
// writing a metrics step twice — and ends bitwise equal to the straight run.
#include "rl/grpo_trainer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/rule_task.h"
#include "common/temp_dir.h"
#include "common/tiny_model.h"
#include "core/error.h"
#include "core/files.h"
#include "core/metrics.h"
#include "io/model_dir.h"
#include "model/causal_lm.h"
#include "rl/grpo_batch.h"
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

std::string temp_dir(const std::string& name) { return test::fresh_temp_dir("grpo_" + name); }

// GRPO on the one-token problems below (answers 'a'..'d', a reward rule on the letter): groups of 8,
// one new token, no format reward, a learning rate large enough to move in a few steps.
GrpoConfig one_token_config(int64_t steps, int64_t prompts_per_step) {
  GrpoConfig cfg;
  cfg.steps = steps;
  cfg.prompts_per_step = prompts_per_step;
  cfg.group_size = 8;
  cfg.max_new_tokens = 1;
  cfg.lr = 1e-2;
  cfg.warmup_steps = 0;
  cfg.format_weight = 0.0;
  cfg.seed = 2;
  return cfg;
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
    // A random policy never verifies nor formats, but some of its byte strings hold Latin words
    // (language reward 1) and some none (0): the groups have reward variance, hence gradients.
    cfg.language = "en";
    cfg.language_weight = 1.0;
    env.eos_id = kEos;
    env.pad_id = kEos;
    env.decode = text_of;
    env.prompts = [this](int64_t step) {
      tasks::Rng rng(100 + step);
      std::vector<rollout::RolloutPrompt> out;
      for (int i = 0; i < cfg.prompts_per_step; ++i) {
        rollout::RolloutPrompt p;
        p.problem = task->sample(rng);
        p.task = task.get();
        p.ids = bytes_of(tasks::r1zero_prompt(p.problem));
        out.push_back(std::move(p));
      }
      return out;
    };
  }
};

// One GRPO step on one prompt (G = 4) whose completions all decode to `sampled`: decode() stands in
// for a tokenizer, so the rewards are known exactly while the rest of the step (rollout, grouping,
// loss, update) runs for real.
GrpoStepStats one_step(const tasks::Task& task, const tasks::Problem& problem, const std::string& prefix,
                       const std::string& sampled, GrpoConfig cfg = {}) {
  auto policy = tiny_policy(3);
  cfg.steps = 1;
  cfg.prompts_per_step = 1;
  cfg.group_size = 4;
  cfg.max_new_tokens = 3;
  cfg.warmup_steps = 0;
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
    rollout::RolloutPrompt p;
    p.ids = bytes_of(tasks::r1zero_prompt(problem) + prefix);
    p.problem = problem;
    p.task = &task;
    p.response_prefix = prefix;
    return std::vector<rollout::RolloutPrompt>{p};
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

TEST(GrpoTrainer, RewardIsTheWeightedSumOfItsTerms) {
  auto task = tasks::make_task("running_sum");
  tasks::Problem p{"running_sum", "3+5 mod 10", "8"};
  GrpoConfig cfg;
  cfg.accuracy_weight = 1.0;
  cfg.format_weight = 0.3;
  cfg.language_weight = 0.5;
  cfg.language = "en";
  // Right, well formed, all-English CoT: 1 + 0.3 + 0.5.
  auto st = one_step(*task, p, "", "<think>we add them</think><answer>8</answer>", cfg);
  EXPECT_NEAR(st.reward, 1.8, 1e-6);
  EXPECT_DOUBLE_EQ(st.language, 1.0);
  // Half the CoT's words are Chinese (首, 先 against we, add): 1 + 0.3 + 0.5 * 0.5.
  st = one_step(*task, p, "", "<think>首先 we add</think><answer>8</answer>", cfg);
  EXPECT_NEAR(st.reward, 1.55, 1e-6);
  // Wrong and unformatted, a CoT of equations only (no words: no language reward): 0.
  st = one_step(*task, p, "", "<think>3+5=9</think> <answer>9</answer> more", cfg);
  EXPECT_NEAR(st.reward, 0.0, 1e-6);
  EXPECT_DOUBLE_EQ(st.format, 0.0);
  // The answer inside a think block that never closes earns nothing; its words still count.
  st = one_step(*task, p, "", "<think>we add <answer>8</answer>", cfg);
  EXPECT_DOUBLE_EQ(st.accuracy, 0.0);
  EXPECT_NEAR(st.reward, 0.5, 1e-6);
}

TEST(GrpoTrainer, DatasetTaskRolloutsAreRewardedByTheMathVerifier) {
  tasks::Problem half{"toy", "What is one half as a decimal?", "0.5"};
  tasks::MathDatasetTask task("toy", {half});
  const std::string think = "<think>\n";  // the R1 chat prompt's forced prefix
  GrpoConfig cfg;
  cfg.accuracy_weight = 1.0;
  cfg.format_weight = 0.25;

  // \boxed{1/2} after the reasoning verifies against gold 0.5; with the prefix the response opens
  // with a complete think block, so the format reward is earned too.
  auto st = one_step(task, half, think, "half of one is 0.5</think> The answer is \\boxed{1/2}.", cfg);
  EXPECT_DOUBLE_EQ(st.accuracy, 1.0);
  EXPECT_DOUBLE_EQ(st.format, 1.0);
  EXPECT_DOUBLE_EQ(st.think_rate, 1.0);
  EXPECT_NEAR(st.reward, 1.25, 1e-6);
  EXPECT_DOUBLE_EQ(st.zero_std_groups, 1.0);  // every sample earned the same
  EXPECT_DOUBLE_EQ(st.response_length, 3.0);  // sampled tokens; the forced prefix is not counted

  st = one_step(task, half, think, "so</think> \\boxed{\\frac{1}{2}}", cfg);  // equivalent LaTeX
  EXPECT_DOUBLE_EQ(st.accuracy, 1.0);
  EXPECT_NEAR(st.reward, 1.25, 1e-6);

  // A wrong answer keeps only the format reward.
  st = one_step(task, half, think, "half is 1/3</think> \\boxed{1/3}", cfg);
  EXPECT_DOUBLE_EQ(st.accuracy, 0.0);
  EXPECT_DOUBLE_EQ(st.format, 1.0);
  EXPECT_NEAR(st.reward, 0.25, 1e-6);

  // Reasoning that never closes has no answer, even with the right box inside it.
  st = one_step(task, half, think, "it is \\boxed{0.5}", cfg);
  EXPECT_DOUBLE_EQ(st.accuracy, 0.0);
  EXPECT_DOUBLE_EQ(st.think_rate, 0.0);
  EXPECT_NEAR(st.reward, 0.0, 1e-6);

  // Without the forced prefix the same completion is right but does not open with <think>: the
  // prefix is what the format reward sees, so it must be scored with the completion.
  st = one_step(task, half, "", "half of one is 0.5</think> The answer is \\boxed{1/2}.", cfg);
  EXPECT_DOUBLE_EQ(st.accuracy, 1.0);
  EXPECT_DOUBLE_EQ(st.format, 0.0);
  EXPECT_NEAR(st.reward, 1.0, 1e-6);
}

// The ratio, the KL and the gradient must be measured against the distribution the rollouts were
// drawn from: the trainer's log-probs of the sampled tokens, recomputed by a full forward over the
// training batch, equal the log-probs the engine recorded while it sampled (KV cache, per step).
TEST(GrpoTrainer, TrainerLogprobsEqualTheSamplersAtTemperature) {
  auto policy = tiny_policy(11);
  Fixture f;
  rollout::RolloutConfig rc;
  rc.sampling.temperature = 0.7;
  rc.sampling.max_new_tokens = 10;
  rc.sampling.seed = 5;
  rc.samples_per_prompt = 4;
  rc.eos_id = kEos;
  rc.pad_id = kEos;
  auto prompts = f.env.prompts(0);
  prompts[1].ids.resize(prompts[1].ids.size() - 3);  // prompts of different lengths: real padding
  auto samples = rollout::rollout_and_score(*policy, prompts, text_of, rc);
  std::vector<size_t> rows(samples.size());
  for (size_t r = 0; r < rows.size(); ++r) rows[r] = r;
  auto batch = completion_batch(prompts, samples, rows, kEos, policy->device());
  torch::NoGradGuard ng;
  auto at_T = completion_logprobs(*policy, batch, 0.7);   // [B, T]
  auto at_1 = completion_logprobs(*policy, batch, 1.0);
  double worst = 0, worst_raw = 0;
  for (size_t r = 0; r < samples.size(); ++r) {
    const auto& s = samples[r];
    const int64_t first = static_cast<int64_t>(prompts[s.prompt].ids.size()) - 1;  // predicts tokens[0]
    for (size_t t = 0; t < s.tokens.size(); ++t) {
      ASSERT_EQ(batch.mask[r][first + t].item<float>(), 1.0f);
      worst = std::max(worst, std::abs(at_T[r][first + t].item<double>() - s.logprobs[t]));
      worst_raw = std::max(worst_raw, std::abs(at_1[r][first + t].item<double>() - s.logprobs[t]));
    }
  }
  std::printf("sampled vs recomputed log-probs at T = 0.7: max |diff| %.2e (raw logits: %.2e)\n", worst, worst_raw);
  EXPECT_LT(worst, 1e-4);
  EXPECT_GT(worst_raw, 1e-2);  // raw logits are another distribution: the bug this test guards against
}

// A problem a tiny policy can learn: four answers 'a'..'d', one token each, and only 'c' is right.
TEST(GrpoTrainer, RaisesTheRewardOnALearnableProblem) {
  auto policy = test::tiny_qwen2(5, 16, 21);  // tokens 0..3 are 'a'..'d', 4 the prompt token
  const test::RuleTask task("pick_c", [](std::string_view r) { return r == "c"; });
  const std::vector<int32_t> prompt = {4, 4};
  auto p_c = [&] {
    torch::NoGradGuard ng;
    return policy->forward(torch::tensor({4, 4}, torch::kInt64).unsqueeze(0)).select(1, 1).softmax(-1)[0][2].item<double>();
  };
  const double before = p_c();
  const GrpoConfig cfg = one_token_config(/*steps=*/30, /*prompts_per_step=*/4);
  GrpoEnvironment env;
  env.eos_id = -1;
  env.pad_id = 4;
  env.decode = [](const std::vector<int32_t>& ids) {
    std::string s;
    for (int32_t id : ids) s += static_cast<char>('a' + id);
    return s;
  };
  env.prompts = [&](int64_t) {
    return std::vector<rollout::RolloutPrompt>(4, rollout::RolloutPrompt{prompt, "", {"pick_c", "pick", "c"}, &task, 0});
  };
  std::vector<double> rewards;
  train_grpo(*policy, env, cfg, nullptr, [&](int64_t, const GrpoStepStats& s) { rewards.push_back(s.reward); });
  ASSERT_EQ(rewards.size(), 30u);
  const double first = (rewards[0] + rewards[1] + rewards[2]) / 3, last = (rewards[27] + rewards[28] + rewards[29]) / 3;
  const double after = p_c();
  std::printf("pick_c: p(c) %.3f -> %.3f, reward (3-step mean) %.3f -> %.3f over 30 GRPO steps\n", before, after, first,
              last);
  EXPECT_LT(before, 0.5);
  EXPECT_GT(after, 0.9) << "p(c) " << before << " -> " << after;
  EXPECT_GT(last, 0.8) << "reward " << first << " -> " << last;
  EXPECT_GT(last, first + 0.3);
}

TEST(GrpoTrainer, NonFiniteStepsAreSkippedThenStopTheRun) {
  const std::string dir = temp_dir("nonfinite");
  Fixture f;
  f.cfg.lr = 1e30;  // the first update throws the weights to ~1e30: every later loss is NaN or inf
  f.cfg.warmup_steps = 0;
  f.cfg.grad_clip = 0.0;
  f.cfg.steps = 10;
  auto policy = tiny_policy(7);
  MetricsWriter metrics(dir + "/metrics.jsonl");
  GrpoRun run;
  run.checkpoint_dir = dir;
  run.control.checkpoint_every = 1;
  run.control.max_nonfinite_steps = 3;
  try {
    train_grpo(*policy, f.env, f.cfg, &metrics, {}, run);
    ADD_FAILURE() << "a NaN run finished";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("3 steps in a row"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(dir + "/checkpoints"), std::string::npos) << e.what();
  }
  std::istringstream rows(read_file(dir + "/metrics.jsonl"));
  int skipped = 0;
  for (std::string line; std::getline(rows, line);) skipped += nlohmann::json::parse(line).contains("skipped") &&
                                                                nlohmann::json::parse(line).at("skipped").is_string();
  EXPECT_EQ(skipped, 3);
  // Whatever was saved is finite and loads as a model.
  for (const auto& d : fs::directory_iterator(dir + "/checkpoints")) {
    if (d.path().filename().string().rfind("step-", 0) != 0) continue;
    auto loaded = io::load_model_dir(d.path().string());
    for (const auto& p : loaded.model->parameters()) EXPECT_TRUE(torch::isfinite(p).all().item<bool>()) << d.path();
  }
  fs::remove_all(dir);
}

TEST(GrpoTrainer, ResumedRunEqualsTheStraightRunBitwise) {
  const std::string dir = temp_dir("resume");
  for (double beta : {0.0, 0.05}) {  // with a KL reference too: it is saved and restored
    Fixture f;
    f.cfg.beta = beta;
    auto straight = tiny_policy(7);
    EXPECT_EQ(train_grpo(*straight, f.env, f.cfg, nullptr), 4);

    auto resumed = tiny_policy(7);
    GrpoRun run;
    run.checkpoint_dir = dir + "/b" + std::to_string(beta);
    run.control.checkpoint_every = 1;
    run.control.stop_after = 2;
    EXPECT_EQ(train_grpo(*resumed, f.env, f.cfg, nullptr, {}, run), 2);  // "killed" after 2 steps
    auto fresh = tiny_policy(99);  // a new process: different weights until the checkpoint loads
    run.control.stop_after = 0;
    EXPECT_EQ(train_grpo(*fresh, f.env, f.cfg, nullptr, {}, run), 4);

    auto a = straight->named_parameters(), b = fresh->named_parameters();
    ASSERT_EQ(a.size(), b.size());
    for (const auto& p : a) EXPECT_TRUE(torch::equal(p.value(), b[p.key()])) << p.key() << " beta " << beta;
    EXPECT_FALSE(torch::equal(straight->named_parameters()[0].value(), tiny_policy(7)->named_parameters()[0].value()))
        << "training changed nothing";
  }
  fs::remove_all(dir);
}

TEST(GrpoTrainer, ResumeRefusesAnotherConfigurationUnlessForced) {
  const std::string dir = temp_dir("refuse");
  Fixture f;
  auto policy = tiny_policy(7);
  GrpoRun run;
  run.checkpoint_dir = dir;
  run.control.stop_after = 1;
  run.control.fingerprint = {{"rl", {{"lr", 1e-3}}}};
  EXPECT_EQ(train_grpo(*policy, f.env, f.cfg, nullptr, {}, run), 1);
  run.control.fingerprint = {{"rl", {{"lr", 3e-3}}}};
  try {
    train_grpo(*policy, f.env, f.cfg, nullptr, {}, run);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rl.lr: 0.001 -> 0.003"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--resume force"), std::string::npos) << e.what();
  }
  run.control.resume = train::ResumeMode::kForce;  // continues at step 1
  EXPECT_EQ(train_grpo(*policy, f.env, f.cfg, nullptr, {}, run), 2);
  run.control.resume = train::ResumeMode::kNever;  // starts over at 0
  std::vector<int64_t> steps;
  train_grpo(*policy, f.env, f.cfg, nullptr, [&](int64_t s, const GrpoStepStats&) { steps.push_back(s); }, run);
  EXPECT_EQ(steps, std::vector<int64_t>{0});
  fs::remove_all(dir);
}

TEST(GrpoTrainer, AResumedRunNeverWritesAMetricsStepTwice) {
  const std::string dir = temp_dir("metrics");
  Fixture f;
  GrpoRun run;
  run.checkpoint_dir = dir;
  run.control.checkpoint_every = 2;
  {
    MetricsWriter metrics(dir + "/metrics.jsonl");
    metrics.write({{"stage", "pretrain"}, {"step", 3}});  // another stage's row stays
    auto policy = tiny_policy(7);
    // Killed after step 2's metrics line, before its checkpoint: the latest checkpoint is step-2.
    EXPECT_THROW(train_grpo(*policy, f.env, f.cfg, &metrics,
                            [](int64_t step, const GrpoStepStats&) {
                              if (step == 2) throw std::runtime_error("kill");
                            },
                            run),
                 std::runtime_error);
  }
  MetricsWriter metrics(dir + "/metrics.jsonl");
  auto policy = tiny_policy(7);
  EXPECT_EQ(train_grpo(*policy, f.env, f.cfg, &metrics, {}, run), 4);
  std::istringstream rows(read_file(dir + "/metrics.jsonl"));
  std::map<int64_t, int> grpo_rows;
  int other = 0;
  for (std::string line; std::getline(rows, line);) {
    auto j = nlohmann::json::parse(line);
    if (j.at("stage") == "grpo") ++grpo_rows[j.at("step").get<int64_t>()];
    else ++other;
  }
  EXPECT_EQ(grpo_rows, (std::map<int64_t, int>{{0, 1}, {1, 1}, {2, 1}, {3, 1}}));
  EXPECT_EQ(other, 1);
  fs::remove_all(dir);
}


// Every advantage estimator, policy loss and mismatch correction in a short real GRPO run (two
// steps, μ = 2 so the ratios move off 1): the run completes, each metrics line carries the option's
// own quantities, finite. The engine's log-probs are the trainer's (T = 1, top-p off), so the
// measured mismatch is ~0 whatever the option.
TEST(GrpoTrainer, EveryAlgorithmOptionRunsAndLogsItsQuantities) {
  struct Option {
    std::string name;
    std::function<void(GrpoConfig&)> set;
    std::vector<std::string> keys;  // beyond those every run logs
  };
  const std::vector<Option> options = {
      {"grpo_no_std", [](GrpoConfig& c) { c.advantage = "grpo_no_std"; }, {}},
      {"rloo", [](GrpoConfig& c) { c.advantage = "rloo"; }, {}},
      {"reinforce_pp_baseline", [](GrpoConfig& c) { c.advantage = "reinforce_pp_baseline"; }, {}},
      {"gspo", [](GrpoConfig& c) { c.policy_loss = "gspo"; }, {"seq_clip_fraction"}},
      {"cispo", [](GrpoConfig& c) { c.policy_loss = "cispo"; c.loss_type = "dapo"; }, {"is_clip_fraction"}},
      {"tis_token", [](GrpoConfig& c) { c.mismatch = "tis"; }, {}},
      {"mis_sequence", [](GrpoConfig& c) { c.mismatch = "mis"; c.mismatch_level = "sequence"; }, {}},
      {"overlong", [](GrpoConfig& c) { c.overlong_buffer = 4; }, {"overlong_penalty"}},
      {"dynamic_sampling", [](GrpoConfig& c) { c.dynamic_sampling = true; }, {"extra_draws", "kept_groups"}},
  };
  const std::vector<std::string> common = {"clip_fraction", "mean_ratio", "mismatch_kl", "mismatch_abs_log_ratio",
                                           "mismatch_max_ratio", "mismatch_beyond_cap", "loss"};
  for (const auto& o : options) {
    const std::string dir = temp_dir("option_" + o.name);
    Fixture f;
    f.cfg.steps = 2;
    f.cfg.num_iterations = 2;
    o.set(f.cfg);
    auto policy = tiny_policy(7);
    {
      MetricsWriter metrics(dir + "/metrics.jsonl");
      EXPECT_EQ(train_grpo(*policy, f.env, f.cfg, &metrics), 2) << o.name;
    }
    std::istringstream rows(read_file(dir + "/metrics.jsonl"));
    int lines = 0;
    for (std::string line; std::getline(rows, line);) {
      auto j = nlohmann::json::parse(line);
      ++lines;
      std::vector<std::string> keys = common;
      keys.insert(keys.end(), o.keys.begin(), o.keys.end());
      for (const auto& k : keys) {
        ASSERT_TRUE(j.contains(k)) << o.name << " lacks " << k << ": " << line;
        ASSERT_TRUE(j.at(k).is_number()) << o.name << " " << k << ": " << line;
        EXPECT_TRUE(std::isfinite(j.at(k).get<double>())) << o.name << " " << k;
      }
      EXPECT_LT(j.at("mismatch_max_ratio").get<double>(), 1.01) << o.name;
      if (j.contains("overlong_penalty")) {  // 12-token completions, buffer 4: in [-1, 0]
        EXPECT_LE(j.at("overlong_penalty").get<double>(), 0.0);
        EXPECT_GE(j.at("overlong_penalty").get<double>(), -1.0);
      }
      EXPECT_EQ(j.at("mismatch_beyond_cap").get<double>(), 0.0) << o.name;
      for (const char* other : {"seq_clip_fraction", "is_clip_fraction", "overlong_penalty", "extra_draws"})
        if (std::find(o.keys.begin(), o.keys.end(), other) == o.keys.end()) EXPECT_FALSE(j.contains(other)) << o.name;
    }
    EXPECT_EQ(lines, 2) << o.name;
    for (const auto& p : policy->parameters()) ASSERT_TRUE(torch::isfinite(p).all().item<bool>()) << o.name;
    fs::remove_all(dir);
  }
}


// rl.rollout_quant: rollouts from a quantized copy of the policy. The run completes; the mismatch
// the trainer measures between the engine's log-probs and its own fp32 ones is ~0 with fp32
// rollouts (the same model, KV cache against full forward) and clearly above it with int8, more
// with int4 (what the quantized copy's rounding costs); tis corrects it and still trains.
TEST(GrpoTrainer, QuantizedRolloutsShowTheirMismatchEveryStep) {
  auto run = [](const std::string& quant, const std::string& correction) {
    const std::string dir = temp_dir("rollout_quant_" + quant + "_" + correction);
    Fixture f;
    f.cfg.steps = 2;
    f.cfg.rollout_quant = quant;
    f.cfg.mismatch = correction;
    auto policy = tiny_policy(7);
    {
      MetricsWriter metrics(dir + "/metrics.jsonl");
      EXPECT_EQ(train_grpo(*policy, f.env, f.cfg, &metrics), 2) << quant;
    }
    for (const auto& p : policy->parameters()) EXPECT_TRUE(torch::isfinite(p).all().item<bool>()) << quant;
    std::vector<double> abs_log_ratio;
    std::istringstream rows(read_file(dir + "/metrics.jsonl"));
    for (std::string line; std::getline(rows, line);) {
      auto j = nlohmann::json::parse(line);
      EXPECT_TRUE(std::isfinite(j.at("loss").get<double>())) << quant;
      EXPECT_GE(j.at("mismatch_kl").get<double>(), 0.0) << quant;
      abs_log_ratio.push_back(j.at("mismatch_abs_log_ratio").get<double>());
    }
    EXPECT_EQ(abs_log_ratio.size(), 2u) << quant;
    fs::remove_all(dir);
    return abs_log_ratio;
  };
  const auto none = run("none", "none"), int8 = run("int8", "none"), int4 = run("int4", "none");
  const auto int8_tis = run("int8", "tis");
  for (size_t s = 0; s < 2; ++s) {
    EXPECT_LT(none[s], 1e-5) << "step " << s;
    EXPECT_GT(int8[s], 1e-4) << "step " << s;
    EXPECT_GT(int8[s], 20 * none[s]) << "step " << s;
    EXPECT_GT(int4[s], int8[s]) << "step " << s;
  }
  EXPECT_EQ(int8_tis[0], int8[0]);  // the same rollouts; the correction acts on the loss only
}

// DAPO's dynamic sampling on the pick-c problem: the regular steps' prompts come from a task no
// answer satisfies (every group all-0: dropped), the extra draws' from pick_c (groups that differ).
// Each step must draw more prompts, keep only varied groups, and train on them; with no varied
// group anywhere the run draws its bound each step and never updates the policy.
TEST(GrpoTrainer, DynamicSamplingDrawsMorePromptsForGroupsWhoseRewardsDiffer) {
  const test::RuleTask never("never", [](std::string_view) { return false; });
  const test::RuleTask pick_c("pick_c", [](std::string_view r) { return r == "c"; });
  for (bool extra_draws_vary : {true, false}) {
    auto policy = test::tiny_qwen2(5, 16, 21);
    std::vector<torch::Tensor> before;
    for (const auto& p : policy->parameters()) before.push_back(p.detach().clone());
    GrpoConfig cfg = one_token_config(/*steps=*/3, /*prompts_per_step=*/2);
    cfg.dynamic_sampling = true;
    cfg.max_extra_draws = 4;
    GrpoEnvironment env;
    env.eos_id = -1;
    env.pad_id = 4;
    env.decode = [](const std::vector<int32_t>& ids) { return std::string(1, static_cast<char>('a' + ids.at(0))); };
    std::vector<int64_t> asked;
    env.prompts = [&](int64_t step) {
      asked.push_back(step);
      const tasks::Task* t = step >= cfg.steps && extra_draws_vary ? &pick_c : &never;
      return std::vector<rollout::RolloutPrompt>(2, rollout::RolloutPrompt{{4, 4}, "", {t->name(), "q", ""}, t, 0});
    };
    std::vector<GrpoStepStats> steps;
    train_grpo(*policy, env, cfg, nullptr, [&](int64_t, const GrpoStepStats& s) { steps.push_back(s); });
    ASSERT_EQ(steps.size(), 3u);
    for (size_t k = 0; k < steps.size(); ++k) {
      EXPECT_EQ(steps[k].zero_std_groups, 1.0);  // the first draw: all-0 groups
      EXPECT_EQ(steps[k].reward, 0.0);           // the step's statistics are its first draw's
      if (extra_draws_vary) {
        EXPECT_GE(steps[k].extra_draws, 1.0);
        EXPECT_GT(steps[k].kept_groups, 0.0);
      } else {
        EXPECT_EQ(steps[k].extra_draws, 4.0);
        EXPECT_EQ(steps[k].kept_groups, 0.0);
      }
    }
    // Extra draw d of step s reads prompts(d * steps + s): never a regular step's prompts.
    EXPECT_EQ(asked[0], 0);
    EXPECT_EQ(asked[1], 3);
    bool changed = false;
    auto params = policy->parameters();
    for (size_t i = 0; i < params.size(); ++i) changed |= !torch::equal(params[i], before[i]);
    EXPECT_EQ(changed, extra_draws_vary);
  }
}

}  // namespace
}  // namespace r1::rl

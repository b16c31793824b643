// `r1 grpo --init DIR` end to end on benchmark-file tasks: a tiny checkpoint made by `r1 pretrain`,
// given a chat template the way Hugging Face checkpoints ship one, trained for two GRPO steps on
// GSM8K (R1 chat prompts) next to a synthetic family (R1-Zero prompts), then evaluated; the same on
// the template-less checkpoint; and the errors a bad task list or data folder gives.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/cli.h"
#include "common/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using r1::test::run_r1;
using r1::test::slurp;

const char* kChatTemplate =
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}";

// Tiny RL and eval: 2 steps of 2 prompts x G=2, 2 held-out problems x k=2, 8 new tokens.
const char* kTinyRl =
    " --rl.steps 2 --rl.prompts_per_step 2 --rl.group_size 2 --rl.max_new_tokens 8"
    " --eval.problems 2 --eval.k 2 --eval.max_new_tokens 8";

std::vector<json> grpo_lines(const fs::path& metrics) {
  std::istringstream in(slurp(metrics));
  std::vector<json> out;
  std::string line;
  while (std::getline(in, line)) {
    auto j = json::parse(line);
    if (j["stage"] == "grpo") out.push_back(j);
  }
  return out;
}

class GrpoCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // ctest runs each test of this suite in its own process, concurrently: one directory per process.
    root_ = r1::test::fresh_temp_dir("grpo_cli_test");
    // GSM8K problems in the R1 chat prompt run to several hundred tokens with this 8-merge byte-level
    // tokenizer: a context of 2048 holds them (with the demo's 256, GRPO would skip most of them, and
    // an error names the task when none fits).
    auto r = r1::test::pretrain_tiny(root_ / "run", 6, 4, 8, " --model.max_position_embeddings 2048");
    ASSERT_EQ(r.status, 0) << r.output;
    base_ = root_ / "run/checkpoints/base";
    chat_ = root_ / "chat_model";
    fs::create_directories(chat_);
    for (const auto& e : fs::directory_iterator(base_)) fs::copy(e.path(), chat_ / e.path().filename());
    std::ofstream(chat_ / "tokenizer_config.json") << json{{"chat_template", kChatTemplate}}.dump();
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }
  static std::string data_dir() { return std::string(R1_SOURCE_DATA_DIR); }
  static fs::path root_, base_, chat_;
};
fs::path GrpoCli::root_, GrpoCli::base_, GrpoCli::chat_;

}  // namespace

TEST_F(GrpoCli, ChatTemplateCheckpointTrainsOnGsm8k) {
  fs::path run = root_ / "grpo_chat";
  auto r = run_r1("grpo --init " + chat_.string() + " --run_dir " + run.string() +
                  " --tasks gsm8k,running_sum --data_dir " + data_dir() + kTinyRl);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("task gsm8k: r1_chat prompts"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("task running_sum: r1_zero prompts"), std::string::npos) << r.output;

  // The final checkpoint is a whole Hugging Face directory, chat template included.
  for (const char* f : {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"})
    EXPECT_TRUE(fs::exists(run / "checkpoints/final" / f)) << f;
  auto tc = json::parse(slurp(run / "checkpoints/final/tokenizer_config.json"));
  EXPECT_EQ(tc["chat_template"], kChatTemplate);
  EXPECT_EQ(json::parse(slurp(run / "config.json"))["data_dir"], data_dir());

  auto steps = grpo_lines(run / "metrics.jsonl");
  ASSERT_EQ(steps.size(), 2u);
  for (const auto& s : steps) {
    // On-policy (μ = 1) the ratio is exactly 1: no clipping; β = 0: no KL. Two groups: a share of
    // equal-reward groups in {0, 1/2, 1}.
    EXPECT_EQ(s["clip_fraction"].get<double>(), 0.0);
    EXPECT_EQ(s["kl"].get<double>(), 0.0);
    const double zero_std = s["zero_std_groups"].get<double>() * 2;
    EXPECT_NEAR(zero_std, std::round(zero_std), 1e-9);
    EXPECT_GT(s["response_length"].get<double>(), 0.0);
    EXPECT_LE(s["response_length"].get<double>(), 8.0);
  }

  // GSM8K is evaluated with the R1 chat prompt (free mode only), the synthetic family in R1-Zero's
  // three modes.
  auto ev = json::parse(slurp(run / "eval_final.json"));
  EXPECT_EQ(ev["gsm8k"]["prompt_style"], "r1_chat");
  EXPECT_EQ(ev["gsm8k"]["free"]["problems"], 2);
  EXPECT_EQ(ev["gsm8k"]["free"]["k"], 2);
  EXPECT_FALSE(ev["gsm8k"].contains("forced_direct"));
  // The response length counts the 1 to 8 sampled tokens, not the forced "<think>\n" (the same
  // definition as RL's, rollout/scored_rollout.h).
  EXPECT_GE(ev["gsm8k"]["free"]["response_length"].get<double>(), 1.0);
  EXPECT_LE(ev["gsm8k"]["free"]["response_length"].get<double>(), 8.0);
  EXPECT_EQ(ev["running_sum"]["prompt_style"], "r1_zero");
  for (const char* mode : {"free", "forced_think", "forced_direct"}) EXPECT_EQ(ev["running_sum"][mode]["problems"], 2);
}

TEST_F(GrpoCli, CheckpointWithoutTemplateKeepsTheR1ZeroPrompt) {
  fs::path run = root_ / "grpo_zero";
  ::setenv("R1_DATA_DIR", data_dir().c_str(), 1);  // read when --data_dir is not given
  auto r = run_r1("grpo --init " + base_.string() + " --run_dir " + run.string() + " --tasks countdown_cd3" + kTinyRl);
  ::unsetenv("R1_DATA_DIR");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(json::parse(slurp(run / "config.json"))["data_dir"], data_dir());  // the folder actually used
  EXPECT_EQ(grpo_lines(run / "metrics.jsonl").size(), 2u);
  EXPECT_FALSE(fs::exists(run / "checkpoints/final/tokenizer_config.json"));
  auto ev = json::parse(slurp(run / "eval_final.json"));
  EXPECT_EQ(ev["countdown_cd3"]["prompt_style"], "r1_zero");
  for (const char* mode : {"free", "forced_think", "forced_direct"}) EXPECT_EQ(ev["countdown_cd3"][mode]["k"], 2);
}

// Issue 17: re-running `r1 grpo` into a run directory with other settings printed the old cached
// evaluation. Now another configuration is refused unless --resume force, and the evaluation is
// keyed by the checkpoint and its settings, so a forced run recomputes it.
TEST_F(GrpoCli, ARerunWithOtherSettingsIsRefusedOrRecomputed) {
  fs::path run = root_ / "grpo_rerun";
  const std::string args = "grpo --init " + base_.string() + " --run_dir " + run.string() + " --tasks running_sum" + kTinyRl;
  auto r = run_r1(args);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(json::parse(slurp(run / "eval_final.json"))["running_sum"]["free"]["problems"], 2);
  // The same command again: nothing to train (resumed at the last step), the evaluation reused.
  r = run_r1(args);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("resuming from"), std::string::npos) << r.output;
  EXPECT_EQ(grpo_lines(run / "metrics.jsonl").size(), 2u);  // no step logged twice
  r = run_r1(args + " --eval.problems 3");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("eval.problems: 2 in the run directory, 3 now"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--resume force"), std::string::npos) << r.output;
  r = run_r1(args + " --eval.problems 3 --resume force");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(json::parse(slurp(run / "eval_final.json"))["running_sum"]["free"]["problems"], 3);
  // Every step checkpoint is a model `r1 generate` loads as it is.
  auto gen = run_r1("generate --model " + (run / "work/grpo/checkpoints/step-2").string() +
                    " --prompt 'User: 1+2 mod 10' --max_new_tokens 4");
  EXPECT_EQ(gen.status, 0) << gen.output;
}

TEST_F(GrpoCli, BadTasksAndDataDirAreErrorsNamingThem) {
  ::unsetenv("R1_DATA_DIR");
  const std::string init = "grpo --init " + chat_.string() + " --run_dir " + (root_ / "bad").string();
  auto r = run_r1(init + " --tasks gsm8kk --data_dir " + data_dir());
  EXPECT_EQ(r.status, 2);  // a usage error, found before any work
  EXPECT_NE(r.output.find("error: tasks: unknown task 'gsm8kk'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("gsm8kk"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("math500"), std::string::npos) << r.output;  // the known names are listed

  r = run_r1(init + " --tasks gsm8k --data_dir /nonexistent");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("/nonexistent/gsm8k_test.jsonl"), std::string::npos) << r.output;

  // AIME 2024 has 30 problems: holding out 100 leaves none to train on.
  r = run_r1(init + " --tasks aime24 --eval.problems 100 --data_dir " + data_dir());
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("task aime24"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("eval.problems"), std::string::npos) << r.output;
  // Tasks are checked before anything is written or loaded.
  EXPECT_FALSE(fs::exists(root_ / "bad"));
}

// A benchmark file's prompts that leave no room for rl.max_new_tokens in the model's context are
// skipped (counted at start, as verl's filter_overlong_prompts), not a stop at the first one; a file
// none of whose prompts fit is an error naming the task. 2048 - 1800 leaves 248 prompt tokens: with
// this 8-merge tokenizer about one byte a token, which some GSM8K chat prompts fit and some do not.
TEST_F(GrpoCli, OverlongBenchmarkPromptsAreSkippedAndCounted) {
  const fs::path run = root_ / "grpo_overlong";
  auto grpo = [&](const fs::path& dir, int max_new_tokens) {
    return run_r1("grpo --init " + chat_.string() + " --run_dir " + dir.string() + " --tasks gsm8k --data_dir " +
                  data_dir() + kTinyRl + " --model.max_position_embeddings 2048 --rl.max_new_tokens " +
                  std::to_string(max_new_tokens));
  };
  auto r = grpo(run, 1800);
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string tag = "grpo: task gsm8k: ";
  const size_t at = r.output.find(tag);
  ASSERT_NE(at, std::string::npos) << r.output;
  long dropped = 0, trainable = 0, limit = 0;
  ASSERT_EQ(std::sscanf(r.output.c_str() + at + tag.size(), "%ld of %ld training prompts are longer than %ld", &dropped,
                        &trainable, &limit),
            3)
      << r.output;
  EXPECT_EQ(limit, 2048 - 1800);
  EXPECT_GT(dropped, 0);
  EXPECT_LT(dropped, trainable);
  EXPECT_EQ(trainable, 1319 - 2);  // GSM8K's test file less the two held-out problems
  EXPECT_EQ(grpo_lines(run / "metrics.jsonl").size(), 2u);

  r = grpo(root_ / "grpo_overlong_all", 2000);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("task gsm8k"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("every one of its 1317 training prompts is longer than 48 tokens"), std::string::npos)
      << r.output;
}

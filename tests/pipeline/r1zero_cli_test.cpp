// The main job end to end through the r1 binary, at a tiny size: the files of a run directory,
// resuming, and command-line errors.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/cli.h"
#include "core/files.h"
#include "io/model_dir.h"
#include "io/safetensors.h"

namespace {

namespace fs = std::filesystem;

using r1::test::run_r1;
using r1::test::slurp;

const char* kTiny =
    " --pretrain.steps 6 --pretrain.batch_size 4 --rl.steps 2 --rl.prompts_per_step 2 --rl.group_size 4"
    " --eval.problems 3 --eval.k 2 --eval.max_new_tokens 16 --model.hidden_size 32 --model.intermediate_size 64"
    " --model.num_hidden_layers 1 --tokenizer.num_merges 8";

}  // namespace

TEST(R1ZeroCli, DemoWritesTheRunDirectoryAndResumes) {
  fs::path dir = fs::temp_directory_path() / "r1_demo_cli_test";
  fs::remove_all(dir);
  auto r = run_r1("demo --run_dir " + dir.string() + kTiny);
  ASSERT_EQ(r.status, 0) << r.output;
  for (const char* f : {"config.json", "metrics.jsonl", "summary.json", "report.html", "tokenizer.json",
                        "checkpoints/base/config.json", "checkpoints/base/model.safetensors",
                        "checkpoints/final/model.safetensors", "checkpoints/final/tokenizer.json"})
    EXPECT_TRUE(fs::exists(dir / f)) << f;
  auto summary = nlohmann::json::parse(slurp(dir / "summary.json"));
  for (const char* model : {"base", "final"})
    for (const char* task : {"running_sum", "countdown"})
      for (const char* mode : {"free", "forced_think", "forced_direct"}) {
        const auto& r = summary[model][task][mode];
        EXPECT_EQ(r["problems"], 3) << model << task << mode;
        EXPECT_EQ(r["k"], 2);
        // A mean over 3 problems x 2 samples, as cons@k is a share of the 3 problems.
        const double correct = r["pass@1"].get<double>() * 6, voted = r["cons@k"].get<double>() * 3;
        EXPECT_NEAR(correct, std::round(correct), 1e-9) << model << task << mode;
        EXPECT_NEAR(voted, std::round(voted), 1e-9) << model << task << mode;
        EXPECT_LE(r["pass@1"].get<double>(), 1.0);
        EXPECT_GT(r["response_length"].get<double>(), 0.0);
      }
  for (const char* stage : {"pretrain", "eval_base", "grpo", "eval_final"})
    EXPECT_TRUE(summary["wall_seconds"].contains(stage)) << stage;
  // Every metrics line is JSON; the RL lines carry the logged rewards.
  std::istringstream lines(slurp(dir / "metrics.jsonl"));
  std::string line;
  int grpo_lines = 0;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    if (j["stage"] == "grpo") {
      ++grpo_lines;
      for (const char* k : {"reward", "accuracy", "format", "think_rate", "response_length", "kl"})
        EXPECT_TRUE(j.contains(k)) << k;
    }
  }
  EXPECT_EQ(grpo_lines, 2);
  std::string html = slurp(dir / "report.html");
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("running_sum"), std::string::npos);
  // A second run finds every stage done and only rebuilds the summary.
  auto again = run_r1("demo --run_dir " + dir.string() + kTiny);
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_EQ(again.output.find("[pretrain]"), std::string::npos) << again.output;
  EXPECT_EQ(again.output.find("[grpo]"), std::string::npos) << again.output;
  EXPECT_EQ(nlohmann::json::parse(slurp(dir / "summary.json"))["final"], summary["final"]);
  // The checkpoint generates through `r1 generate`.
  auto gen = run_r1("generate --model " + (dir / "checkpoints/final").string() +
                    " --prompt 'User: 1+2+3+4 mod 10' --max_new_tokens 5 --n 2");
  EXPECT_EQ(gen.status, 0) << gen.output;
  // `r1 score` writes the logits the model computes in process.
  r1::write_file_atomic((dir / "ids.json").string(), "[1, 5, 17, 42, 9]");
  auto score = run_r1("score --model " + (dir / "checkpoints/final").string() + " --ids " + (dir / "ids.json").string() +
                      " --out " + (dir / "logits.safetensors").string());
  ASSERT_EQ(score.status, 0) << score.output;
  auto written = r1::io::load_safetensors((dir / "logits.safetensors").string());
  auto loaded = r1::io::load_model_dir((dir / "checkpoints/final").string());
  torch::NoGradGuard ng;
  auto expected = loaded.model->forward(torch::tensor({1, 5, 17, 42, 9}, torch::kInt64).unsqueeze(0)).squeeze(0);
  EXPECT_TRUE(torch::equal(written.at("logits"), expected));
  r1::write_file_atomic((dir / "bad.json").string(), "[1, \"x\"]");
  auto bad = run_r1("score --model " + (dir / "checkpoints/final").string() + " --ids " + (dir / "bad.json").string() +
                    " --out " + (dir / "x.safetensors").string());
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.output.find("bad.json: element 1"), std::string::npos) << bad.output;
  fs::remove_all(dir);
}

TEST(R1ZeroCli, BadKeysAndValuesAreErrorsNamingThem) {
  auto r = run_r1("demo --rl.grop_size 4");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("rl.grop_size"), std::string::npos) << r.output;
  r = run_r1("demo --rl.group_size many");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("rl.group_size"), std::string::npos) << r.output;
  r = run_r1("demo --config /nonexistent/cfg.json");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("/nonexistent/cfg.json"), std::string::npos) << r.output;
  r = run_r1("grpo --help");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.output.find("--rl.beta"), std::string::npos);
  r = run_r1("frobnicate");
  EXPECT_NE(r.status, 0);
  r = run_r1("generate --model /nonexistent --prompt x");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("/nonexistent"), std::string::npos) << r.output;
}

TEST(R1ZeroCli, DemoRunsOnTheDeepSeekV3Policy) {
  fs::path dir = fs::temp_directory_path() / "r1_demo_cli_test_v3";
  fs::remove_all(dir);
  // Two layers: the first is dense (first_k_dense_replace = 1), the second MoE.
  auto r = run_r1("demo --run_dir " + dir.string() + kTiny + " --model.arch deepseek_v3 --model.num_hidden_layers 2");
  ASSERT_EQ(r.status, 0) << r.output;
  auto config = nlohmann::json::parse(slurp(dir / "checkpoints/final/config.json"));
  EXPECT_EQ(config["model_type"], "deepseek_v3");
  EXPECT_EQ(config["kv_lora_rank"], 32);
  // The RL loop logs the experts' load balance every step.
  std::istringstream lines(slurp(dir / "metrics.jsonl"));
  std::string line;
  int moe_lines = 0;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    if (j["stage"] == "grpo" && j["moe_load_imbalance"].get<double>() >= 1.0) ++moe_lines;
  }
  EXPECT_EQ(moe_lines, 2);
  fs::remove_all(dir);
}

// The trainers on 2 ranks (Gloo on 127.0.0.1) against 1 process with the same global batch: `r1
// pretrain`, `r1 sft` and `r1 grpo` run as real jobs of the r1 binary, and the parameters they save
// must equal the one-process run's within fp32 reduction order (relative error <= 1e-5, printed as
// [rel-error] lines), with and without ZeRO-1; DAPO's token-level loss normalizes by the global
// token count. A SIGKILLed rank stops its peer naming it, and the relaunched job resumes from the
// last checkpoint and ends equal to an uninterrupted run. A global batch smaller than the world and
// `r1 pipeline` under a launcher are errors that say so.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "io/safetensors.h"
#include "rank_job.h"

namespace {

namespace fs = std::filesystem;
using r1::test::Job;

// Fault settings in seconds, so a lost rank ends the job quickly.
const std::vector<std::string> kDist = {"--dist.timeout_s", "60", "--dist.heartbeat_s", "0.25", "--dist.lost_after_s",
                                        "2"};

// A one-layer, 32-wide base model on 3 pretraining steps of 5 rows (2 + 3 on 2 ranks), 8 merges.
std::vector<std::string> pretrain_args(const std::string& run_dir, int steps = 3) {
  return {"pretrain", "--run_dir", run_dir, "--pretrain.steps", std::to_string(steps), "--pretrain.batch_size", "5",
          "--pretrain.warmup_steps", "1", "--model.hidden_size", "32", "--model.intermediate_size", "64",
          "--model.num_hidden_layers", "1", "--tokenizer.num_merges", "8", "--checkpoint_every", "1"};
}

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Runs `r1 args...` as `world` ranks (1 = one process) and expects every rank to succeed.
void run_job(int world, const std::vector<std::string>& args) {
  Job job(world, R1_BINARY, world > 1 ? args + kDist : args);
  ASSERT_TRUE(job.wait_all(300)) << "timed out:\n" << job.output(0);
  for (size_t r = 0; r < job.size(); ++r)
    ASSERT_EQ(job.exit_code(static_cast<int>(r)), 0) << "rank " << r << ":\n" << job.output(static_cast<int>(r));
}

// max over tensors of |a - b|_max / max(|b|_max, 1e-12).
double max_relative_error(const std::string& dir_a, const std::string& dir_b) {
  auto a = r1::io::load_safetensors(dir_a + "/model.safetensors");
  auto b = r1::io::load_safetensors(dir_b + "/model.safetensors");
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (const auto& [name, ta] : a) {
    auto it = b.find(name);
    if (it == b.end()) {
      ADD_FAILURE() << name << " missing in " << dir_b;
      continue;
    }
    auto diff = (ta.to(torch::kFloat64) - it->second.to(torch::kFloat64)).abs().max().item<double>();
    auto scale = std::max(it->second.to(torch::kFloat64).abs().max().item<double>(), 1e-12);
    worst = std::max(worst, diff / scale);
  }
  return worst;
}

// A base checkpoint and its 1-process pretraining, shared by the tests below.
class DistTrainers : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = r1::test::temp_dir("trainers");
    run_job(1, pretrain_args(root_ + "/one"));
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }
  static std::string base() { return root_ + "/one/checkpoints/base"; }
  static std::string root_;
};
std::string DistTrainers::root_;

void expect_equal(const std::string& what, const std::string& one, const std::string& two) {
  const double e = max_relative_error(two, one);
  std::printf("[rel-error] %s: 2 ranks vs 1 process %.3g\n", what.c_str(), e);
  EXPECT_LE(e, 1e-5) << what;
}

TEST_F(DistTrainers, PretrainOnTwoRanksEqualsOneProcess) {
  run_job(2, pretrain_args(root_ + "/two"));
  expect_equal("pretrain", base(), root_ + "/two/checkpoints/base");
  run_job(2, pretrain_args(root_ + "/two_zero1") + std::vector<std::string>{"--dist.zero1", "true"});
  expect_equal("pretrain, ZeRO-1", base(), root_ + "/two_zero1/checkpoints/base");
}

// 7 conversations, batches of 5 (3 steps cross an epoch): the ranks hold different token counts.
std::string write_sft_data(const std::string& dir) {
  const std::string path = dir + "/sft.jsonl";
  std::ofstream out(path);
  for (int i = 0; i < 7; ++i)
    out << "{\"prompt\": \"" << i << " + " << 2 * i << " =\", \"response\": \"<think>" << std::string(i, 'x')
        << "</think><answer>" << 3 * i << "</answer>\"}\n";
  return path;
}

std::vector<std::string> sft_args(const std::string& data, const std::string& out) {
  return {"sft", "--model", "", "--data", data, "--out", out, "--epochs", "0", "--train.steps", "3",
          "--train.batch_size", "5", "--train.micro_batch_size", "2", "--train.warmup_steps", "1",
          "--train.lr", "1e-2"};
}

TEST_F(DistTrainers, SftOnTwoRanksEqualsOneProcess) {
  const std::string data = write_sft_data(root_);
  auto args = [&](const std::string& out) {
    auto a = sft_args(data, root_ + "/" + out);
    a[2] = base();
    return a;
  };
  run_job(1, args("sft_one"));
  run_job(2, args("sft_two"));
  expect_equal("sft (micro-batches, uneven tokens)", root_ + "/sft_one/final", root_ + "/sft_two/final");
  run_job(2, args("sft_zero1") + std::vector<std::string>{"--dist.zero1", "true"});
  expect_equal("sft, ZeRO-1", root_ + "/sft_one/final", root_ + "/sft_zero1/final");
}

// 2 GRPO steps of 3 prompts x G = 4 (1 and 2 prompts on the ranks: their token counts differ, so a
// per-rank normalizer would not give the one-process loss), 8 new tokens; a tiny final evaluation. The
// 3-step base earns no accuracy or format reward yet: the language-consistency reward (the share of
// English words) is what varies within its groups.
std::vector<std::string> grpo_args(const std::string& init, const std::string& run_dir) {
  return {"grpo", "--init", init, "--run_dir", run_dir, "--rl.steps", "2", "--rl.prompts_per_step", "3",
          "--rl.group_size", "4", "--rl.max_new_tokens", "8", "--rl.lr", "1e-2", "--rl.language_weight", "1", "--eval.problems", "2",
          "--eval.k", "1", "--eval.max_new_tokens", "4"};
}

TEST_F(DistTrainers, GrpoOnTwoRanksEqualsOneProcess) {
  for (const auto& [name, extra] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"grpo", {}},
           {"dapo", {"--rl.loss_type", "dapo"}},
           {"reinforce_pp_baseline", {"--rl.advantage", "reinforce_pp_baseline"}},
           {"dynamic_sampling", {"--rl.dynamic_sampling", "true", "--rl.loss_type", "dapo"}}}) {
    run_job(1, grpo_args(base(), root_ + "/grpo_one_" + name) + extra);
    run_job(2, grpo_args(base(), root_ + "/grpo_two_" + name) + extra);
    const std::string one = root_ + "/grpo_one_" + name + "/checkpoints/final";
    expect_equal("grpo " + name, one, root_ + "/grpo_two_" + name + "/checkpoints/final");
    EXPECT_GT(max_relative_error(one, base()), 1e-3) << name << ": GRPO did not move the weights";
  }
  run_job(2, grpo_args(base(), root_ + "/grpo_zero1") + std::vector<std::string>{"--dist.zero1", "true"});
  expect_equal("grpo, ZeRO-1", root_ + "/grpo_one_grpo/checkpoints/final", root_ + "/grpo_zero1/checkpoints/final");
}

TEST_F(DistTrainers, KilledRankStopsThePeerAndTheRelaunchResumes) {
  const std::string dir = root_ + "/killed";
  const auto args = pretrain_args(dir, 60) + kDist;
  {
    Job job(2, R1_BINARY, args);
    // Kill rank 1 once a step checkpoint is there (rank 0 writes them after every step).
    const std::string latest = dir + "/work/pretrain/checkpoints/latest";
    for (int i = 0; i < 6000 && !fs::exists(latest); ++i) usleep(10000);
    ASSERT_TRUE(fs::exists(latest)) << job.output(0);
    const double t0 = job.elapsed_s();
    ::kill(job.pid(1), SIGKILL);
    ASSERT_TRUE(job.wait_all(30)) << job.output(0);
    std::printf("[timing] SIGKILL of rank 1 during pretraining -> rank 0 exited after %.2f s\n",
                job.proc(0).exit_after_s - t0);
    EXPECT_NE(job.exit_code(0), 0) << job.output(0);
    EXPECT_NE(job.output(0).find("rank 1"), std::string::npos) << job.output(0);
  }
  ASSERT_FALSE(fs::exists(dir + "/checkpoints/base")) << "the killed job finished before the kill";
  Job again(2, R1_BINARY, args);
  ASSERT_TRUE(again.wait_all(300)) << again.output(0);
  ASSERT_EQ(again.exit_code(0), 0) << again.output(0);
  EXPECT_NE(again.output(0).find("resuming from"), std::string::npos) << again.output(0);
  run_job(2, pretrain_args(root_ + "/straight", 60));
  const double e = max_relative_error(dir + "/checkpoints/base", root_ + "/straight/checkpoints/base");
  std::printf("[rel-error] pretrain killed + relaunched vs straight (2 ranks): %.3g\n", e);
  EXPECT_LE(e, 1e-5);
}

}  // namespace

namespace {

// Runs `r1 args...` as 2 ranks expected to fail; returns rank 0's output.
std::string failing_job(const std::vector<std::string>& args) {
  Job job(2, R1_BINARY, args + kDist);
  EXPECT_TRUE(job.wait_all(120)) << job.output(0);
  EXPECT_NE(job.exit_code(0), 0) << job.output(0);
  return job.output(0);
}

TEST(DistTrainerErrors, AGlobalBatchSmallerThanTheWorldIsAnErrorNamingTheKey) {
  const std::string dir = r1::test::temp_dir("small_batch");
  auto args = pretrain_args(dir + "/run");
  args[6] = "1";  // --pretrain.batch_size 1 on 2 ranks
  const std::string out = failing_job(args);
  EXPECT_NE(out.find("batch_size"), std::string::npos) << out;
  EXPECT_NE(out.find("cannot be split over 2 ranks"), std::string::npos) << out;
  fs::remove_all(dir);
}

TEST(DistTrainerErrors, PipelineRefusesToRunUnderALauncher) {
  const std::string dir = r1::test::temp_dir("pipeline");
  const std::string out = failing_job({"pipeline", "--run_dir", dir + "/run"});
  EXPECT_NE(out.find("runs as one process"), std::string::npos) << out;
  fs::remove_all(dir);
}

}  // namespace

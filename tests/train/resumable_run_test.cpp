// The resumable-run helper every trainer uses, and the training guard: step checkpoints are
// complete model directories `r1 generate` can load, non-finite weights are never saved, a
// non-finite step is skipped and N in a row stop the run, fingerprints name what differs.
#include "train/resumable_run.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <limits>
#include <sstream>

#include "common/temp_dir.h"
#include "common/tiny_model.h"
#include "common/tiny_tokenizer.h"
#include "core/error.h"
#include "core/files.h"
#include "core/metrics.h"
#include "io/model_dir.h"
#include "train/lm_trainer.h"
#include "train/step_guard.h"

namespace r1::train {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string temp_dir(const std::string& name) { return test::fresh_temp_dir("run_test_" + name); }

text::Tokenizer tiny_tokenizer() { return test::chat_bpe({"User: 1+2\nAssistant: 3", "User: 2+2\nAssistant: 4"}, 10); }

// Examples of a fixed toy language, a pure function of the step.
std::vector<Example> toy_batch(int64_t step) {
  std::vector<Example> out;
  for (int i = 0; i < 4; ++i) {
    Example e;
    for (int t = 0; t < 8; ++t) e.ids.push_back(static_cast<int32_t>(1 + (step + i + t) % 9));
    out.push_back(e);
  }
  return out;
}

TEST(ResumableRun, StepCheckpointsAreCompleteModelDirectories) {
  const std::string dir = temp_dir("complete");
  auto tok = tiny_tokenizer();
  const json tok_cfg = {{"chat_template", "{% for m in messages %}{{ m['content'] }}{% endfor %}"}};
  auto m = test::tiny_qwen2(tok.vocab_size(), 32, 1);
  LmTrainConfig tc;
  tc.steps = 3;
  tc.warmup_steps = 0;
  RunControl control;
  control.checkpoint_every = 1;
  ResumableRun run(control, {dir, "pretrain", nullptr, &tok, tok_cfg});
  train_lm_resumable(*m, toy_batch, tc, 0, run);
  EXPECT_EQ(run.latest(), dir + "/checkpoints/step-3");
  // What `r1 generate --model DIR` loads: weights, tokenizer, chat template.
  auto loaded = io::load_model_dir(run.latest());
  ASSERT_TRUE(loaded.tokenizer.has_value());
  EXPECT_EQ(loaded.tokenizer->encode("User: 1+2", false), tok.encode("User: 1+2", false));
  EXPECT_EQ(loaded.tokenizer_config.at("chat_template"), tok_cfg.at("chat_template"));
  for (const auto& p : m->named_parameters())
    EXPECT_TRUE(torch::equal(p.value(), loaded.model->named_parameters()[p.key()])) << p.key();
  EXPECT_EQ(json::parse(read_file(run.latest() + "/trainer_state.json")).at("total_steps"), 3);
  fs::remove_all(dir);
}

TEST(ResumableRun, NonFiniteWeightsAreNeverSaved) {
  const std::string dir = temp_dir("nan_save");
  auto m = test::tiny_qwen2(16, 32, 2);
  Optimizer opt(*m, {});
  ResumableRun run({}, {dir, "sft"});
  run.begin(*m, opt);
  run.save(1, *m, opt, json::object());
  {
    torch::NoGradGuard ng;
    m->named_parameters()["model.norm.weight"][3] = std::numeric_limits<float>::quiet_NaN();
  }
  try {
    run.save(2, *m, opt, json::object());
    ADD_FAILURE() << "a NaN weight was saved";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.norm.weight is not finite"), std::string::npos) << e.what();
  }
  EXPECT_EQ(run.latest(), dir + "/checkpoints/step-1");
  fs::remove_all(dir);
}

TEST(StepGuard, SkipsNonFiniteStepsAndStopsAfterNInARow) {
  StepGuard guard("sft", 3, "see DIR");
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(guard.accept(0, 1.0, 2.0, nullptr));
  EXPECT_FALSE(guard.accept(1, nan, 2.0, nullptr));
  EXPECT_FALSE(guard.accept(2, 1.0, inf, nullptr));
  EXPECT_TRUE(guard.accept(3, 1.0, 2.0, nullptr));  // a good step resets the count
  EXPECT_FALSE(guard.accept(4, nan, nan, nullptr));
  EXPECT_FALSE(guard.accept(5, inf, 1.0, nullptr));
  try {
    guard.accept(6, nan, 1.0, nullptr);
    ADD_FAILURE() << "no stop";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sft step 6"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("3 steps in a row had a non-finite loss"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("see DIR"), std::string::npos) << e.what();
  }
  EXPECT_EQ(guard.skipped(), 5);
}

// Issue 17's `--pretrain.lr 1e30`: NaN from the second step on. The run stops with a clear error;
// the checkpoints it left are finite and the metrics log the skipped steps.
TEST(ResumableRun, AnExplodingRunStopsWithItsLastGoodCheckpoint) {
  const std::string dir = temp_dir("explode");
  auto m = test::tiny_qwen2(16, 32, 3);
  LmTrainConfig tc;
  tc.steps = 20;
  tc.warmup_steps = 0;
  tc.lr = 1e30;
  tc.grad_clip = 0;
  tc.log_every = 1;
  RunControl control;
  control.checkpoint_every = 1;
  MetricsWriter metrics(dir + "/metrics.jsonl");
  ResumableRun run(control, {dir, "pretrain", &metrics});
  EXPECT_THROW(train_lm_resumable(*m, toy_batch, tc, 0, run), Error);
  ASSERT_FALSE(run.latest().empty());
  auto loaded = io::load_model_dir(run.latest());
  for (const auto& p : loaded.model->parameters()) EXPECT_TRUE(torch::isfinite(p).all().item<bool>());
  std::istringstream rows(read_file(dir + "/metrics.jsonl"));
  int skipped = 0;
  for (std::string line; std::getline(rows, line);) skipped += json::parse(line).contains("skipped");
  EXPECT_EQ(skipped, 3);
  fs::remove_all(dir);
}

TEST(ResumableRun, ResumeModesAndFingerprints) {
  EXPECT_EQ(parse_resume_mode("auto"), ResumeMode::kAuto);
  EXPECT_EQ(parse_resume_mode("force"), ResumeMode::kForce);
  EXPECT_EQ(parse_resume_mode("never"), ResumeMode::kNever);
  try {
    parse_resume_mode("true");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("config key resume"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("auto, force, never"), std::string::npos) << e.what();
  }
  const json a = {{"seed", 1}, {"rl", {{"lr", 1e-4}, {"beta", 0.0}}}, {"tasks", {"running_sum"}}};
  json b = a;
  EXPECT_EQ(fingerprint_difference(a, b), "");
  b["rl"]["lr"] = 3e-4;
  b["tasks"] = {"countdown"};
  b["new_key"] = 2;
  EXPECT_EQ(fingerprint_difference(a, b),
            "rl.lr: 0.0001 -> 0.0003, tasks: [\"running_sum\"] -> [\"countdown\"], new_key: (unset) -> 2");
}

}  // namespace
}  // namespace r1::train

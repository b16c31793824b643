// End to end through the r1 binary on a tiny checkpoint: `r1 sft` (stop, resume, finish; a bad line
// is an error naming file:line), `r1 sample` (dataset + statistics) and `r1 rm`.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "common/tiny_model.h"
#include "common/tiny_tokenizer.h"
#include "core/files.h"
#include "io/model_dir.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct TinyRun {
  std::string dir = (fs::temp_directory_path() / ("r1_sft_cli_" + std::to_string(::getpid()))).string();
  std::string model = dir + "/base";

  TinyRun() {
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto tok = r1::test::chat_bpe({"User: 1+2+3+4 mod 10\nAssistant: <think>1+2=3</think><answer>0</answer>"}, 30,
                                  {"<think>", "</think>", "<answer>", "</answer>"});
    auto mc = r1::test::tiny_qwen2_config(tok.vocab_size(), 128);
    mc.num_hidden_layers = 1;
    mc.bos_token_id = tok.token_to_id("<|bos|>");
    mc.eos_token_id = tok.token_to_id("<|eos|>");
    r1::io::save_model_dir(model, *r1::test::seeded_model(mc, 1), &tok);
  }
  ~TinyRun() { fs::remove_all(dir); }

  int r1(const std::string& args, const std::string& log) const {
    return std::system((std::string(R1_BINARY) + " " + args + " > " + dir + "/" + log + " 2>&1").c_str());
  }
  std::string read(const std::string& name) const { return r1::read_file(dir + "/" + name); }
};

TEST(SftCli, SftStopsResumesAndFinishes) {
  TinyRun run;
  std::string lines;
  for (int i = 0; i < 8; ++i)
    lines += json{{"prompt", std::to_string(i) + "+1+2+3 mod 10"}, {"response", "<answer>" + std::to_string((i + 6) % 10) + "</answer>"}}.dump() + "\n";
  r1::write_file_atomic(run.dir + "/data.jsonl", lines);
  const std::string base = "sft --model " + run.model + " --data " + run.dir + "/data.jsonl --out " + run.dir +
                           "/sft --epochs 2 --train.batch_size 4 --train.warmup_steps 1";
  ASSERT_EQ(run.r1(base + " --stop_after 2", "sft1.log"), 0) << run.read("sft1.log");
  EXPECT_EQ(run.read("sft/checkpoints/latest"), "step-2\n");
  EXPECT_FALSE(fs::exists(run.dir + "/sft/final"));
  ASSERT_EQ(run.r1(base, "sft2.log"), 0) << run.read("sft2.log");
  EXPECT_NE(run.read("sft2.log").find("resuming from"), std::string::npos);
  EXPECT_EQ(run.read("sft/checkpoints/latest"), "step-4\n");
  EXPECT_TRUE(fs::exists(run.dir + "/sft/final/model.safetensors"));
  auto st = json::parse(run.read("sft/checkpoints/step-4/trainer_state.json"));
  EXPECT_EQ(st["step"], 4);
  EXPECT_EQ(st["epoch"], 2);

  r1::write_file_atomic(run.dir + "/bad.jsonl", lines + "{\"messages\": []}\n");
  EXPECT_NE(run.r1("sft --model " + run.model + " --data " + run.dir + "/bad.jsonl --out " + run.dir + "/sft_bad", "bad.log"), 0);
  EXPECT_NE(run.read("bad.log").find(run.dir + "/bad.jsonl:9"), std::string::npos) << run.read("bad.log");
}

TEST(SftCli, SampleWritesDatasetAndStatistics) {
  TinyRun run;
  ASSERT_EQ(run.r1("sample --model " + run.model + " --tasks running_sum,countdown --prompts 4 --k 2 --out " + run.dir +
                       "/rs.jsonl --sampling.max_new_tokens 8",
                   "sample.log"),
            0)
      << run.read("sample.log");
  auto stats = json::parse(run.read("rs.jsonl.stats.json"));
  EXPECT_EQ(stats["total"], 8);
  EXPECT_EQ(stats["prompts"], 4);
  const int64_t dropped = stats["incorrect"].get<int64_t>() + stats["overlong"].get<int64_t>() +
                          stats["mixed_language"].get<int64_t>() + stats["repetitive"].get<int64_t>() +
                          stats["duplicate"].get<int64_t>() + stats["over_quota"].get<int64_t>();
  EXPECT_EQ(stats["kept"].get<int64_t>() + dropped, 8);
  std::ifstream f(run.dir + "/rs.jsonl");
  int64_t n = 0;
  for (std::string l; std::getline(f, l); ++n) EXPECT_TRUE(json::parse(l).contains("response"));
  EXPECT_EQ(n, stats["kept"].get<int64_t>());
}

TEST(SftCli, RewardModelTrainsAndSaves) {
  TinyRun run;
  std::string lines;
  for (int i = 0; i < 20; ++i)
    lines += json{{"prompt", std::to_string(i % 10) + "+1"}, {"chosen", "<think>ok</think><answer>1</answer>"}, {"rejected", "<answer>2</answer>"}}.dump() + "\n";
  r1::write_file_atomic(run.dir + "/pairs.jsonl", lines);
  ASSERT_EQ(run.r1("rm --model " + run.model + " --data " + run.dir + "/pairs.jsonl --out " + run.dir + "/rm --steps 5", "rm.log"), 0)
      << run.read("rm.log");
  EXPECT_TRUE(fs::exists(run.dir + "/rm/metrics.jsonl"));
  auto header = r1::read_file(run.dir + "/rm/model.safetensors").substr(8, 4000);
  EXPECT_NE(header.find("\"score.weight\""), std::string::npos);
  r1::write_file_atomic(run.dir + "/pairs_bad.jsonl", lines + "{\"prompt\": \"x\", \"chosen\": \"y\"}\n");
  EXPECT_NE(run.r1("rm --model " + run.model + " --data " + run.dir + "/pairs_bad.jsonl --out " + run.dir + "/rm2", "rm2.log"), 0);
  EXPECT_NE(run.read("rm2.log").find("pairs_bad.jsonl:21"), std::string::npos) << run.read("rm2.log");
}

}  // namespace

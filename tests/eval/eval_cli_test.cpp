// `r1 eval` end to end through the r1 binary: a tiny model pretrained for a few dozen steps by
// `r1 pretrain` (saved with io::save_model_dir), evaluated on Countdown CD3 and a synthetic family;
// the files it writes, resuming after an interruption, settings checks, the R1 chat prompt path.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "common/cli.h"
#include "common/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using r1::test::run_r1;
using r1::test::slurp;

std::vector<std::string> lines_of(const fs::path& p) {
  std::istringstream in(slurp(p));
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(line);
  return out;
}

class EvalCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // ctest runs each test of this suite in its own process, concurrently: one directory per process.
    root_ = r1::test::fresh_temp_dir("eval_cli_test");
    // MATH-500 and multiple-choice prompts run to several hundred tokens with this 16-merge byte-level
    // tokenizer: a context of 2048 holds them (at 256 they are refused, naming the problem).
    auto r = r1::test::pretrain_tiny(root_ / "run", 30, 8, 16, " --model.max_position_embeddings 2048");
    ASSERT_EQ(r.status, 0) << r.output;
    model_ = root_ / "run/checkpoints/base";
    ASSERT_TRUE(fs::exists(model_ / "model.safetensors"));
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }
  static std::string eval_args(const fs::path& out, const std::string& model = "") {
    return "eval --model " + (model.empty() ? model_.string() : model) + " --data_dir " + R1_SOURCE_DATA_DIR +
           " --bench countdown_cd3,running_sum --limit 8 --k 2 --max_new_tokens 24 --seed 7 --quiet --out " +
           out.string();
  }
  static fs::path root_, model_;
};
fs::path EvalCli::root_, EvalCli::model_;

}  // namespace

TEST_F(EvalCli, WritesSamplesAndSummaryAndResumes) {
  fs::path out = root_ / "out";
  auto r = run_r1(eval_args(out));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("pass@1"), std::string::npos) << r.output;  // the table
  for (const char* bench : {"countdown_cd3", "running_sum"}) {
    auto lines = lines_of(out / (std::string(bench) + ".jsonl"));
    ASSERT_EQ(lines.size(), 16u) << bench;  // 8 problems x 2 samples
    std::set<std::pair<std::string, int>> seen;
    for (const auto& l : lines) {
      auto j = json::parse(l);
      for (const char* key : {"prompt_id", "prompt_index", "sample", "response", "answer", "correct", "thinks",
                              "well_formed", "stopped", "tokens"})
        EXPECT_TRUE(j.contains(key)) << key;
      EXPECT_LE(j["tokens"].get<int>(), 24);
      seen.insert({j["prompt_id"].get<std::string>(), j["sample"].get<int>()});
    }
    EXPECT_EQ(seen.size(), 16u);
  }
  auto summary = json::parse(slurp(out / "summary.json"));
  for (const char* bench : {"countdown_cd3", "running_sum"}) {
    const auto& s = summary["benchmarks"][bench];
    EXPECT_EQ(s["problems"], 8);
    EXPECT_EQ(s["samples"], 16);
    EXPECT_EQ(s["k"], 2);
    EXPECT_EQ(s["prompt_style"], "r1_zero");  // the tiny model has no chat template
    for (const char* key : {"pass@1", "cons@k", "mg_pass@k", "response_tokens_mean", "think_rate", "format_rate",
                            "no_answer_rate", "truncated_rate", "correct_samples"})
      EXPECT_TRUE(s.contains(key)) << key;
    EXPECT_TRUE(s["pass@k"].contains("1") && s["pass@k"].contains("2"));
    EXPECT_GE(s["pass@k"]["2"].get<double>(), s["pass@1"].get<double>());
    EXPECT_GT(s["seconds"]["generation"].get<double>(), 0.0);
    EXPECT_NEAR(s["seconds"]["generation"].get<double>() + s["seconds"]["outside_generation"].get<double>(),
                s["seconds"]["total"].get<double>(), 1e-9);
    // pass@1 is a mean over 8 problems x 2 samples.
    const double correct = s["pass@1"].get<double>() * 16;
    EXPECT_NEAR(correct, std::round(correct), 1e-9);
    EXPECT_EQ(std::lround(correct), s["correct_samples"].get<int64_t>());
  }
  EXPECT_TRUE(summary["seconds"].contains("generation"));

  // Interrupt: drop the last 5 samples and leave a torn line, as a crash mid-write would.
  fs::path file = out / "countdown_cd3.jsonl";
  auto full = lines_of(file);
  {
    std::ofstream f(file, std::ios::trunc);
    for (size_t i = 0; i + 5 < full.size(); ++i) f << full[i] << "\n";
    f << R"({"prompt_id": "countdown_cd3/7", "sam)";
  }
  auto again = run_r1(eval_args(out));
  ASSERT_EQ(again.status, 0) << again.output;
  auto resumed = lines_of(file);
  ASSERT_EQ(resumed.size(), 16u);
  // The same samples come back (per-prompt seeds), so the metrics are those of the first run.
  std::set<std::string> a(full.begin(), full.end()), b(resumed.begin(), resumed.end());
  EXPECT_EQ(a, b);
  auto summary2 = json::parse(slurp(out / "summary.json"));
  EXPECT_EQ(summary2["benchmarks"]["countdown_cd3"]["new_samples"], 5);
  EXPECT_EQ(summary2["benchmarks"]["running_sum"]["new_samples"], 0);
  for (const char* key : {"pass@1", "pass@k", "cons@k", "response_tokens_mean"})
    EXPECT_EQ(summary2["benchmarks"]["countdown_cd3"][key], summary["benchmarks"]["countdown_cd3"][key]) << key;

  // Other settings in the same out dir are refused, naming the setting.
  auto clash = run_r1(eval_args(out) + " --temperature 1.0");
  EXPECT_NE(clash.status, 0);
  EXPECT_NE(clash.output.find("temperature"), std::string::npos) << clash.output;
}

TEST_F(EvalCli, ChatTemplateModelsGetTheR1Prompt) {
  fs::path chat_model = root_ / "chat_model";
  fs::create_directories(chat_model);
  for (const auto& e : fs::directory_iterator(model_)) fs::copy(e.path(), chat_model / e.path().filename());
  json tc = {{"chat_template",
              "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}{% endfor %}"
              "{% if add_generation_prompt %}<|assistant|>{% endif %}"}};
  std::ofstream(chat_model / "tokenizer_config.json") << tc.dump();
  fs::path out = root_ / "out_chat";
  auto r = run_r1("eval --model " + chat_model.string() + " --data_dir " + R1_SOURCE_DATA_DIR +
                  " --bench countdown_cd3 --limit 2 --k 2 --max_new_tokens 8 --quiet --out " + out.string());
  ASSERT_EQ(r.status, 0) << r.output;
  auto summary = json::parse(slurp(out / "summary.json"));
  EXPECT_EQ(summary["benchmarks"]["countdown_cd3"]["prompt_style"], "r1_chat");
  for (const auto& l : lines_of(out / "countdown_cd3.jsonl"))
    EXPECT_EQ(json::parse(l)["response"].get<std::string>().rfind("<think>\n", 0), 0u) << l;
}

TEST_F(EvalCli, BadArgumentsAreErrorsNamingThem) {
  auto r = run_r1("eval --model " + model_.string() + " --bench nope");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("nope"), std::string::npos) << r.output;
  r = run_r1("eval --model " + model_.string() + " --bench gsm8k --data_dir /nonexistent");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("/nonexistent/gsm8k_test.jsonl"), std::string::npos) << r.output;
  r = run_r1("eval --model /nonexistent --bench running_sum");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("/nonexistent"), std::string::npos) << r.output;
}

// A multiple-choice benchmark: each of the k samples is its own prompt (options in its own order),
// every answer recorded is an original label or empty, and --match names its benchmark.
TEST_F(EvalCli, MultipleChoiceRunsOneViewPerSample) {
  fs::path out = root_ / "out_mcq";
  auto r = run_r1("eval --model " + model_.string() + " --data_dir " + R1_SOURCE_DATA_DIR +
                  " --bench mcq_sample --limit 3 --k 3 --max_new_tokens 8 --seed 3 --quiet --out " + out.string() +
                  " --match '{\"mcq_sample\": {\"language\": \"en\"}}'");
  ASSERT_EQ(r.status, 0) << r.output;
  auto lines = lines_of(out / "mcq_sample.jsonl");
  ASSERT_EQ(lines.size(), 9u);
  for (const auto& l : lines) {
    std::string answer = json::parse(l)["answer"];
    EXPECT_TRUE(answer.empty() || (answer.size() == 1 && answer[0] >= 'A' && answer[0] <= 'D')) << l;
  }
  auto summary = json::parse(slurp(out / "summary.json"));
  EXPECT_EQ(summary["benchmarks"]["mcq_sample"]["samples"], 9);
  auto bad = run_r1("eval --model " + model_.string() + " --bench mcq_sample --match '{\"math500\": {}}'");
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.output.find("--match key \"math500\""), std::string::npos) << bad.output;
}

// The project carries its own data (data/): with no --data_dir and no $R1_DATA_DIR, `r1 eval` of a
// checkpoint on MATH-500 finds the benchmark file in the source tree it was built from, and says
// which folder it read (issue 19: a clone with nothing beside it evaluates as the README says).
TEST_F(EvalCli, Math500RunsWithoutDataDirOrEnvironment) {
  fs::path out = root_ / "math500";
  auto r = r1::test::run_shell("env -u R1_DATA_DIR " + std::string(R1_BINARY) + " eval --model " + model_.string() +
                               " --bench math500 --limit 5 --k 1 --max_new_tokens 8 --quiet --out " + out.string());
  ASSERT_EQ(r.status, 0) << r.output;
  const json summary = json::parse(slurp(out / "summary.json"));
  EXPECT_EQ(summary["benchmarks"]["math500"]["problems"], 5) << summary.dump(2);
  EXPECT_EQ(lines_of(out / "math500.jsonl").size(), 5u);
  // `r1 --version` names the data folder it found: the source tree's data/.
  auto v = r1::test::run_shell("env -u R1_DATA_DIR " + std::string(R1_BINARY) + " --version");
  ASSERT_EQ(v.status, 0) << v.output;
  EXPECT_NE(v.output.find(R1_SOURCE_DATA_DIR), std::string::npos) << v.output;
}

// --heldout_of: the run's own held-out problems (its config.json's tasks, seed and eval.problems),
// here greedy and paired across weight formats, as the quantization quality check runs it.
TEST_F(EvalCli, HeldoutOfARunEvaluatesItsHeldOutProblems) {
  const fs::path config = root_ / "run/config.json";
  ASSERT_TRUE(fs::exists(config));
  const auto run_cfg = json::parse(slurp(config));
  std::map<std::string, std::vector<std::string>> ids;
  for (const std::string quant : {"none", "int8"}) {
    const fs::path out = root_ / ("heldout_" + quant);
    auto r = run_r1("eval --model " + model_.string() + " --heldout_of " + config.string() +
                    " --k 1 --temperature 0 --max_new_tokens 16 --limit 5 --quiet --quant " + quant + " --out " +
                    out.string());
    ASSERT_EQ(r.status, 0) << r.output;
    for (const auto& t : run_cfg["tasks"]) {
      const std::string task = t.get<std::string>();
      const auto lines = lines_of(out / (task + ".jsonl"));
      ASSERT_EQ(lines.size(), 5u) << task;
      std::vector<std::string> got;
      for (const auto& l : lines) got.push_back(json::parse(l)["prompt_id"].get<std::string>());
      std::sort(got.begin(), got.end());
      EXPECT_EQ(got.front(), task + "/heldout/0");
      if (ids.count(task)) EXPECT_EQ(got, ids[task]) << "the same problems in every format";
      ids[task] = got;
    }
    EXPECT_EQ(json::parse(slurp(out / "run.json"))["heldout_of"].get<std::string>(), config.string());
  }
  auto both = run_r1("eval --model " + model_.string() + " --heldout_of " + config.string() + " --bench running_sum");
  EXPECT_NE(both.status, 0);
  EXPECT_NE(both.output.find("--heldout_of"), std::string::npos) << both.output;
}

// r1 perplexity: on the run's held-out documents and on a JSONL file; --kl_divergence of an int8 and
// an int4 load from fp32 (the arithmetic is eval/perplexity.h's, tested against a naive reference).
TEST_F(EvalCli, PerplexityAndKlDivergenceOfQuantizedLoads) {
  const fs::path config = root_ / "run/config.json";
  auto last_json = [](const std::string& output) {
    const auto at = output.rfind("\n{");
    return json::parse(at == std::string::npos ? output : output.substr(at + 1));
  };
  auto fp32 = run_r1("perplexity --model " + model_.string() + " --heldout_of " + config.string() + " --max_texts 20");
  ASSERT_EQ(fp32.status, 0) << fp32.output;
  const auto p = last_json(fp32.output);
  EXPECT_EQ(p["sequences"], 20);
  EXPECT_GT(p["perplexity"].get<double>(), 1.0);
  std::map<std::string, double> kl;
  for (const std::string quant : {"int8", "int4"}) {
    auto r = run_r1("perplexity --model " + model_.string() + " --heldout_of " + config.string() +
                    " --max_texts 20 --kl_divergence --quant " + quant);
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("mean KLD"), std::string::npos) << r.output;
    const auto j = last_json(r.output);
    EXPECT_DOUBLE_EQ(j["ppl_base"].get<double>(), p["perplexity"].get<double>()) << quant;
    EXPECT_GT(j["mean_kl"].get<double>(), 0.0) << quant;
    EXPECT_GT(j["same_top"].get<double>(), 0.5) << quant;
    EXPECT_LE(j["same_top"].get<double>(), 1.0) << quant;
    kl[quant] = j["mean_kl"].get<double>();
  }
  EXPECT_LT(kl["int8"], kl["int4"]);
  // A JSONL file of texts under --field.
  const fs::path texts = root_ / "texts.jsonl";
  std::ofstream(texts) << "{\"response\": \"<think>1+2=3</think> <answer>3</answer>\"}\n\n"
                       << "{\"response\": \"User: add 4 and 5\"}\n";
  auto f = run_r1("perplexity --model " + model_.string() + " --texts " + texts.string() + " --field response");
  ASSERT_EQ(f.status, 0) << f.output;
  EXPECT_EQ(last_json(f.output)["sequences"], 2);
  auto bad = run_r1("perplexity --model " + model_.string() + " --texts " + texts.string());
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.output.find("\"text\""), std::string::npos) << bad.output;  // names the missing key
  auto no_quant = run_r1("perplexity --model " + model_.string() + " --texts " + texts.string() + " --kl_divergence");
  EXPECT_NE(no_quant.status, 0);
}

// The jobs' typed configs (pipeline/job_config.h, r1_pipeline_config.h): their defaults are valid and
// survive their JSON form, and their result part (what a resumed run must agree on) holds exactly the
// keys that change results — listed here by hand, as ISSUE_NOTES defines them.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/schema.h"
#include "pipeline/job_config.h"
#include "pipeline/r1_pipeline_config.h"

namespace {

using r1::schema::json;

// The value at a dotted path, or nullptr.
const json* value_at(const json& j, const std::string& dotted) {
  const json* cur = &j;
  for (size_t start = 0; start <= dotted.size();) {
    const size_t dot = std::min(dotted.find('.', start), dotted.size());
    const std::string part = dotted.substr(start, dot - start);
    if (!cur->is_object() || !cur->contains(part)) return nullptr;
    cur = &(*cur)[part];
    start = dot + 1;
  }
  return cur;
}

template <class T>
void expect_round_trip(const T& defaults) {
  const json j = r1::schema::to_json(defaults);
  T back;  // every key is read over a default-constructed struct
  r1::schema::read_json(back, j, "config.json");
  EXPECT_EQ(r1::schema::to_json(back), j);
}

}  // namespace

TEST(JobConfig, DefaultsAreValidAndSurviveTheirJsonForm) {
  EXPECT_NO_THROW(r1::schema::validate(r1::pipeline::r1zero_defaults()));
  EXPECT_NO_THROW(r1::schema::validate(r1::pipeline::r1_pipeline_defaults()));
  expect_round_trip(r1::pipeline::r1zero_defaults());
  expect_round_trip(r1::pipeline::r1_pipeline_defaults());
  // The demo's numbers the README and the tests quote.
  const json demo = r1::schema::to_json(r1::pipeline::r1zero_defaults());
  EXPECT_EQ(*value_at(demo, "pretrain.steps"), 1500);
  EXPECT_EQ(*value_at(demo, "pretrain.batch_size"), 18);
  EXPECT_EQ(*value_at(demo, "model.vocab_size"), 0);  // the tokenizer's
  EXPECT_EQ(*value_at(demo, "tasks"), json::array({"running_sum", "countdown"}));
  const json pipe = r1::schema::to_json(r1::pipeline::r1_pipeline_defaults());
  EXPECT_EQ(*value_at(pipe, "reasoning_rl.rl.language_weight"), 0.5);
  EXPECT_EQ(*value_at(pipe, "cold_start.written"), 100);
  EXPECT_EQ(*value_at(pipe, "rejection_sft.general"), 150);
  EXPECT_EQ(*value_at(pipe, "distill.general"), 600);
  EXPECT_EQ(value_at(pipe, "distill.written"), nullptr);  // each stage has only its own keys
  EXPECT_EQ(value_at(pipe, "data_dir"), nullptr);         // the pipeline reads no benchmark files
  EXPECT_EQ(*value_at(pipe, "task_options.running_sum.zh_fraction"), 0.3);
}

TEST(JobConfig, ResultPartHoldsWhatChangesResultsAndNothingElse) {
  const json demo = r1::schema::result_part(r1::pipeline::r1zero_defaults());
  for (const char* key : {"run_dir", "threads", "resume", "checkpoint_every", "checkpoint_every_rl", "data_dir",
                          "pretrain.log_every"})
    EXPECT_EQ(value_at(demo, key), nullptr) << key << " does not change results";
  for (const char* key : {"seed", "tasks", "task_options.countdown.numbers", "tokenizer.num_merges", "model.hidden_size",
                          "pretrain_data.pack_length", "pretrain.lr", "pretrain.batch_size", "rl.group_size",
                          "rl.beta", "rl.seed", "eval.k"})
    EXPECT_NE(value_at(demo, key), nullptr) << key << " changes results";

  const json pipe = r1::schema::result_part(r1::pipeline::r1_pipeline_defaults());
  for (const char* key : {"stages", "run_dir", "threads", "cold_start.sft.train.log_every"})
    EXPECT_EQ(value_at(pipe, key), nullptr) << key;
  for (const char* key : {"final_rl.general_share", "reward_model.lr", "student_model.hidden_size",
                          "cold_start.filter.max_tokens", "general.options.names"})
    EXPECT_NE(value_at(pipe, key), nullptr) << key;

  // A pipeline killed and re-run with another lr is told apart from one re-run with other stages.
  auto cfg = r1::pipeline::r1_pipeline_defaults();
  const json stored = r1::schema::to_json(cfg);
  cfg.stages = {"base"};
  cfg.threads.aten = 2;
  EXPECT_EQ(r1::schema::first_difference(r1::schema::result_part(cfg), stored), std::nullopt);
  cfg.pretrain.lr = 1e-3;
  EXPECT_EQ(r1::schema::first_difference(r1::schema::result_part(cfg), stored),
            std::optional<std::string>("pretrain.lr: 0.003 in the run directory, 0.001 now"));
}

// DeepSeek-V3's keys belong to arch deepseek_v3 alone: the Qwen2 demo config carries none of them,
// --help lists them, setting one under qwen2 is refused naming arch, and switching arch first brings
// DeepSeekV3Config's defaults, which a later key then overrides.
TEST(JobConfig, DeepSeekKeysApplyOnlyToArchDeepSeekV3) {
  r1::pipeline::R1ZeroConfig c = r1::pipeline::r1zero_defaults();
  const json j = r1::schema::to_json(c);
  EXPECT_FALSE(j["model"].contains("kv_lora_rank"));
  EXPECT_EQ(value_at(j, "model.arch")->get<std::string>(), "qwen2");
  const auto names = r1::schema::key_names(c);
  EXPECT_NE(std::find(names.begin(), names.end(), "model.kv_lora_rank"), names.end());

  try {
    r1::schema::set_key(c, "model.kv_lora_rank", "16", "the command line");
    FAIL() << "a DeepSeek-V3 key was accepted for arch qwen2";
  } catch (const r1::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("model.kv_lora_rank"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("arch is deepseek_v3"), std::string::npos) << e.what();
  }
  json file = j;
  file["model"]["n_routed_experts"] = 4;
  EXPECT_THROW(r1::schema::read_json(c, file, "config file x.json"), r1::UsageError);

  r1::schema::set_key(c, "model.arch", "deepseek_v3", "the command line");
  r1::schema::set_key(c, "model.kv_lora_rank", "16", "the command line");
  ASSERT_TRUE(c.model.deepseek_v3.has_value());
  EXPECT_EQ(c.model.deepseek_v3->kv_lora_rank, 16);
  EXPECT_EQ(c.model.deepseek_v3->n_routed_experts, r1::model::DeepSeekV3Config().n_routed_experts);
  r1::schema::validate(c);
  const json v3 = r1::schema::to_json(c);
  EXPECT_EQ(v3["model"]["kv_lora_rank"], 16);
  expect_round_trip(c);

  r1::schema::set_key(c, "model.arch", "llama", "the command line");
  r1::schema::validate(c);  // the DeepSeek-V3 settings go with the arch
  EXPECT_FALSE(c.model.deepseek_v3.has_value());
}

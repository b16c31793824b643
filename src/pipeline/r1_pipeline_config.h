// The config of `r1 pipeline` (pipeline/r1_pipeline.h): JobConfig's keys plus one typed section per
// stage, each with its schema (core/schema.h) beside it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/schema.h"
#include "pipeline/job_config.h"
#include "rl/rejection_sampling.h"
#include "rl/rejection_schema.h"

namespace r1::pipeline {

// Every stage, in the order they run (the stage table of r1_pipeline.cpp).
const std::vector<std::string>& pipeline_stages();

// The cold start's readable traces: running_sum's options with this zh_fraction (0 = English only).
struct ReadableRunningSum {
  double zh_fraction = 0.0;
};
struct ReadableLanguage {
  ReadableRunningSum running_sum;
};

template <class V>
void visit_fields(V& v, ReadableRunningSum& c) {
  v.field("zh_fraction", c.zh_fraction, "share of Chinese steps in the readable traces", schema::closed(0, 1));
}
template <class V>
void visit_fields(V& v, ReadableLanguage& c) {
  v.field("running_sum", c.running_sum, "running_sum's readable traces");
}

// The general (non-reasoning) side of the world (pipeline/general_data.h).
struct GeneralSettings {
  std::string task = "greeting";
  tasks::GreetingOptions options;
  double pretrain_fraction = 0.2;  // share of pretraining documents that are general replies
  double bad_fraction = 0.6;       // share of those replies that break the hidden rule
  int64_t heldout = 20;            // general prompts held out for evaluation
};

template <class V>
void visit_fields(V& v, GeneralSettings& c) {
  using namespace r1::schema;
  v.field("task", c.task, "the general family, whose good replies follow a hidden rule", one_of({"greeting"}));
  v.field("options", c.options, "the general family's options");
  v.field("pretrain_fraction", c.pretrain_fraction, "share of pretraining documents that are general replies",
          closed(0, 1));
  v.field("bad_fraction", c.bad_fraction, "share of general pretraining replies that break the hidden rule",
          closed(0, 1));
  v.field("heldout", c.heldout, "general prompts held out for evaluation", at_least(1));
}

// A GRPO stage: r1_zero, reasoning_rl (and its ablation reasoning_rl_no_lc), student_rl.
struct GrpoStage {
  rl::GrpoConfig rl;
};

template <class V>
void visit_fields(V& v, GrpoStage& c) {
  v.field("rl", c.rl, "GRPO settings");
}

// final_rl: GRPO on reasoning prompts and general prompts scored by the reward model.
struct FinalRlStage {
  rl::GrpoConfig rl;
  double general_share = 0.25;
};

template <class V>
void visit_fields(V& v, FinalRlStage& c) {
  v.field("rl", c.rl, "GRPO settings");
  v.field("general_share", c.general_share, "share of each step's prompts that are general ones",
          schema::closed(0, 1));
}

struct SftSettings {
  train::LmTrainConfig train;
  int64_t epochs = 2;
};

template <class V>
void visit_fields(V& v, SftSettings& c) {
  v.field("train", c.train, "the optimizer and schedule (train.steps applies when epochs is 0)");
  v.field("epochs", c.epochs, "passes over the data; 0 = train.steps steps", schema::at_least(0));
}

// Data made by rejection sampling a stage's checkpoint, and the SFT on it: cold_start (plus written
// traces), rejection_sft and distill (plus general replies, as the paper's 800k SFT samples, which
// both stages use, hold 200k non-reasoning ones).
struct SampledSftStage {
  int64_t prompts = 200;     // training problems sampled
  int64_t k = 4;             // responses per problem
  double temperature = 0.8;  // sampling temperature
  rl::RejectionConfig filter;
  int64_t extra = 0;  // cold_start: readable traces written; rejection_sft, distill: general replies
  SftSettings sft;
};

// The three stages name their extra data differently; the rest of their keys are the same.
enum class ExtraData { kWritten, kGeneral };

template <class V>
void visit_sampled_sft(V& v, SampledSftStage& c, ExtraData extra) {
  using namespace r1::schema;
  v.field("prompts", c.prompts, "training problems sampled", at_least(1));
  v.field("k", c.k, "responses sampled per problem", at_least(1));
  v.field("temperature", c.temperature, "sampling temperature", above(0));
  v.field("filter", c.filter, "what a sample must pass to be kept");
  if (extra == ExtraData::kWritten)
    v.field("written", c.extra, "readable traces written by the task's solution writer", at_least(0));
  if (extra == ExtraData::kGeneral)
    v.field("general", c.extra, "general replies (the hidden rule's good ones) added", at_least(0));
  v.field("sft", c.sft, "the SFT on the kept samples");
}

struct ColdStartStage : SampledSftStage {};
struct RejectionSftStage : SampledSftStage {};
struct DistillStage : SampledSftStage {};

template <class V>
void visit_fields(V& v, ColdStartStage& c) {
  visit_sampled_sft(v, c, ExtraData::kWritten);
}
template <class V>
void visit_fields(V& v, RejectionSftStage& c) {
  visit_sampled_sft(v, c, ExtraData::kGeneral);
}
template <class V>
void visit_fields(V& v, DistillStage& c) {
  visit_sampled_sft(v, c, ExtraData::kGeneral);
}

struct RewardModelStage {
  int64_t pairs = 400;       // training preference pairs
  int64_t eval_pairs = 100;  // held-out pairs (accuracy, the reward's offset)
  int64_t steps = 150;
  int64_t batch_size = 16;
  double lr = 3e-4;
};

template <class V>
void visit_fields(V& v, RewardModelStage& c) {
  using namespace r1::schema;
  v.field("pairs", c.pairs, "training preference pairs", at_least(1));
  v.field("eval_pairs", c.eval_pairs, "held-out pairs: accuracy and the reward's offset", at_least(1));
  v.field("steps", c.steps, "optimizer steps", at_least(1));
  v.field("batch_size", c.batch_size, "pairs per step", at_least(1));
  v.field("lr", c.lr, "AdamW learning rate", open_closed(0, 1));
}

struct R1PipelineConfig : JobConfig {
  std::vector<std::string> stages = pipeline_stages();
  std::vector<std::string> seeds;  // non-empty: one run per seed in RUN_DIR/seed-N (pipeline/seed_sweep.h)
  ReadableLanguage readable_language;
  GeneralSettings general;
  model::ModelConfig student_model;
  train::LmTrainConfig student_pretrain;
  GrpoStage r1_zero;
  ColdStartStage cold_start;
  GrpoStage reasoning_rl;
  RejectionSftStage rejection_sft;
  RewardModelStage reward_model;
  FinalRlStage final_rl;
  DistillStage distill;
  GrpoStage student_rl;
};

// `seeds` as numbers: each a decimal integer below 10^18, none twice; else a UsageError naming it.
std::vector<int64_t> parse_seeds(const std::vector<std::string>& seeds);

template <class V>
void visit_fields(V& v, R1PipelineConfig& c) {
  using namespace r1::schema;
  visit_job_fields(v, c, /*benchmark_files=*/false);
  v.field("stages", c.stages, "the stages to run, in order (their inputs must exist)",
          kRequired | one_of(pipeline_stages()) | kNotResult);
  v.field("seeds", c.seeds,
          "run the whole pipeline once per seed (e.g. 1,2,3), each into RUN_DIR/seed-N, and report every cell's "
          "mean and spread and each finding's margin over them; empty = one run with `seed`",
          kNotResult);
  v.require_call("seeds", [&] { parse_seeds(c.seeds); });
  v.field("readable_language", c.readable_language, "the cold start's readable traces");
  v.field("general", c.general, "the general (non-reasoning) family");
  v.field("student_model", c.student_model, "the distilled student's architecture");
  v.field("student_pretrain", c.student_pretrain, "the student's pretraining");
  v.field("r1_zero", c.r1_zero, "R1-Zero: GRPO from the base with rule rewards alone");
  v.field("cold_start", c.cold_start, "cold-start SFT data from R1-Zero samples and readable traces");
  v.field("reasoning_rl", c.reasoning_rl, "reasoning RL with the language-consistency reward (and the ablation without)");
  v.field("rejection_sft", c.rejection_sft, "rejection sampling from reasoning RL + general data, SFT of the base");
  v.field("reward_model", c.reward_model, "the Bradley-Terry preference model");
  v.field("final_rl", c.final_rl, "RL for all scenarios: rule rewards + the preference model");
  v.field("distill", c.distill, "the student distilled from final_rl's samples");
  v.field("student_rl", c.student_rl, "the student trained by RL alone");
  v.require(c.readable_language.running_sum.zh_fraction == 0 || c.task_options.running_sum.words,
            "readable_language.running_sum.zh_fraction", "needs task_options.running_sum.words: true");
  const int64_t context = c.model.max_position_embeddings;
  for (auto [key, rl] : {std::pair{"r1_zero.rl", &c.r1_zero.rl}, std::pair{"reasoning_rl.rl", &c.reasoning_rl.rl},
                         std::pair{"final_rl.rl", &c.final_rl.rl}})
    v.require(rl->max_new_tokens < context, std::string(key) + ".max_new_tokens",
              "must be below model.max_position_embeddings (" + std::to_string(context) + ")");
  v.require(c.student_rl.rl.max_new_tokens < c.student_model.max_position_embeddings, "student_rl.rl.max_new_tokens",
            "must be below student_model.max_position_embeddings");
  v.require(c.pretrain_data.pack_length <= c.student_model.max_position_embeddings, "pretrain_data.pack_length",
            "must be at most student_model.max_position_embeddings (the student pretrains on the same rows)");
}

// The pipeline's defaults (every key `r1 pipeline` accepts).
R1PipelineConfig r1_pipeline_defaults();

}  // namespace r1::pipeline

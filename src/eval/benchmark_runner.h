// Runs a benchmark the way the R1 paper measures: k samples per problem at temperature 0.6, top-p
// 0.95, then pass@1 (mean over samples), pass@k' (unbiased) and cons@k (majority vote).
//
// Files in the run's out dir:
//   run.json            the settings; a restart with different settings is refused
//   <bench>.jsonl       one line per sample, appended as soon as its prompt is done:
//                       {prompt_id, prompt_index, sample, response, answer, correct, thinks,
//                        well_formed, stopped, tokens}
//   summary.json        every metric per benchmark (written by the eval command)
// A restarted run skips the (prompt, sample) pairs already in <bench>.jsonl. Sample j of a prompt
// is seeded by (seed, "eval/<bench>", hash of the prompt id, j) (rollout/scored_rollout.h), so the
// missing samples come out exactly as an uninterrupted run would have produced them, and the
// metrics are computed from the file, so they are too.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/sampling.h"
#include "eval/benchmark.h"
#include "tasks/prompt_template.h"
#include "text/chat_template.h"
#include "text/text_codec.h"

namespace r1::model {
class CausalLMImpl;
}

namespace r1::eval {

struct SampleRecord {
  std::string prompt_id;
  int64_t prompt_index = 0;
  int64_t sample = 0;
  std::string response;  // the scored response: forced prefix + sampled text
  std::string answer;    // extracted ("" = none)
  bool correct = false, thinks = false, well_formed = false;
  bool stopped = false;  // ended on EOS (false: hit max_new_tokens)
  int64_t tokens = 0;    // response tokens: sampled, EOS included, the forced prefix not
};
nlohmann::json to_json(const SampleRecord& r);
SampleRecord sample_from_json(const nlohmann::json& j, const std::string& where);

struct EvalRunConfig {
  int64_t k = 16;
  engine::SamplingParams sampling{0.6, 0.95, 0, 32768, 0};
  std::string out_dir;  // "" = keep nothing on disk (no resume)
  bool progress = true;
};

struct BenchTimings {
  double generation_seconds = 0;  // inside engine::generate
  double total_seconds = 0;       // the whole benchmark: prompts, generation, scoring, voting, files
};

// The metrics of a finished benchmark from its sample records (pure: what summary.json holds per
// benchmark, minus the timings).
nlohmann::json summarize(const Benchmark& bench, const std::vector<SampleRecord>& records, int64_t k);

// The prompt style a benchmark gets: R1 chat when the model has a template and the benchmark is not
// a synthetic family.
tasks::PromptStyle choose_prompt_style(const Benchmark& bench, const text::ChatTemplate* tmpl);

// Generates the missing samples (appending them to OUT/<bench>.jsonl), then summarizes. `tmpl` may
// be null (R1-Zero prompts).
nlohmann::json run_benchmark(model::CausalLMImpl& model, const Benchmark& bench, const text::TextCodec& codec,
                             const text::ChatTemplate* tmpl, const EvalRunConfig& cfg, BenchTimings* timings = nullptr);

// Checks OUT/run.json against `settings` (writes it when absent); differing settings are an error.
void check_run_settings(const std::string& out_dir, const nlohmann::json& settings);

}  // namespace r1::eval

// r1 sample: rejection sampling (R1 stage 3) — k responses per generated task prompt from a
// checkpoint, verified by the task's rule-based scorer and filtered (rl/rejection_sampling.h); the
// survivors are written as an SFT dataset ({"prompt", "response"} JSONL, the format `r1 sft` reads)
// with a statistics JSON beside it.
#include <cstdio>
#include <sstream>

#include "commands/commands.h"
#include "core/error.h"
#include "core/files.h"
#include "core/log.h"
#include "core/seed.h"
#include "io/model_dir.h"
#include "pipeline/config_json.h"
#include "pipeline/r1zero.h"
#include "rl/rejection_sampling.h"
#include "rl/sample_candidates.h"
#include "tasks/task.h"
#include "train/sft.h"

namespace {

using json = nlohmann::json;

json defaults() {
  return {{"model", ""},
          {"tasks", "running_sum,countdown"},
          {"task_options", r1::pipeline::r1zero_defaults().at("task_options")},
          {"prompts", 16},
          {"k", 4},
          {"out", ""},
          {"stats", ""},
          {"seed", 1},
          {"batch_prompts", 32},
          {"sampling", {{"temperature", 0.6}, {"top_p", 0.95}, {"max_new_tokens", 64}}},
          {"filter", r1::rl::RejectionConfig{}}};
}

int run(int argc, char** argv) {
  auto cfg = r1::cli::resolve_command_config(
      "sample",
      "Samples k responses to each of --prompts generated problems per task (split evenly over --tasks, a\n"
      "comma-separated list), scores them with the task's verifier, keeps the correct, single-language,\n"
      "not overlong, not repetitive, de-duplicated ones, and writes them to --out as SFT JSONL plus\n"
      "statistics (--stats, default OUT.stats.json).",
      defaults(), argc, argv);
  if (cfg.is_null()) return 0;
  for (const char* k : {"model", "out"}) r1::check(!cfg.at(k).get<std::string>().empty(), std::string("--") + k, "is required");
  const std::string model_dir = cfg.at("model"), out = cfg.at("out");
  const std::string stats_path = cfg.at("stats").get<std::string>().empty() ? out + ".stats.json" : cfg.at("stats").get<std::string>();

  std::vector<std::unique_ptr<r1::tasks::Task>> tasks;
  {
    std::stringstream ss(cfg.at("tasks").get<std::string>());
    for (std::string name; std::getline(ss, name, ',');) {
      const json& opts = cfg.at("task_options").contains(name) ? cfg.at("task_options").at(name) : json::object();
      tasks.push_back(r1::tasks::make_task(name, opts));
    }
  }
  r1::check(!tasks.empty(), "--tasks", "names no task");

  auto loaded = r1::io::load_model_dir(model_dir);
  auto fmt = r1::train::sft_format_of(loaded, model_dir, 0);
  const auto rc = cfg.at("filter").get<r1::rl::RejectionConfig>();

  // Problems: round-robin over the tasks, from a seeded generator.
  const int64_t n_prompts = cfg.at("prompts");
  r1::tasks::Rng rng(r1::derive_seed(cfg.at("seed").get<uint64_t>(), "sample/problems"));
  std::vector<r1::rollout::RolloutPrompt> problems;
  for (int64_t i = 0; i < n_prompts; ++i) {
    r1::rollout::RolloutPrompt p;
    p.task = tasks[i % tasks.size()].get();
    p.problem = p.task->sample(rng);
    p.ids = r1::train::encode_sft_prompt(json::array({{{"role", "user"}, {"content", p.problem.question}}}), fmt);
    p.index = static_cast<uint64_t>(i);
    problems.push_back(std::move(p));
  }

  r1::rollout::RolloutConfig cs;
  cs.samples_per_prompt = cfg.at("k");
  cs.sampling.temperature = cfg.at("sampling").at("temperature");
  cs.sampling.top_p = cfg.at("sampling").at("top_p");
  cs.sampling.max_new_tokens = cfg.at("sampling").at("max_new_tokens");
  cs.sampling.seed = cfg.at("seed");
  cs.stream = "sample/samples";
  cs.prompts_per_call = cfg.at("batch_prompts");
  cs.eos_id = fmt.eos_id;
  cs.pad_id = fmt.eos_id;
  int64_t generated_tokens = 0;
  const auto& tok = *loaded.tokenizer;
  auto cands = r1::rl::sample_candidates(
      *loaded.model, problems, [&](const std::vector<int32_t>& ids) { return tok.decode(ids, true); }, cs,
      &generated_tokens);
  int64_t correct_total = 0;
  for (const auto& c : cands) correct_total += c.correct;

  r1::rl::RejectionStats st;
  auto verdicts = r1::rl::rejection_filter(cands, rc, &st);
  std::string lines;
  for (size_t i = 0; i < cands.size(); ++i)
    if (verdicts[i] == r1::rl::DropReason::kKept)
      lines += json{{"prompt", cands[i].prompt}, {"response", cands[i].response}}.dump() + "\n";
  r1::write_file_atomic(out, lines);
  json stats = st.to_json();
  stats["correct_rate"] = cands.empty() ? 0.0 : static_cast<double>(correct_total) / cands.size();
  stats["generated_tokens"] = generated_tokens;
  stats["k"] = cs.samples_per_prompt;
  stats["config"] = cfg;
  r1::write_file_atomic(stats_path, stats.dump(2) + "\n");
  std::printf("sample: %lld responses, correct %.3f, kept %lld (incorrect %lld, overlong %lld, mixed-language %lld, "
              "repetitive %lld, duplicate %lld, over quota %lld) -> %s, %s\n",
              static_cast<long long>(st.total), stats["correct_rate"].get<double>(), static_cast<long long>(st.kept),
              static_cast<long long>(st.incorrect), static_cast<long long>(st.overlong),
              static_cast<long long>(st.mixed_language), static_cast<long long>(st.repetitive),
              static_cast<long long>(st.duplicate), static_cast<long long>(st.over_quota), out.c_str(),
              stats_path.c_str());
  return 0;
}

r1::cli::RegisterCommand reg("sample", "rejection sampling: verified, filtered responses -> an SFT dataset", run);

}  // namespace

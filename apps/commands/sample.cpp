// r1 sample: rejection sampling (R1 stage 3) — k responses per generated task prompt from a
// checkpoint, verified by the task's rule-based scorer and filtered (rl/rejection_sampling.h); the
// survivors are written as an SFT dataset ({"prompt", "response"} JSONL, the format `r1 sft` reads)
// with a statistics JSON beside it.
#include <cstdio>

#include "commands/commands.h"
#include "core/cli.h"
#include "core/error.h"
#include "core/files.h"
#include "core/log.h"
#include "core/seed.h"
#include "io/model_dir.h"
#include "rl/rejection_sampling.h"
#include "rl/rejection_schema.h"
#include "rl/sample_candidates.h"
#include "tasks/task.h"
#include "tasks/task_options.h"
#include "train/sft.h"

namespace {

using json = nlohmann::json;

// How responses are sampled (each batch's seed derives from the command's seed).
struct Sampling {
  double temperature = 0.6;
  double top_p = 0.95;
  int64_t max_new_tokens = 64;
};

template <class V>
void visit_fields(V& v, Sampling& c) {
  using namespace r1::schema;
  v.field("temperature", c.temperature, "sampling temperature", above(0));
  v.field("top_p", c.top_p, "nucleus sampling", open_closed(0, 1));
  v.field("max_new_tokens", c.max_new_tokens, "tokens per response at most", at_least(1));
}

struct SampleCommand {
  std::string model;
  std::vector<std::string> tasks = {"running_sum", "countdown"};
  r1::tasks::TaskOptions task_options;
  int64_t prompts = 16;
  int64_t k = 4;
  std::string out, stats;
  uint64_t seed = 1;
  int64_t batch_prompts = 32;
  Sampling sampling;
  r1::rl::RejectionConfig filter;
};

template <class V>
void visit_fields(V& v, SampleCommand& c) {
  using namespace r1::schema;
  v.field("model", c.model, "the checkpoint to sample from", kRequired);
  v.field("tasks", c.tasks, "task families the problems are drawn from, in turn",
          kRequired | one_of(r1::tasks::synthetic_task_names()));
  v.field("task_options", c.task_options, "options of each task family");
  v.field("prompts", c.prompts, "problems generated (split evenly over the tasks)", at_least(1));
  v.field("k", c.k, "responses sampled per problem", at_least(1));
  v.field("out", c.out, "the SFT JSONL of kept responses ({\"prompt\", \"response\"})", kRequired | kNotResult);
  v.field("stats", c.stats, "statistics JSON; \"\" = OUT.stats.json", kNotResult);
  v.field("seed", c.seed, "seed of the problems and of the sampling");
  v.field("batch_prompts", c.batch_prompts, "problems per generate() call", at_least(1));
  v.field("sampling", c.sampling, "how responses are sampled");
  v.field("filter", c.filter, "what a response must pass to be kept");
}

const r1::cli::CommandSpec kSpec{
    "sample", "--model DIR --out FILE.jsonl [--key value ...]",
    "Rejection sampling (R1's stage 3): samples k responses to each of --prompts generated problems (split\n"
    "evenly over --tasks), scores them with the task's verifier, keeps the correct, single-language, not\n"
    "overlong, not repetitive, de-duplicated ones, and writes them to --out as SFT JSONL plus statistics\n"
    "(--stats, default OUT.stats.json).",
    {}};

int run(SampleCommand& c) {
  const std::string &model_dir = c.model, &out = c.out;
  const std::string stats_path = c.stats.empty() ? out + ".stats.json" : c.stats;
  std::vector<std::unique_ptr<r1::tasks::Task>> tasks;
  for (const auto& name : c.tasks) tasks.push_back(r1::tasks::make_synthetic_task(name, c.task_options));

  auto loaded = r1::io::load_model_dir(model_dir);
  auto fmt = r1::train::sft_format_of(loaded, model_dir, 0);

  // Problems: round-robin over the tasks, from a seeded generator.
  const int64_t n_prompts = c.prompts;
  r1::tasks::Rng rng(r1::derive_seed(c.seed, "sample/problems"));
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
  cs.samples_per_prompt = c.k;
  cs.sampling.temperature = c.sampling.temperature;
  cs.sampling.top_p = c.sampling.top_p;
  cs.sampling.max_new_tokens = c.sampling.max_new_tokens;
  cs.sampling.seed = c.seed;
  cs.stream = "sample/samples";
  cs.prompts_per_call = c.batch_prompts;
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
  auto verdicts = r1::rl::rejection_filter(cands, c.filter, &st);
  std::string lines;
  for (size_t i = 0; i < cands.size(); ++i)
    if (verdicts[i] == r1::rl::DropReason::kKept)
      lines += json{{"prompt", cands[i].prompt}, {"response", cands[i].response}}.dump() + "\n";
  r1::write_file_atomic(out, lines);
  json stats = st.to_json();
  stats["correct_rate"] = cands.empty() ? 0.0 : static_cast<double>(correct_total) / cands.size();
  stats["generated_tokens"] = generated_tokens;
  stats["k"] = cs.samples_per_prompt;
  stats["config"] = r1::schema::to_json(c);
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

r1::cli::RegisterCommand reg(kSpec, "rejection sampling: verified, filtered responses -> an SFT dataset", run);

}  // namespace

// r1 rm: trains a Bradley–Terry reward model (rl/reward_model.h) from a checkpoint on preference
// pairs {"prompt", "chosen", "rejected"} (JSONL), rendered as `r1 sft` renders a prompt and response.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "commands/commands.h"
#include "core/cli.h"
#include "core/error.h"
#include "core/files.h"
#include "core/json_file.h"
#include "core/log.h"
#include "core/metrics.h"
#include "io/model_dir.h"
#include "rl/reward_model.h"
#include "rl/reward_train_schema.h"
#include "train/sft.h"

namespace {

using json = nlohmann::json;

struct RmCommand {
  std::string model, data, out;
  int64_t max_length = 0;
  double eval_fraction = 0.1;
  r1::rl::RewardTrainConfig train;
};

template <class V>
void visit_fields(V& v, RmCommand& c) {
  using namespace r1::schema;
  v.field("model", c.model, "the backbone checkpoint", kRequired);
  v.field("data", c.data, "JSONL of {\"prompt\", \"chosen\", \"rejected\"}", kRequired);
  v.field("out", c.out, "output directory (HF sequence-classification layout, score.weight)", kRequired | kNotResult);
  v.field("max_length", c.max_length, "tokens per side of a pair at most; 0 = the model's context", at_least(0));
  v.field("eval_fraction", c.eval_fraction, "share of the pairs held out for pairwise accuracy", closed_open(0, 1));
  visit_fields(v, c.train);
}

const r1::cli::CommandSpec kSpec{
    "rm", "--model DIR --data PAIRS.jsonl --out DIR [--key value ...]",
    "Trains a reward model (--model backbone + a scalar head on the last token, Bradley-Terry loss) on\n"
    "--data: JSONL lines {\"prompt\", \"chosen\", \"rejected\"}, rendered as `r1 sft` renders a prompt and\n"
    "response. Holds out eval_fraction of the pairs for pairwise accuracy; saves --out in the HF\n"
    "sequence-classification layout (score.weight).",
    {}};

// One side of a pair as token ids: prompt + response + EOS (truncated to max_length).
std::vector<int32_t> encode_side(const std::string& prompt, const std::string& response, const r1::train::SftFormat& f,
                                 const std::string& where) {
  auto e = r1::train::render_sft_example(json::array({{{"role", "user"}, {"content", prompt}},
                                                      {{"role", "assistant"}, {"content", response}}}),
                                         f);
  r1::check(e.has_value(), where, "the prompt alone exceeds max_length");
  return e->ids;
}

int run(RmCommand& c) {
  const std::string &model_dir = c.model, &data = c.data, &out = c.out;
  auto loaded = r1::io::load_model_dir(model_dir);
  const int64_t context = loaded.model->config().max_position_embeddings;
  if (c.max_length > context)
    throw r1::UsageError("max_length", "must be at most the model's context, max_position_embeddings = " +
                                           std::to_string(context) + " (" + model_dir + "/config.json)");
  auto fmt = r1::train::sft_format_of(loaded, model_dir, c.max_length > 0 ? c.max_length : context);

  std::vector<r1::rl::PreferencePair> pairs;
  r1::for_each_jsonl_record(data, [&](const json& j, const std::string& where) {
    for (const char* k : {"prompt", "chosen", "rejected"})
      r1::check(j.is_object() && j.contains(k) && j.at(k).is_string(), where, std::string("needs a string \"") + k + "\"");
    pairs.push_back({encode_side(j["prompt"], j["chosen"], fmt, where), encode_side(j["prompt"], j["rejected"], fmt, where)});
  });
  r1::check(pairs.size() >= 2, data, "needs at least 2 preference pairs");
  const size_t n_eval = std::min(pairs.size() - 1, static_cast<size_t>(pairs.size() * c.eval_fraction));
  std::vector<r1::rl::PreferencePair> eval(pairs.end() - n_eval, pairs.end());
  pairs.resize(pairs.size() - n_eval);

  const r1::rl::RewardTrainConfig& tc = c.train;
  r1::rl::RewardModel rm(loaded.model, tc.seed);
  // The checkpoint directory is written atomically as a whole at the end, so the metrics go to a
  // sibling file first and move in afterwards.
  const std::string metrics_tmp = out + ".metrics.jsonl.partial";
  auto metrics = std::make_unique<r1::MetricsWriter>(metrics_tmp, false);
  const int64_t pad = fmt.eos_id;
  const double before = n_eval ? r1::rl::pairwise_accuracy(*rm, eval, pad) : 0.0;
  auto res = r1::rl::train_reward_model(*rm, pairs, tc, pad, metrics.get());
  const double after = n_eval ? r1::rl::pairwise_accuracy(*rm, eval, pad) : 0.0;
  r1::rl::save_reward_model(out, *rm, &*loaded.tokenizer, loaded.tokenizer_config);
  json summary = {{"train_pairs", pairs.size()}, {"eval_pairs", n_eval}, {"final_loss", res.final_loss},
                  {"train_accuracy", res.train_accuracy}, {"eval_accuracy_before", before},
                  {"eval_accuracy", after}, {"seconds", res.seconds}};
  metrics->write({{"stage", "rm_summary"}, {"summary", summary}});
  metrics.reset();
  std::filesystem::rename(metrics_tmp, out + "/metrics.jsonl");
  std::printf("rm: %zu train / %zu eval pairs, final loss %.4f, eval pairwise accuracy %.3f -> %.3f; saved %s\n",
              pairs.size(), n_eval, res.final_loss, before, after, out.c_str());
  return 0;
}

r1::cli::RegisterCommand reg(kSpec, "train a Bradley-Terry reward model on preference pairs", run);

}  // namespace

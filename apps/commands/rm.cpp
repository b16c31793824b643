// r1 rm: trains a Bradley–Terry reward model (rl/reward_model.h) from a checkpoint on preference
// pairs {"prompt", "chosen", "rejected"} (JSONL), rendered as `r1 sft` renders a prompt and response.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "commands/commands.h"
#include "core/error.h"
#include "core/files.h"
#include "core/log.h"
#include "core/metrics.h"
#include "io/model_dir.h"
#include "rl/reward_model.h"
#include "train/sft.h"

namespace {

using json = nlohmann::json;

json defaults() {
  r1::rl::RewardTrainConfig t;
  return {{"model", ""},          {"data", ""},
          {"out", ""},            {"max_length", 1024},
          {"eval_fraction", 0.1}, {"steps", t.steps},
          {"batch_size", t.batch_size}, {"lr", t.lr},
          {"warmup_steps", t.warmup_steps}, {"weight_decay", t.weight_decay},
          {"grad_clip", t.grad_clip}, {"seed", t.seed},
          {"log_every", t.log_every}};
}

// One side of a pair as token ids: prompt + response + EOS (truncated to max_length).
std::vector<int32_t> encode_side(const std::string& prompt, const std::string& response, const r1::train::SftFormat& f,
                                 const std::string& where) {
  auto e = r1::train::render_sft_example(json::array({{{"role", "user"}, {"content", prompt}},
                                                      {{"role", "assistant"}, {"content", response}}}),
                                         f);
  r1::check(e.has_value(), where, "the prompt alone exceeds max_length");
  return e->ids;
}

int run(int argc, char** argv) {
  auto cfg = r1::cli::resolve_command_config(
      "rm",
      "Trains a reward model (--model backbone + a scalar head on the last token, Bradley-Terry loss)\n"
      "on --data: JSONL lines {\"prompt\", \"chosen\", \"rejected\"}. Holds out eval_fraction of the pairs\n"
      "for pairwise accuracy; saves --out in the HF sequence-classification layout (score.weight).",
      defaults(), argc, argv);
  if (cfg.is_null()) return 0;
  for (const char* k : {"model", "data", "out"})
    r1::check(!cfg.at(k).get<std::string>().empty(), std::string("--") + k, "is required");
  const std::string model_dir = cfg.at("model"), data = cfg.at("data"), out = cfg.at("out");
  auto loaded = r1::io::load_model_dir(model_dir);
  auto fmt = r1::train::sft_format_of(loaded, model_dir, cfg.at("max_length"));

  std::vector<r1::rl::PreferencePair> pairs;
  std::ifstream in(data);
  r1::check(in.good(), data, "cannot open");
  std::string line;
  for (int64_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = data + ":" + std::to_string(n);
    json j;
    try {
      j = json::parse(line);
    } catch (const json::exception& e) {
      throw r1::Error(where, std::string("invalid JSON: ") + e.what());
    }
    for (const char* k : {"prompt", "chosen", "rejected"})
      r1::check(j.is_object() && j.contains(k) && j.at(k).is_string(), where, std::string("needs a string \"") + k + "\"");
    pairs.push_back({encode_side(j["prompt"], j["chosen"], fmt, where), encode_side(j["prompt"], j["rejected"], fmt, where)});
  }
  r1::check(pairs.size() >= 2, data, "needs at least 2 preference pairs");
  const size_t n_eval = std::min(pairs.size() - 1, static_cast<size_t>(pairs.size() * cfg.at("eval_fraction").get<double>()));
  std::vector<r1::rl::PreferencePair> eval(pairs.end() - n_eval, pairs.end());
  pairs.resize(pairs.size() - n_eval);

  r1::rl::RewardTrainConfig tc;
  tc.steps = cfg.at("steps");
  tc.batch_size = cfg.at("batch_size");
  tc.lr = cfg.at("lr");
  tc.warmup_steps = cfg.at("warmup_steps");
  tc.weight_decay = cfg.at("weight_decay");
  tc.grad_clip = cfg.at("grad_clip");
  tc.seed = cfg.at("seed");
  tc.log_every = cfg.at("log_every");
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

r1::cli::RegisterCommand reg("rm", "train a Bradley-Terry reward model on preference pairs", run);

}  // namespace

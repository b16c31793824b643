// r1 sft: supervised fine-tuning of a checkpoint on chat-formatted JSONL (cold start, rejection-
// sampling SFT, distillation), with exactly resumable checkpoints (train/sft.h).
#include <cstdio>

#include "commands/commands.h"
#include "core/error.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/files.h"
#include "io/model_dir.h"
#include "pipeline/config_json.h"
#include "train/sft.h"

namespace {

using json = nlohmann::json;

json defaults() {
  r1::train::LmTrainConfig t;
  t.batch_size = 16;
  t.lr = 1e-4;
  t.warmup_steps = 10;
  t.log_every = 1;
  r1::train::SftConfig s;
  r1::train::RunControl rc;
  return {{"model", ""},        {"data", ""},       {"out", ""},
          {"epochs", s.epochs}, {"seed", s.seed},   {"max_length", 1024},
          {"pack_length", 0},   {"checkpoint_every", rc.checkpoint_every},
          {"keep_checkpoints", 2}, {"stop_after", rc.stop_after},
          {"resume", r1::train::resume_mode_name(rc.resume)}, {"train", t}};
}

int run(int argc, char** argv) {
  auto cfg = r1::cli::resolve_command_config(
      "sft",
      "Fine-tunes --model on --data (JSONL of {\"messages\": [...]} or {\"prompt\", \"response\"}), loss on the\n"
      "final assistant turn only, rendered with the checkpoint's chat template (else R1-Zero's\n"
      "\"User: ...\\nAssistant: \"). Writes OUT/checkpoints/step-N (+ latest) and OUT/final; a rerun with the\n"
      "same --out resumes exactly from the latest checkpoint (--resume auto: only under the same configuration;\n"
      "force: whatever it was; never: start over). train.steps applies when epochs is 0.",
      defaults(), argc, argv);
  if (cfg.is_null()) return 0;
  for (const char* k : {"model", "data", "out"})
    r1::check(!cfg.at(k).get<std::string>().empty(), std::string("--") + k, "is required");
  const std::string out = cfg.at("out");

  auto loaded = r1::io::load_model_dir(cfg.at("model"));
  auto fmt = r1::train::sft_format_of(loaded, cfg.at("model"), cfg.at("max_length"));

  auto conversations = r1::train::read_sft_jsonl(cfg.at("data"));
  std::vector<r1::train::Example> examples;
  int64_t dropped = 0, response_tokens = 0;
  for (const auto& c : conversations) {
    auto e = r1::train::render_sft_example(c, fmt);
    if (!e) {
      ++dropped;
      continue;
    }
    for (auto m : e->loss_mask) response_tokens += m;
    examples.push_back(std::move(*e));
  }
  auto units = r1::train::pack_examples(examples, cfg.at("pack_length"));
  r1::log_info("sft data: " + std::to_string(examples.size()) + " examples (" + std::to_string(dropped) +
               " dropped: prompt longer than max_length), " + std::to_string(response_tokens) +
               " response tokens, " + std::to_string(units.size()) + " training rows; template: " +
               (fmt.chat ? r1::text::chat_family_name(fmt.chat->family()) : std::string("R1-Zero")));

  r1::train::SftConfig sc;
  sc.train = cfg.at("train").get<r1::train::LmTrainConfig>();
  sc.epochs = cfg.at("epochs");
  sc.seed = cfg.at("seed");
  r1::train::RunControl rc;
  rc.checkpoint_every = cfg.at("checkpoint_every");
  rc.keep = cfg.at("keep_checkpoints");
  rc.stop_after = cfg.at("stop_after");
  rc.resume = r1::train::parse_resume_mode(cfg.at("resume"));
  // What changes the result: the command's config without output, cadence and logging keys.
  rc.fingerprint = cfg;
  for (const char* k : {"out", "checkpoint_every", "keep_checkpoints", "stop_after", "resume"}) rc.fingerprint.erase(k);
  rc.fingerprint["train"].erase("log_every");
  r1::make_dirs(out);
  r1::write_file_atomic(out + "/sft_config.json", cfg.dump(2) + "\n");
  r1::MetricsWriter metrics(out + "/metrics.jsonl");
  r1::train::SftOutput o{out, &*loaded.tokenizer, loaded.tokenizer_config};
  const int64_t pad = fmt.eos_id;
  auto r = r1::train::run_sft(*loaded.model, units, sc, pad, rc, o, &metrics);
  std::printf("sft: steps %lld..%lld, final loss %.4f, %.0f tokens/s\n", static_cast<long long>(r.start_step),
              static_cast<long long>(r.end_step), r.train.final_loss,
              r.train.tokens / std::max(1e-9, r.train.seconds));
  std::printf("%s\n", r.final_dir.empty() ? ("stopped early; rerun to resume from " + r1::train::latest_checkpoint(out)).c_str()
                                          : ("model: " + r.final_dir).c_str());
  return 0;
}

r1::cli::RegisterCommand reg("sft", "supervised fine-tuning on chat JSONL (loss on responses, exact resume)", run);

}  // namespace

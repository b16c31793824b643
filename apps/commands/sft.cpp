// r1 sft: supervised fine-tuning of a checkpoint on chat-formatted JSONL (cold start, rejection-
// sampling SFT, distillation), with exactly resumable checkpoints (train/sft.h).
#include <cstdio>
#include <memory>

#include "commands/commands.h"
#include "core/cli.h"
#include "core/error.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/files.h"
#include "dist/dist_config_schema.h"
#include "dist/runtime.h"
#include "io/model_dir.h"
#include "train/sft.h"
#include "train/run_control_schema.h"
#include "train/sft_schema.h"

namespace {

using json = nlohmann::json;

struct SftCommand {
  std::string model, data, out;
  int64_t max_length = 0;
  int64_t pack_length = 0;
  r1::train::SftConfig sft = [] {
    r1::train::SftConfig s;
    s.train.batch_size = 16;
    s.train.lr = 1e-4;
    s.train.warmup_steps = 10;
    s.train.log_every = 1;
    return s;
  }();
  r1::train::RunControl run = [] {
    r1::train::RunControl rc;
    rc.keep = 2;
    return rc;
  }();
  r1::dist::DistConfig dist;
};

template <class V>
void visit_fields(V& v, SftCommand& c) {
  using namespace r1::schema;
  v.field("model", c.model, "the checkpoint to fine-tune", kRequired);
  v.field("data", c.data, "JSONL of {\"messages\": [...]} or {\"prompt\", \"response\"}", kRequired);
  v.field("out", c.out, "output directory: checkpoints/step-N (+ latest), final, metrics.jsonl", kRequired | kNotResult);
  v.field("max_length", c.max_length,
          "tokens per example at most (longer prompts are dropped, responses cut); 0 = the model's context",
          at_least(0));
  v.field("pack_length", c.pack_length, "pack examples into rows of this many tokens; 0 = one example per row",
          at_least(0));
  visit_fields(v, c.sft);
  r1::train::visit_run_control_fields(v, c.run);
  v.field("dist", c.dist, "data parallelism under torchrun / r1 launch (train.batch_size is global)");
}

const r1::cli::CommandSpec kSpec{
    "sft", "--model DIR --data FILE.jsonl --out DIR [--key value ...]",
    "Fine-tunes --model on --data, loss on the final assistant turn only, rendered with the checkpoint's chat\n"
    "template (else R1-Zero's \"User: ...\\nAssistant: \"). Writes OUT/checkpoints/step-N (+ latest) and\n"
    "OUT/final; a rerun with the same --out resumes exactly from the latest checkpoint. train.steps applies\n"
    "when epochs is 0.",
    {}};

int run(SftCommand& c) {
  const std::string& out = c.out;

  r1::dist::Runtime rt(c.dist);  // joins the job of torchrun's environment, or runs alone
  auto loaded = r1::io::load_model_dir(c.model);
  const int64_t context = loaded.model->config().max_position_embeddings;
  if (c.max_length > context || c.pack_length > context)
    throw r1::UsageError(c.max_length > context ? "max_length" : "pack_length",
                         "must be at most the model's context, max_position_embeddings = " + std::to_string(context) +
                             " (" + c.model + "/config.json)");
  auto fmt = r1::train::sft_format_of(loaded, c.model, c.max_length > 0 ? c.max_length : context);

  auto conversations = r1::train::read_sft_jsonl(c.data);
  std::vector<r1::train::Example> examples;
  int64_t dropped = 0, response_tokens = 0;
  for (const auto& conv : conversations) {
    auto e = r1::train::render_sft_example(conv, fmt);
    if (!e) {
      ++dropped;
      continue;
    }
    for (auto m : e->loss_mask) response_tokens += m;
    examples.push_back(std::move(*e));
  }
  auto units = r1::train::pack_examples(examples, c.pack_length);
  if (rt.is_main()) r1::log_info("sft data: " + std::to_string(examples.size()) + " examples (" + std::to_string(dropped) +
               " dropped: prompt longer than max_length), " + std::to_string(response_tokens) +
               " response tokens, " + std::to_string(units.size()) + " training rows; template: " +
               (fmt.chat ? r1::text::chat_family_name(fmt.chat->family()) : std::string("R1-Zero")));

  // What changes the result: the command's result part (no output, cadence or logging keys).
  c.run.fingerprint = r1::schema::result_part(c);
  std::unique_ptr<r1::MetricsWriter> metrics;  // rank 0 writes
  if (rt.is_main()) {
    r1::make_dirs(out);
    r1::write_file_atomic(out + "/sft_config.json", r1::schema::to_json(c).dump(2) + "\n");
    metrics = std::make_unique<r1::MetricsWriter>(out + "/metrics.jsonl");
  }
  r1::train::SftOutput o{out, &*loaded.tokenizer, loaded.tokenizer_config, &rt};
  const int64_t pad = fmt.eos_id;
  auto r = r1::train::run_sft(*loaded.model, units, c.sft, pad, c.run, o, metrics.get());
  if (!rt.is_main()) return 0;
  std::printf("sft: steps %lld..%lld, final loss %.4f, %.0f tokens/s\n", static_cast<long long>(r.start_step),
              static_cast<long long>(r.end_step), r.train.final_loss,
              r.train.tokens / std::max(1e-9, r.train.seconds));
  std::printf("%s\n", r.final_dir.empty() ? ("stopped early; rerun to resume from " + r1::train::latest_checkpoint(out)).c_str()
                                          : ("model: " + r.final_dir).c_str());
  return 0;
}

r1::cli::RegisterCommand reg(kSpec, "supervised fine-tuning on chat JSONL (loss on responses, exact resume)", run);

}  // namespace

// Supervised fine-tuning (R1's cold start, the rejection-sampling SFT round, and distillation of a
// student on teacher outputs): chat-formatted JSONL -> examples with the loss on the assistant's
// final turn only -> train_lm_resumable, with exactly resumable checkpoints.
//
// Data, one JSON object per line:
//   {"messages": [{"role": "system"|"user"|"assistant", "content": "..."}, ...]}  (last = assistant)
//   {"prompt": "...", "response": "..."}  (= one user turn and one assistant turn)
// Rendering: with the checkpoint's chat template, prompt = template(messages[:-1], generation
// prompt); without one, R1-Zero's "User: …\nAssistant: " (tasks/prompt_template.h) after BOS. The
// target is the last assistant content followed by EOS; only those tokens are predicted.
//
// Checkpoints (train/resumable_run.h): OUT/checkpoints/step-N with the model, the AdamW state and
// trainer_state.json (step, data position, shuffle seed; the fingerprint holds a hash of the data).
// Resuming restores all of it, so N steps straight and k steps + resume + N-k steps give
// bitwise-equal weights on CPU.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/resume.h"
#include "io/model_dir.h"
#include "text/chat_template.h"
#include "text/tokenizer.h"
#include "train/lm_trainer.h"

namespace r1::dist {
class Runtime;
}

namespace r1::train {

// The conversations of a JSONL file, each normalised to a messages array. A malformed line (bad
// JSON, missing or mistyped fields, no final assistant turn) is an r1::Error naming "FILE:LINE".
std::vector<nlohmann::json> read_sft_jsonl(const std::string& path);

struct SftFormat {
  const text::Tokenizer* tokenizer = nullptr;
  std::optional<text::ChatTemplate> chat;  // none: the R1-Zero template
  int32_t bos_id = -1;                     // prepended on the R1-Zero path when >= 0
  int32_t eos_id = -1;                     // appended to the response (required)
  int64_t max_length = 1024;               // longer examples are cut at the right
};

// The R1-Zero rendering of all turns but the last: "User: …\nAssistant: …\n" per turn, system
// content verbatim, ending with "Assistant: " (equal to tasks::r1zero_prompt for one user turn).
std::string r1zero_conversation_prompt(const nlohmann::json& messages);

// The prompt ids of a conversation whose turns are all context (the generation prompt appended):
// what render_sft_example puts before the target, and what a sampler feeds the model.
std::vector<int32_t> encode_sft_prompt(const nlohmann::json& context_messages, const SftFormat& f);

// The format of a loaded checkpoint: its chat template when tokenizer_config.json has one, BOS/EOS
// from config.json (EOS from the template's eos_token when it names a known token). `dir` is for
// error messages.
SftFormat sft_format_of(const io::LoadedModel& m, const std::string& dir, int64_t max_length);

// ids = prompt ids + response ids + EOS; loss_mask 0 on the prompt, 1 on response and EOS.
// nullopt when truncation to max_length leaves no response token.
std::optional<Example> render_sft_example(const nlohmann::json& messages, const SftFormat& f);

// Concatenates examples (in order) into rows of at most `pack_length` tokens, each keeping its loss
// mask; an example longer than pack_length gets a row of its own. Attention is not reset between
// packed examples (as in most SFT packers); the prompt of the next one is context, not a target.
std::vector<Example> pack_examples(const std::vector<Example>& examples, int64_t pack_length);

// Config keys, ranges and docs: train/sft_schema.h (add every new field there).
struct SftConfig {
  LmTrainConfig train;        // train.steps is replaced by the epoch count when epochs > 0
  int64_t epochs = 1;         // passes over the data; 0 = run train.steps steps
  uint64_t seed = 1;          // shuffle of each epoch
  std::string stage = "sft";  // the metrics' "stage" and the progress label
};

// Where optimizer step `step` reads: the data is a stream of epochs, epoch e being the units in the
// order of a shuffle seeded by derive_seed(seed, "sft/shuffle", {e}); step s takes stream positions [s*B, (s+1)*B). A pure
// function of (seed, step), so the data position and shuffle state of a checkpoint are its step.
class SftDataOrder {
 public:
  SftDataOrder(int64_t units, int64_t batch_size, uint64_t seed);
  std::vector<int64_t> indices(int64_t step) const;  // unit indices of the step
  int64_t epoch_of(int64_t step) const;
  int64_t offset_in_epoch(int64_t step) const;       // stream position of the step within its epoch
  static int64_t steps_for_epochs(int64_t units, int64_t batch_size, int64_t epochs);

 private:
  std::vector<int64_t> permutation(int64_t epoch) const;
  int64_t units_, batch_size_;
  uint64_t seed_;
};

struct SftOutput {
  std::string out_dir;                       // checkpoints/ and final/ go here
  const text::Tokenizer* tokenizer = nullptr;  // saved with every checkpoint when set
  nlohmann::json tokenizer_config;           // idem, when not null
  dist::Runtime* runtime = nullptr;          // the job this run is a rank of (rank 0 writes); null = one process
};

struct SftResult {
  LmTrainResult train;
  int64_t start_step = 0;  // > 0 when resumed
  int64_t end_step = 0;
  std::string final_dir;   // OUT/final when the run reached its last step, else empty
};

// Trains `model` on `units` (rendered or packed examples) as a resumable run in OUT (its weights
// replaced by the latest checkpoint's when the run resumes). The data hash, seed, batch size and
// step count join control.fingerprint. On W ranks each step's train.batch_size examples are the
// global batch, rank r training on its slice (train/data_parallel.h); rank 0 writes.
SftResult run_sft(model::CausalLMImpl& model, const std::vector<Example>& units, SftConfig cfg, int64_t pad_id,
                  RunControl control, const SftOutput& out, MetricsWriter* metrics);

// The step-N directory `latest` points at, or "" when there is none.
std::string latest_checkpoint(const std::string& out_dir);

}  // namespace r1::train

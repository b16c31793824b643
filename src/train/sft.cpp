#include "train/sft.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "core/error.h"
#include "core/files.h"
#include "core/json_file.h"
#include "core/log.h"
#include "core/seed.h"
#include "io/model_dir.h"
#include "model/causal_lm.h"
#include "train/training_checkpoint.h"

namespace r1::train {
namespace {

using json = nlohmann::json;

json normalise_record(const json& j, const std::string& where) {
  check(j.is_object(), where, "expected a JSON object");
  json messages;
  if (j.contains("messages")) {
    messages = j.at("messages");
    check(messages.is_array() && !messages.empty(), where, "\"messages\" must be a non-empty array");
  } else {
    check(j.contains("prompt") && j.contains("response"), where,
          "expected \"messages\" or both \"prompt\" and \"response\"");
    check(j.at("prompt").is_string(), where, "\"prompt\" must be a string");
    check(j.at("response").is_string(), where, "\"response\" must be a string");
    messages = json::array({{{"role", "user"}, {"content", j.at("prompt")}},
                            {{"role", "assistant"}, {"content", j.at("response")}}});
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    const std::string at = where + ": messages[" + std::to_string(i) + "]";
    check(m.is_object() && m.contains("role") && m.at("role").is_string(), at, "needs a string \"role\"");
    check(m.contains("content") && m.at("content").is_string(), at, "needs a string \"content\"");
    const std::string role = m.at("role");
    check(role == "system" || role == "user" || role == "assistant", at,
          "role must be system, user or assistant, got \"" + role + "\"");
  }
  check(messages.back().at("role") == "assistant", where, "the last message must be the assistant's (the target)");
  check(messages.size() >= 2, where, "needs a prompt turn before the assistant's");
  return messages;
}

// A fingerprint of the training units: FNV-1a over each unit's length and its (id, mask) words.
uint64_t data_hash(const std::vector<Example>& units) {
  uint64_t h = kFnvOffset;
  auto mix = [&](uint64_t v) { h = fnv1a64(std::string_view(reinterpret_cast<const char*>(&v), sizeof v), h); };
  for (const auto& u : units) {
    mix(u.ids.size());
    for (size_t i = 0; i < u.ids.size(); ++i) mix((static_cast<uint64_t>(u.ids[i]) << 1) | (u.loss_mask.empty() ? 1 : u.loss_mask[i]));
  }
  return h;
}

}  // namespace

std::vector<json> read_sft_jsonl(const std::string& path) {
  std::vector<json> out;
  for_each_jsonl_record(path,
                        [&](const json& j, const std::string& where) { out.push_back(normalise_record(j, where)); });
  check(!out.empty(), path, "holds no examples");
  return out;
}

std::string r1zero_conversation_prompt(const json& messages) {
  std::string s;
  for (size_t i = 0; i + 1 < messages.size(); ++i) {
    const std::string role = messages[i].at("role"), content = messages[i].at("content");
    if (role == "system")
      s += content + "\n";
    else if (role == "user")
      s += "User: " + content + "\n";
    else
      s += "Assistant: " + content + "\n";
  }
  return s + "Assistant: ";
}

std::vector<int32_t> encode_sft_prompt(const json& context, const SftFormat& f) {
  check(f.tokenizer != nullptr, "encode_sft_prompt", "needs a tokenizer");
  if (f.chat) return f.tokenizer->encode(f.chat->render(context, true), false);
  std::vector<int32_t> ids;
  if (f.bos_id >= 0) ids.push_back(f.bos_id);
  json with_target = context;
  with_target.push_back({{"role", "assistant"}, {"content", ""}});
  auto p = f.tokenizer->encode(r1zero_conversation_prompt(with_target), false);
  ids.insert(ids.end(), p.begin(), p.end());
  return ids;
}

SftFormat sft_format_of(const io::LoadedModel& m, const std::string& dir, int64_t max_length) {
  check(m.tokenizer.has_value(), dir, "has no tokenizer.json");
  SftFormat f;
  f.tokenizer = &*m.tokenizer;
  if (m.tokenizer_config.is_object() && m.tokenizer_config.contains("chat_template"))
    f.chat = text::ChatTemplate::from_config_json(m.tokenizer_config, dir + "/tokenizer_config.json");
  const auto& mc = m.model->config();
  f.bos_id = static_cast<int32_t>(mc.bos_token_id);
  f.eos_id = static_cast<int32_t>(mc.eos_token_id);
  if (f.chat && !f.chat->eos_token().empty() && m.tokenizer->token_to_id(f.chat->eos_token()) >= 0)
    f.eos_id = m.tokenizer->token_to_id(f.chat->eos_token());
  check(f.eos_id >= 0, dir, "defines no EOS token (config.json eos_token_id)");
  f.max_length = max_length;
  return f;
}

std::optional<Example> render_sft_example(const json& messages, const SftFormat& f) {
  check(f.eos_id >= 0, "render_sft_example", "needs an EOS id");
  json context = json::array();
  for (size_t i = 0; i + 1 < messages.size(); ++i) context.push_back(messages[i]);
  Example e;
  e.ids = encode_sft_prompt(context, f);
  const size_t n_prompt = e.ids.size();
  auto r = f.tokenizer->encode(messages.back().at("content").get<std::string>(), false);
  e.ids.insert(e.ids.end(), r.begin(), r.end());
  e.ids.push_back(f.eos_id);
  e.loss_mask.assign(e.ids.size(), 1);
  std::fill(e.loss_mask.begin(), e.loss_mask.begin() + n_prompt, 0);
  if (f.max_length > 0 && static_cast<int64_t>(e.ids.size()) > f.max_length) {
    if (static_cast<int64_t>(n_prompt) >= f.max_length) return std::nullopt;
    e.ids.resize(f.max_length);
    e.loss_mask.resize(f.max_length);
  }
  return e;
}

std::vector<Example> pack_examples(const std::vector<Example>& examples, int64_t pack_length) {
  if (pack_length <= 0) return examples;
  std::vector<Example> rows;
  Example row;
  for (const auto& e : examples) {
    std::vector<uint8_t> mask = e.loss_mask.empty() ? std::vector<uint8_t>(e.ids.size(), 1) : e.loss_mask;
    if (!row.ids.empty() && static_cast<int64_t>(row.ids.size() + e.ids.size()) > pack_length) {
      rows.push_back(std::move(row));
      row = Example{};
    }
    row.ids.insert(row.ids.end(), e.ids.begin(), e.ids.end());
    row.loss_mask.insert(row.loss_mask.end(), mask.begin(), mask.end());
  }
  if (!row.ids.empty()) rows.push_back(std::move(row));
  return rows;
}

SftDataOrder::SftDataOrder(int64_t units, int64_t batch_size, uint64_t seed)
    : units_(units), batch_size_(batch_size), seed_(seed) {
  check(units > 0, "sft data", "no training examples");
  check(batch_size > 0, "config key train.batch_size", "must be positive");
}

std::vector<int64_t> SftDataOrder::permutation(int64_t epoch) const {
  std::vector<int64_t> p(units_);
  for (int64_t i = 0; i < units_; ++i) p[i] = i;
  std::mt19937_64 rng(derive_seed(seed_, "sft/shuffle", {static_cast<uint64_t>(epoch)}));
  // Fisher-Yates with our own index draw: std::shuffle's algorithm is implementation-defined, and
  // a checkpoint must replay the same order under any standard library.
  for (int64_t i = units_ - 1; i > 0; --i) std::swap(p[i], p[rng() % static_cast<uint64_t>(i + 1)]);
  return p;
}

std::vector<int64_t> SftDataOrder::indices(int64_t step) const {
  std::vector<int64_t> out;
  int64_t cached_epoch = -1;
  std::vector<int64_t> perm;
  for (int64_t pos = step * batch_size_; pos < (step + 1) * batch_size_; ++pos) {
    int64_t e = pos / units_;
    if (e != cached_epoch) {
      perm = permutation(e);
      cached_epoch = e;
    }
    out.push_back(perm[pos % units_]);
  }
  return out;
}

int64_t SftDataOrder::epoch_of(int64_t step) const { return step * batch_size_ / units_; }
int64_t SftDataOrder::offset_in_epoch(int64_t step) const { return step * batch_size_ % units_; }

int64_t SftDataOrder::steps_for_epochs(int64_t units, int64_t batch_size, int64_t epochs) {
  return (units * epochs + batch_size - 1) / batch_size;
}

std::string latest_checkpoint(const std::string& out_dir) { return TrainingCheckpoints(out_dir).latest(); }

SftResult run_sft(model::CausalLMImpl& model, const std::vector<Example>& units, SftConfig cfg, int64_t pad_id,
                  RunControl control, const SftOutput& out, MetricsWriter* metrics) {
  const int64_t n = static_cast<int64_t>(units.size());
  if (cfg.epochs > 0) cfg.train.steps = SftDataOrder::steps_for_epochs(n, cfg.train.batch_size, cfg.epochs);
  SftDataOrder order(n, cfg.train.batch_size, cfg.seed);
  // What the data order and the schedule depend on: a checkpoint of other data or settings is not
  // this run's.
  control.fingerprint["sft"] = {{"data_hash", std::to_string(data_hash(units))}, {"units", n}, {"seed", cfg.seed},
                                {"batch_size", cfg.train.batch_size}, {"total_steps", cfg.train.steps}};
  ResumableRun run(control, {out.out_dir, cfg.stage, metrics, out.tokenizer, out.tokenizer_config, out.runtime});
  SftResult result;
  auto source = [&](int64_t step) {
    std::vector<Example> batch;
    for (int64_t i : order.indices(step)) batch.push_back(units[i]);
    return batch;
  };
  auto state_of = [&](int64_t step) {
    return json{{"epoch", order.epoch_of(step)},
                {"offset_in_epoch", order.offset_in_epoch(step)},
                {"shuffle", "epoch e = Fisher-Yates with mt19937_64(derive_seed(seed, \"sft/shuffle\", {e}))"}};
  };
  result.train = train_lm_resumable(model, source, cfg.train, pad_id, run, state_of);
  result.start_step = result.train.start_step;
  result.end_step = result.train.end_step;
  if (result.end_step == cfg.train.steps) {
    result.final_dir = out.out_dir + "/final";
    if (run.is_main()) io::save_model_dir(result.final_dir, model, out.tokenizer, out.tokenizer_config);
  }
  return result;
}

}  // namespace r1::train

// r1 score: the logits of every position of a token sequence, written as safetensors — the way
// one compares a port with its reference implementation.
#include <cstdio>
#include <torch/torch.h>

#include "commands/commands.h"
#include "core/cli.h"
#include "core/error.h"
#include "core/files.h"
#include "io/model_dir.h"
#include "io/safetensors.h"

namespace {

struct ScoreCommand {
  std::string model, ids, out;
};

template <class V>
void visit_fields(V& v, ScoreCommand& c) {
  using r1::schema::kRequired;
  v.field("model", c.model, "checkpoint directory", kRequired);
  v.field("ids", c.ids, "JSON file holding an array of token ids", kRequired);
  v.field("out", c.out, "output .safetensors (tensor \"logits\", plus \"ids\")", kRequired);
}

const r1::cli::CommandSpec kSpec{"score", "--model DIR --ids IDS.json --out LOGITS.safetensors",
                                 "Writes the logits [T, V] (fp32) of every position of a JSON array of token ids: the "
                                 "way one compares\na port with its reference implementation.",
                                 {}};

int run(ScoreCommand& c) {
  const std::string &model_dir = c.model, &ids_path = c.ids, &out_path = c.out;
  auto j = nlohmann::json::parse(r1::read_file(ids_path), nullptr, false);
  r1::check(!j.is_discarded() && j.is_array() && !j.empty(), ids_path, "must hold a non-empty JSON array of token ids");
  std::vector<int64_t> ids;
  for (size_t i = 0; i < j.size(); ++i) {
    r1::check(j[i].is_number_integer(), ids_path + ": element " + std::to_string(i), "is not an integer");
    ids.push_back(j[i].get<int64_t>());
  }
  auto loaded = r1::io::load_model_dir(model_dir);
  const int64_t V = loaded.model->config().vocab_size;
  for (size_t i = 0; i < ids.size(); ++i)
    r1::check(ids[i] >= 0 && ids[i] < V, ids_path + ": element " + std::to_string(i),
              "id " + std::to_string(ids[i]) + " is outside the vocabulary [0, " + std::to_string(V) + ")");
  torch::NoGradGuard no_grad;
  auto input = torch::tensor(ids, torch::kInt64).unsqueeze(0);
  auto logits = loaded.model->forward(input).squeeze(0).to(torch::kFloat).contiguous();  // [T, V]
  r1::io::save_safetensors(out_path, {{"logits", logits}, {"ids", input.squeeze(0)}});
  std::printf("%s: logits [%lld, %lld]\n", out_path.c_str(), static_cast<long long>(logits.size(0)),
              static_cast<long long>(logits.size(1)));
  return 0;
}

r1::cli::RegisterCommand reg(kSpec, "logits of every position of a token sequence, as safetensors", run);

}  // namespace

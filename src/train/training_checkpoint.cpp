#include "train/training_checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/files.h"
#include "io/checkpoint.h"
#include "io/model_dir.h"

namespace r1::train {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

void fsync_dir(const std::string& dir) {
  // The renames below are durable only once the parent directory is synced.
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

TrainingCheckpoints::TrainingCheckpoints(std::string out_dir, int64_t keep)
    : root_(std::move(out_dir) + "/checkpoints"), keep_(std::max<int64_t>(1, keep)) {}

std::string TrainingCheckpoints::latest() const {
  const std::string p = root_ + "/latest";
  if (!path_exists(p)) return "";
  std::string name = read_file(p);
  while (!name.empty() && (name.back() == '\n' || name.back() == ' ')) name.pop_back();
  const std::string dir = root_ + "/" + name;
  check(path_exists(dir + "/trainer_state.json"), p, "points at " + dir + ", which is not a complete checkpoint");
  return dir;
}

void TrainingCheckpoints::save(int64_t step, const model::CausalLMImpl& model, const io::TensorMap& optimizer_state,
                               const json& state, const text::Tokenizer* tokenizer, const json& tokenizer_config,
                               const std::map<std::string, io::TensorMap>& extra) const {
  make_dirs(root_);
  const std::string name = "step-" + std::to_string(step);
  const std::string tmp = root_ + "/." + name + ".partial", final_dir = root_ + "/" + name;
  fs::remove_all(tmp);
  io::save_model_dir(tmp, model, tokenizer, tokenizer_config);
  io::save_safetensors(tmp + "/optimizer.safetensors", optimizer_state);
  for (const auto& [name, tensors] : extra) io::save_safetensors(tmp + "/" + name + ".safetensors", tensors);
  write_file_atomic(tmp + "/trainer_state.json", state.dump(2) + "\n");
  fs::remove_all(final_dir);
  fs::rename(tmp, final_dir);
  fsync_dir(root_);
  write_file_atomic(root_ + "/latest", name + "\n");
  // Prune old step directories (never the one `latest` names).
  std::vector<std::pair<int64_t, std::string>> steps;
  for (const auto& d : fs::directory_iterator(root_)) {
    const std::string f = d.path().filename().string();
    if (f.rfind("step-", 0) == 0) steps.emplace_back(std::stoll(f.substr(5)), d.path().string());
  }
  std::sort(steps.begin(), steps.end());
  for (size_t i = 0; i + keep_ < steps.size(); ++i)
    if (steps[i].first != step) fs::remove_all(steps[i].second);
}

json TrainingCheckpoints::restore(const std::string& dir, model::CausalLMImpl& model, Optimizer& opt) const {
  auto ck = io::load_checkpoint_tensors(dir);
  io::load_into(model, ck.tensors, true, model.config().tie_word_embeddings);
  opt.load_state(io::load_safetensors(dir + "/optimizer.safetensors"), dir + "/optimizer.safetensors");
  return json::parse(read_file(dir + "/trainer_state.json"));
}

}  // namespace r1::train

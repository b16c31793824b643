#include "io/checkpoint.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "core/error.h"
#include "core/files.h"
#include "core/json_file.h"
#include "io/fp8.h"
#include "io/hf_config.h"
#include "text/tokenizer.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)  // linux/fs.h
#endif

namespace r1::io {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr const char* kScaleSuffix = "_scale_inv";

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Swaps `tmp` into `dir`: atomically where the filesystem supports RENAME_EXCHANGE, else two
// renames (a crash between them leaves the old checkpoint at DIR.old-<pid>).
void swap_into_place(const fs::path& tmp, const fs::path& dir) {
  if (!fs::exists(dir)) {
    check(::rename(tmp.c_str(), dir.c_str()) == 0, dir.string(), std::string("rename failed: ") + std::strerror(errno));
    return;
  }
  if (::syscall(SYS_renameat2, AT_FDCWD, tmp.c_str(), AT_FDCWD, dir.c_str(), RENAME_EXCHANGE) == 0) {
    fs::remove_all(tmp);  // now the old checkpoint
    return;
  }
  check(errno == EINVAL || errno == ENOSYS, dir.string(), std::string("renameat2 failed: ") + std::strerror(errno));
  fs::path old = dir.string() + ".old-" + std::to_string(::getpid());
  fs::remove_all(old);
  check(::rename(dir.c_str(), old.c_str()) == 0, dir.string(), std::string("rename failed: ") + std::strerror(errno));
  check(::rename(tmp.c_str(), dir.c_str()) == 0, dir.string(), std::string("rename failed: ") + std::strerror(errno));
  fs::remove_all(old);
}

bool is_scratch_buffer(const std::string& name) {
  const size_t dot = name.rfind('.');
  const std::string leaf = dot == std::string::npos ? name : name.substr(dot + 1);
  static const std::set<std::string> kRotary = {"inv_freq", "cos_cached", "sin_cached", "freqs_cis"};
  return (!leaf.empty() && leaf[0] == '_') || kRotary.count(leaf) > 0;
}

// Parameters and checkpoint buffers in registration order (parameters first).
std::vector<std::pair<std::string, at::Tensor>> checkpoint_entries(const torch::nn::Module& m) {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& p : m.named_parameters(true)) out.emplace_back(p.key(), p.value());
  for (const auto& b : m.named_buffers(true))
    if (!is_scratch_buffer(b.key())) out.emplace_back(b.key(), b.value());
  return out;
}

std::string shape_str(at::IntArrayRef s) { return c10::str(s); }

std::optional<json> read_json_if_exists(const fs::path& p) {
  if (!fs::exists(p)) return std::nullopt;
  return read_json_file(p.string());
}

int64_t fp8_block_size(const model::ModelConfig& c, const std::string& config_path) {
  if (!c.extra.contains("quantization_config")) return kFp8BlockSize;
  const json& q = c.extra["quantization_config"];
  if (!q.is_object() || !q.contains("weight_block_size")) return kFp8BlockSize;
  const json& b = q["weight_block_size"];
  check(b.is_array() && b.size() == 2 && b[0].is_number_integer() && b[0] == b[1] && b[0].get<int64_t>() > 0,
        config_path + ": field quantization_config.weight_block_size", "must be [B, B] with B > 0, got " + b.dump());
  return b[0].get<int64_t>();
}

}  // namespace

void save_checkpoint(const std::string& dir_arg, const model::ModelConfig& config, const TensorMap& tensors,
                     const CheckpointSaveOptions& opt) {
  fs::path dir = fs::path(dir_arg).lexically_normal();
  if (dir.filename().empty()) dir = dir.parent_path();  // "ckpt/" -> "ckpt"
  check(!dir.empty(), dir_arg, "checkpoint directory name is empty");
  if (fs::exists(dir))
    check(fs::is_directory(dir) && (fs::exists(dir / "config.json") || fs::is_empty(dir)), dir.string(),
          "exists and is not a checkpoint directory (no config.json); refusing to replace it");
  if (dir.has_parent_path()) make_dirs(dir.parent_path().string());

  static std::atomic<int> counter{0};
  const fs::path tmp = dir.string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  try {
    save_hf_config((tmp / "config.json").string(), config);
    save_safetensors_dir(tmp.string(), tensors, opt.max_shard_bytes, opt.tensors);
    if (opt.tokenizer) opt.tokenizer->save((tmp / "tokenizer.json").string());
    if (opt.tokenizer_config) write_file_atomic((tmp / "tokenizer_config.json").string(), opt.tokenizer_config->dump(2) + "\n");
    json gen = opt.generation_config.value_or(json{{"_from_model_config", true}});
    if (!opt.generation_config) {
      if (config.bos_token_id >= 0) gen["bos_token_id"] = config.bos_token_id;
      if (config.eos_token_id >= 0) gen["eos_token_id"] = config.eos_token_id;
    }
    write_file_atomic((tmp / "generation_config.json").string(), gen.dump(2) + "\n");
    fsync_dir(tmp);
    swap_into_place(tmp, dir);
    fsync_dir(dir.has_parent_path() ? dir.parent_path() : fs::path("."));
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
}

std::vector<std::pair<std::string, std::string>> mtp_shared_copies(const model::ModelConfig& c) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!c.deepseek_v3) return out;
  const std::string head = c.tie_word_embeddings ? "model.embed_tokens.weight" : "lm_head.weight";
  for (int64_t k = 0; k < c.deepseek_v3->num_nextn_predict_layers; ++k) {
    const std::string layer = "model.layers." + std::to_string(c.num_hidden_layers + k) + ".";
    out.emplace_back(layer + "embed_tokens.weight", "model.embed_tokens.weight");
    out.emplace_back(layer + "shared_head.head.weight", head);
  }
  return out;
}

Checkpoint load_checkpoint_tensors(const std::string& dir, std::optional<at::ScalarType> dtype) {
  Checkpoint ck;
  const fs::path d(dir);
  const std::string config_path = (d / "config.json").string();
  ck.config = load_hf_config(config_path);
  ck.tokenizer_config = read_json_if_exists(d / "tokenizer_config.json");
  ck.generation_config = read_json_if_exists(d / "generation_config.json");
  if (fs::exists(d / "tokenizer.json")) ck.tokenizer_path = (d / "tokenizer.json").string();

  ck.mapped = open_safetensors(dir);
  const MappedTensors& mapped = ck.mapped;
  const int64_t block = fp8_block_size(ck.config, config_path);
  LoadOptions opt{dtype};
  bool dequantized = false;
  std::set<std::string> copies;  // not read at all (2 x 1.8 GB in DeepSeek-V3)
  for (const auto& [copy, original] : mtp_shared_copies(ck.config)) copies.insert(copy);
  auto is_fp8 = [&](const std::string& name) {
    auto it = mapped.file_of.find(name);
    return it != mapped.file_of.end() && it->second->info(name).dtype == DType::F8_E4M3;
  };
  for (const auto& [name, file] : mapped.file_of) {
    const bool scale_of_copy = ends_with(name, kScaleSuffix) &&
                               copies.count(name.substr(0, name.size() - std::strlen(kScaleSuffix)));
    if (copies.count(name) || scale_of_copy) continue;
    if (ends_with(name, kScaleSuffix) && is_fp8(name.substr(0, name.size() - std::strlen(kScaleSuffix))))
      continue;  // consumed by its weight
    auto scale = mapped.file_of.find(name + kScaleSuffix);
    // Unscaled FP8 values are not the weights (DeepSeek-V3 stores W / scale per 128 x 128 block):
    // loading them without their scales would give a model that runs and outputs garbage.
    check(!is_fp8(name) || scale != mapped.file_of.end(), file->path() + ": tensor '" + name + "'",
          "is FP8 (F8_E4M3) but its block scales '" + name + kScaleSuffix +
              "' are in no file of the checkpoint; an FP8 weight cannot be used without them");
    if (is_fp8(name)) {
      const TensorInfo& info = file->info(name);
      at::Tensor bytes = at::from_blob(const_cast<uint8_t*>(file->bytes(info)), info.shape, at::kByte);
      at::Tensor s = scale->second->tensor(scale->first, {at::kFloat});
      at::Tensor w = dequantize_fp8_blocks(bytes, s, file->path() + ": tensor '" + name + "'", block);
      ck.tensors.emplace(name, dtype ? w.to(*dtype) : w);
      dequantized = true;
      continue;
    }
    ck.tensors.emplace(name, file->tensor(name, opt));
  }
  if (dequantized) ck.config.extra.erase("quantization_config");
  return ck;
}

TensorMap named_tensors_of(const torch::nn::Module& m) {
  TensorMap out;
  std::vector<at::Tensor> kept;
  for (auto& [name, t] : checkpoint_entries(m)) {
    if (!t.defined()) continue;
    auto aliases = [&](const at::Tensor& k) {
      return t.is_same(k) || (t.numel() > 0 && t.data_ptr() == k.data_ptr() && t.sizes() == k.sizes());
    };
    if (std::any_of(kept.begin(), kept.end(), aliases)) continue;
    kept.push_back(t);
    out.emplace(name, t.detach());
  }
  return out;
}

LoadReport load_into(torch::nn::Module& m, const TensorMap& tensors, bool strict, bool tie_word_embeddings) {
  torch::NoGradGuard no_grad;
  static const std::string kHead = "lm_head.weight", kEmbed = "model.embed_tokens.weight";
  LoadReport rep;
  std::map<std::string, at::Tensor> targets;
  for (auto& [name, t] : checkpoint_entries(m)) targets.emplace(name, t);

  std::vector<std::string> shape_errors;
  for (auto& [name, dst] : targets) {
    auto it = tensors.find(name);
    const at::Tensor* src = it != tensors.end() ? &it->second : nullptr;
    if (!src && tie_word_embeddings && name == kHead && tensors.count(kEmbed)) {
      auto embed = targets.find(kEmbed);
      if (embed != targets.end() && embed->second.data_ptr() == dst.data_ptr()) continue;  // shared storage
      src = &tensors.at(kEmbed);
    }
    if (!src) {
      rep.missing.push_back(name);
      continue;
    }
    if (src->sizes() != dst.sizes()) {
      shape_errors.push_back("tensor '" + name + "': checkpoint has shape " + shape_str(src->sizes()) +
                             ", model has " + shape_str(dst.sizes()));
      continue;
    }
    dst.copy_(*src);
    rep.loaded.push_back(name);
  }
  for (const auto& [name, t] : tensors)
    if (!targets.count(name) && !(tie_word_embeddings && name == kHead)) rep.unexpected.push_back(name);

  if (!shape_errors.empty()) {
    std::string what;
    for (const auto& e : shape_errors) what += (what.empty() ? "" : "; ") + e;
    throw Error("load_into", "shape mismatch: " + what);
  }
  if (strict && (!rep.missing.empty() || !rep.unexpected.empty())) {
    std::string what;
    auto list = [&](const char* label, const std::vector<std::string>& names) {
      if (names.empty()) return;
      what += std::string(what.empty() ? "" : "; ") + label + " (" + std::to_string(names.size()) + "):";
      for (const auto& n : names) what += " " + n;
    };
    list("missing from checkpoint", rep.missing);
    list("unexpected in checkpoint", rep.unexpected);
    throw Error("load_into", what);
  }
  return rep;
}

}  // namespace r1::io

#include "dist/sharded_adamw.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <regex>
#include <set>
#include <type_traits>

#include "core/error.h"
#include "core/files.h"

namespace r1::dist {
namespace {

// libtorch 1.13 keys optimizer state by the TensorImpl address as a string, 2.x by the address.
template <typename Map>
auto state_key(const Map&, const at::Tensor& p) {
  using Key = typename std::decay_t<Map>::key_type;
  if constexpr (std::is_same_v<Key, std::string>)
    return c10::guts::to_string(p.unsafeGetTensorImpl());
  else
    return static_cast<Key>(p.unsafeGetTensorImpl());
}

}  // namespace

io::TensorMap adamw_state(const torch::optim::AdamW& opt, const NamedTensors& params) {
  io::TensorMap out;
  const auto& state = opt.state();
  for (const auto& [name, p] : params) {
    auto it = state.find(state_key(state, p));
    if (it == state.end()) continue;  // no step taken yet
    const auto& s = static_cast<const torch::optim::AdamWParamState&>(*it->second);
    // Copies: the optimizer updates its state in place at the next step.
    out[name + ".exp_avg"] = s.exp_avg().detach().cpu().clone();
    out[name + ".exp_avg_sq"] = s.exp_avg_sq().detach().cpu().clone();
    out[name + ".step"] = torch::tensor({s.step()}, torch::kLong);
  }
  return out;
}

void load_adamw_state(torch::optim::AdamW& opt, const NamedTensors& params, const io::TensorMap& full,
                      const std::string& where) {
  auto& state = opt.state();
  for (const auto& [name, p] : params) {
    auto a = full.find(name + ".exp_avg"), b = full.find(name + ".exp_avg_sq"), c = full.find(name + ".step");
    const int present = (a != full.end()) + (b != full.end()) + (c != full.end());
    if (present == 0) continue;  // never stepped (no gradient yet): AdamW starts its state at the first step
    check(present == 3, where, "AdamW state of parameter " + name + " is incomplete (needs exp_avg, exp_avg_sq, step)");
    check(a->second.sizes() == p.sizes() && b->second.sizes() == p.sizes(), where,
          "AdamW state of " + name + " has the wrong shape");
    auto s = std::make_unique<torch::optim::AdamWParamState>();
    s->step(c->second.item<int64_t>());
    s->exp_avg(a->second.to(p.device(), p.scalar_type()).clone());
    s->exp_avg_sq(b->second.to(p.device(), p.scalar_type()).clone());
    state[state_key(state, p)] = std::move(s);
  }
}

std::vector<int> partition_parameters(const std::vector<int64_t>& numels, int world_size) {
  std::vector<size_t> by_size(numels.size());
  std::iota(by_size.begin(), by_size.end(), size_t{0});
  std::stable_sort(by_size.begin(), by_size.end(), [&](size_t a, size_t b) { return numels[a] > numels[b]; });
  std::vector<int64_t> load(world_size, 0);
  std::vector<int> owner(numels.size(), 0);
  for (size_t i : by_size) {
    const int r = static_cast<int>(std::min_element(load.begin(), load.end()) - load.begin());
    owner[i] = r;
    load[r] += numels[i];
  }
  return owner;
}

ShardedAdamW::ShardedAdamW(Runtime& rt, NamedTensors params, const torch::optim::AdamWOptions& options)
    : rt_(rt), params_(std::move(params)) {
  check(!options.amsgrad(), "ShardedAdamW", "amsgrad is not supported");
  std::vector<int64_t> numels;
  for (const auto& [name, p] : params_) numels.push_back(p.numel());
  owner_ = partition_parameters(numels, rt_.world_size());
  owned_by_.resize(rt_.world_size());
  for (size_t i = 0; i < params_.size(); ++i) {
    owned_by_[owner_[i]].push_back(params_[i].second);
    if (owner_[i] == rt_.rank()) mine_.push_back(params_[i]);
  }
  if (!owned_by_[rt_.rank()].empty())
    local_ = std::make_unique<torch::optim::AdamW>(owned_by_[rt_.rank()], options);
}

int64_t ShardedAdamW::local_numel() const {
  int64_t n = 0;
  for (const auto& p : owned_by_[rt_.rank()]) n += p.numel();
  return n;
}

void ShardedAdamW::step() {
  if (local_) local_->step();
  // Every rank issues the same broadcasts, in rank order, each from the parameters' owner.
  for (int r = 0; r < rt_.world_size(); ++r)
    if (!owned_by_[r].empty()) rt_.broadcast_bucketed(owned_by_[r], r, "parameters updated by rank " + std::to_string(r));
}

void ShardedAdamW::zero_grad() {
  for (auto& [name, p] : params_) p.mutable_grad() = at::Tensor();
}

void ShardedAdamW::set_lr(double lr) {
  if (!local_) return;
  for (auto& group : local_->param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
}

io::TensorMap ShardedAdamW::shard_state() const { return local_ ? adamw_state(*local_, mine_) : io::TensorMap{}; }

io::TensorMap ShardedAdamW::full_state() {
  const io::TensorMap mine = shard_state();
  // Which parameters have state (stepped at least once) and their step counts, from their owners.
  std::vector<double> steps(params_.size(), 0.0);
  for (size_t i = 0; i < params_.size(); ++i) {
    auto it = mine.find(params_[i].first + ".step");
    if (it != mine.end()) steps[i] = static_cast<double>(it->second.item<int64_t>());
  }
  steps = rt_.all_reduce_scalars(steps, Reduce::sum, "optimizer step counts");
  io::TensorMap full;
  for (int r = 0; r < rt_.world_size(); ++r) {
    std::vector<at::Tensor> moments;  // exp_avg, exp_avg_sq of rank r's stepped parameters, in model order
    std::vector<std::string> keys;
    for (size_t i = 0; i < params_.size(); ++i) {
      if (owner_[i] != r || steps[i] == 0) continue;
      const auto& [name, p] = params_[i];
      for (const char* k : {".exp_avg", ".exp_avg_sq"}) {
        auto it = mine.find(name + k);
        moments.push_back(it != mine.end() ? it->second : at::empty(p.sizes(), p.options().device(at::kCPU)));
        keys.push_back(name + k);
      }
    }
    if (moments.empty()) continue;
    rt_.broadcast_bucketed(moments, r, "optimizer state of rank " + std::to_string(r));
    for (size_t k = 0; k < keys.size(); ++k) full[keys[k]] = moments[k];
  }
  for (size_t i = 0; i < params_.size(); ++i)
    if (steps[i] > 0) full[params_[i].first + ".step"] = torch::tensor({static_cast<int64_t>(steps[i])}, torch::kLong);
  return full;
}

void ShardedAdamW::load_state(const io::TensorMap& full, const std::string& where) {
  // State for a parameter this model does not have means the checkpoint is another model's.
  std::set<std::string> names;
  for (const auto& [name, p] : params_) names.insert(name);
  for (const auto& [key, t] : full) {
    const std::string param = key.substr(0, key.rfind('.'));
    check(names.count(param), where, "holds optimizer state " + key + " for a parameter this model does not have");
  }
  if (local_) load_adamw_state(*local_, mine_, full, where);
}

std::string optimizer_shard_name(int rank, int world_size) {
  char name[64];
  std::snprintf(name, sizeof name, "optimizer-%05d-of-%05d.safetensors", rank + 1, world_size);
  return name;
}

void ShardedAdamW::save_shard(const std::string& dir) const {
  make_dirs(dir);
  io::save_safetensors(dir + "/" + optimizer_shard_name(rt_.rank(), rt_.world_size()), shard_state());
}

io::TensorMap load_optimizer_state(const std::string& dir) {
  namespace fs = std::filesystem;
  const std::string single = dir + "/optimizer.safetensors";
  if (path_exists(single)) return io::load_safetensors(single);
  const std::regex shard_re(R"(optimizer-(\d{5})-of-(\d{5})\.safetensors)");
  std::map<int, std::string> shards;
  int world = 0;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir)) {
      std::smatch m;
      const std::string f = e.path().filename().string();
      if (!std::regex_match(f, m, shard_re)) continue;
      const int w = std::stoi(m[2]);
      check(world == 0 || w == world, dir, "holds optimizer shards of two world sizes (" + std::to_string(world) +
                                               " and " + std::to_string(w) + ")");
      world = w;
      shards[std::stoi(m[1])] = e.path().string();
    }
  check(world > 0, dir, "has neither optimizer.safetensors nor optimizer-*-of-*.safetensors shards");
  io::TensorMap all;
  for (int r = 1; r <= world; ++r) {
    auto it = shards.find(r);
    check(it != shards.end(), dir, "optimizer shard " + optimizer_shard_name(r - 1, world) + " is missing");
    for (auto& [key, t] : io::load_safetensors(it->second)) {
      check(!all.count(key), it->second, "holds " + key + ", which another shard holds too");
      all[key] = t;
    }
  }
  return all;
}

}  // namespace r1::dist

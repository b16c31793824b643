// The linear layer every projection goes through (q/k/v/o, MLA's projections, gate/up/down, the
// experts, lm_head), so inference-only layers plug in without touching the architecture files.
//
//   LinearLayer        the interface: y = x W^T + b for x [..., in] -> [..., out]
//   DenseLinearImpl    the plain layer: fp parameters "weight" [out, in] and "bias" [out] (HF names),
//                      what training uses and what every model is built with
//   ProjectionOwner    base of every module that owns projections: it registers them under their
//                      Hugging Face names and lets a freeze step enumerate and replace them
//   ProjectionGroup    projections of the same input (q/k/v; gate/up) that an architecture always
//                      calls together, so one fused matmul may serve them
//
// How an inference-only layer plugs in (a "freeze for inference" step, run once after loading and
// moving the model to its device; the model is then for inference only, never saved or trained):
//
//  * Quantized weights (Q8_0 / Q4_0 blocks, fp32 activations): a class deriving from LinearLayer
//    that holds its packed blocks and implements forward() with its kernel and dense_weight() by
//    dequantizing. The step calls
//        replace_projections(model, [](const std::string& name, const LinearLayer& dense) -> LinearPtr {
//          return std::make_shared<Q8Linear>(quantize_q8_0(dense.dense_weight()), dense.dense_bias());
//        });
//    which swaps each projection in place (registration and member alike; returning nullptr keeps a
//    layer). A tied output head has no projection of its own: CausalLM declares an unregistered
//    "lm_head" slot for it, so `model.replace_projection("lm_head", quantized_head)` gives a tied
//    model a quantized head while model.embed_tokens keeps its own storage.
//
//  * Fused projections (QKV in one matmul, gate+up in one): for each group of
//    for_each_projection_group(model, ...), build one layer whose weight is the members' weights
//    concatenated along `out` (and biases likewise, zeros where a member has none) and call
//    group.set_fused(layer). The group then runs that layer once and splits its output [..., sum out]
//    back into the members' outputs, in member order. To avoid holding the weights twice, the
//    members' parameters can afterwards be re-pointed at slices of the fused weight
//    (param.set_data(fused.narrow(0, offset, out))). A fused layer may itself be quantized.
//
// MLA's absorbed path reads kv_b_proj through dense_weight(), so it works on either kind of layer.
#pragma once
#include <torch/nn/module.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace r1::model {

class LinearLayer : public torch::nn::Module {
 public:
  LinearLayer(int64_t in_features, int64_t out_features) : in_(in_features), out_(out_features) {}
  // x [..., in] -> [..., out]
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  // W [out, in] in a floating dtype (dequantized for a quantized layer), for code that needs the
  // matrix itself: MLA's absorbed attention, fusion, quantization.
  virtual torch::Tensor dense_weight() const = 0;
  // b [out], or undefined when the layer has no bias.
  virtual torch::Tensor dense_bias() const = 0;
  int64_t in_features() const { return in_; }
  int64_t out_features() const { return out_; }

 private:
  int64_t in_, out_;
};
using LinearPtr = std::shared_ptr<LinearLayer>;

// The plain fp layer (torch::nn::Linear's math), parameters initialised as torch::nn::Linear does
// (unless a SkipWeightInit is alive).
class DenseLinearImpl : public LinearLayer {
 public:
  DenseLinearImpl(int64_t in_features, int64_t out_features, bool bias);
  torch::Tensor forward(const torch::Tensor& x) override;
  torch::Tensor dense_weight() const override { return weight; }
  torch::Tensor dense_bias() const override { return bias; }

  torch::Tensor weight;  // [out, in]
  torch::Tensor bias;    // [out] or undefined
};

// While one is alive on this thread, new DenseLinear layers and CausalLM embedding tables leave
// their weights uninitialised (torch::empty: the pages are never touched, so never resident). For a
// loader that replaces or overwrites every weight right after building the model
// (io/inference_load.h): a 7B model's 28 GB of fp32 projections then never exist in memory.
class SkipWeightInit {
 public:
  SkipWeightInit();
  ~SkipWeightInit();
  SkipWeightInit(const SkipWeightInit&) = delete;
  SkipWeightInit& operator=(const SkipWeightInit&) = delete;
  static bool active();

 private:
  bool previous_;
};

// Projections of one input, called together: group(x) returns one output per member, in member
// order. Plain: each member's forward; fused (set_fused): one layer's output split along the last dim.
// The fused layer serves inference only: under autograd (GradMode on) the members run, so that their
// parameters get the gradients (with fuse_projections they read the same storage, so both agree).
class ProjectionGroup {
 public:
  ProjectionGroup(std::string name, std::vector<LinearPtr*> members) : name_(std::move(name)), members_(std::move(members)) {}
  std::vector<torch::Tensor> operator()(const torch::Tensor& x) const;
  // The group's name within its owner ("qkv_proj", "gate_up_proj", as vLLM names the fused layers).
  const std::string& name() const { return name_; }
  // The members' current layers.
  std::vector<LinearPtr> members() const;
  // A layer whose output is the members' outputs concatenated along the last dim; null: unfused.
  void set_fused(LinearPtr fused);
  const LinearPtr& fused() const { return fused_; }
  bool has_member(const LinearPtr* slot) const;

 private:
  std::string name_;
  std::vector<LinearPtr*> members_;  // slots of the owning module, so replacements stay visible
  LinearPtr fused_;
};

class ProjectionOwner : public torch::nn::Module {
 public:
  // (name, slot) of the projections this module owns directly (not those of its children).
  struct Projection {
    std::string name;
    LinearPtr* slot;
  };
  const std::vector<Projection>& projections() const { return projections_; }
  const std::vector<ProjectionGroup*>& projection_groups() const { return groups_; }
  // Puts `layer` in the slot called `name`, registering it as that submodule (replacing the old one,
  // or registering it for the first time for a slot declared unregistered). An r1::Error names the
  // slot when this module has none of that name or the shapes differ.
  void replace_projection(const std::string& name, LinearPtr layer);

 protected:
  // A new DenseLinear [in -> out] in `slot`, registered as `name`; register_now false declares the
  // slot without a layer (CausalLM's head when embeddings are tied).
  void add_projection(const std::string& name, LinearPtr& slot, int64_t in, int64_t out, bool bias,
                      bool register_now = true);
  // Declares members (slots of this module, in output order) as one group; the group object lives in
  // the owner as a member and must outlive nothing but the owner.
  void add_projection_group(ProjectionGroup& group);

 private:
  std::vector<Projection> projections_;
  std::vector<ProjectionGroup*> groups_;
};

// For every projection under `root` (its full dotted name, e.g. "model.layers.0.self_attn.q_proj",
// and its current layer) calls `make`; a non-null result replaces that layer. Returns how many were
// replaced.
using LinearReplacer = std::function<LinearPtr(const std::string& name, const LinearLayer& layer)>;
int64_t replace_projections(torch::nn::Module& root, const LinearReplacer& make);

// Calls `visit` with every projection group under `root` and its owner's dotted name.
void for_each_projection_group(torch::nn::Module& root,
                               const std::function<void(const std::string& owner, ProjectionGroup& group)>& visit);

// Fuses every group under `root` whose members are all plain DenseLinear (QKV, gate+up, MLA's first
// projections) into one DenseLinear holding the members' weights concatenated along `out` (biases
// likewise, zeros for a member without one). The members' parameters are re-pointed at slices of
// the fused weight, so training, the optimizer and checkpoint loading (all in place) keep both in
// step, and named_parameters() is unchanged (the fused layer is not a registered submodule). Run it
// after moving the model to its device and dtype; a group already fused is left alone, and a member
// replaced later (replace_projection) unfuses its group. Returns how many groups it fused.
int64_t fuse_projections(torch::nn::Module& root);
// Drops every group's fused layer (members keep their current weights). Returns how many.
int64_t unfuse_projections(torch::nn::Module& root);

}  // namespace r1::model

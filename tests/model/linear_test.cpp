// The pluggable linear layer (model/linear.h): inference-only layers with other storage and fused
// projection groups plug into both architectures without touching them, and give the plain model's
// logits. The stand-ins here (a transposed-storage layer, a concatenated-weight fusion) play the
// parts the quantized and fused layers will, and the plain DenseLinear is the reference.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>

#include "common/tiny_model.h"
#include "core/error.h"
#include "model/causal_lm.h"
#include "model/linear.h"
#include "model/mla.h"

using namespace r1::model;

namespace {

// Holds W^T [in, out] (a buffer, not a parameter), as a quantized layer holds packed blocks.
class TransposedLinear : public LinearLayer {
 public:
  explicit TransposedLinear(const LinearLayer& dense) : LinearLayer(dense.in_features(), dense.out_features()) {
    wt_ = register_buffer("wt", dense.dense_weight().detach().t().contiguous());
    if (dense.dense_bias().defined()) b_ = register_buffer("b", dense.dense_bias().detach().clone());
  }
  torch::Tensor forward(const torch::Tensor& x) override {
    auto y = torch::matmul(x, wt_);
    return b_.defined() ? y + b_ : y;
  }
  torch::Tensor dense_weight() const override { return wt_.t(); }
  torch::Tensor dense_bias() const override { return b_; }

 private:
  torch::Tensor wt_, b_;
};

// One DenseLinear whose weight is the members' stacked along `out` (zero bias where one has none).
LinearPtr fuse(const std::vector<LinearPtr>& members) {
  std::vector<torch::Tensor> w, b;
  bool any_bias = false;
  for (const auto& m : members) any_bias = any_bias || m->dense_bias().defined();
  for (const auto& m : members) {
    w.push_back(m->dense_weight().detach());
    if (any_bias) b.push_back(m->dense_bias().defined() ? m->dense_bias().detach() : torch::zeros({m->out_features()}));
  }
  auto weight = torch::cat(w, 0);
  auto fused = std::make_shared<DenseLinearImpl>(weight.size(1), weight.size(0), any_bias);
  torch::NoGradGuard ng;
  fused->weight.copy_(weight);
  if (any_bias) fused->bias.copy_(torch::cat(b, 0));
  return fused;
}

std::map<std::string, ModelConfig> configs() {
  auto tied = r1::test::micro_qwen2(41);
  tied.tie_word_embeddings = true;
  return {{"qwen2", r1::test::micro_qwen2(41)}, {"qwen2_tied", tied}, {"deepseek_v3", r1::test::micro_deepseek_v3(41)}};
}

}  // namespace

TEST(PluggableLinear, EveryProjectionIsALinearLayerUnderItsHuggingFaceName) {
  CausalLM m(r1::test::micro_deepseek_v3(41));
  std::vector<std::string> names;
  replace_projections(*m, [&](const std::string& name, const LinearLayer&) -> LinearPtr {
    names.push_back(name);
    return nullptr;
  });
  auto params = m->named_parameters();
  for (const auto& n : names) EXPECT_TRUE(params.contains(n + ".weight")) << n;
  for (const char* n : {"model.layers.0.self_attn.q_a_proj", "model.layers.0.self_attn.kv_b_proj",
                        "model.layers.0.mlp.gate_proj", "model.layers.1.mlp.experts.3.down_proj",
                        "model.layers.1.mlp.shared_experts.up_proj", "model.layers.2.eh_proj", "lm_head"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  // Every 2-D parameter except the embedding and the router is a projection's weight.
  int64_t matrices = 0;
  for (const auto& p : params)
    if (p.value().dim() == 2 && p.key() != "model.embed_tokens.weight" && p.key().find("mlp.gate.weight") == std::string::npos)
      ++matrices;
  EXPECT_EQ(static_cast<int64_t>(names.size()), matrices);
}

TEST(PluggableLinear, ReplacedLayersGiveThePlainLogits) {
  for (auto [name, cfg] : configs()) {
    CausalLM m(cfg);
    init_weights(*m, 3);
    torch::NoGradGuard ng;
    auto ids = torch::randint(0, cfg.vocab_size, {2, 7}, torch::kInt64);
    auto plain = m->forward(ids);
    const int64_t replaced = replace_projections(*m, [](const std::string&, const LinearLayer& dense) -> LinearPtr {
      return std::make_shared<TransposedLinear>(dense);
    });
    EXPECT_GT(replaced, 0);
    // None of the swapped layers keeps a parameter: the model now runs on the replacements alone.
    for (const auto& p : m->named_parameters())
      EXPECT_TRUE(p.key().find("proj") == std::string::npos && p.key().find("lm_head") == std::string::npos)
          << name << ": " << p.key() << " is still a parameter";
    EXPECT_TRUE(torch::allclose(m->forward(ids), plain, 1e-5, 1e-5)) << name;
    EXPECT_THROW(clone_model(*m), r1::Error) << name;  // the weights now live outside the parameters
    set_mla_path(*m, MLAPath::absorbed);  // reads kv_b_proj through dense_weight()
    EXPECT_TRUE(torch::allclose(m->forward(ids), plain, 1e-4, 1e-4)) << name << " absorbed";
  }
}

TEST(PluggableLinear, FusedGroupsGiveThePlainLogits) {
  for (auto [name, cfg] : configs()) {
    CausalLM m(cfg);
    init_weights(*m, 4);
    torch::NoGradGuard ng;
    auto ids = torch::randint(0, cfg.vocab_size, {2, 7}, torch::kInt64);
    auto plain = m->forward(ids);
    std::map<std::string, int> groups;
    for_each_projection_group(*m, [&](const std::string&, ProjectionGroup& g) {
      ++groups[g.name()];
      g.set_fused(fuse(g.members()));
    });
    if (cfg.deepseek_v3) {
      EXPECT_EQ(groups["q_kv_a_proj"], 3);  // two layers and the MTP module
      EXPECT_EQ(groups["gate_up_proj"], 1 + 2 * (4 + 1));  // the dense layer; 4 experts + shared, twice
    } else {
      EXPECT_EQ(groups["qkv_proj"], cfg.num_hidden_layers);
      EXPECT_EQ(groups["gate_up_proj"], cfg.num_hidden_layers);
    }
    EXPECT_TRUE(torch::allclose(m->forward(ids), plain, 1e-5, 1e-5)) << name;
  }
}

TEST(PluggableLinear, ATiedHeadCanBeGivenItsOwnLayer) {
  auto cfg = configs()["qwen2_tied"];
  CausalLM m(cfg);
  init_weights(*m, 5);
  torch::NoGradGuard ng;
  auto ids = torch::randint(0, cfg.vocab_size, {1, 6}, torch::kInt64);
  auto plain = m->forward(ids);
  EXPECT_EQ(m->lm_head, nullptr);
  DenseLinearImpl head(cfg.hidden_size, cfg.vocab_size, false);
  head.weight.copy_(m->model->embed_tokens->weight);
  m->replace_projection("lm_head", std::make_shared<TransposedLinear>(head));
  ASSERT_NE(m->lm_head, nullptr);
  EXPECT_TRUE(m->named_buffers().contains("lm_head.wt"));
  EXPECT_TRUE(torch::allclose(m->forward(ids), plain, 1e-5, 1e-5));
}

TEST(PluggableLinear, MismatchedReplacementsAreErrorsNamingTheProjection) {
  CausalLM m(r1::test::micro_qwen2(41));
  auto children = m->model->layers[0]->named_children();
  auto* owner = dynamic_cast<ProjectionOwner*>(children["self_attn"].get());
  ASSERT_NE(owner, nullptr);
  try {
    owner->replace_projection("q_proj", std::make_shared<DenseLinearImpl>(3, 5, false));
    FAIL() << "a 3 -> 5 layer replaced q_proj";
  } catch (const r1::Error& e) {
    EXPECT_NE(std::string(e.what()).find("q_proj"), std::string::npos) << e.what();
  }
  EXPECT_THROW(owner->replace_projection("nope_proj", std::make_shared<DenseLinearImpl>(16, 16, false)), r1::Error);
  ProjectionGroup* group = owner->projection_groups().at(0);
  EXPECT_THROW(group->set_fused(std::make_shared<DenseLinearImpl>(16, 7, false)), r1::Error);
}

TEST(PluggableLinear, FuseProjectionsSharesStorageWithTheParameters) {
  for (auto [name, cfg] : configs()) {
    CausalLM m(cfg);
    init_weights(*m, 6);
    auto ids = torch::randint(0, cfg.vocab_size, {2, 5}, torch::kInt64);
    torch::Tensor plain;
    {
      torch::NoGradGuard ng;
      plain = m->forward(ids);
    }
    const auto names_before = m->named_parameters().keys();
    const int64_t fused = fuse_projections(*m);
    EXPECT_GT(fused, 0) << name;
    EXPECT_EQ(fuse_projections(*m), 0) << name;        // already fused
    EXPECT_EQ(m->named_parameters().keys(), names_before) << name;  // no new parameters, nothing renamed
    {
      torch::NoGradGuard ng;
      EXPECT_TRUE(torch::allclose(m->forward(ids), plain, 1e-5, 1e-5)) << name << " fused";
    }
    // Under autograd the members run and get the gradients; an in-place update of a member (what an
    // optimizer step does) is what the fused layer computes with afterwards.
    m->forward(ids).pow(2).mean().backward();
    auto params = m->named_parameters();
    const std::string member = cfg.deepseek_v3 ? "model.layers.0.mlp.up_proj.weight" : "model.layers.0.self_attn.k_proj.weight";
    ASSERT_TRUE(params[member].grad().defined()) << name;
    EXPECT_GT(params[member].grad().abs().sum().item<double>(), 0.0) << name;
    {
      torch::NoGradGuard ng;
      params[member].add_(params[member].grad(), -10.0);
      auto updated_fused = m->forward(ids);
      torch::GradMode::set_enabled(true);
      auto updated_members = m->forward(ids).detach();
      torch::GradMode::set_enabled(false);
      EXPECT_FALSE(torch::allclose(updated_fused, plain, 1e-3, 1e-3)) << name;
      EXPECT_TRUE(torch::allclose(updated_fused, updated_members, 1e-5, 1e-5)) << name;
    }
    // A member replaced later drops its group's fused layer (it would hold the old weights).
    auto* attn = dynamic_cast<ProjectionOwner*>(m->model->layers[0]->named_children()["self_attn"].get());
    ASSERT_NE(attn, nullptr);
    auto* group = attn->projection_groups().at(0);
    ASSERT_NE(group->fused(), nullptr);
    const auto first = attn->projections().at(0);
    attn->replace_projection(first.name, std::make_shared<TransposedLinear>(**first.slot));
    EXPECT_EQ(group->fused(), nullptr) << name;
  }
}

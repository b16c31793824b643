// Checkpoint directories: save -> load into a fresh model gives identical logits; tied embeddings;
// FP8 block-scaled weights dequantized on load; a save that fails midway leaves the old checkpoint.
#include "io/checkpoint.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>

#include "core/error.h"
#include "io/fp8.h"
#include "io/hf_config.h"
#include "io/io_test_util.h"
#include "model/model_config_schema.h"
#include "io/model_dir.h"
#include "io/safetensors.h"
#include "model/causal_lm.h"
#include "model/presets.h"
#include "text/tokenizer.h"

namespace r1::io {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::ScratchDir;

model::ModelConfig tiny_qwen(bool tied) {
  model::ModelConfig c = model::tiny_qwen2(512);  // C 128, 4 heads / 2 KV heads
  c.num_hidden_layers = 2;
  c.tie_word_embeddings = tied;
  c.bos_token_id = 1;
  c.eos_token_id = 2;
  return c;
}

void expect_same_parameters(const torch::nn::Module& a, const torch::nn::Module& b) {
  auto pa = a.named_parameters(true), pb = b.named_parameters(true);
  ASSERT_EQ(pa.size(), pb.size());
  for (const auto& p : pa) EXPECT_TRUE(torch::equal(p.value(), pb[p.key()])) << p.key();
}

TEST(Checkpoint, SaveLoadIntoFreshModelGivesSameLogits) {
  ScratchDir dir;
  const model::ModelConfig cfg = tiny_qwen(/*tied=*/false);
  model::CausalLM a(cfg), b(cfg);
  model::init_weights(*a, 1);
  model::init_weights(*b, 2);
  const TensorMap tensors = named_tensors_of(*a);
  EXPECT_TRUE(tensors.count("lm_head.weight"));
  EXPECT_TRUE(tensors.count("model.layers.1.self_attn.q_proj.bias"));

  text::Tokenizer tok = testing::tiny_tokenizer();
  CheckpointSaveOptions opt;
  opt.tokenizer = &tok;
  opt.tokenizer_config = json{{"chat_template", "{{ '<|im_start|>' }}"}, {"model_max_length", 16384}};
  opt.max_shard_bytes = 200'000;  // several shards
  const std::string ck = dir / "ckpt";
  save_checkpoint(ck, cfg, tensors, opt);
  for (const char* f : {"config.json", "model.safetensors.index.json", "tokenizer.json", "tokenizer_config.json",
                        "generation_config.json"})
    EXPECT_TRUE(fs::exists(fs::path(ck) / f)) << f;
  const ShardLayout layout = shard_layout(ck);
  EXPECT_GT(layout.files.size(), 3u);
  for (const auto& f : layout.files) EXPECT_TRUE(fs::exists(f)) << f;
  EXPECT_FALSE(fs::exists(fs::path(ck) / "model.safetensors"));

  Checkpoint loaded = load_checkpoint_tensors(ck, at::kFloat);
  EXPECT_EQ(schema::to_json(loaded.config), schema::to_json(cfg));
  EXPECT_EQ(loaded.config.eos_token_id, cfg.eos_token_id);
  EXPECT_EQ(loaded.tokenizer_config->at("model_max_length"), 16384);
  EXPECT_EQ(loaded.generation_config->at("eos_token_id"), 2);
  EXPECT_EQ(text::Tokenizer::from_file(loaded.tokenizer_path).encode("ab"), tok.encode("ab"));

  LoadReport rep = load_into(*b, loaded.tensors);
  EXPECT_TRUE(rep.missing.empty());
  EXPECT_TRUE(rep.unexpected.empty());
  expect_same_parameters(*a, *b);
  at::Tensor ids = torch::randint(0, cfg.vocab_size, {2, 7});
  torch::NoGradGuard ng;
  EXPECT_TRUE(torch::equal(a->forward(ids), b->forward(ids)));
}

TEST(Checkpoint, Bf16CheckpointLoadsIntoFloatModel) {
  ScratchDir dir;
  const model::ModelConfig cfg = tiny_qwen(true);
  model::CausalLM a(cfg), b(cfg);
  model::init_weights(*a, 3);
  TensorMap bf16;
  for (const auto& [n, t] : named_tensors_of(*a)) bf16[n] = t.to(at::kBFloat16);
  save_checkpoint(dir / "ck", cfg, bf16);
  Checkpoint loaded = load_checkpoint_tensors(dir / "ck");  // stored dtype kept
  EXPECT_EQ(loaded.tensors.at("model.norm.weight").scalar_type(), at::kBFloat16);
  load_into(*b, loaded.tensors, true, cfg.tie_word_embeddings);
  for (const auto& p : b->named_parameters())
    EXPECT_TRUE(torch::equal(p.value(), bf16.at(p.key()).to(at::kFloat))) << p.key();
}

// A module whose head shares the embedding tensor, as tied models are built.
struct TiedNet : torch::nn::Module {
  TiedNet() {
    embed = register_module("embed_tokens", torch::nn::Embedding(10, 4));
    head = register_module("lm_head", torch::nn::Linear(torch::nn::LinearOptions(4, 10).bias(false)));
    head->weight = embed->weight;  // alias
    head->named_parameters()["weight"].set_data(embed->weight);
    rot = register_buffer("inv_freq", torch::ones({2}));
    scratch = register_buffer("_scratch", torch::ones({2}));
    counts = register_buffer("counts", torch::zeros({3}));
  }
  torch::nn::Embedding embed{nullptr};
  torch::nn::Linear head{nullptr};
  at::Tensor rot, scratch, counts;
};

TEST(Checkpoint, NamedTensorsSkipAliasesAndScratchBuffers) {
  TiedNet net;
  TensorMap t = named_tensors_of(net);
  std::vector<std::string> names;
  for (const auto& [n, v] : t) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"counts", "embed_tokens.weight"}));
}

TEST(Checkpoint, TiedHeadFilledFromEmbeddingWhenAbsent) {
  model::ModelConfig cfg = tiny_qwen(false);  // a separate lm_head parameter
  model::CausalLM m(cfg);
  model::init_weights(*m, 4);
  TensorMap t = named_tensors_of(*m);
  at::Tensor embed = t.at("model.embed_tokens.weight").clone().uniform_();
  t["model.embed_tokens.weight"] = embed;
  t.erase("lm_head.weight");
  try {
    load_into(*m, t, /*strict=*/true, /*tie=*/false);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing from checkpoint (1): lm_head.weight"), std::string::npos) << e.what();
  }
  load_into(*m, t, true, /*tie=*/true);
  EXPECT_TRUE(torch::equal(m->lm_head->dense_weight(), embed));
}

TEST(Checkpoint, LoadIntoReportsShapesMissingAndUnexpected) {
  model::ModelConfig cfg = tiny_qwen(true);
  model::CausalLM m(cfg);
  TensorMap t = named_tensors_of(*m);
  t["model.norm.weight"] = torch::ones({7});
  try {
    load_into(*m, t);
    FAIL();
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("tensor 'model.norm.weight'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[7]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[128]"), std::string::npos) << msg;
  }
  t = named_tensors_of(*m);
  t.erase("model.layers.0.mlp.up_proj.weight");
  t["model.layers.9.extra.weight"] = torch::ones({1});
  LoadReport rep = load_into(*m, t, /*strict=*/false);
  EXPECT_EQ(rep.missing, (std::vector<std::string>{"model.layers.0.mlp.up_proj.weight"}));
  EXPECT_EQ(rep.unexpected, (std::vector<std::string>{"model.layers.9.extra.weight"}));
  try {
    load_into(*m, t, /*strict=*/true);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.layers.0.mlp.up_proj.weight"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("model.layers.9.extra.weight"), std::string::npos);
  }
}

TEST(Checkpoint, Fp8BlockScaledDeepSeekCheckpointDequantizesOnLoad) {
  ScratchDir dir;
  model::ModelConfig cfg = model::tiny_deepseek_v3(300);
  cfg.extra["quantization_config"] = {{"quant_method", "fp8"}, {"fmt", "e4m3"}, {"weight_block_size", {128, 128}}};
  model::CausalLM src(cfg);
  model::init_weights(*src, 5);
  const TensorMap full = named_tensors_of(*src);
  EXPECT_TRUE(full.count("model.layers.1.mlp.gate.e_score_correction_bias"));  // a buffer in the checkpoint

  // As DeepSeek ships V3/R1: 2-D projection weights in e4m3 with 128x128 block scales; norms,
  // embeddings, head and the router stay in higher precision.
  TensorMap stored;
  CheckpointSaveOptions opt;
  std::vector<std::string> quantized;
  for (const auto& [name, t] : full) {
    const bool proj = t.dim() == 2 && name.find("proj.weight") != std::string::npos;
    if (!proj) {
      stored[name] = t;
      continue;
    }
    Fp8Blocks q = quantize_fp8_blocks(t);
    stored[name] = q.weight;
    stored[name + "_scale_inv"] = q.scale_inv;
    opt.tensors.stored_dtype[name] = DType::F8_E4M3;
    quantized.push_back(name);
  }
  ASSERT_GT(quantized.size(), 10u);
  // The MTP module repeats the embedding and the output head, as the released checkpoints do.
  const std::string mtp = "model.layers." + std::to_string(cfg.num_hidden_layers) + ".";
  stored[mtp + "embed_tokens.weight"] = full.at("model.embed_tokens.weight");
  stored[mtp + "shared_head.head.weight"] = full.at("lm_head.weight");
  save_checkpoint(dir / "ds", cfg, stored, opt);

  Checkpoint ck = load_checkpoint_tensors(dir / "ds", at::kFloat);
  EXPECT_FALSE(ck.config.extra.contains("quantization_config"));
  for (const auto& [name, t] : ck.tensors) EXPECT_EQ(name.find("_scale_inv"), std::string::npos) << name;
  EXPECT_EQ(ck.tensors.size(), full.size());  // the MTP copies are skipped
  for (const auto& name : quantized) {
    const at::Tensor& w = full.at(name);
    const at::Tensor& back = ck.tensors.at(name);
    ASSERT_EQ(back.sizes(), w.sizes()) << name;
    // e4m3 keeps 3 mantissa bits: relative error <= 2^-4, plus the subnormal step at the low end.
    const double amax = w.abs().max().item<double>();
    EXPECT_TRUE(((back - w).abs() <= w.abs() * 0.0625 + amax / 448.0 * std::ldexp(1.0, -10)).all().item<bool>())
        << name;
  }

  // The directory loads (strictly: every parameter present, the MTP copies folded) and gives the
  // source model's logits within what e4m3 weights allow.
  LoadedModel loaded = load_model_dir(dir / "ds");
  EXPECT_TRUE(torch::equal(loaded.model->model->norm->weight, src->model->norm->weight));
  torch::NoGradGuard no_grad;
  at::Tensor ids = torch::randint(cfg.vocab_size, {2, 16}, torch::kLong);
  at::Tensor want = src->forward(ids), got = loaded.model->forward(ids);
  const double rel = ((got - want).norm() / want.norm()).item<double>();
  std::printf("FP8 V3 checkpoint: logits relative error %.4f\n", rel);
  EXPECT_LT(rel, 0.05);
  EXPECT_GT(rel, 0.0);  // the weights really went through e4m3
}

// An FP8 weight whose block scales are missing (one of them, or all) is refused naming the tensor:
// loaded unscaled it would run and output garbage.
TEST(Checkpoint, Fp8WeightWithoutItsScalesIsAnErrorNamingTheTensor) {
  ScratchDir dir;
  model::ModelConfig cfg = model::tiny_deepseek_v3(300);
  cfg.extra["quantization_config"] = {{"quant_method", "fp8"}, {"fmt", "e4m3"}, {"weight_block_size", {128, 128}}};
  model::CausalLM src(cfg);
  model::init_weights(*src, 5);
  for (const bool drop_all : {false, true}) {
    TensorMap stored;
    CheckpointSaveOptions opt;
    std::string dropped;
    for (const auto& [name, t] : named_tensors_of(*src)) {
      if (t.dim() != 2 || name.find("proj.weight") == std::string::npos) {
        stored[name] = t;
        continue;
      }
      Fp8Blocks q = quantize_fp8_blocks(t);
      stored[name] = q.weight;
      opt.tensors.stored_dtype[name] = DType::F8_E4M3;
      const bool drop = drop_all || (dropped.empty() && name.find("o_proj") != std::string::npos);
      if (!drop) stored[name + "_scale_inv"] = q.scale_inv;
      if (drop && dropped.empty()) dropped = name;
    }
    ASSERT_FALSE(dropped.empty());
    const auto ckpt = dir / (drop_all ? "all" : "one");
    save_checkpoint(ckpt, cfg, stored, opt);
    try {
      load_checkpoint_tensors(ckpt, at::kFloat);
      FAIL() << "an FP8 checkpoint without scales loaded";
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("_scale_inv"), std::string::npos) << what;
      EXPECT_NE(what.find("F8_E4M3"), std::string::npos) << what;
      if (!drop_all) {
        EXPECT_NE(what.find("'" + dropped + "'"), std::string::npos) << what;
      }
    }
  }
}

TEST(Checkpoint, DeepSeekMtpSavesTheSharedCopiesAndLoadsBack) {
  ScratchDir dir;
  model::ModelConfig cfg = model::tiny_deepseek_v3(300);
  model::CausalLM src(cfg);
  model::init_weights(*src, 9);
  save_model_dir(dir / "v3", *src, nullptr);
  TensorMap raw = load_safetensors(dir / "v3/model.safetensors");
  const std::string mtp = "model.layers." + std::to_string(cfg.num_hidden_layers) + ".";
  ASSERT_TRUE(raw.count(mtp + "embed_tokens.weight"));
  EXPECT_TRUE(torch::equal(raw.at(mtp + "embed_tokens.weight"), src->model->embed_tokens->weight));
  EXPECT_TRUE(torch::equal(raw.at(mtp + "shared_head.head.weight"), src->lm_head->dense_weight()));
  EXPECT_FALSE(load_checkpoint_tensors(dir / "v3").tensors.count(mtp + "embed_tokens.weight"));
  LoadedModel back = load_model_dir(dir / "v3");
  expect_same_parameters(*src, *back.model);
}

TEST(Checkpoint, FailedSaveLeavesPreviousCheckpoint) {
  ScratchDir dir;
  const model::ModelConfig cfg = tiny_qwen(true);
  const std::string ck = dir / "ck";
  TensorMap old_tensors{{"a.weight", torch::arange(1000, torch::kFloat)}, {"b.weight", torch::ones({1000})}};
  save_checkpoint(ck, cfg, old_tensors);

  // The new save writes its first shards, then meets a tensor it can't store.
  TensorMap bad{{"a.weight", torch::zeros({1000})},
                {"b.weight", torch::zeros({1000})},
                {"zz.weight", torch::ones({4}, torch::kComplexFloat)}};
  CheckpointSaveOptions opt;
  opt.max_shard_bytes = 4000;
  model::ModelConfig cfg2 = cfg;
  cfg2.num_hidden_layers = 7;
  try {
    save_checkpoint(ck, cfg2, bad, opt);
    FAIL() << "complex tensor accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("zz.weight"), std::string::npos) << e.what();
  }
  Checkpoint back = load_checkpoint_tensors(ck);
  EXPECT_EQ(back.config.num_hidden_layers, cfg.num_hidden_layers);
  ASSERT_EQ(back.tensors.size(), 2u);
  EXPECT_TRUE(torch::equal(back.tensors["a.weight"], old_tensors["a.weight"]));
  for (const auto& e : fs::directory_iterator(dir.str()))
    EXPECT_EQ(e.path().filename(), "ck") << "left behind: " << e.path();

  // A good save replaces it.
  bad.erase("zz.weight");
  save_checkpoint(ck, cfg2, bad, opt);
  back = load_checkpoint_tensors(ck);
  EXPECT_EQ(back.config.num_hidden_layers, 7);
  EXPECT_TRUE(torch::equal(back.tensors["a.weight"], torch::zeros({1000})));
  EXPECT_FALSE(fs::exists(fs::path(ck) / "model.safetensors"));  // sharded now, no stale single file
}

TEST(Checkpoint, RefusesToReplaceANonCheckpointDirectory) {
  ScratchDir dir;
  fs::create_directories(dir / "home");
  testing::write_bytes(dir / "home/notes.txt", "precious");
  EXPECT_THROW(save_checkpoint(dir / "home", tiny_qwen(true), {{"w", torch::ones({1})}}), Error);
  EXPECT_TRUE(fs::exists(dir / "home/notes.txt"));
}

}  // namespace
}  // namespace r1::io

// Quantized checkpoints (io/quantized_checkpoint.h): the stored layout decodes, by the documented
// formula written out as loops here, to the layer's dequantized weights; saving a --quant load and
// loading it back gives the blocks and logits of quantizing at load bit for bit, without a float copy
// of any projection in the file; a format mismatch and an fp32 load are refused naming --quant;
// `r1 export --format safetensors --quant` then `r1 generate --quant` on it answers as on the original.
#include "io/quantized_checkpoint.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "common/cli.h"
#include "core/error.h"
#include "io/io_test_util.h"
#include "io/model_dir.h"
#include "io/safetensors.h"
#include "model/presets.h"
#include "model/quant_linear.h"
#include "text/tokenizer.h"

namespace r1::io {
namespace {

namespace fs = std::filesystem;
using kernels::QuantType;
using testing::ScratchDir;
using testing::quantizable_qwen2;
using testing::tiny_tokenizer;

void write_checkpoint(const fs::path& dir, const model::ModelConfig& cfg) {
  model::CausalLM m(cfg);
  model::init_weights(*m, 11);
  m->to(at::kBFloat16);
  save_model_dir(dir.string(), *m, nullptr);
}

std::map<std::string, model::QuantLinearImpl*> quant_layers(model::CausalLMImpl& m) {
  std::map<std::string, model::QuantLinearImpl*> out;
  for (const auto& item : m.named_modules())
    if (auto* q = dynamic_cast<model::QuantLinearImpl*>(item.value().get())) out[item.key()] = q;
  return out;
}

TEST(QuantizedCheckpoint, StoredLayoutDecodesByItsFormula) {
  torch::manual_seed(3);
  const int64_t out = 5, in = 96;
  const auto w = torch::randn({out, in}) * 0.3;
  for (auto type : {QuantType::q8_0, QuantType::q4_0}) {
    model::QuantLinearImpl layer(type, w, {}, {});
    const auto stored = stored_blocks(type, layer.blocks(), "p");
    const auto want = layer.dense_weight();  // [out, in]
    const auto scale = stored.at("p.weight_scale");
    ASSERT_EQ(scale.scalar_type(), torch::kHalf);
    ASSERT_EQ(scale.sizes(), (std::vector<int64_t>{out, in / 32}));
    for (int64_t r = 0; r < out; ++r)
      for (int64_t j = 0; j < in; ++j) {
        const float s = static_cast<float>(scale[r][j / 32].item<at::Half>());
        int64_t q;
        if (type == QuantType::q8_0) {
          q = stored.at("p.weight")[r][j].item<int8_t>();
        } else {
          const uint32_t word = static_cast<uint32_t>(stored.at("p.weight_packed")[r][j / 8].item<int32_t>());
          q = static_cast<int64_t>((word >> (4 * (j % 8))) & 15u) - 8;
        }
        ASSERT_EQ(s * static_cast<float>(q), want[r][j].item<float>()) << kernels::quant_type_name(type) << " " << r << "," << j;
      }
    if (type == QuantType::q4_0) {
      EXPECT_EQ(stored.at("p.weight_packed").scalar_type(), torch::kInt);
      EXPECT_EQ(stored.at("p.weight_shape")[0].item<int32_t>(), out);
      EXPECT_EQ(stored.at("p.weight_shape")[1].item<int32_t>(), in);
    }
    std::vector<std::string> used;
    const auto back = blocks_from_stored(
        type, [&](const std::string& n) { return stored.count(n) ? stored.at(n) : at::Tensor(); }, "p", &used);
    EXPECT_TRUE(torch::equal(back, layer.blocks())) << kernels::quant_type_name(type);
    EXPECT_EQ(used.size(), stored.size());
    // The other format's reader refuses this layout, naming the tensor it looked for.
    const auto other = type == QuantType::q8_0 ? QuantType::q4_0 : QuantType::q8_0;
    EXPECT_THROW(blocks_from_stored(other, [&](const std::string& n) { return stored.count(n) ? stored.at(n) : at::Tensor(); }, "p"),
                 Error);
  }
}

TEST(QuantizedCheckpoint, SavedQuantizedLoadReloadsBitForBit) {
  ScratchDir dir;
  torch::NoGradGuard ng;
  const auto ids = torch::randint(0, 96, {2, 7}, torch::kInt64);
  for (bool tied : {true, false})
    for (auto quant : {WeightQuant::int8, WeightQuant::int4}) {
      const std::string what = std::string(tied ? "tied " : "untied ") + (quant == WeightQuant::int8 ? "int8" : "int4");
      const fs::path ck = dir / "ck", qck = dir / "qck";
      write_checkpoint(ck, quantizable_qwen2(tied));
      InferenceLoad opt;
      opt.quant = quant;
      auto at_load = load_for_inference(ck.string(), opt);
      save_quantized_model_dir(qck.string(), *at_load.model, quant);

      // No projection is stored in a float type: the file holds the blocks only.
      auto stored = load_safetensors((qck / "model.safetensors").string());
      for (const auto& [name, t] : stored) {
        if (name.find("_proj.") == std::string::npos && name.rfind("lm_head", 0) != 0) continue;
        if (name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0) continue;
        EXPECT_TRUE(t.scalar_type() == torch::kInt8 || t.scalar_type() == torch::kInt ||
                    (t.scalar_type() == torch::kHalf && name.find("weight_scale") != std::string::npos))
            << what << ": " << name << " is " << t.scalar_type();
      }
      EXPECT_TRUE(stored.count("lm_head.weight_scale")) << what;  // a tied head too
      EXPECT_EQ(nlohmann::json::parse(testing::read_bytes((qck / "config.json").string()))["quantization_config"]["r1_quant"], quant == WeightQuant::int8 ? "int8" : "int4");

      model::QuantizeReport rep;
      auto reloaded = load_for_inference(qck.string(), opt, torch::kCPU, &rep);
      auto a = quant_layers(*at_load.model), b = quant_layers(*reloaded.model);
      ASSERT_EQ(a.size(), b.size()) << what;
      EXPECT_EQ(a.size(), 2u * 7u + 1u) << what;
      for (const auto& [name, layer] : a) {
        ASSERT_TRUE(b.count(name)) << what << ": " << name;
        EXPECT_EQ(b[name]->type(), layer->type()) << what << ": " << name;
        EXPECT_TRUE(torch::equal(b[name]->blocks(), layer->blocks())) << what << ": " << name;
        EXPECT_EQ(b[name]->dense_bias().defined(), layer->dense_bias().defined()) << what << ": " << name;
        if (layer->dense_bias().defined()) EXPECT_TRUE(torch::equal(b[name]->dense_bias(), layer->dense_bias())) << name;
      }
      EXPECT_TRUE(torch::equal(reloaded.model->model->embed_tokens->weight, at_load.model->model->embed_tokens->weight));
      EXPECT_TRUE(torch::equal(reloaded.model->forward(ids), at_load.model->forward(ids))) << what;
      const auto row = ids.narrow(0, 0, 1).narrow(1, 0, 1);
      EXPECT_TRUE(torch::equal(reloaded.model->forward(row), at_load.model->forward(row))) << what;

      // The other format, and fp32, are refused naming the stored one.
      InferenceLoad other;
      other.quant = quant == WeightQuant::int8 ? WeightQuant::int4 : WeightQuant::int8;
      for (const auto& bad : {other, InferenceLoad{}}) {
        try {
          load_for_inference(qck.string(), bad);
          ADD_FAILURE() << what << ": loaded with another --quant";
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find(quant == WeightQuant::int8 ? "--quant int8" : "--quant int4"),
                    std::string::npos)
              << e.what();
        }
      }
      EXPECT_THROW(load_model_dir(qck.string()), Error);
      fs::remove_all(ck);
      fs::remove_all(qck);
    }
}

TEST(QuantizedCheckpoint, ExportThenGenerateAnswersAsQuantizingAtLoad) {
  ScratchDir dir;
  const fs::path ck = dir / "ck";
  model::CausalLM m(quantizable_qwen2(true, /*vocab=*/3));
  model::init_weights(*m, 12);
  const auto tok = tiny_tokenizer();
  save_model_dir(ck.string(), *m, &tok);
  for (const std::string q : {"int8", "int4"}) {
    const fs::path out = dir / ("export_" + q);
    auto e = test::run_r1("export --model " + ck.string() + " --format safetensors --quant " + q + " --out " + out.string());
    ASSERT_EQ(e.status, 0) << e.output;
    ASSERT_TRUE(fs::exists(out / "tokenizer.json"));
    const std::string gen = " --prompt ab --temperature 0 --max_new_tokens 8 --quant " + q;
    auto from_export = test::run_r1("generate --model " + out.string() + gen);
    auto at_load = test::run_r1("generate --model " + ck.string() + gen);
    ASSERT_EQ(from_export.status, 0) << from_export.output;
    EXPECT_EQ(from_export.output, at_load.output);
    auto wrong = test::run_r1("generate --model " + out.string() + " --prompt ab --max_new_tokens 2");
    EXPECT_NE(wrong.status, 0);
    EXPECT_NE(wrong.output.find("--quant " + q), std::string::npos) << wrong.output;
  }
  auto no_quant = test::run_r1("export --model " + ck.string() + " --format safetensors --out " + (dir / "x"));
  EXPECT_NE(no_quant.status, 0);
  EXPECT_NE(no_quant.output.find("--quant"), std::string::npos) << no_quant.output;
}

}  // namespace
}  // namespace r1::io

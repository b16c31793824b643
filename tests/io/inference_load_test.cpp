// The streaming quantized load (io/inference_load.h): quantizing tensor by tensor from the mapped
// checkpoint gives exactly the model that loading it in fp32 and then quantizing gives (the
// oracle), the mapping is gone once it returns, errors name the checkpoint's missing tensor, and
// `r1 generate` / `r1 eval` take --quant.
#include "io/inference_load.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "common/cli.h"
#include "core/error.h"
#include "io/checkpoint.h"
#include "io/io_test_util.h"
#include "io/model_dir.h"
#include "model/presets.h"
#include "kernels/f32_matvec.h"
#include "model/f32_linear.h"
#include "model/quant_linear.h"
#include "text/tokenizer.h"

namespace r1::io {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::ScratchDir;
using testing::quantizable_qwen2;

// Writes a seeded model of `cfg` with its tensors stored as `dtype`.
void write_checkpoint(const fs::path& dir, const model::ModelConfig& cfg, at::ScalarType dtype,
                      const text::Tokenizer* tok = nullptr) {
  model::CausalLM m(cfg);
  model::init_weights(*m, 11);
  m->to(dtype);
  save_model_dir(dir.string(), *m, tok);
}

bool mapped_in_this_process(const fs::path& file) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  const std::string name = fs::canonical(file).string();
  while (std::getline(maps, line))
    if (line.find(name) != std::string::npos) return true;
  return false;
}

TEST(InferenceLoad, StreamingQuantizedLoadEqualsQuantizingTheLoadedModel) {
  ScratchDir dir;
  torch::NoGradGuard ng;
  const auto ids = torch::randint(0, 96, {2, 7}, torch::kInt64);
  for (bool tied : {true, false})
    for (auto dtype : {at::kBFloat16, at::kFloat})
      for (auto quant : {WeightQuant::int8, WeightQuant::int4}) {
        const std::string what = std::string(tied ? "tied " : "untied ") + c10::toString(dtype) + " " +
                                 (quant == WeightQuant::int8 ? "int8" : "int4");
        const fs::path ck = dir / "ck";
        write_checkpoint(ck, quantizable_qwen2(tied), dtype);
        InferenceLoad opt;
        opt.quant = quant;
        model::QuantizeReport rep;
        auto streamed = load_for_inference(ck.string(), opt, torch::kCPU, &rep);
        EXPECT_FALSE(mapped_in_this_process(ck / "model.safetensors")) << what;

        auto oracle = load_model_dir(ck.string());
        auto rep_oracle = model::quantize_for_inference(*oracle.model, quantize_options(opt));
        EXPECT_EQ(rep.quantized, rep_oracle.quantized) << what;
        EXPECT_EQ(rep.quantized.size(), 2u * 7u + 1u) << what;  // 7 projections a layer + the head
        EXPECT_TRUE(dynamic_cast<model::QuantLinearImpl*>(streamed.model->lm_head.get())) << what;
        EXPECT_EQ(streamed.model->model->embed_tokens->weight.scalar_type(), at::kBFloat16) << what;
        // Prefill (dequantized tiles) and a one-row step (the block kernel), bit for bit.
        EXPECT_TRUE(torch::equal(streamed.model->forward(ids), oracle.model->forward(ids))) << what;
        const auto row = ids.narrow(0, 0, 1).narrow(1, 0, 1);
        EXPECT_TRUE(torch::equal(streamed.model->forward(row), oracle.model->forward(row))) << what;
        fs::remove_all(ck);
      }
}

TEST(InferenceLoad, NoneIsThePlainFp32Load) {
  ScratchDir dir;
  write_checkpoint(dir / "ck", quantizable_qwen2(true), at::kFloat);
  InferenceLoad plain;
  plain.f32_kernel = "aten";
  auto a = load_for_inference((dir / "ck"), plain);
  auto b = load_model_dir((dir / "ck"));
  const auto ids = torch::randint(0, 96, {1, 5}, torch::kInt64);
  EXPECT_FALSE(a.model->lm_head);  // still tied, still dense
  EXPECT_TRUE(torch::equal(a.model->forward(ids), b.model->forward(ids)));
  // The default on an AVX2 CPU: F32Linear layers (model/f32_linear.h), torch::linear for a prefill of
  // 5 rows, so the same bits; the tied head reads the table itself.
  if (!kernels::f32_matvec_available()) return;
  auto c = load_for_inference((dir / "ck"), InferenceLoad{});
  ASSERT_TRUE(c.model->lm_head);
  EXPECT_TRUE(dynamic_cast<model::F32LinearImpl*>(c.model->lm_head.get()));
  EXPECT_EQ(c.model->lm_head->dense_weight().data_ptr(), c.model->model->embed_tokens->weight.data_ptr());
  EXPECT_TRUE(torch::equal(c.model->forward(ids), b.model->forward(ids)));
}

TEST(InferenceLoad, GenerateGivesTheSameGreedyTextWithTheF32KernelAndAten) {
  if (!kernels::f32_matvec_available()) GTEST_SKIP() << "no AVX2/FMA on this CPU";
  ScratchDir dir;
  const auto tok = testing::tiny_tokenizer();
  write_checkpoint(dir / "ck", quantizable_qwen2(false, /*vocab=*/3), at::kFloat, &tok);
  const std::string cmd = "generate --model " + (dir / "ck") + " --prompt abba --temperature 0 --max_new_tokens 24";
  auto aten = test::run_r1(cmd + " --f32_kernel aten");
  ASSERT_EQ(aten.status, 0) << aten.output;
  for (const std::string threads : {"0", "2"}) {
    auto avx2 = test::run_r1(cmd + " --f32_kernel avx2 --quant_threads " + threads);
    ASSERT_EQ(avx2.status, 0) << avx2.output;
    EXPECT_EQ(avx2.output, aten.output);
  }
  EXPECT_GT(aten.output.size(), std::string("abba").size()) << aten.output;
  auto bad = test::run_r1(cmd + " --f32_kernel blas");
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.output.find("f32_kernel"), std::string::npos) << bad.output;
}

TEST(InferenceLoad, AMissingProjectionIsNamed) {
  ScratchDir dir;
  const auto cfg = quantizable_qwen2(false);
  model::CausalLM m(cfg);
  auto tensors = named_tensors_of(*m);
  tensors.erase("model.layers.1.mlp.up_proj.weight");
  save_checkpoint((dir / "ck"), cfg, tensors);
  InferenceLoad opt;
  opt.quant = WeightQuant::int8;
  try {
    load_for_inference((dir / "ck"), opt);
    FAIL() << "loaded a checkpoint without up_proj";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.layers.1.mlp.up_proj.weight"), std::string::npos) << e.what();
  }
  // An extra tensor the model has no place for is an error too, as in the plain load.
  tensors = named_tensors_of(*m);
  tensors.emplace("model.layers.0.mlp.extra.weight", torch::zeros({2, 2}));
  save_checkpoint((dir / "ck2"), cfg, tensors);
  EXPECT_THROW(load_for_inference((dir / "ck2"), opt), Error);
}

TEST(InferenceLoad, GenerateAndEvalTakeQuant) {
  ScratchDir dir;
  const auto tok = testing::tiny_tokenizer();
  write_checkpoint(dir / "ck", quantizable_qwen2(true, /*vocab=*/3), at::kBFloat16, &tok);
  const std::string model = " --model " + (dir / "ck");
  for (const std::string q : {"int8", "int4"}) {
    auto r = test::run_r1("generate" + model + " --prompt ab --temperature 0 --max_new_tokens 6 --quant " + q);
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(r.output.rfind("ab", 0), 0u) << r.output;
  }
  auto bad = test::run_r1("generate" + model + " --prompt ab --quant int3");
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.output.find("int8"), std::string::npos) << bad.output;  // the choices are listed
  auto help = test::run_r1("eval --help");
  EXPECT_NE(help.output.find("--quant"), std::string::npos) << help.output;
  auto inspect = test::run_r1("inspect " + (dir / "ck") + " --json");
  ASSERT_EQ(inspect.status, 0) << inspect.output;
  const auto mem = json::parse(inspect.output)["weight_memory"];
  EXPECT_LT(mem["int4"].get<int64_t>(), mem["int8"].get<int64_t>());
  EXPECT_LT(mem["int8"].get<int64_t>(), mem["bf16"].get<int64_t>());
  EXPECT_EQ(mem["fp32"].get<int64_t>(), 2 * mem["bf16"].get<int64_t>());
}

}  // namespace
}  // namespace r1::io

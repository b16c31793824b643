// `r1 inspect` on a checkpoint written here: the counts it prints equal the ones computed from the
// tensors that were saved.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "io/checkpoint.h"
#include "io/io_test_util.h"

namespace r1::io {
namespace {

using nlohmann::json;

std::string run_capture(const std::string& cmd, int& status) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  status = ::pclose(p);
  return out;
}

TEST(Inspect, ReportsParametersDtypesShardsAndChatFamily) {
  testing::ScratchDir dir;
  model::ModelConfig cfg;
  cfg.num_hidden_layers = 1;
  TensorMap t{{"model.embed_tokens.weight", torch::zeros({512, 128}, torch::kBFloat16)},
              {"model.norm.weight", torch::ones({128})},
              {"model.layers.0.mlp.up_proj.weight", torch::zeros({384, 128}, torch::kByte)},
              {"model.layers.0.mlp.up_proj.weight_scale_inv", torch::ones({3, 1})}};
  CheckpointSaveOptions opt;
  opt.tensors.stored_dtype["model.layers.0.mlp.up_proj.weight"] = DType::F8_E4M3;
  opt.tokenizer_config = json{{"chat_template", "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"}};
  opt.max_shard_bytes = 100'000;
  save_checkpoint(dir / "ck", cfg, t, opt);

  int status = 0;
  const std::string out = run_capture(std::string(R1_BINARY) + " inspect " + (dir / "ck") + " --json", status);
  ASSERT_EQ(status, 0) << out;
  const json r = json::parse(out);
  EXPECT_EQ(r["architecture"]["model_type"], "qwen2");
  EXPECT_EQ(r["architecture"]["num_hidden_layers"], 1);
  EXPECT_EQ(r["parameters"], 512 * 128 + 128 + 384 * 128);  // scales are not parameters
  EXPECT_EQ(r["dtypes"]["BF16"]["tensors"], 1);
  EXPECT_EQ(r["dtypes"]["F8_E4M3"]["bytes"], 384 * 128);
  EXPECT_EQ(r["dtypes"]["F32"]["tensors"], 2);
  EXPECT_EQ(r["shards"].size(), shard_layout(dir / "ck").files.size());
  EXPECT_GT(r["shards"].size(), 1u);
  EXPECT_NE(r["chat_template_family"].get<std::string>().find("qwen"), std::string::npos) << r["chat_template_family"];

  const std::string text = run_capture(std::string(R1_BINARY) + " inspect " + (dir / "ck"), status);
  ASSERT_EQ(status, 0) << text;
  EXPECT_NE(text.find("parameters: 114816"), std::string::npos) << text;
}

}  // namespace
}  // namespace r1::io

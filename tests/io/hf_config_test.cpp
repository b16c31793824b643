// config.json <-> ModelConfig for the three families, on the published configs (R1_SPEC §6.1, §7.1
// and Meta's Llama-3.1-8B config.json), written out here as the files ship.
#include "io/hf_config.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "io/io_test_util.h"
#include "model/model_config_schema.h"

namespace r1::io {
namespace {

using nlohmann::json;

// deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B config.json.
json distill_qwen_1_5b() {
  return json::parse(R"({
    "_name_or_path": "Qwen/Qwen2.5-Math-1.5B", "architectures": ["Qwen2ForCausalLM"],
    "attention_dropout": 0.0, "bos_token_id": 151643, "eos_token_id": 151643, "hidden_act": "silu",
    "hidden_size": 1536, "initializer_range": 0.02, "intermediate_size": 8960,
    "max_position_embeddings": 131072, "max_window_layers": 21, "model_type": "qwen2",
    "num_attention_heads": 12, "num_hidden_layers": 28, "num_key_value_heads": 2, "rms_norm_eps": 1e-06,
    "rope_theta": 10000, "sliding_window": 4096, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
    "transformers_version": "4.44.0", "use_cache": true, "use_mrope": false, "use_sliding_window": false,
    "vocab_size": 151936})");
}

// meta-llama/Llama-3.1-8B config.json.
json llama31_8b() {
  return json::parse(R"({
    "architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
    "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "hidden_act": "silu", "hidden_size": 4096,
    "initializer_range": 0.02, "intermediate_size": 14336, "max_position_embeddings": 131072, "mlp_bias": false,
    "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8,
    "pretraining_tp": 1, "rms_norm_eps": 1e-05,
    "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                     "original_max_position_embeddings": 8192, "rope_type": "llama3"},
    "rope_theta": 500000.0, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
    "transformers_version": "4.43.0.dev0", "use_cache": true, "vocab_size": 128256})");
}

// deepseek-ai/DeepSeek-R1 config.json (auto_map trimmed).
json deepseek_r1() {
  return json::parse(R"({
    "architectures": ["DeepseekV3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
    "auto_map": {"AutoConfig": "configuration_deepseek.DeepseekV3Config"}, "aux_loss_alpha": 0.001,
    "bos_token_id": 0, "eos_token_id": 1, "ep_size": 1, "first_k_dense_replace": 3, "hidden_act": "silu",
    "hidden_size": 7168, "initializer_range": 0.02, "intermediate_size": 18432, "kv_lora_rank": 512,
    "max_position_embeddings": 163840, "model_type": "deepseek_v3", "moe_intermediate_size": 2048,
    "moe_layer_freq": 1, "n_group": 8, "n_routed_experts": 256, "n_shared_experts": 1, "norm_topk_prob": true,
    "num_attention_heads": 128, "num_experts_per_tok": 8, "num_hidden_layers": 61, "num_key_value_heads": 128,
    "num_nextn_predict_layers": 1, "q_lora_rank": 1536, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64,
    "quantization_config": {"activation_scheme": "dynamic", "fmt": "e4m3", "quant_method": "fp8",
                            "weight_block_size": [128, 128]},
    "rms_norm_eps": 1e-06,
    "rope_scaling": {"beta_fast": 32, "beta_slow": 1, "factor": 40, "mscale": 1.0, "mscale_all_dim": 1.0,
                     "original_max_position_embeddings": 4096, "type": "yarn"},
    "rope_theta": 10000, "routed_scaling_factor": 2.5, "scoring_func": "sigmoid", "seq_aux": true,
    "tie_word_embeddings": false, "topk_group": 4, "topk_method": "noaux_tc", "torch_dtype": "bfloat16",
    "transformers_version": "4.46.3", "use_cache": true, "v_head_dim": 128, "vocab_size": 129280})");
}

// Every key of the original file comes back with the same value (rope_scaling: a superset).
void expect_written_back(const json& original, const json& written) {
  for (const auto& [k, v] : original.items()) {
    ASSERT_TRUE(written.contains(k)) << k;
    if (k == "rope_scaling") {
      for (const auto& [rk, rv] : v.items()) EXPECT_EQ(written[k][rk], rv) << k << "." << rk;
    } else {
      EXPECT_EQ(written[k], v) << k;
    }
  }
}

// Reading `j` fails with an error naming "c.json: field <field>".
void rejects(const json& j, const std::string& field) {
  try {
    config_from_hf(j, "c.json");
    ADD_FAILURE() << field << " accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("c.json: field " + field), std::string::npos) << e.what();
  }
}

// Every field: the schema's keys (model_config_schema.h, independent of config.json's mapping), the
// token ids a run takes from its tokenizer, and the keys r1 keeps unchanged.
void expect_same(const model::ModelConfig& a, const model::ModelConfig& b) {
  EXPECT_EQ(schema::to_json(a), schema::to_json(b));
  EXPECT_EQ(a.bos_token_id, b.bos_token_id);
  EXPECT_EQ(a.eos_token_id, b.eos_token_id);
  EXPECT_EQ(a.extra, b.extra);
}

TEST(HfConfig, DistillQwen15B) {
  const json j = distill_qwen_1_5b();
  model::ModelConfig c = config_from_hf(j);
  EXPECT_EQ(c.arch, "qwen2");
  EXPECT_EQ(c.vocab_size, 151936);
  EXPECT_EQ(c.hidden_size, 1536);
  EXPECT_EQ(c.intermediate_size, 8960);
  EXPECT_EQ(c.num_hidden_layers, 28);
  EXPECT_EQ(c.num_attention_heads, 12);
  EXPECT_EQ(c.num_key_value_heads, 2);
  EXPECT_EQ(c.resolved_head_dim(), 128);
  EXPECT_EQ(c.max_position_embeddings, 131072);
  EXPECT_DOUBLE_EQ(c.rms_norm_eps, 1e-6);
  EXPECT_DOUBLE_EQ(c.rope_theta, 10000.0);
  EXPECT_EQ(c.rope_scaling.type, "none");
  EXPECT_TRUE(c.attention_bias);  // Qwen2: bias on q/k/v, no config key
  EXPECT_FALSE(c.deepseek_v3.has_value());  // no DeepSeek-V3 settings on a Qwen2 config
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_EQ(c.bos_token_id, 151643);
  EXPECT_EQ(c.eos_token_id, 151643);
  EXPECT_EQ(c.extra["torch_dtype"], "bfloat16");
  EXPECT_EQ(c.extra["max_window_layers"], 21);
  EXPECT_FALSE(c.extra.contains("hidden_size"));
  EXPECT_NO_THROW(c.validate());

  const json back = config_to_hf(c);
  expect_written_back(j, back);
  EXPECT_FALSE(back.contains("attention_bias"));
  expect_same(config_from_hf(back), c);
}

TEST(HfConfig, Llama31WithEosListAndLlama3Scaling) {
  const json j = llama31_8b();
  model::ModelConfig c = config_from_hf(j);
  EXPECT_EQ(c.arch, "llama");
  EXPECT_EQ(c.num_key_value_heads, 8);
  EXPECT_EQ(c.resolved_head_dim(), 128);
  EXPECT_FALSE(c.attention_bias);
  EXPECT_FALSE(c.deepseek_v3.has_value());
  EXPECT_DOUBLE_EQ(c.rms_norm_eps, 1e-5);
  EXPECT_DOUBLE_EQ(c.rope_theta, 500000.0);
  EXPECT_EQ(c.rope_scaling.type, "llama3");
  EXPECT_DOUBLE_EQ(c.rope_scaling.factor, 8.0);
  EXPECT_EQ(c.rope_scaling.original_max_position_embeddings, 8192);
  EXPECT_DOUBLE_EQ(c.rope_scaling.low_freq_factor, 1.0);
  EXPECT_DOUBLE_EQ(c.rope_scaling.high_freq_factor, 4.0);
  EXPECT_EQ(c.bos_token_id, 128000);
  EXPECT_EQ(c.eos_token_id, 128001);
  EXPECT_NO_THROW(c.validate());

  const json back = config_to_hf(c);
  expect_written_back(j, back);
  expect_same(config_from_hf(back), c);
}

TEST(HfConfig, DeepSeekR1) {
  const json j = deepseek_r1();
  model::ModelConfig c = config_from_hf(j);
  EXPECT_EQ(c.arch, "deepseek_v3");
  ASSERT_TRUE(c.deepseek_v3.has_value());
  const auto& d = *c.deepseek_v3;
  EXPECT_TRUE(d.rope_interleave);
  EXPECT_FALSE(c.attention_bias);
  EXPECT_EQ(d.q_lora_rank, 1536);
  EXPECT_EQ(d.kv_lora_rank, 512);
  EXPECT_EQ(d.qk_nope_head_dim, 128);
  EXPECT_EQ(d.qk_rope_head_dim, 64);
  EXPECT_EQ(d.v_head_dim, 128);
  EXPECT_EQ(d.n_routed_experts, 256);
  EXPECT_EQ(d.n_shared_experts, 1);
  EXPECT_EQ(d.num_experts_per_tok, 8);
  EXPECT_EQ(d.moe_intermediate_size, 2048);
  EXPECT_EQ(d.n_group, 8);
  EXPECT_EQ(d.topk_group, 4);
  EXPECT_DOUBLE_EQ(d.routed_scaling_factor, 2.5);
  EXPECT_EQ(d.first_k_dense_replace, 3);
  EXPECT_TRUE(d.norm_topk_prob);
  EXPECT_EQ(d.scoring_func, "sigmoid");
  EXPECT_EQ(d.topk_method, "noaux_tc");
  EXPECT_EQ(d.num_nextn_predict_layers, 1);
  EXPECT_EQ(c.max_position_embeddings, 163840);
  EXPECT_EQ(c.rope_scaling.type, "yarn");
  EXPECT_DOUBLE_EQ(c.rope_scaling.factor, 40.0);
  EXPECT_EQ(c.rope_scaling.original_max_position_embeddings, 4096);
  EXPECT_DOUBLE_EQ(c.rope_scaling.beta_fast, 32.0);
  EXPECT_DOUBLE_EQ(c.rope_scaling.beta_slow, 1.0);
  EXPECT_DOUBLE_EQ(c.rope_scaling.mscale, 1.0);
  EXPECT_DOUBLE_EQ(c.rope_scaling.mscale_all_dim, 1.0);
  EXPECT_EQ(c.bos_token_id, 0);
  EXPECT_EQ(c.eos_token_id, 1);
  EXPECT_EQ(c.extra["quantization_config"]["weight_block_size"], json({128, 128}));
  EXPECT_NO_THROW(c.validate());

  const json back = config_to_hf(c);
  expect_written_back(j, back);
  EXPECT_EQ(back["rope_scaling"]["rope_type"], "yarn");
  expect_same(config_from_hf(back), c);
}

TEST(HfConfig, DeepSeekNullQLoraRankMeansDirectQuery) {
  json j = deepseek_r1();
  j["q_lora_rank"] = nullptr;
  EXPECT_EQ(config_from_hf(j).deepseek_v3->q_lora_rank, 0);
  EXPECT_TRUE(config_to_hf(config_from_hf(j))["q_lora_rank"].is_null());
  j.erase("q_lora_rank");
  EXPECT_THROW(config_from_hf(j), Error);
}

TEST(HfConfig, DefaultsWhenOptionalKeysAbsent) {
  json j = {{"model_type", "llama"}, {"vocab_size", 100}, {"hidden_size", 64}, {"intermediate_size", 128},
            {"num_hidden_layers", 2}, {"num_attention_heads", 4}};
  model::ModelConfig c = config_from_hf(j);
  EXPECT_EQ(c.num_key_value_heads, 4);  // = num_attention_heads
  EXPECT_EQ(c.resolved_head_dim(), 16);
  EXPECT_FALSE(c.attention_bias);
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_EQ(c.max_position_embeddings, 2048);
  json back = config_to_hf(c);
  EXPECT_EQ(back["architectures"], json({"LlamaForCausalLM"}));
  EXPECT_EQ(back["model_type"], "llama");
  j["model_type"] = "qwen2";
  EXPECT_TRUE(config_from_hf(j).attention_bias);
}

TEST(HfConfig, MissingRequiredFieldNamesFieldAndFile) {
  testing::ScratchDir dir;
  json j = distill_qwen_1_5b();
  j.erase("num_hidden_layers");
  const std::string path = dir / "config.json";
  testing::write_bytes(path, j.dump());
  try {
    load_hf_config(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": field num_hidden_layers"), std::string::npos) << e.what();
  }
  j = deepseek_r1();
  j.erase("kv_lora_rank");
  try {
    config_from_hf(j, "ds.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ds.json: field kv_lora_rank"), std::string::npos) << e.what();
  }
}

TEST(HfConfig, UnknownFieldsRoundTripThroughFile) {
  testing::ScratchDir dir;
  json j = distill_qwen_1_5b();
  j["my_custom"] = {{"nested", json::array({1, "two", nullptr})}};
  j["rope_scaling"] = {{"type", "yarn"}, {"factor", 4.0}, {"original_max_position_embeddings", 32768},
                       {"attention_factor", 0.9}, {"my_rope_note", "kept"}};
  model::ModelConfig c = config_from_hf(j);
  EXPECT_EQ(c.extra["my_custom"], j["my_custom"]);
  EXPECT_DOUBLE_EQ(c.rope_scaling.attention_factor, 0.9);  // a key r1cpp reads
  EXPECT_EQ(c.extra["rope_scaling"], json({{"my_rope_note", "kept"}}));  // one it only keeps
  const std::string path = dir / "config.json";
  save_hf_config(path, c);
  model::ModelConfig again = load_hf_config(path);
  expect_same(again, c);
  const json written = json::parse(testing::read_bytes(path));
  expect_written_back(j, written);
}

TEST(HfConfig, UnsupportedVariantsAreErrors) {
  json j = distill_qwen_1_5b();
  j["hidden_act"] = "gelu";
  rejects(j, "hidden_act");
  j = distill_qwen_1_5b();
  j["use_sliding_window"] = true;
  rejects(j, "use_sliding_window");
  j = distill_qwen_1_5b();
  j["model_type"] = "mistral";
  rejects(j, "model_type");
  j = distill_qwen_1_5b();
  j["rope_scaling"] = {{"type", "dynamic"}, {"factor", 2.0}};
  rejects(j, "rope_scaling.type");
  j = distill_qwen_1_5b();
  j["num_attention_heads"] = 12.5;
  rejects(j, "num_attention_heads");
}

TEST(HfConfig, OurConfigSurvivesHfRoundTrip) {
  model::ModelConfig c;
  c.arch = "deepseek_v3";
  c.vocab_size = 512;
  c.hidden_size = 64;
  c.intermediate_size = 128;
  c.num_hidden_layers = 3;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 4;
  c.attention_bias = false;
  auto& d = c.deepseek_v3.emplace();
  d.q_lora_rank = 0;
  d.kv_lora_rank = 16;
  d.qk_nope_head_dim = 16;
  d.qk_rope_head_dim = 8;
  d.v_head_dim = 16;
  d.n_routed_experts = 8;
  d.n_shared_experts = 1;
  d.num_experts_per_tok = 2;
  d.moe_intermediate_size = 32;
  d.n_group = 4;
  d.topk_group = 2;
  d.first_k_dense_replace = 1;
  d.bias_update_speed = 0.01;
  d.mtp_loss_weight = 0.1;
  d.num_nextn_predict_layers = 1;
  c.rope_scaling.type = "yarn";
  c.rope_scaling.factor = 4.0;
  c.rope_scaling.mscale_all_dim = 0.707;
  c.validate();
  expect_same(config_from_hf(config_to_hf(c)), c);

  model::ModelConfig q;  // defaults: a tiny qwen2
  q.head_dim = 32;
  q.tie_word_embeddings = true;
  q.bos_token_id = 1;
  q.eos_token_id = 2;
  expect_same(config_from_hf(config_to_hf(q)), q);
}

// Qwen2.5's long-context setting and the other YaRN keys Hugging Face reads: read, then written back
// as they were (no mscale keys added, no original_max_position_embeddings invented).
TEST(HfConfig, YarnKeysOfTheQwen2Family) {
  json j = distill_qwen_1_5b();
  j["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4.0}, {"original_max_position_embeddings", 32768}};
  model::ModelConfig c = config_from_hf(j);
  EXPECT_EQ(c.rope_scaling.type, "yarn");
  EXPECT_EQ(c.rope_scaling.original_max_position_embeddings, 32768);
  EXPECT_EQ(c.rope_scaling.mscale, 0.0);  // absent
  json back = config_to_hf(c);
  EXPECT_FALSE(back["rope_scaling"].contains("mscale"));
  EXPECT_FALSE(back["rope_scaling"].contains("mscale_all_dim"));
  EXPECT_FALSE(back["rope_scaling"].contains("attention_factor"));
  expect_same(config_from_hf(back), c);

  j["rope_scaling"] = {{"type", "yarn"}, {"factor", 2.0}, {"attention_factor", 1.25}};  // no original context
  c = config_from_hf(j);
  EXPECT_EQ(c.rope_scaling.original_max_position_embeddings, 0);  // rope.h uses max_position_embeddings
  EXPECT_DOUBLE_EQ(c.rope_scaling.attention_factor, 1.25);
  back = config_to_hf(c);
  EXPECT_FALSE(back["rope_scaling"].contains("original_max_position_embeddings"));
  EXPECT_DOUBLE_EQ(back["rope_scaling"]["attention_factor"].get<double>(), 1.25);
  expect_same(config_from_hf(back), c);

  j["rope_scaling"]["truncate"] = false;
  rejects(j, "rope_scaling.truncate");
  j = distill_qwen_1_5b();
  j["rope_interleave"] = true;  // only DeepSeek-V3 rotates adjacent pairs
  rejects(j, "rope_interleave");
}

}  // namespace
}  // namespace r1::io
